/**
 * The executor's options: one object for every mode, validated eagerly, defaults filled in. Switching
 * mode is one option: `workers`, `maxTasksPerWorker` and `idleTimeoutMs` are bounds and tuning that
 * every mode accepts and applies where they mean something; only `redis` and `queue`, which name
 * another system, are refused outside mode 'distributed'.
 */
import { availableParallelism } from 'node:os';
import type { Mode } from './core/backend.ts';
import { InvalidOptionsError } from './errors.ts';
import { checkCount, checkMs } from './option-checks.ts';
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
   * Pool workers (threads, processes) started when the executor is created, and kept while it lives
   * (`idleTimeoutMs` stops only those beyond): pay the start-up before the first task. `await ex.ready()`
   * waits for them. An integer from 0 to `workers`. Sync and async accept it and have no workers to
   * start; auto accepts it and starts threads only once it chose them; distributed refuses it above 0
   * (its workers are `conc worker` processes, started elsewhere).
   * @defaultValue 0 (workers start on demand)
   */
  minWorkers?: number | undefined;
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
   * How long a pool worker may take to start — load and run its `initializer` — before its start counts
   * as failed (it is terminated; three failed starts in a row break the pool). Sync and async: how long
   * the initializer may run before every task fails.
   * @defaultValue 60000 ms
   */
  initTimeoutMs?: number | undefined;
  /**
   * The heap limit of each pool worker, in MB (threads: `resourceLimits.maxOldGenerationSizeMb`;
   * processes: `--max-old-space-size`). A task that exceeds it fails with WorkerCrashedError saying it
   * ran out of memory; its worker is replaced. Pools (threads, processes, auto's threads) only: refused
   * in sync, async and distributed.
   * @defaultValue none (Node's own heap limit)
   */
  maxMemoryMb?: number | undefined;
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
  /**
   * distributed only: how long a call may wait in Redis while no `conc worker` listens on the queue,
   * before it fails with a RedisError saying so (a warning, code CONC_NO_WORKER, comes after 3 s).
   * `Infinity` waits for a worker forever. `taskTimeoutMs` and a signal still apply.
   * @defaultValue 60000 ms
   */
  noWorkerTimeoutMs?: number | undefined;
}

/** How long a cancelled task may take to stop by itself before its worker is terminated. */
export const DEFAULT_CANCEL_GRACE_MS = 1000;

/** How long a pool worker may take to be ready (load and initializer) by default. */
export const DEFAULT_INIT_TIMEOUT_MS = 60_000;
export { MAX_TIMER_MS } from './option-checks.ts';
/** The widest pool: every worker is a thread or process with its own heap (≈10 MB or more each). */
export const MAX_POOL_WORKERS = 256;
/** The widest async or distributed executor (tasks in flight at once). */
export const MAX_WORKERS = 100_000;
export const MAX_RETRIES = 100;
export const MAX_TASKS_PER_WORKER = 1_000_000_000;
export const MIN_MEMORY_MB = 16;
export const MAX_MEMORY_MB = 1_048_576;
const POOL_WIDTH_HINT =
  ' A pool wider than that runs out of memory before it runs faster; for more parallelism, use mode "distributed" on several machines.';

/** Every mode, in the order the docs list them. */
export const MODES: readonly Mode[] = ['sync', 'async', 'threads', 'processes', 'distributed', 'auto'];

const OPTION_KEYS: readonly (keyof ExecutorOptions)[] = [
  'mode',
  'workers',
  'minWorkers',
  'initializer',
  'initArgs',
  'taskTimeoutMs',
  'cancelGraceMs',
  'retries',
  'maxTasksPerWorker',
  'idleTimeoutMs',
  'initTimeoutMs',
  'maxMemoryMb',
  'redis',
  'queue',
  'noWorkerTimeoutMs',
];

/** Options after validation, with defaults filled in. */
export interface ResolvedOptions {
  mode: Mode;
  workers: number;
  minWorkers: number;
  initializer: TaskRef | undefined;
  initArgs: unknown[];
  taskTimeoutMs: number | undefined;
  cancelGraceMs: number;
  retries: number;
  maxTasksPerWorker: number;
  idleTimeoutMs: number;
  initTimeoutMs: number;
  maxMemoryMb: number | undefined;
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
    minWorkers: checkMinWorkers(options, workers),
    initializer: options.initializer,
    initArgs: options.initArgs ?? [],
    taskTimeoutMs: options.taskTimeoutMs,
    cancelGraceMs: options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS,
    retries: options.retries ?? 0,
    maxTasksPerWorker: options.maxTasksPerWorker ?? Number.POSITIVE_INFINITY,
    idleTimeoutMs: options.idleTimeoutMs ?? Number.POSITIVE_INFINITY,
    initTimeoutMs: options.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS,
    maxMemoryMb: options.maxMemoryMb,
    redis: options.redis,
    queue: options.queue ?? 'conc',
    noWorkerTimeoutMs: options.noWorkerTimeoutMs,
  };
}

/** minWorkers: an integer 0..workers; above 0 refused by distributed (its workers start elsewhere). */
function checkMinWorkers(options: ExecutorOptions, workers: number): number {
  const min = options.minWorkers;
  if (min === undefined) return 0;
  checkCount('minWorkers', min, 0, MAX_POOL_WORKERS);
  const given = options.workers === undefined ? ', the default: the cores' : '';
  if (min > workers) fail(`minWorkers (${min}) must be at most workers (${workers}${given}).`);
  if (options.mode === 'distributed' && min > 0)
    fail(
      "minWorkers applies to the pool modes; mode 'distributed' cannot start its workers: start " +
        '`conc worker` processes, and `await ex.ready()` to wait for Redis.',
    );
  return min;
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
  const { mode, workers } = options;
  const pool = mode === 'threads' || mode === 'processes' || mode === 'auto';
  const maxWorkers = pool ? MAX_POOL_WORKERS : MAX_WORKERS;
  const infinity = mode === 'async' ? ' or Infinity' : '';
  if (!(workers === Number.POSITIVE_INFINITY && mode === 'async'))
    checkCount('workers', workers, 1, maxWorkers, infinity, pool ? POOL_WIDTH_HINT : '');
  checkCount('retries', options.retries, 0, MAX_RETRIES);
  if (options.maxTasksPerWorker !== Number.POSITIVE_INFINITY)
    checkCount('maxTasksPerWorker', options.maxTasksPerWorker, 1, MAX_TASKS_PER_WORKER, ' or Infinity');
  checkMs('taskTimeoutMs', options.taskTimeoutMs, 'positive');
  checkMs('cancelGraceMs', options.cancelGraceMs, 'zero');
  checkMs('idleTimeoutMs', options.idleTimeoutMs, 'infinity');
  checkMs('initTimeoutMs', options.initTimeoutMs, 'positive');
  const mb = options.maxMemoryMb;
  if (mb !== undefined) {
    if (mode === 'sync' || mode === 'async' || mode === 'distributed')
      fail(
        `maxMemoryMb applies to the pool modes (threads, processes, auto) only; mode '${mode}' cannot ` +
          (mode === 'distributed'
            ? "limit a remote worker's heap: start `conc worker` with NODE_OPTIONS=--max-old-space-size=N."
            : "limit this process's own heap: start node with --max-old-space-size=N."),
      );
    checkCount('maxMemoryMb', mb, MIN_MEMORY_MB, MAX_MEMORY_MB);
  }
  checkMs('noWorkerTimeoutMs', options.noWorkerTimeoutMs, 'infinity');
}
