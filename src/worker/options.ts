/** What a `conc worker` is started with, checked eagerly, defaults filled in; and what it gives back. */
import { availableParallelism } from 'node:os';
import { checkQueueName, checkRedisUrl } from '../backends/distributed/redis.ts';
import { InvalidOptionsError } from '../errors.ts';
import type { AllowListOptions } from './allow-list.ts';
import type { LocalMode } from './processor.ts';

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
  /** Where the worker reports refusals and connection trouble. Default: stderr. */
  log?: ((line: string) => void) | undefined;
}

export interface DistributedWorker {
  readonly queue: string;
  readonly concurrency: number;
  /** Where jobs run in this process. */
  readonly mode: LocalMode;
  /** Module id → module URL of every task module this worker runs. */
  readonly modules: ReadonlyMap<string, string>;
  /** Stops taking jobs; finishes running ones first unless `force`. */
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
  log: (line: string) => void;
}

const MODES: readonly LocalMode[] = ['threads', 'processes', 'async'];

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
  for (const [name, value] of [
    ['concurrency', concurrency],
    ['workers', poolSize],
    ['stallMs', stallMs],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new InvalidOptionsError(`conc worker: ${name} must be an integer ≥ 1; got ${value}.`);
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const localWorkers = mode === 'async' ? concurrency : poolSize;
  return { url, queue, mode, concurrency, localWorkers, stallMs, log };
}
