/**
 * The executor contract: one API whatever runs the tasks. Each backend only starts, cancels and
 * closes jobs; submit, map, imap, settle, abort and per-call timeouts are written here once.
 */
import { availableParallelism } from 'node:os';
import type { Backend, Mode } from './backends/backend.ts';
import { createBackend } from './backends/registry.ts';
import { ExecutorClosedError, InvalidOptionsError } from './errors.ts';
import { Job } from './internal/job.ts';
import {
  abortError,
  type ImapOptions,
  type JobDefaults,
  type MapOptions,
  MapRun,
  validateMapOptions,
} from './mapping.ts';
import { type AnyTaskRef, isTaskRef, show, type TaskRef } from './tasks.ts';

export type { Mode };

export interface ExecutorOptions {
  /** How tasks run: on the event loop (sync, async), on worker threads, child processes or Redis workers. */
  mode: Mode;
  /** Parallel tasks. Default: 1 for sync, unbounded for async, the number of cores for pools. */
  workers?: number | undefined;
  /** A task run once in each worker before its first task (once in total for sync/async). */
  initializer?: AnyTaskRef | undefined;
  initArgs?: unknown[] | undefined;
  /** Per-task timeout, counted from when the task starts running. */
  taskTimeoutMs?: number | undefined;
  /** Re-runs of a task that threw, crashed its worker or timed out. Default 0. */
  retries?: number | undefined;
  /** Replace a pool worker after it ran this many tasks. Default: never. */
  maxTasksPerWorker?: number | undefined;
  /** Stop a pool worker idle this long (ms). Default: keep until close. */
  idleTimeoutMs?: number | undefined;
  /** distributed only: the Redis URL (redis:// or rediss://). */
  redis?: string | undefined;
  /** distributed only: the BullMQ queue name. Default 'conc'. */
  queue?: string | undefined;
}

export interface RunOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

export interface ExecutorStats {
  mode: Mode;
  submitted: number;
  completed: number;
  failed: number;
  running: number;
  queued: number;
  workers: number;
  /** Backend details, e.g. auto's chosen mode. */
  [key: string]: unknown;
}

export interface Executor extends AsyncDisposable {
  readonly mode: Mode;
  /** The resolved width (Infinity for unbounded async). */
  readonly workers: number;
  /** Runs one task; resolves to its result. */
  submit<A extends unknown[], R>(task: TaskRef<A, R>, ...args: A): Promise<R>;
  /** `submit` with options: an AbortSignal and a timeout for this task. */
  run<A extends unknown[], R>(task: TaskRef<A, R>, args: A, options?: RunOptions): Promise<R>;
  /** Runs the task once per item; results in input order. Rejects at the first failure unless `settle`. */
  map<T, R>(
    task: TaskRef<[T], R>,
    items: Iterable<T> | AsyncIterable<T>,
    options?: MapOptions & { settle?: false },
  ): Promise<R[]>;
  map<T, R>(
    task: TaskRef<[T], R>,
    items: Iterable<T> | AsyncIterable<T>,
    options: MapOptions & { settle: true },
  ): Promise<PromiseSettledResult<R>[]>;
  /** Streams results lazily: in input order, or in completion order with `ordered: false`. */
  imap<T, R>(
    task: TaskRef<[T], R>,
    items: Iterable<T> | AsyncIterable<T>,
    options?: ImapOptions & { settle?: false },
  ): AsyncGenerator<R, void, undefined>;
  imap<T, R>(
    task: TaskRef<[T], R>,
    items: Iterable<T> | AsyncIterable<T>,
    options: ImapOptions & { settle: true },
  ): AsyncGenerator<PromiseSettledResult<R>, void, undefined>;
  /** Drains running and queued work (or with `cancel`, stops it), then releases every worker. */
  close(options?: { cancel?: boolean }): Promise<void>;
  stats(): ExecutorStats;
}

/** Every mode, in the order the docs list them. */
export const MODES: readonly Mode[] = ['sync', 'async', 'threads', 'processes', 'distributed', 'auto'];
const OPTION_KEYS = new Set([
  'mode',
  'workers',
  'initializer',
  'initArgs',
  'taskTimeoutMs',
  'retries',
  'maxTasksPerWorker',
  'idleTimeoutMs',
  'redis',
  'queue',
]);

/** Options after validation, with defaults filled in. */
export interface ResolvedOptions {
  mode: Mode;
  workers: number;
  initializer: TaskRef | undefined;
  initArgs: unknown[];
  taskTimeoutMs: number | undefined;
  retries: number;
  maxTasksPerWorker: number;
  idleTimeoutMs: number;
  redis: string | undefined;
  queue: string;
}

export function resolveOptions(options: ExecutorOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionsError(
      `createExecutor(options): options must be an object like { mode: 'threads' }; got ${show(options)}.`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw new InvalidOptionsError(
        `createExecutor: unknown option "${key}". Known options: ${[...OPTION_KEYS].join(', ')}.`,
      );
    }
  }
  const { mode } = options;
  if (!MODES.includes(mode)) {
    throw new InvalidOptionsError(
      `createExecutor: mode must be one of ${MODES.join(', ')}; got ${show(mode)}.`,
    );
  }
  const cores = availableParallelism();
  const defaultWorkers = mode === 'sync' ? 1 : mode === 'async' ? Number.POSITIVE_INFINITY : cores;
  const workers = options.workers ?? defaultWorkers;
  const unbounded = mode === 'async' && workers === Number.POSITIVE_INFINITY;
  if (!unbounded && !(Number.isInteger(workers) && workers >= 1)) {
    throw new InvalidOptionsError(
      `createExecutor: workers must be an integer ≥ 1${mode === 'async' ? ' or Infinity' : ''}; got ${show(workers)}.`,
    );
  }
  if (mode === 'sync' && workers !== 1) {
    throw new InvalidOptionsError(
      `createExecutor: mode 'sync' runs one task at a time (workers: 1); got workers ${workers}. Use mode 'async', 'threads' or 'processes' to run several at once.`,
    );
  }
  if (options.initializer !== undefined && !isTaskRef(options.initializer)) {
    throw new InvalidOptionsError(
      `createExecutor: initializer must be a task reference from defineTasks(); got ${show(options.initializer)}.`,
    );
  }
  if (options.initArgs !== undefined && !Array.isArray(options.initArgs)) {
    throw new InvalidOptionsError(
      `createExecutor: initArgs must be an array of arguments; got ${show(options.initArgs)}.`,
    );
  }
  const positive = (name: string, value: unknown, allowInfinity: boolean): void => {
    if (value === undefined) return;
    const ok = typeof value === 'number' && value > 0 && (Number.isFinite(value) || allowInfinity);
    if (!ok)
      throw new InvalidOptionsError(
        `createExecutor: ${name} must be a positive number${allowInfinity ? ' or Infinity' : ''}; got ${show(value)}.`,
      );
  };
  positive('taskTimeoutMs', options.taskTimeoutMs, false);
  positive('idleTimeoutMs', options.idleTimeoutMs, true);
  const { retries, maxTasksPerWorker } = options;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0)) {
    throw new InvalidOptionsError(`createExecutor: retries must be an integer ≥ 0; got ${show(retries)}.`);
  }
  if (
    maxTasksPerWorker !== undefined &&
    !(
      maxTasksPerWorker === Number.POSITIVE_INFINITY ||
      (Number.isInteger(maxTasksPerWorker) && maxTasksPerWorker >= 1)
    )
  ) {
    throw new InvalidOptionsError(
      `createExecutor: maxTasksPerWorker must be an integer ≥ 1 or Infinity; got ${show(maxTasksPerWorker)}.`,
    );
  }
  if (mode !== 'distributed') {
    for (const key of ['redis', 'queue'] as const) {
      if (options[key] !== undefined) {
        throw new InvalidOptionsError(
          `createExecutor: "${key}" applies to mode 'distributed' only; got it with mode '${mode}'.`,
        );
      }
    }
  }
  return {
    mode,
    workers,
    initializer: options.initializer,
    initArgs: options.initArgs ?? [],
    taskTimeoutMs: options.taskTimeoutMs,
    retries: retries ?? 0,
    maxTasksPerWorker: maxTasksPerWorker ?? Number.POSITIVE_INFINITY,
    idleTimeoutMs: options.idleTimeoutMs ?? Number.POSITIVE_INFINITY,
    redis: options.redis,
    queue: options.queue ?? 'conc',
  };
}

/**
 * Creates an executor. Same calls whatever the mode; change one option to change how work runs.
 *
 * @example
 * await using ex = createExecutor({ mode: 'threads', workers: 2 });
 * const sums = await ex.map(tasks.sumOfSquares, [5_000_000, 5_000_001]);
 */
export function createExecutor(options: ExecutorOptions): Executor {
  const resolved = resolveOptions(options);
  return new ExecutorImpl(resolved, createBackend(resolved));
}

class ExecutorImpl implements Executor {
  readonly mode: Mode;
  readonly workers: number;
  #backend: Backend;
  #opts: ResolvedOptions;
  #closed = false;
  #closing: Promise<void> | undefined;
  #submitted = 0;
  #completed = 0;
  #failed = 0;

  constructor(opts: ResolvedOptions, backend: Backend) {
    this.#opts = opts;
    this.#backend = backend;
    this.mode = opts.mode;
    this.workers = opts.workers;
  }

  submit<A extends unknown[], R>(task: TaskRef<A, R>, ...args: A): Promise<R> {
    return this.run(task, args);
  }

  run<A extends unknown[], R>(task: TaskRef<A, R>, args: A, options?: RunOptions): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#check(task, 'submit');
      if (!Array.isArray(args))
        throw new InvalidOptionsError(`run(task, args): args must be an array; got ${show(args)}.`);
      if (options !== undefined) validateMapOptions(options, 'run');
      const signal = options?.signal;
      if (signal?.aborted) throw abortError(signal);
      let onAbort: (() => void) | undefined;
      const job = new Job(
        task as TaskRef,
        args,
        false,
        options?.timeoutMs ?? this.#opts.taskTimeoutMs,
        this.#opts.retries,
        (error, value) => {
          if (onAbort) signal?.removeEventListener('abort', onAbort);
          if (error === undefined) {
            this.#completed++;
            resolve(value as R);
          } else {
            this.#failed++;
            reject(error);
          }
        },
      );
      if (signal) {
        onAbort = () => this.#backend.cancel(job, abortError(signal));
        signal.addEventListener('abort', onAbort, { once: true });
      }
      this.#submitted++;
      this.#backend.start(job);
    });
  }

  async map(
    task: TaskRef,
    items: Iterable<unknown> | AsyncIterable<unknown>,
    options: MapOptions = {},
  ): Promise<never[]> {
    this.#check(task, 'map');
    validateMapOptions(options, 'map');
    const settle = options.settle === true;
    const run = this.#mapRun(task, items, options, !settle);
    const results: unknown[] = [];
    try {
      for (let next = await run.next(); next; next = await run.next()) {
        const [index, outcome] = next;
        results[index] = settle ? outcome : (outcome as PromiseFulfilledResult<unknown>).value;
      }
    } finally {
      await run.finish();
    }
    return results as never[];
  }

  async *imap(
    task: TaskRef,
    items: Iterable<unknown> | AsyncIterable<unknown>,
    options: ImapOptions = {},
  ): AsyncGenerator<never, void, undefined> {
    this.#check(task, 'imap');
    validateMapOptions(options, 'imap');
    const settle = options.settle === true;
    const run = this.#mapRun(task, items, options, false);
    try {
      for (let next = await run.next(); next; next = await run.next()) {
        const outcome = next[1];
        if (settle) yield outcome as never;
        else if (outcome.status === 'fulfilled') yield outcome.value as never;
        else throw outcome.reason;
      }
    } finally {
      await run.finish();
    }
  }

  close(options: { cancel?: boolean } = {}): Promise<void> {
    this.#closed = true;
    const cancel = options.cancel === true;
    if (this.#closing && !cancel) return this.#closing;
    // a cancelling close may also cut short a drain already in progress
    const closing = this.#backend.close(cancel);
    this.#closing = this.#closing ? Promise.all([this.#closing, closing]).then(() => undefined) : closing;
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  stats(): ExecutorStats {
    return {
      mode: this.mode,
      submitted: this.#submitted,
      completed: this.#completed,
      failed: this.#failed,
      ...this.#backend.stats(),
      ...this.#backend.info?.(),
    };
  }

  #check(task: unknown, call: string): void {
    if (this.#closed) throw new ExecutorClosedError(call);
    if (!isTaskRef(task)) {
      throw new InvalidOptionsError(
        `${call}(task, …): task must be a task reference from defineTasks(import.meta.url, { fn }); got ${show(task)}.`,
      );
    }
  }

  #mapRun(task: TaskRef, items: unknown, options: ImapOptions, failFast: boolean): MapRun {
    const defaults: JobDefaults = {
      timeoutMs: this.#opts.taskTimeoutMs,
      retries: this.#opts.retries,
      failFast,
      onStart: (n) => {
        this.#submitted += n;
      },
      onItem: (ok) => {
        if (ok) this.#completed++;
        else this.#failed++;
      },
    };
    return new MapRun(this.#backend, task, items, options, defaults);
  }
}
