/** `conc worker` from code: start a distributed worker, as the CLI's `conc worker` does. */
export type { LogFormat, LogLevel } from './log.ts';
export type { TaskCounts } from './metrics.ts';
export type { DistributedWorker, WorkerOptions, WorkerStats } from './options.ts';
export type { StopReport } from './shutdown.ts';
export { startWorker } from './start.ts';
