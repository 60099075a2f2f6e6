/**
 * conc: one executor API over sync, async, worker threads, child processes, Redis workers and auto.
 *
 * An ES module (`import`; from CommonJS, `await import('conc')`). Start with {@link createExecutor}
 * and {@link defineTasks}; the options are {@link ExecutorOptions}, {@link MapOptions} and
 * {@link ImapOptions}; every error extends {@link ConcError}.
 *
 * @example
 * // tasks.ts
 * import { defineTasks } from 'conc';
 * export function square(n: number) { return n * n; }
 * export const tasks = defineTasks(import.meta.url, { square });
 *
 * // main.ts
 * import { createExecutor } from 'conc';
 * import { tasks } from './tasks.ts';
 * const ex = createExecutor({ mode: 'threads', workers: 2 });
 * try {
 *   console.log(await ex.map(tasks.square, [1, 2, 3])); // [1, 4, 9]
 * } finally {
 *   await ex.close();
 * }
 *
 * @packageDocumentation
 */

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
