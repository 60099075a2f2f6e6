/**
 * `sync` and `async`: tasks run on this thread's event loop, calling the local function directly.
 * sync runs one task at a time (the article's plain loop); async runs up to `workers` at once
 * (asyncio.gather with a bound). Neither can stop a running function: a timed-out or aborted task is
 * abandoned (its slot freed, its eventual result ignored).
 *
 * With `clone`, arguments and results are structured-cloned as a pool would clone them, so that work
 * `auto` samples here crosses exactly as it will on threads.
 */
import type { Backend, BackendStats, Cancel } from '../core/backend.ts';
import type { Job } from '../core/job.ts';
import { type Outcome, uncloneableArguments, uncloneableResult } from '../core/outcome.ts';
import { TaskNotFoundError } from '../errors.ts';
import { resolveTask } from '../internal/resolve-task.ts';
import type { TaskRef } from '../tasks.ts';
import { Deque } from '../util/deque.ts';

export interface InlineOptions {
  mode: 'sync' | 'async';
  workers: number;
  initializer?: TaskRef | undefined;
  initArgs: unknown[];
  /** Clone arguments and results (auto's sampling). Default false: passed by reference. */
  clone?: boolean | undefined;
}

type Fn = (...args: unknown[]) => unknown;

export class InlineBackend implements Backend {
  readonly mode: 'sync' | 'async';
  readonly concurrency: number;
  readonly window: number;
  #opts: InlineOptions;
  #queue = new Deque<Job>();
  #running = new Map<Job, NodeJS.Timeout | undefined>();
  #init: Promise<Outcome | undefined> | undefined;
  #broken: Outcome | undefined;
  #idleWaiters: (() => void)[] = [];

  constructor(options: InlineOptions) {
    this.#opts = options;
    this.mode = options.mode;
    this.concurrency = options.mode === 'sync' ? 1 : options.workers;
    this.window = Number.isFinite(this.concurrency) ? Math.max(16, this.concurrency * 2) : 1024;
  }

  start(jobs: readonly Job[]): void {
    for (const job of jobs) {
      if (this.#broken) job.settle(this.#broken);
      else if (this.#running.size < this.concurrency) void this.#run(job);
      else this.#queue.push(job);
    }
  }

  cancel(job: Job, reason: unknown): void {
    if (job.settled) return;
    job.settle({ kind: 'aborted', reason });
    if (this.#running.has(job)) this.#release(job);
    else this.#next(); // drops it from the queue (and a draining close() may now finish)
  }

  stats(): BackendStats {
    return { running: this.#running.size, queued: this.#queue.length, workers: this.mode === 'sync' ? 1 : 0 };
  }

  async close(cancel?: Cancel): Promise<void> {
    if (cancel) {
      const { reason } = cancel;
      for (const job of this.#queue.drain()) if (!job.settled) job.settle({ kind: 'aborted', reason });
      for (const job of [...this.#running.keys()]) this.cancel(job, reason);
      return;
    }
    if (this.#running.size === 0 && this.#queue.length === 0) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  async #run(job: Job): Promise<void> {
    if (!job.markRunning()) return this.#next();
    let timer: NodeJS.Timeout | undefined;
    const ms = job.timeoutMs;
    if (ms !== undefined) {
      timer = setTimeout(() => {
        if (job.settled) return;
        this.#release(job);
        job.settle({ kind: 'timeout', ms });
      }, ms);
    }
    this.#running.set(job, timer);
    const outcome = await this.#call(job);
    if (job.settled || !this.#running.has(job)) return; // cancelled or timed out meanwhile
    this.#release(job);
    job.settle(outcome);
  }

  async #call(job: Job): Promise<Outcome> {
    const broken = await this.#initialize();
    if (broken) return broken;
    let fn: Fn;
    try {
      fn = await this.#resolve(job.ref);
    } catch (error) {
      if (error instanceof TaskNotFoundError)
        return { kind: 'not-found', message: error.message, cause: error.cause };
      return { kind: 'threw', error };
    }
    let args = job.args;
    if (this.#opts.clone) {
      try {
        args = structuredClone(args);
      } catch (error) {
        return uncloneableArguments(job.ref.name, error);
      }
    }
    let value: unknown;
    try {
      value = await fn(...args);
    } catch (error) {
      return { kind: 'threw', error };
    }
    if (!this.#opts.clone) return { kind: 'ok', value };
    try {
      return { kind: 'ok', value: structuredClone(value) };
    } catch (error) {
      return uncloneableResult(job.ref.name, (error as Error).message);
    }
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

  /** The initializer runs once in total, before the first task; its failure fails every task after it. */
  #initialize(): Promise<Outcome | undefined> {
    const init = this.#opts.initializer;
    if (!init) return Promise.resolve(undefined);
    this.#init ??= (async () => {
      try {
        const fn = await this.#resolve(init);
        await fn(...this.#opts.initArgs);
        return undefined;
      } catch (error) {
        this.#broken = { kind: 'init-failed', initializer: init.name, error };
        for (const job of this.#queue.drain()) if (!job.settled) job.settle(this.#broken);
        return this.#broken;
      }
    })();
    return this.#init;
  }

  async #resolve(ref: TaskRef): Promise<Fn> {
    return ref.fn ? (ref.fn as Fn) : await resolveTask(ref.module, ref.name);
  }
}
