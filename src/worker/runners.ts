/**
 * A `conc worker`'s local backends: one per initializer configuration named by jobs (the initializer
 * and its arguments), so each runs once per local worker before its first task. Idle ones are closed,
 * least recently used first, when a new configuration needs room; one whose initializer threw is
 * dropped after a while, so that a fixed module or a passing condition recovers without a restart.
 */
import { type Backend, cancelOnClose } from '../core/backend.ts';

export interface Runner {
  readonly key: string;
  readonly backend: Backend;
  running: number;
  broken: boolean;
}

/** A broken initializer's backend is dropped after this long. */
const BROKEN_FOR_MS = 10_000;

export class Runners {
  /** In least-recently-used order (Map keeps insertion order; a use moves an entry to the end). */
  #runners = new Map<string, Runner>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /**
   * The runner for `key`, made with `make` if new; undefined when `max` runners are all busy.
   * Call {@link release} when the job is done.
   */
  acquire(key: string, make: () => Backend): Runner | undefined {
    let runner = this.#runners.get(key);
    if (runner) {
      this.#runners.delete(key);
    } else {
      if (this.#runners.size >= this.#max && !this.#evictIdle()) return undefined;
      runner = { key, backend: make(), running: 0, broken: false };
    }
    this.#runners.set(key, runner);
    runner.running++;
    return runner;
  }

  release(runner: Runner): void {
    runner.running--;
  }

  /** The initializer threw: jobs keep failing fast on this runner for a while, then it is made anew. */
  markBroken(runner: Runner): void {
    if (runner.broken) return;
    runner.broken = true;
    setTimeout(() => this.#drop(runner), BROKEN_FOR_MS).unref();
  }

  async close(force: boolean): Promise<void> {
    const all = [...this.#runners.values()];
    this.#runners.clear();
    await Promise.all(all.map((runner) => runner.backend.close(force ? cancelOnClose() : undefined)));
  }

  #evictIdle(): boolean {
    for (const runner of this.#runners.values()) {
      if (runner.running === 0) {
        this.#drop(runner);
        return true;
      }
    }
    return false;
  }

  #drop(runner: Runner): void {
    if (this.#runners.get(runner.key) !== runner) return;
    this.#runners.delete(runner.key);
    void runner.backend.close(); // drains whatever still runs on it
  }
}
