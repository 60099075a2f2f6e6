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

export type { Mode };

export interface ExecutorOptions {
  /** How tasks run: on the event loop (sync, async), on worker threads, child processes or Redis workers. */
  mode: Mode;
  /**
   * Most tasks running at once. Default: unbounded for async, the number of cores for pools and auto.
   * Mode sync runs one task at a time whatever this says.
   */
  workers?: number | undefined;
  /** A task run once in each worker before its first task (once in total for sync/async). */
  initializer?: AnyTaskRef | undefined;
  initArgs?: unknown[] | undefined;
  /** Per-task timeout, counted from when the task starts. */
  taskTimeoutMs?: number | undefined;
  /**
   * How long a cancelled or timed-out task may take to stop by itself once its `taskSignal()` aborted,
   * before its pool worker is terminated (and replaced). Default 1000 ms. The caller's promise settles at once.
   */
  cancelGraceMs?: number | undefined;
  /** Re-runs of a task that threw, crashed its worker or timed out. Default 0. */
  retries?: number | undefined;
  /** Replace a pool worker after it ran this many tasks. Default: never. (Pools only; accepted by every mode.) */
  maxTasksPerWorker?: number | undefined;
  /** Stop a pool worker idle this long (ms). Default: keep until close. (Pools only; accepted by every mode.) */
  idleTimeoutMs?: number | undefined;
  /** distributed only: the Redis URL (redis:// or rediss://). */
  redis?: string | undefined;
  /** distributed only: the BullMQ queue name. Default 'conc'. */
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
