/** `conc worker` from code: start a distributed worker, as the CLI's `conc worker` does. */
export type { DistributedWorker, WorkerOptions } from './options.ts';
export { startWorker } from './start.ts';
