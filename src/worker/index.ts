/**
 * `conc worker` from code: start a distributed worker, as the CLI's `conc worker` does. The worker's
 * code (BullMQ wiring, health server, metrics) loads on the first call: importing conc — which every
 * task module that uses `defineTasks` does, in every pool worker — must not pay for it.
 */
import type { DistributedWorker, WorkerOptions } from './options.ts';

export type { LogFormat, LogLevel } from './log.ts';
export type { TaskCounts } from './metrics.ts';
export type { DistributedWorker, WorkerOptions, WorkerStats } from './options.ts';
export type { StopReport } from './shutdown.ts';

/**
 * Starts a worker on `options.queue` at `options.redis`. Resolves once it listens; rejects with a
 * clear error when Redis is unreachable, a task module cannot be loaded or the health port cannot be used.
 *
 * @example
 * const worker = await startWorker({ redis: 'redis://127.0.0.1:6379', tasks: ['./tasks.ts'] });
 * const { how } = await worker.stop(); // 'drained', or 'forced' when the grace ran out
 */
export async function startWorker(options: WorkerOptions): Promise<DistributedWorker> {
  const { startWorker: start } = await import('./start.ts');
  return start(options);
}
