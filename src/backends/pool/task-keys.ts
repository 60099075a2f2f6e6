/**
 * Small integer keys for task references, shared by a pool's workers: a call names its task by key,
 * and each worker is told a key's (module, name) once. Consecutive jobs of one task (a map) hit the
 * last-reference shortcut, so the hot path builds no string.
 */
import type { TaskRef } from '../../tasks.ts';
import type { TaskDef } from './protocol.ts';

export class TaskKeys {
  #byId = new Map<string, number>();
  #defs: TaskDef[] = [];
  #lastRef: TaskRef | undefined;
  #lastKey = 0;

  keyOf(ref: TaskRef): number {
    if (ref === this.#lastRef) return this.#lastKey;
    const id = `${ref.module}#${ref.name}`;
    let key = this.#byId.get(id);
    if (key === undefined) {
      key = this.#byId.size + 1;
      this.#byId.set(id, key);
      this.#defs[key] = { key, module: ref.module, name: ref.name };
    }
    this.#lastRef = ref;
    this.#lastKey = key;
    return key;
  }

  def(key: number): TaskDef {
    return this.#defs[key]!;
  }
}
