/**
 * The article's CPU-bound job as one call: sum the squares below each of `count` numbers from
 * `start`, in any mode, and report the wall time a user sees (executor start-up and close included).
 */
import { availableParallelism } from 'node:os';
import { InvalidOptionsError } from '../errors.ts';
import { createExecutor, type ExecutorOptions, type Mode } from '../executor.ts';
import { show } from '../util/show.ts';
import { MAX_N, tasks } from './cpu.ts';

/** The article's numbers: `[5_000_000 + x for x in range(20)]`. */
export const DEFAULT_START = 5_000_000;
export const DEFAULT_COUNT = 20;
/** Most sums in one job. */
export const MAX_COUNT = 1_000_000;

export interface CpuJobOptions {
  mode: Mode;
  /** Parallel tasks. Default: 1 for sync, the number of cores otherwise. */
  workers?: number | undefined;
  /** First n. Default 5 000 000. */
  start?: number | undefined;
  /** How many n (start, start + 1, …). Default 20. */
  count?: number | undefined;
  /** Numbers per message to a worker (Python's chunksize). Default 1. */
  chunkSize?: number | undefined;
  /** distributed only. */
  redis?: string | undefined;
  queue?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Called after each sum arrives (in order). */
  onProgress?: ((done: number, total: number) => void) | undefined;
}

export interface CpuReport {
  job: 'cpu';
  mode: Mode;
  workers: number;
  /** Wall time from creating the executor to its close, in seconds. */
  seconds: number;
  results: { n: number; sum: bigint }[];
}

/**
 * Runs the CPU job on a fresh executor and closes it.
 *
 * @example
 * const report = await runCpuJob({ mode: 'threads', workers: 2 });
 * console.log(`Duration ${report.seconds.toFixed(2)} seconds`); // sums in report.results
 */
export async function runCpuJob(options: CpuJobOptions): Promise<CpuReport> {
  const { start, count } = checkJob(options.start ?? DEFAULT_START, options.count ?? DEFAULT_COUNT);
  const { mode, onProgress } = options;
  const numbers = Array.from({ length: count }, (_, i) => start + i);
  const executorOptions: ExecutorOptions = { mode, workers: options.workers ?? defaultWorkers(mode) };
  if (options.redis !== undefined) executorOptions.redis = options.redis;
  if (options.queue !== undefined) executorOptions.queue = options.queue;

  const t0 = performance.now();
  const ex = createExecutor(executorOptions);
  const results: CpuReport['results'] = [];
  try {
    const stream = ex.imap(tasks.sumOfSquares, numbers, {
      signal: options.signal,
      chunkSize: options.chunkSize,
    });
    for await (const sum of stream) {
      results.push({ n: numbers[results.length]!, sum });
      onProgress?.(results.length, count);
    }
  } finally {
    await ex.close({ cancel: results.length < count });
  }
  const seconds = (performance.now() - t0) / 1000;
  return { job: 'cpu', mode, workers: ex.workers, seconds, results };
}

/** Validates a job's size; says which bound was crossed and what is allowed. */
export function checkJob(start: number, count: number): { start: number; count: number } {
  if (!Number.isSafeInteger(start) || start < 0 || start > MAX_N) {
    throw new InvalidOptionsError(
      `cpu job: start must be a whole number from 0 to ${MAX_N}; got ${show(start)}.`,
    );
  }
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_COUNT) {
    throw new InvalidOptionsError(
      `cpu job: count must be a whole number from 1 to ${MAX_COUNT}; got ${show(count)}.`,
    );
  }
  if (start + count - 1 > MAX_N) {
    throw new InvalidOptionsError(
      `cpu job: the largest n (start + count − 1 = ${start + count - 1}) must be at most ${MAX_N} (2^32); ` +
        'lower start or count.',
    );
  }
  return { start, count };
}

function defaultWorkers(mode: Mode): number | undefined {
  if (mode === 'sync') return 1;
  if (mode === 'async' || mode === 'threads' || mode === 'processes') return availableParallelism();
  return undefined; // distributed, auto: the executor's own default
}
