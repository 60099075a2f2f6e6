/**
 * Tasks cross boundaries by reference: a module URL and a name, as Python's multiprocessing pickles a
 * function by its qualified name. `defineTasks(import.meta.url, { fn })` makes typed references; every
 * backend runs the same reference (sync/async call the local function, pools import the module).
 */
import { InvalidOptionsError } from './errors.ts';
import { REGISTRY } from './internal/resolve-task.ts';
import { show } from './util/show.ts';

/**
 * Any function: a task takes whatever arguments its function takes.
 * @inline
 */
// biome-ignore lint/suspicious/noExplicitAny: a task's arguments are whatever its function takes
export type AnyFn = (...args: any[]) => unknown;

/**
 * A reference to a task function: where it lives and what it is called, typed by its arguments `A` and
 * result `R`. Made by {@link defineTasks} (or {@link taskRef}); what `submit`, `run`, `map` and `imap`
 * take, and what crosses to a thread, a process or another machine (the function never does).
 */
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

/**
 * The arguments a task takes.
 * @example
 * type A = TaskArgs<typeof tasks.add>; // [pair: [number, number]]
 */
export type TaskArgs<T> = T extends TaskRef<infer A, infer _R> ? A : never;
/**
 * What a task's promise resolves to.
 * @example
 * type R = TaskResult<typeof tasks.square>; // number
 */
export type TaskResult<T> = T extends TaskRef<infer _A, infer R> ? R : never;

/**
 * The references `defineTasks` returns: one per function, with argument and result types inferred.
 * @typeParam F - the object of task functions given to `defineTasks`
 */
export type TaskRefs<F extends Record<string, AnyFn>> = {
  readonly [K in keyof F & string]: TaskRef<Parameters<F[K]>, Awaited<ReturnType<F[K]>>>;
};

/**
 * Declares the task functions of a module so that any backend can run them.
 * Export the result: a worker finds the functions by importing the module and reading this registry.
 * Pass the module's own `import.meta.url`. Throws `InvalidOptionsError` for a URL that is not `file:`
 * or `data:`, or a value that is not a function.
 *
 * A task module is imported by every worker, so keep it light and free of side effects at load; put
 * per-worker state in an `initializer`. A `.ts` task module works in every mode (workers load tsx for
 * it); a TypeScript caller importing `./tasks.ts` needs `allowImportingTsExtensions` with `noEmit`, or
 * with `rewriteRelativeImportExtensions` when tsc emits JavaScript.
 *
 * @typeParam F - the object of task functions; each becomes a `TaskRef` typed by its function
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
 * that only workers can load, or a task from CommonJS code). The types are unknown unless you state
 * them. Throws `InvalidOptionsError` for an empty URL or name; a module or name that does not exist
 * fails the call with `TaskNotFoundError`.
 *
 * @example
 * const square = taskRef<[n: number], number>(new URL('./tasks.js', import.meta.url).href, 'square');
 * await ex.submit(square, 7); // 49
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

/**
 * True when `value` looks like a task reference (an object with a string `module` and `name`).
 * @example
 * isTaskRef(tasks.square); // true
 * isTaskRef(square);       // false: the function itself is not a reference
 */
export function isTaskRef(value: unknown): value is TaskRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as TaskRef).module === 'string' &&
    typeof (value as TaskRef).name === 'string'
  );
}
