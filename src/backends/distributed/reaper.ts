/**
 * What removes finished jobs from Redis once their caller read them: a result is held in Redis only
 * until it reached the executor that asked for it (a 200 MB result would otherwise stay there for the
 * whole of removeOnComplete's age). Ids read in one burst go in one round of removes.
 */
import type { Link } from './link.ts';

export class Reaper {
  #link: Link;
  #ids: string[] = [];
  #large: string[] = [];
  #scheduled = false;
  #pending = new Set<Promise<void>>();

  constructor(link: Link) {
    this.#link = link;
  }

  /** The job's result was read (or nobody waits for it any more): remove it (and its large result) soon. */
  read(id: string, large = false): void {
    this.#ids.push(id);
    if (large) this.#large.push(id);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  /** Resolves when every remove asked for so far is done (or failed: Redis trims it later anyway). */
  async idle(): Promise<void> {
    if (this.#ids.length > 0) this.#flush();
    await Promise.all([...this.#pending]);
  }

  #flush(): void {
    this.#scheduled = false;
    const ids = this.#ids.splice(0);
    const large = this.#large.splice(0);
    if (ids.length === 0) return;
    const done = this.#link.remove(ids, large).catch(() => {});
    this.#pending.add(done);
    void done.finally(() => this.#pending.delete(done));
  }
}
