/** conc: one executor API over sync, async, worker threads, child processes, Redis workers and auto. */

export type { AutoEvent } from './backends/auto/channel.ts';
export { describeAutoChoice, subscribeAuto, watchAuto } from './backends/auto/channel.ts';
export type { AutoChoice } from './backends/auto.ts';
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
