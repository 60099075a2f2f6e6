/**
 * Calls by task and what became of them: on the caller's side, the counters a `conc worker` exposes
 * (worker.stats(), /metrics), reported in a distributed executor's stats() as `byTask`.
 */
import type { OutcomeKind } from '../../core/outcome.ts';

export type Counts = Record<'completed' | 'failed' | 'cancelled' | 'refused' | 'retried', number>;

const COUNTED: Partial<Record<OutcomeKind, keyof Counts>> = {
  ok: 'completed',
  aborted: 'cancelled',
  'not-found': 'refused',
};

export class TaskCounts {
  readonly #byTask = new Map<string, Counts>();

  /** A call of `task` ended with `kind`. */
  ended(task: string, kind: OutcomeKind): void {
    this.add(task, COUNTED[kind] ?? 'failed');
  }

  add(task: string, what: keyof Counts, n = 1): void {
    let counts = this.#byTask.get(task);
    if (!counts) {
      counts = { completed: 0, failed: 0, cancelled: 0, refused: 0, retried: 0 };
      this.#byTask.set(task, counts);
    }
    counts[what] += n;
  }

  snapshot(): Record<string, Counts> {
    return Object.fromEntries([...this.#byTask].map(([task, counts]) => [task, { ...counts }]));
  }
}
