/**
 * The executor's options: one object for every mode, validated eagerly, defaults filled in. Switching
 * mode is one option: `workers`, `maxTasksPerWorker` and `idleTimeoutMs` are bounds and tuning that
 * every mode accepts and applies where they mean something; only `redis` and `queue`, which name
 * another system, are refused outside mode 'distributed'.
 */
import { availableParallelism } from 'node:os';
import type { Mode } from './core/backend.ts';
import { InvalidOptionsError } from './errors.ts';
import { type AnyTaskRef, isTaskRef, type TaskRef } from './tasks.ts';
import { show } from './util/show.ts';

/** How tasks run: `sync`, `async`, `threads`, `processes`, `distributed` or `auto` (see {@link ExecutorOptions}). */
export type { Mode };

/**
 * What {@link createExecutor} takes: one object for every mode. Only `mode` is required. Every option is
 * checked when the executor is created: an unknown key or a bad value throws `InvalidOptionsError`
 * naming the option and echoing the value. `redis` and `queue` are refused outside mode `distributed`.
 *
 * Modes: `sync` (one task at a time, on this thread), `async` (many at once on the event loop: I/O),
 * `threads` (a `worker_threads` pool: CPU), `processes` (a `child_process` pool: CPU, full isolation),
 * `distributed` (`conc worker`s through BullMQ on Redis), `auto` (samples the first tasks, then runs
 * I/O-bound work as `async` with an adaptive width and CPU-bound work on threads).
 *
 * @example
 * createExecutor({ mode: 'threads', workers: 4, taskTimeoutMs: 10_000, retries: 1 });
 * createExecutor({ mode: 'async', workers: 50, initializer: tasks.initSession });
 * createExecutor({ mode: 'distributed', redis: 'redis://127.0.0.1:6379', queue: 'conc' });
 */
export interface ExecutorOptions {
  /** How tasks run: on the event loop (sync, async), on worker threads, child processes or Redis workers. */
  mode: Mode;
  /**
   * Most tasks running at once: threads or processes of a pool, the bound of async. Mode sync runs one
   * task at a time whatever this says (and `stats().workers` is 1). An integer ≥ 1; `Infinity` for async.
   * @defaultValue unbounded for async; `os.availableParallelism()` (the cores) for threads, processes,
   * distributed and auto
   */
  workers?: number | undefined;
  /**
   * A task run once in each worker before its first task (once in total for sync/async), with
   * `initArgs`: the place for per-worker state, like the article's session per thread. If it throws,
   * every task of the executor fails with `InitializerError`.
   * @defaultValue none
   */
  initializer?: AnyTaskRef | undefined;
  /**
   * The initializer's arguments.
   * @defaultValue `[]`
   */
  initArgs?: unknown[] | undefined;
  /**
   * Per-task timeout in ms, counted from when the task starts (not while it waits). A task that runs
   * longer fails with `TaskTimeoutError` and its `taskSignal()` aborts. A call's `timeoutMs` overrides it.
   * @defaultValue none
   */
  taskTimeoutMs?: number | undefined;
  /**
   * How long a cancelled or timed-out task may take to stop by itself once its `taskSignal()` aborted,
   * before its pool worker is terminated (and replaced). The caller's promise settles at once. `0`
   * terminates at once.
   * @defaultValue 1000 ms
   */
  cancelGraceMs?: number | undefined;
  /**
   * Re-runs of a task that threw, crashed its worker or timed out (not of an aborted one).
   * @defaultValue 0
   */
  retries?: number | undefined;
  /**
   * Replace a pool worker after it ran this many tasks (pools only; accepted by every mode).
   * @defaultValue `Infinity` (never)
   */
  maxTasksPerWorker?: number | undefined;
  /**
   * Stop a pool worker idle this long, in ms; the pool grows again on demand (pools only; accepted by
   * every mode).
   * @defaultValue `Infinity` (keep until close)
   */
  idleTimeoutMs?: number | undefined;
  /**
   * distributed only: the Redis URL (`redis://` or `rediss://` for TLS, with `user:password@` if needed).
   * Unreachable Redis fails the calls with `RedisError`; the password is never printed.
   * @defaultValue `redis://127.0.0.1:6379`
   */
  redis?: string | undefined;
  /**
   * distributed only: the BullMQ queue name, the same as the workers' `--queue`.
   * @defaultValue `'conc'`
   */
  queue?: string | undefined;
  // --- distributed (H1b) ---
  /**
   * distributed only: how long a call may wait in Redis while no `conc worker` listens on the queue,
   * before it fails with a RedisError saying so (a warning, code CONC_NO_WORKER, comes after 3 s).
   * Default 60000 ms; Infinity waits for a worker forever. `taskTimeoutMs` and a signal still apply.
   */
  noWorkerTimeoutMs?: number | undefined;
}

/** How long a cancelled task may take to stop by itself before its worker is terminated. */
export const DEFAULT_CANCEL_GRACE_MS = 1000;

/** Every mode, in the order the docs list them. */
export const MODES: readonly Mode[] = ['sync', 'async', 'threads', 'processes', 'distributed', 'auto'];

const OPTION_KEYS: readonly (keyof ExecutorOptions)[] = [
  'mode',
  'workers',
  'initializer',
  'initArgs',
  'taskTimeoutMs',
  'cancelGraceMs',
  'retries',
  'maxTasksPerWorker',
  'idleTimeoutMs',
  'redis',
  'queue',
  'noWorkerTimeoutMs',
];

/** Options after validation, with defaults filled in. */
export interface ResolvedOptions {
  mode: Mode;
  workers: number;
  initializer: TaskRef | undefined;
  initArgs: unknown[];
  taskTimeoutMs: number | undefined;
  cancelGraceMs: number;
  retries: number;
  maxTasksPerWorker: number;
  idleTimeoutMs: number;
  redis: string | undefined;
  queue: string;
  noWorkerTimeoutMs: number | undefined;
}

const fail = (message: string): never => {
  throw new InvalidOptionsError(`createExecutor: ${message}`);
};

export function resolveOptions(options: ExecutorOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    fail(`options must be an object like { mode: 'threads' }; got ${show(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!(OPTION_KEYS as string[]).includes(key))
      fail(`unknown option "${key}". Known options: ${OPTION_KEYS.join(', ')}.`);
  }
  const { mode } = options;
  if (!MODES.includes(mode)) fail(`mode must be one of ${MODES.join(', ')}; got ${show(mode)}.`);
  checkTasks(options);
  checkNumbers(options);
  if (mode !== 'distributed') {
    for (const key of ['redis', 'queue', 'noWorkerTimeoutMs'] as const) {
      if (options[key] !== undefined)
        fail(`"${key}" applies to mode 'distributed' only; got it with mode '${mode}'.`);
    }
  }
  const workers = options.workers ?? (mode === 'async' ? Number.POSITIVE_INFINITY : availableParallelism());
  return {
    mode,
    workers: mode === 'sync' ? 1 : workers,
    initializer: options.initializer,
    initArgs: options.initArgs ?? [],
    taskTimeoutMs: options.taskTimeoutMs,
    cancelGraceMs: options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS,
    retries: options.retries ?? 0,
    maxTasksPerWorker: options.maxTasksPerWorker ?? Number.POSITIVE_INFINITY,
    idleTimeoutMs: options.idleTimeoutMs ?? Number.POSITIVE_INFINITY,
    redis: options.redis,
    queue: options.queue ?? 'conc',
    noWorkerTimeoutMs: options.noWorkerTimeoutMs,
  };
}

function checkTasks(options: ExecutorOptions): void {
  if (options.initializer !== undefined && !isTaskRef(options.initializer)) {
    fail(`initializer must be a task reference from defineTasks(); got ${show(options.initializer)}.`);
  }
  if (options.initArgs !== undefined && !Array.isArray(options.initArgs)) {
    fail(`initArgs must be an array of arguments; got ${show(options.initArgs)}.`);
  }
}

function checkNumbers(options: ExecutorOptions): void {
  const { workers, retries, maxTasksPerWorker } = options;
  const count = (value: number | undefined, min: number) =>
    value === undefined || value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= min);
  if (!count(workers, 1) || (workers === Number.POSITIVE_INFINITY && options.mode !== 'async')) {
    const infinity = options.mode === 'async' ? ' or Infinity' : '';
    fail(`workers must be an integer ≥ 1${infinity}; got ${show(workers)}.`);
  }
  if (!count(retries, 0) || retries === Number.POSITIVE_INFINITY)
    fail(`retries must be an integer ≥ 0; got ${show(retries)}.`);
  if (!count(maxTasksPerWorker, 1))
    fail(`maxTasksPerWorker must be an integer ≥ 1 or Infinity; got ${show(maxTasksPerWorker)}.`);
  positive('taskTimeoutMs', options.taskTimeoutMs, false);
  if (
    options.cancelGraceMs !== undefined &&
    !(
      typeof options.cancelGraceMs === 'number' &&
      options.cancelGraceMs >= 0 &&
      Number.isFinite(options.cancelGraceMs)
    )
  )
    fail(`cancelGraceMs must be a number of milliseconds ≥ 0; got ${show(options.cancelGraceMs)}.`);
  positive('idleTimeoutMs', options.idleTimeoutMs, true);
  positive('noWorkerTimeoutMs', options.noWorkerTimeoutMs, true);
}

function positive(name: string, value: unknown, allowInfinity: boolean): void {
  if (value === undefined) return;
  const ok = typeof value === 'number' && value > 0 && (Number.isFinite(value) || allowInfinity);
  if (!ok)
    fail(`${name} must be a positive number${allowInfinity ? ' or Infinity' : ''}; got ${show(value)}.`);
}
