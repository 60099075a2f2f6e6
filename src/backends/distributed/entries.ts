/**
 * Every live entry of a distributed executor, found by BullMQ job id or by call, with the counters
 * the backend reports and the add queue needs. Entries move, settle and leave only through here, so
 * the counters follow from the moves instead of being kept by hand in each event handler.
 */
import type { Job } from '../../core/job.ts';
import type { Outcome, OutcomeKind } from '../../core/outcome.ts';
import type { Entry, EntryState } from './entry.ts';

export class Entries {
  #byId = new Map<string, Entry>();
  #byJob = new Map<Job, Entry>();
  /** Entries in Redis or on their way there. */
  #sent = 0;
  /** Open calls of every live entry, and of the active ones. */
  #open = 0;
  #running = 0;
  #idleWaiters: (() => void)[] = [];
  readonly #onRoom: () => void;
  readonly #onEnded: (entry: Entry, kind: OutcomeKind) => void;

  /**
   * `onRoom`: an entry left Redis (or never will reach it), so another may be sent. `onEnded`: a call
   * of a live entry ended with `kind` (every settle and cancel comes through here).
   */
  constructor(onRoom: () => void, onEnded: (entry: Entry, kind: OutcomeKind) => void = () => {}) {
    this.#onRoom = onRoom;
    this.#onEnded = onEnded;
  }

  get size(): number {
    return this.#byId.size;
  }

  get sent(): number {
    return this.#sent;
  }

  /** Calls a worker runs now. */
  get running(): number {
    return this.#running;
  }

  /** Calls waiting: here, on their way to Redis, or in Redis. */
  get queued(): number {
    return this.#open - this.#running;
  }

  add(entry: Entry): void {
    this.#byId.set(entry.id, entry);
    for (const job of entry.jobs) this.#byJob.set(job, entry);
    this.#open += entry.open;
  }

  /** The live entry of a BullMQ job id (undefined once it is done: late events are ignored). */
  get(id: string): Entry | undefined {
    return this.#byId.get(id);
  }

  all(): Entry[] {
    return [...this.#byId.values()];
  }

  /** Moves a live entry to `to`; an entry that is done stays done. */
  move(entry: Entry, to: Exclude<EntryState, 'done'>): void {
    if (entry.state === 'done' || entry.state === to) return;
    const wasSent = entry.sent;
    if (entry.state === 'active') this.#running -= entry.open;
    entry.state = to;
    if (to === 'active') this.#running += entry.open;
    if (wasSent !== entry.sent) this.#sent += entry.sent ? 1 : -1;
    if (wasSent && !entry.sent) this.#onRoom();
  }

  /** Settles every open call of `entry` with its outcome (`outcomes[i]` for call i) and forgets it. */
  settle(entry: Entry, outcomes: readonly Outcome[]): void {
    if (!this.#drop(entry)) return;
    entry.jobs.forEach((job, i) => {
      if (job.settled) return;
      this.#onEnded(entry, outcomes[i]!.kind);
      job.settle(outcomes[i]!);
    });
    this.#checkIdle();
  }

  /** Settles every open call of `entry` with the same outcome. */
  fail(entry: Entry, outcome: Outcome): void {
    this.settle(
      entry,
      entry.jobs.map(() => outcome),
    );
  }

  /**
   * Settles one call as aborted. Returns its entry when that was the entry's last open call (the
   * entry is then done, and its BullMQ job worth cancelling); a chunk's other calls carry on.
   */
  cancel(job: Job, reason: unknown): Entry | undefined {
    const entry = this.#byJob.get(job);
    if (!entry || entry.state === 'done') {
      if (!job.settled) job.settle({ kind: 'aborted', reason });
      return undefined;
    }
    this.#byJob.delete(job);
    entry.open--;
    this.#open--;
    if (entry.state === 'active') this.#running--;
    this.#onEnded(entry, 'aborted');
    job.settle({ kind: 'aborted', reason });
    if (entry.open > 0) return undefined;
    this.#drop(entry);
    this.#checkIdle();
    return entry;
  }

  /** Resolves when no entry is left. */
  idle(): Promise<void> {
    if (this.#byId.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Forgets an entry: no event or timer touches it again. False when it was done already. */
  #drop(entry: Entry): boolean {
    if (entry.state === 'done' || this.#byId.get(entry.id) !== entry) return false;
    const wasSent = entry.sent;
    if (entry.state === 'active') this.#running -= entry.open;
    this.#open -= entry.open;
    entry.state = 'done';
    clearTimeout(entry.guard);
    this.#byId.delete(entry.id);
    for (const job of entry.jobs) if (this.#byJob.get(job) === entry) this.#byJob.delete(job);
    if (wasSent) {
      this.#sent--;
      this.#onRoom();
    }
    return true;
  }

  #checkIdle(): void {
    if (this.#byId.size > 0 || this.#idleWaiters.length === 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
