/** conc: one executor API over sync, async, worker threads and child processes. */

export {
  AbortError,
  ConcError,
  ExecutorClosedError,
  InitializerError,
  InvalidOptionsError,
  TaskArgumentError,
  TaskError,
  TaskNotFoundError,
  TaskTimeoutError,
  WorkerCrashedError,
} from './errors.ts';
export type { Executor, ExecutorOptions, ExecutorStats, Mode, RunOptions } from './executor.ts';
export { createExecutor, resolveOptions } from './executor.ts';
export type { ImapOptions, MapOptions } from './mapping.ts';
export type { AnyTaskRef, TaskArgs, TaskRef, TaskRefs, TaskResult } from './tasks.ts';
export { defineTasks, isTaskRef, taskRef } from './tasks.ts';
