/**
 * Tasks cross boundaries by reference: a module URL and a name, as Python's multiprocessing pickles a
 * function by its qualified name. `defineTasks(import.meta.url, { fn })` makes typed references; every
 * backend runs the same reference (sync/async call the local function, pools import the module).
 */
import { InvalidOptionsError } from './errors.ts';
import { REGISTRY } from './internal/resolve-task.ts';
import { show } from './util/show.ts';

// biome-ignore lint/suspicious/noExplicitAny: a task's arguments are whatever its function takes
export type AnyFn = (...args: any[]) => unknown;

/** A reference to a task function: where it lives and what it is called. Typed by its arguments and result. */
export interface TaskRef<A extends unknown[] = unknown[], R = unknown> {
  /** The task module's URL (file:…), as given by `import.meta.url`. */
  readonly module: string;
  /** The task's name in its module's registry (or the name of an exported function). */
  readonly name: string;
  /** The function itself, when the reference was made in this process (sync/async call it directly). */
  readonly fn?: ((...args: A) => R | PromiseLike<R>) | undefined;
}

/** Any task reference, whatever its argument and result types. */
// biome-ignore lint/suspicious/noExplicitAny: accepts every task's argument list
export type AnyTaskRef = TaskRef<any[], unknown>;

/** The arguments a task takes. */
export type TaskArgs<T> = T extends TaskRef<infer A, infer _R> ? A : never;
/** What a task's promise resolves to. */
export type TaskResult<T> = T extends TaskRef<infer _A, infer R> ? R : never;

/** The references `defineTasks` returns: one per function, with argument and result types inferred. */
export type TaskRefs<F extends Record<string, AnyFn>> = {
  readonly [K in keyof F & string]: TaskRef<Parameters<F[K]>, Awaited<ReturnType<F[K]>>>;
};

/**
 * Declares the task functions of a module so that any backend can run them.
 * Export the result: a worker finds the functions by importing the module and reading this registry.
 *
 * @example
 * // tasks.ts
 * export function square(n: number) { return n * n; }
 * export const tasks = defineTasks(import.meta.url, { square });
 * // elsewhere
 * await createExecutor({ mode: 'threads' }).map(tasks.square, [1, 2, 3]); // [1, 4, 9]
 */
export function defineTasks<F extends Record<string, AnyFn>>(moduleUrl: string, fns: F): TaskRefs<F> {
  if (typeof moduleUrl !== 'string' || !/^(file|data):/.test(moduleUrl)) {
    throw new InvalidOptionsError(
      `defineTasks(moduleUrl, fns): moduleUrl must be the module's own URL — pass import.meta.url; got ${show(moduleUrl)}.`,
    );
  }
  if (fns === null || typeof fns !== 'object') {
    throw new InvalidOptionsError(
      `defineTasks(moduleUrl, fns): fns must be an object of functions; got ${show(fns)}.`,
    );
  }
  const refs: Record<string, TaskRef> = {};
  for (const [name, fn] of Object.entries(fns)) {
    if (typeof fn !== 'function') {
      throw new InvalidOptionsError(`defineTasks: "${name}" must be a function; got ${show(fn)}.`);
    }
    refs[name] = Object.freeze({ module: moduleUrl, name, fn: fn as TaskRef['fn'] });
  }
  Object.defineProperty(refs, REGISTRY, { value: { module: moduleUrl, fns: { ...fns } } });
  return Object.freeze(refs) as TaskRefs<F>;
}

/**
 * A reference to a task by module and export name, without importing it here (for instance a task
 * that only workers can load). The result type is unknown unless you state it.
 */
export function taskRef<A extends unknown[] = unknown[], R = unknown>(
  moduleUrl: string,
  name: string,
): TaskRef<A, R> {
  if (typeof moduleUrl !== 'string' || moduleUrl.length === 0) {
    throw new InvalidOptionsError(
      `taskRef(moduleUrl, name): moduleUrl must be a file: URL; got ${show(moduleUrl)}.`,
    );
  }
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidOptionsError(
      `taskRef(moduleUrl, name): name must be a non-empty string; got ${show(name)}.`,
    );
  }
  return Object.freeze({ module: moduleUrl, name });
}

/** True when `value` looks like a task reference. */
export function isTaskRef(value: unknown): value is TaskRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as TaskRef).module === 'string' &&
    typeof (value as TaskRef).name === 'string'
  );
}
