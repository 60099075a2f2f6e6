/**
 * The tasks a `conc worker` may run in an allowed module: only those the module registers with
 * `defineTasks` — never any other named export. An allowed module may export helpers that were never
 * meant to be called from a queue (`conc/io#releaseSession`); a job that names one is refused.
 *
 * A module's registered names are read on the first job that names it (its import is cached), so
 * conc's own workloads still load only when first used.
 */
import { REGISTRY } from '../internal/resolve-task.ts';
import { importModule } from '../internal/ts-support.ts';

interface Registry {
  module: string;
  fns: Record<string, unknown>;
}

/** A task module as a worker sees it: the names it registers, and what it exports besides. */
export interface ModuleTasks {
  registered: ReadonlySet<string>;
  /** The type of an export of that name (to say "not a function"), undefined when there is none. */
  exportType: (name: string) => string | undefined;
}

export class RegisteredTasks {
  readonly #byModule = new Map<string, Promise<ModuleTasks>>();

  /**
   * The names `moduleUrl` registers with defineTasks; undefined when it does not load (not remembered:
   * the task's run then reports the real load error, and a later job tries again).
   */
  names(moduleUrl: string): Promise<ModuleTasks | undefined> {
    let names = this.#byModule.get(moduleUrl);
    if (!names) {
      names = importModule(moduleUrl).then((imported) => {
        const ns = imported as Record<string, unknown>;
        return {
          registered: registeredNames(ns),
          exportType: (name: string) => (Object.hasOwn(ns, name) ? typeof ns[name] : undefined),
        };
      });
      this.#byModule.set(moduleUrl, names);
      names.catch(() => this.#byModule.delete(moduleUrl));
    }
    return names.catch(() => undefined);
  }
}

/** Every name registered by a defineTasks() object the module exports. */
export function registeredNames(ns: Record<string, unknown>): Set<string> {
  const names = new Set<string>();
  for (const value of Object.values(ns)) {
    let registry: Registry | undefined;
    try {
      registry = (value as { [REGISTRY]?: Registry } | null)?.[REGISTRY];
    } catch {
      continue; // an export whose getter throws registers nothing
    }
    if (registry && typeof registry.fns === 'object')
      for (const name of Object.keys(registry.fns)) names.add(name);
  }
  return names;
}
