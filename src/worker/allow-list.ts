/**
 * The task modules a `conc worker` will run, by module id. A job names a module id; the worker maps it
 * to a module file it was started with — never to a path taken from the job, which would let anyone who
 * can write to the queue run any code on the worker's machine.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { moduleId } from '../backends/distributed/wire.ts';
import { InvalidOptionsError, TaskNotFoundError } from '../errors.ts';
import { importModule } from '../internal/ts-support.ts';
import { describe } from './safe-wire.ts';

const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/**
 * conc's built-in workloads, which every worker allows unless told otherwise: URLs in the layout this
 * copy of conc runs from (.ts in src, .js in dist). Not imported here: a worker loads them on first use.
 */
export const BUILTIN_MODULES: readonly string[] = ['../workloads/cpu', '../workloads/io'].map(
  (path) => new URL(`${path}${EXT}`, import.meta.url).href,
);

export interface AllowListOptions {
  /** Allow conc's built-in workloads (conc/workloads/cpu, conc/workloads/io). Default true. */
  builtins?: boolean | undefined;
  /** More task modules: file paths (relative to `cwd`) or file: URLs. */
  tasks?: readonly string[] | undefined;
  cwd?: string | undefined;
  /**
   * How long each task module may take to load (its top-level code, a top-level await) before the
   * worker gives up with a clear error. Default 30000 ms, or CONC_WORKER_LOAD_TIMEOUT_MS.
   */
  loadTimeoutMs?: number | undefined;
}

/** Default of `loadTimeoutMs`. */
export const DEFAULT_LOAD_TIMEOUT_MS = 30_000;
/** A module still loading after this long is reported as such (what the worker waits for). */
const SLOW_LOAD_MS = 5_000;

/** Told while a task module is slow to load. */
export type SlowLoad = (spec: string, ms: number, timeoutMs: number) => void;

/**
 * Module id → module URL for every allowed module. Each extra module is imported once here, so a
 * broken or missing file stops the worker at start with a clear error, not at its first job.
 */
export async function buildAllowList(
  options: AllowListOptions = {},
  onSlow: SlowLoad = () => {},
): Promise<Map<string, string>> {
  const modules = new Map<string, string>();
  if (options.builtins !== false) {
    for (const url of BUILTIN_MODULES) if (existsSync(fileURLToPath(url))) modules.set(moduleId(url), url);
  }
  for (const spec of options.tasks ?? []) {
    const url = spec.startsWith('file:')
      ? spec
      : pathToFileURL(resolve(options.cwd ?? process.cwd(), spec)).href;
    if (!existsSync(fileURLToPath(url))) {
      throw new InvalidOptionsError(
        `Task module not found: ${spec} (looked for ${fileURLToPath(url)}). Pass the path of a task module file.`,
      );
    }
    const id = moduleId(url);
    const known = modules.get(id);
    if (known !== undefined && known !== url) {
      throw new InvalidOptionsError(
        `Two task modules share the id "${id}": ${fileURLToPath(known)} and ${fileURLToPath(url)}. ` +
          'Workers and executors know a module by its file name: rename one of them.',
      );
    }
    await load(spec, url, options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS, onSlow);
    modules.set(id, url);
  }
  return modules;
}

/** Imports a task module within `timeoutMs`, saying so after SLOW_LOAD_MS while it is still loading. */
async function load(spec: string, url: string, timeoutMs: number, onSlow: SlowLoad): Promise<void> {
  let slow: NodeJS.Timeout | undefined;
  let late: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    if (timeoutMs > SLOW_LOAD_MS)
      slow = setTimeout(() => onSlow(spec, SLOW_LOAD_MS, timeoutMs), SLOW_LOAD_MS);
    late = setTimeout(() => {
      reject(
        new TaskNotFoundError(
          `Task module ${spec} did not finish loading within ${timeoutMs} ms: its top-level code is still ` +
            'waiting (a top-level await that never settles, a connection it opens on import?). Fix the module, ' +
            'or allow it longer with loadTimeoutMs (CONC_WORKER_LOAD_TIMEOUT_MS for conc worker).',
        ),
      );
    }, timeoutMs);
  });
  try {
    await Promise.race([importModule(url), timedOut]);
  } catch (error) {
    if (error instanceof TaskNotFoundError) throw error;
    throw new InvalidOptionsError(`Task module ${spec} failed to load: ${describe(error)}`, { cause: error });
  } finally {
    clearTimeout(slow);
    clearTimeout(late);
  }
}
