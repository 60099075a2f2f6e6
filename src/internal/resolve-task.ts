/**
 * Resolving a task reference inside a worker: import the module (registering TypeScript support first
 * when the module is a .ts file), find the registry `defineTasks` made, take the function by name.
 * Lean on purpose: worker entries load this module and nothing heavier.
 */
import { TaskNotFoundError } from '../errors.ts';
import { importModule } from './ts-support.ts';

/** Where `defineTasks` hides its functions on the object it returns (shared across realms). */
export const REGISTRY: unique symbol = Symbol.for('conc.tasks.registry') as never;

interface Registry {
  module: string;
  fns: Record<string, unknown>;
}

const cache = new Map<string, (...args: unknown[]) => unknown>();

/** The function behind (module, name), or a TaskNotFoundError that says what is missing and what to do. */
export async function resolveTask(module: string, name: string): Promise<(...args: unknown[]) => unknown> {
  const key = `${module}#${name}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let ns: Record<string, unknown>;
  try {
    ns = (await importModule(module)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const missing =
      code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(urlPath(module));
    throw new TaskNotFoundError(
      missing
        ? `Task module not found: ${module}. Check the path; a task reference must name a module that exists where the worker runs.`
        : `Task module ${module} failed to load: ${(error as Error).message}`,
      { cause: error },
    );
  }
  let fn: unknown;
  for (const value of Object.values(ns)) {
    const registry = (value as { [REGISTRY]?: Registry } | null)?.[REGISTRY];
    if (registry && Object.hasOwn(registry.fns, name)) {
      fn = registry.fns[name];
      break;
    }
  }
  if (fn === undefined && Object.hasOwn(ns, name)) fn = ns[name];
  if (fn === undefined) {
    throw new TaskNotFoundError(
      `Task "${name}" not found in ${module}: export it through defineTasks(import.meta.url, { ${name} }) or as a named export.`,
    );
  }
  if (typeof fn !== 'function') {
    throw new TaskNotFoundError(`Task "${name}" in ${module} is not a function (it is ${typeof fn}).`);
  }
  cache.set(key, fn as (...args: unknown[]) => unknown);
  return fn as (...args: unknown[]) => unknown;
}

function urlPath(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname);
  } catch {
    return url;
  }
}
