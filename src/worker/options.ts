/** What a `conc worker` is started with, checked eagerly, defaults filled in; and what it gives back. */
import { availableParallelism } from 'node:os';
import { checkQueueName, checkRedisUrl } from '../backends/distributed/redis.ts';
import { InvalidOptionsError } from '../errors.ts';
import { type AllowListOptions, DEFAULT_LOAD_TIMEOUT_MS } from './allow-list.ts';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel, WorkerLog } from './log.ts';
import type { TaskCounts } from './metrics.ts';
import type { LocalMode } from './processor.ts';
import type { StopReport } from './shutdown.ts';

export interface WorkerOptions extends AllowListOptions {
  redis: string;
  /** Default 'conc'. */
  queue?: string | undefined;
  /** Jobs this worker runs at once. Default: `workers` (threads, processes) or 16 (async). */
  concurrency?: number | undefined;
  /**
   * Where each job runs in this process. Default 'threads': CPU-bound tasks leave the event loop free,
   * and a timeout or a cancel stops a running task. 'async' (I/O-bound tasks, least overhead): a
   * timed-out or cancelled task is abandoned — it finishes in the background, its result dropped.
   */
  mode?: LocalMode | undefined;
  /** Threads or processes of the local pool. Default: min(concurrency, cores), or cores. */
  workers?: number | undefined;
  /** How soon a dead worker's job is re-run elsewhere (lock duration, ms). Default 5000. */
  stallMs?: number | undefined;
  /** Where the worker writes its log lines (without the newline). Default: stderr. */
  log?: ((line: string) => void) | undefined;
  /** `text` (default): lines for people; `json`: one JSON object per line, for log shippers. */
  logFormat?: LogFormat | undefined;
  /** Lines of this level and above: error, warn, info (default), debug (one line per job). */
  logLevel?: LogLevel | undefined;
  /**
   * How long a stop waits for running jobs to finish before it stops them and hands them back to the
   * queue. Default 25000 ms: within Kubernetes' default termination grace of 30 s.
   */
  graceMs?: number | undefined;
  /** Serve /live, /ready and /metrics on this port (0: any free port). Default: no server. */
  healthPort?: number | undefined;
  /** The address the health server binds. Default 127.0.0.1 (this machine only). */
  healthHost?: string | undefined;
}

/** A worker's state and counters: the same counters as its /metrics, as numbers. */
export interface WorkerStats {
  /** Connected to Redis and taking jobs. */
  ready: boolean;
  /** Redis answers this worker. */
  redisUp: boolean;
  /** Jobs running here now. */
  running: number;
  /** Times the connection to Redis came back after an outage. */
  reconnects: number;
  /** Counters of each task (`module-id#name`); calls of a chunk count one each. */
  byTask: Record<string, TaskCounts>;
}

export interface DistributedWorker {
  readonly queue: string;
  readonly concurrency: number;
  /** Where jobs run in this process. */
  readonly mode: LocalMode;
  /** Module id → module URL of every task module this worker runs. */
  readonly modules: ReadonlyMap<string, string>;
  /** The health server's address (with `healthPort`). */
  readonly healthUrl: string | undefined;
  readonly log: WorkerLog;
  stats(): WorkerStats;
  /** The Prometheus text of this worker's metrics. */
  metrics(): Promise<string>;
  /**
   * Stops taking jobs and lets running ones finish within the grace, then stops them and hands them
   * back to the queue (or leaves them to stalled-job recovery when Redis is unreachable). `force`
   * skips the grace — also while a graceful stop is under way. Resolves with what happened.
   */
  stop(options?: { force?: boolean }): Promise<StopReport>;
  /** {@link stop}, without the report. */
  close(options?: { force?: boolean }): Promise<void>;
}

export interface ResolvedWorkerOptions {
  url: string;
  queue: string;
  mode: LocalMode;
  concurrency: number;
  /** Width of each local backend. */
  localWorkers: number;
  stallMs: number;
  graceMs: number;
  log: WorkerLog;
  health: { port: number; host: string } | undefined;
  /** How long each task module may take to load. */
  loadTimeoutMs: number;
}

/** Default grace of a stop: within Kubernetes' default termination grace (30 s), with room to spare. */
export const DEFAULT_GRACE_MS = 25_000;

const MODES: readonly LocalMode[] = ['threads', 'processes', 'async'];

/** Checks a worker's options eagerly (InvalidOptionsError names the bad one) and fills in the defaults. */
export function resolveWorkerOptions(options: WorkerOptions): ResolvedWorkerOptions {
  const url = checkRedisUrl(options.redis, 'conc worker');
  const queue = checkQueueName(options.queue ?? 'conc', 'conc worker');
  const mode = options.mode ?? 'threads';
  if (!MODES.includes(mode)) {
    throw new InvalidOptionsError(
      `conc worker: mode must be threads, processes or async; got ${JSON.stringify(mode)}.`,
    );
  }
  const cores = availableParallelism();
  const concurrency = options.concurrency ?? (mode === 'async' ? 16 : (options.workers ?? cores));
  const poolSize = options.workers ?? Math.min(concurrency, cores);
  const stallMs = options.stallMs ?? 5000;
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  for (const [name, value] of [
    ['concurrency', concurrency],
    ['workers', poolSize],
    ['stallMs', stallMs],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new InvalidOptionsError(`conc worker: ${name} must be an integer ≥ 1; got ${value}.`);
  }
  if (!Number.isInteger(graceMs) || graceMs < 0)
    throw new InvalidOptionsError(`conc worker: graceMs must be an integer ≥ 0; got ${graceMs}.`);
  const localWorkers = mode === 'async' ? concurrency : poolSize;
  const loadTimeoutMs = resolveLoadTimeout(options.loadTimeoutMs);
  return {
    url,
    queue,
    mode,
    concurrency,
    localWorkers,
    stallMs,
    graceMs,
    log: resolveLog(options, queue),
    health: resolveHealth(options),
    loadTimeoutMs,
  };
}

/** `loadTimeoutMs`, else CONC_WORKER_LOAD_TIMEOUT_MS (for conc worker), else the default. */
function resolveLoadTimeout(given: number | undefined): number {
  const env = process.env.CONC_WORKER_LOAD_TIMEOUT_MS;
  const value = given ?? (env ? Number(env) : DEFAULT_LOAD_TIMEOUT_MS);
  if (!Number.isInteger(value) || value < 1 || value > 2_147_483_647) {
    const from = given === undefined ? 'CONC_WORKER_LOAD_TIMEOUT_MS' : 'loadTimeoutMs';
    throw new InvalidOptionsError(
      `conc worker: ${from} must be an integer of ms from 1 to 2147483647; got ${given ?? env}.`,
    );
  }
  return value;
}

function resolveLog(options: WorkerOptions, queue: string): WorkerLog {
  const { logFormat, logLevel } = options;
  if (logFormat !== undefined && !LOG_FORMATS.includes(logFormat))
    throw new InvalidOptionsError(
      `conc worker: logFormat must be text or json; got ${JSON.stringify(logFormat)}.`,
    );
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel)) {
    throw new InvalidOptionsError(
      `conc worker: logLevel must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(logLevel)}.`,
    );
  }
  return new WorkerLog({ format: logFormat, level: logLevel, queue, sink: options.log });
}

function resolveHealth(options: WorkerOptions): { port: number; host: string } | undefined {
  const { healthPort: port, healthHost: host = '127.0.0.1' } = options;
  if (port === undefined) {
    if (options.healthHost !== undefined)
      throw new InvalidOptionsError('conc worker: healthHost needs healthPort (--health-port) too.');
    return undefined;
  }
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidOptionsError(`conc worker: healthPort must be an integer from 0 to 65535; got ${port}.`);
  if (typeof host !== 'string' || host.trim() === '')
    throw new InvalidOptionsError(
      `conc worker: healthHost must be a host name or address; got ${JSON.stringify(host)}.`,
    );
  return { port, host };
}
