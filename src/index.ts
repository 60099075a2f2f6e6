/** conc: one executor API over sync, async, worker threads, child processes, Redis workers and auto. */

export type { AutoChoice } from './backends/auto/choice.ts';
export {
  AbortError,
  BrokenPoolError,
  ConcError,
  ExecutorClosedError,
  InitializerError,
  InvalidOptionsError,
  OutsideTaskError,
  RedisError,
  TaskArgumentError,
  TaskError,
  TaskNotFoundError,
  TaskTimeoutError,
  WorkerCrashedError,
} from './errors.ts';
export type { Executor, ExecutorStats, RunOptions } from './executor.ts';
export { createExecutor } from './executor.ts';
export type { ImapOptions, MapOptions } from './map/options.ts';
export type { ExecutorOptions, Mode } from './options.ts';
export { taskSignal } from './task-signal.ts';
export type { AnyTaskRef, TaskArgs, TaskRef, TaskRefs, TaskResult } from './tasks.ts';
export { defineTasks, isTaskRef, taskRef } from './tasks.ts';
export type {
  DistributedWorker,
  LogFormat,
  LogLevel,
  StopReport,
  TaskCounts,
  WorkerOptions,
  WorkerStats,
} from './worker/index.ts';
export { startWorker } from './worker/index.ts';
