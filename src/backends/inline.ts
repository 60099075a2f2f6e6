/**
 * `sync` and `async`: tasks run on this thread's event loop, calling the local function directly.
 * sync runs one task at a time (the article's plain loop); async runs up to `workers` at once
 * (asyncio.gather with a bound). Neither can stop a running function: a timed-out or aborted task is
 * abandoned (its slot freed, its eventual result ignored).
 */
import { AbortError, InitializerError, TaskError, TaskNotFoundError, TaskTimeoutError } from '../errors.ts';
import { Deque } from '../internal/deque.ts';
import type { Job } from '../internal/job.ts';
import { ResolveError, resolveTask } from '../internal/resolve-task.ts';
import type { TaskRef } from '../tasks.ts';
import type { Backend, BackendStats } from './backend.ts';

export interface InlineOptions {
  mode: 'sync' | 'async';
  workers: number;
  initializer?: TaskRef | undefined;
  initArgs: unknown[];
}

type Fn = (...args: unknown[]) => unknown;

export class InlineBackend implements Backend {
  readonly mode: 'sync' | 'async';
  readonly concurrency: number;
  readonly window: number;
  readonly clonesArguments = false;
  #opts: InlineOptions;
  #queue = new Deque<Job>();
  #running = new Map<Job, NodeJS.Timeout | undefined>();
  #init: Promise<void> | undefined;
  #broken: InitializerError | undefined;
  #idleWaiters: (() => void)[] = [];

  constructor(options: InlineOptions) {
    this.#opts = options;
    this.mode = options.mode;
    this.concurrency = options.workers;
    this.window = Number.isFinite(options.workers) ? Math.max(16, options.workers * 2) : 1024;
  }

  start(job: Job): void {
    if (this.#broken) {
      job.settle(this.#broken);
      return;
    }
    if (this.#running.size < this.concurrency) void this.#run(job);
    else this.#queue.push(job);
  }

  cancel(job: Job, reason: unknown): void {
    if (job.settled) return;
    job.settle(reason);
    if (this.#running.has(job)) this.#release(job);
    else this.#next(); // drops it from the queue (and a draining close() may now finish)
  }

  stats(): BackendStats {
    return { running: this.#running.size, queued: this.#queue.length, workers: this.mode === 'sync' ? 1 : 0 };
  }

  async close(cancel: boolean): Promise<void> {
    if (cancel) {
      const reason = new AbortError(
        'The executor was closed with { cancel: true } before this task finished.',
      );
      for (const job of this.#queue.drain()) if (!job.settled) job.settle(reason);
      for (const job of [...this.#running.keys()]) this.cancel(job, reason);
      return;
    }
    if (this.#running.size === 0 && this.#queue.length === 0) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  async #run(job: Job): Promise<void> {
    if (!job.markRunning()) return this.#next();
    let timer: NodeJS.Timeout | undefined;
    if (job.timeoutMs !== undefined) {
      const ms = job.timeoutMs;
      timer = setTimeout(() => {
        if (job.settled) return;
        this.#release(job);
        if (job.retry()) this.start(job);
        else job.settle(new TaskTimeoutError(job.ref.name, ms));
      }, ms);
    }
    this.#running.set(job, timer);
    let error: unknown;
    let value: unknown;
    let failed = false;
    try {
      await this.#initialize();
      const fn = await this.#resolve(job.ref);
      value = job.batch ? await runBatch(fn, job) : await fn(...job.args);
    } catch (thrown) {
      failed = true;
      error = thrown;
    }
    if (job.settled || !this.#running.has(job)) return; // cancelled or timed out meanwhile
    this.#release(job);
    if (!failed) return job.settle(undefined, value);
    if (error instanceof InitializerError || error instanceof TaskNotFoundError) return job.settle(error);
    if (job.retry()) return this.start(job);
    job.settle(new TaskError(job.ref.name, error));
  }

  #release(job: Job): void {
    const timer = this.#running.get(job);
    if (timer) clearTimeout(timer);
    this.#running.delete(job);
    this.#next();
  }

  #next(): void {
    while (this.#queue.length > 0 && this.#running.size < this.concurrency) {
      const job = this.#queue.shift()!;
      if (job.settled) continue;
      void this.#run(job);
    }
    if (this.#running.size === 0 && this.#queue.length === 0 && this.#idleWaiters.length > 0) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  /** The initializer runs once in total, before the first task. */
  #initialize(): Promise<void> {
    const init = this.#opts.initializer;
    if (!init) return Promise.resolve();
    this.#init ??= (async () => {
      try {
        const fn = await this.#resolve(init);
        await fn(...this.#opts.initArgs);
      } catch (error) {
        const cause = error instanceof Error ? error : new Error(String(error));
        this.#broken = new InitializerError(
          `The initializer "${init.name}" threw ${cause.name}: ${cause.message}. ` +
            'No task can run in this executor; fix the initializer and create a new executor.',
          { cause },
        );
        for (const job of this.#queue.drain()) if (!job.settled) job.settle(this.#broken);
      }
    })();
    return this.#init.then(() => {
      if (this.#broken) throw this.#broken;
    });
  }

  async #resolve(ref: TaskRef): Promise<Fn> {
    if (ref.fn) return ref.fn as Fn;
    try {
      return await resolveTask(ref.module, ref.name);
    } catch (error) {
      if (error instanceof ResolveError) throw new TaskNotFoundError(error.message, { cause: error.cause });
      throw error;
    }
  }
}

async function runBatch(fn: Fn, job: Job): Promise<PromiseSettledResult<unknown>[]> {
  const out: PromiseSettledResult<unknown>[] = [];
  for (const args of job.args as unknown[][]) {
    try {
      out.push({ status: 'fulfilled', value: await fn(...args) });
    } catch (error) {
      out.push({ status: 'rejected', reason: new TaskError(job.ref.name, error) });
    }
  }
  return out;
}
