/**
 * `sync` and `async`: tasks run on this thread's event loop, calling the local function directly.
 * sync runs one task at a time (the article's plain loop); async runs up to `workers` at once
 * (asyncio.gather with a bound). A timed-out or aborted task settles at once and its `taskSignal()`
 * aborts; nothing here can stop a function that ignores it, so such a task is abandoned (its slot freed,
 * whatever it returns later dropped). A task that held the thread past its timeout is a timeout, never
 * a success.
 *
 * With `clone`, arguments and results are structured-cloned as a pool would clone them, so that work
 * `auto` samples here crosses exactly as it will on threads.
 */
import type { Backend, BackendStats, Cancel } from '../core/backend.ts';
import type { Job } from '../core/job.ts';
import { type Failure, type Outcome, uncloneableArguments, uncloneableResult } from '../core/outcome.ts';
import { publicError } from '../core/public-error.ts';
import { TaskNotFoundError } from '../errors.ts';
import { fromWireError, toWireError } from '../internal/error-wire.ts';
import { resolveTask } from '../internal/resolve-task.ts';
import { callInScope, TaskScope } from '../task-signal.ts';
import type { TaskRef } from '../tasks.ts';
import { Deque } from '../util/deque.ts';

export interface InlineOptions {
  mode: 'sync' | 'async';
  workers: number;
  initializer?: TaskRef | undefined;
  initArgs: unknown[];
  /** How long the initializer may run before every task fails (default: no limit). */
  initTimeoutMs?: number | undefined;
  /** Clone arguments and results (auto's sampling). Default false: passed by reference. */
  clone?: boolean | undefined;
}

type Fn = (...args: unknown[]) => unknown;

/** A job running here: its cancellation, its timeout's timer, when it started (timed jobs). */
interface Running {
  scope: TaskScope;
  timer: NodeJS.Timeout | undefined;
  startedAt: number;
}

export class InlineBackend implements Backend {
  readonly mode: 'sync' | 'async';
  readonly concurrency: number;
  readonly window: number;
  #opts: InlineOptions;
  #queue = new Deque<Job>();
  #running = new Map<Job, Running>();
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
      else if (this.#running.size < this.concurrency) this.#launch(job);
      else this.#queue.push(job);
    }
  }

  cancel(job: Job, reason: unknown): void {
    if (job.settled) return;
    job.settle({ kind: 'aborted', reason });
    const running = this.#running.get(job);
    if (!running) {
      this.#next(); // drops it from the queue (and a draining close() may now finish)
      return;
    }
    running.scope.abort(reason);
    this.#release(job);
  }

  /** Runs the initializer now (once in total, as before a first task); rejects with InitializerError if it threw. */
  async ready(): Promise<void> {
    const broken = await this.#initialize();
    if (broken) throw publicError(broken as Failure, 'ready');
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

  /** Runs a job; should conc itself fail while running it, the job still settles (never an unhandled rejection). */
  #launch(job: Job): void {
    this.#run(job).catch((error: unknown) => {
      if (this.#running.has(job)) this.#release(job);
      if (!job.settled) job.settle({ kind: 'threw', error });
    });
  }

  async #run(job: Job): Promise<void> {
    if (!job.markRunning()) return this.#next();
    const running: Running = { scope: new TaskScope(), timer: undefined, startedAt: 0 };
    const ms = job.timeoutMs;
    if (ms !== undefined) {
      running.startedAt = performance.now();
      running.timer = setTimeout(() => this.#timedOut(job, ms), ms);
    }
    this.#running.set(job, running);
    let outcome = await this.#call(job, running.scope);
    if (job.settled || !this.#running.has(job)) return; // cancelled or timed out meanwhile
    // a task that held the thread past its timeout returns before the timer could fire: still a timeout
    if (ms !== undefined && performance.now() - running.startedAt > ms) outcome = { kind: 'timeout', ms };
    this.#release(job);
    job.settle(outcome);
  }

  #timedOut(job: Job, ms: number): void {
    const running = this.#running.get(job);
    if (job.settled || !running) return;
    const outcome: Outcome = { kind: 'timeout', ms };
    running.scope.abort(publicError(outcome, job.ref.name));
    this.#release(job);
    job.settle(outcome);
  }

  async #call(job: Job, scope: TaskScope): Promise<Outcome> {
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
      value = await callInScope(scope, fn, args);
    } catch (error) {
      // cloning (auto's sampling): the error crosses as it would from a thread
      return { kind: 'threw', error: this.#opts.clone ? fromWireError(toWireError(error)) : error };
    }
    if (!this.#opts.clone) return { kind: 'ok', value };
    try {
      return { kind: 'ok', value: structuredClone(value) };
    } catch (error) {
      return uncloneableResult(job.ref.name, (error as Error).message);
    }
  }

  #release(job: Job): void {
    const timer = this.#running.get(job)?.timer;
    if (timer) clearTimeout(timer);
    this.#running.delete(job);
    this.#next();
  }

  #next(): void {
    while (this.#queue.length > 0 && this.#running.size < this.concurrency) {
      const job = this.#queue.shift()!;
      if (job.settled) continue;
      this.#launch(job);
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
        await withinInitTimeout(fn(...this.#opts.initArgs), this.#opts.initTimeoutMs);
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

/** Waits for the initializer; throws what it throws, or a TimeoutError once `ms` passed without an end. */
async function withinInitTimeout(result: unknown, ms: number | undefined): Promise<void> {
  if (ms === undefined) {
    await result;
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`it did not finish within initTimeoutMs (${ms} ms)`);
      error.name = 'TimeoutError';
      reject(error);
    }, ms);
  });
  try {
    await Promise.race([result, late]);
  } finally {
    clearTimeout(timer);
  }
}
