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
  /**
   * How long a pool worker may take to start — load and run its `initializer` — before its start counts
   * as failed (it is terminated; three failed starts in a row break the pool). Default 60 s. Sync and
   * async: how long the initializer may run before every task fails.
   */
  initTimeoutMs?: number | undefined;
  /**
   * The heap limit of each pool worker, in MB (threads: `resourceLimits.maxOldGenerationSizeMb`;
   * processes: `--max-old-space-size`). A task that exceeds it fails with WorkerCrashedError saying it
   * ran out of memory; its worker is replaced. Pools (threads, processes, auto's threads) only: refused
   * in sync, async and distributed.
   */
  maxMemoryMb?: number | undefined;
  /** distributed only: the Redis URL (redis:// or rediss://). */
  redis?: string | undefined;
  /** distributed only: the BullMQ queue name. Default 'conc'. */
  queue?: string | undefined;
}

/** How long a cancelled task may take to stop by itself before its worker is terminated. */
export const DEFAULT_CANCEL_GRACE_MS = 1000;

/** How long a pool worker may take to be ready (load and initializer) by default. */
export const DEFAULT_INIT_TIMEOUT_MS = 60_000;
/** The longest timer Node.js can set: 2^31−1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
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
  initTimeoutMs: number;
  maxMemoryMb: number | undefined;
  redis: string | undefined;
  queue: string;
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
    for (const key of ['redis', 'queue'] as const) {
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
    initTimeoutMs: options.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS,
    maxMemoryMb: options.maxMemoryMb,
    redis: options.redis,
    queue: options.queue ?? 'conc',
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
}

/** An integer count in [min, max]; `also` names what else is accepted (Infinity). */
function checkCount(name: string, value: unknown, min: number, max: number, also = '', hint = ''): void {
  if (value === undefined) return;
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= min))
    fail(`${name} must be an integer ≥ ${min}${also}; got ${show(value)}.`);
  if ((value as number) > max) fail(`${name} must be at most ${max}; got ${show(value)}.${hint}`);
}

/**
 * A duration in ms: finite, > 0 (or ≥ 0 with 'zero', or Infinity with 'infinity'), and at most
 * 2^31−1 — Node fires a longer timer after 1 ms instead.
 */
export function checkMs(
  name: string,
  value: unknown,
  accepts: 'positive' | 'zero' | 'infinity',
  where = 'createExecutor',
): void {
  if (value === undefined) return;
  const say = (message: string): never => {
    throw new InvalidOptionsError(`${where}: ${message}`);
  };
  if (accepts === 'infinity' && value === Number.POSITIVE_INFINITY) return;
  const what =
    accepts === 'zero'
      ? 'a number of milliseconds ≥ 0'
      : `a positive number of milliseconds${accepts === 'infinity' ? ' or Infinity' : ''}`;
  if (!(typeof value === 'number' && Number.isFinite(value) && (accepts === 'zero' ? value >= 0 : value > 0)))
    say(`${name} must be ${what}; got ${show(value)}.`);
  if ((value as number) > MAX_TIMER_MS)
    say(
      `${name} must be at most ${MAX_TIMER_MS} ms (2^31−1, about 24.8 days: Node.js timers cannot wait ` +
        `longer); got ${show(value)}.${accepts === 'infinity' ? ' Use Infinity for "never".' : ''}`,
    );
}
