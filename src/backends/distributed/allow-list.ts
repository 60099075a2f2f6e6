/**
 * The task modules a `conc worker` will run, by module id. A job names a module id; the worker maps it
 * to a module file it was started with — never to a path taken from the job, which would let anyone who
 * can write to the queue run any code on the worker's machine.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InvalidOptionsError } from '../../errors.ts';
import { importModule } from '../../internal/ts-support.ts';
import { BUILTIN_MODULES, builtinUrl, moduleId } from './wire.ts';

export interface AllowListOptions {
  /** Allow conc's built-in workloads (conc/cpu, conc/io). Default true. */
  builtins?: boolean | undefined;
  /** More task modules: file paths (relative to `cwd`) or file: URLs. */
  tasks?: readonly string[] | undefined;
  cwd?: string | undefined;
}

/**
 * Module id → module URL for every allowed module. Each extra module is imported once here, so a
 * broken or missing file stops the worker at start with a clear error, not at its first job.
 */
export async function buildAllowList(options: AllowListOptions = {}): Promise<Map<string, string>> {
  const modules = new Map<string, string>();
  if (options.builtins !== false) {
    for (const id of Object.keys(BUILTIN_MODULES)) {
      const url = builtinUrl(id);
      if (url && existsSync(fileURLToPath(url))) modules.set(id, url);
    }
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
    try {
      await importModule(url);
    } catch (error) {
      throw new InvalidOptionsError(`Task module ${spec} failed to load: ${(error as Error).message}`, {
        cause: error,
      });
    }
    modules.set(id, url);
  }
  return modules;
}
