/** conc: one executor API over sync, async, worker threads and child processes. */
export { createExecutor, resolveOptions } from './executor.ts';
export type { Executor, ExecutorOptions, ExecutorStats, Mode, RunOptions } from './executor.ts';
export type { ImapOptions, MapOptions } from './mapping.ts';
export { defineTasks, isTaskRef, taskRef } from './tasks.ts';
export type { TaskArgs, TaskRef, TaskRefs, TaskResult } from './tasks.ts';
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
