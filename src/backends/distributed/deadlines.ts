/**
 * Timeouts of distributed calls, as seen from the executor. The worker enforces a call's timeout itself;
 * these guards cover what it cannot report: a worker that went silent (a blocked event loop, a lost
 * machine) and a queue no worker listens to. Timed entries only.
 */
import type { Outcome } from '../../core/outcome.ts';
import { publicError } from '../../core/public-error.ts';
import type { Entries } from './entries.ts';
import type { Entry } from './entry.ts';
import type { Link } from './link.ts';
import { redact } from './redis.ts';

export interface DeadlineOptions {
  url: string;
  queue: string;
  /** What the last look at the queue found: how many workers listen. */
  onWorkers: (count: number) => void;
  /** The entry is given up: stop its BullMQ job. */
  /** Stops jobs on the workers running them; their tasks' signals abort with `reason`. */
  cancelRemote: (entries: Entry[], reason: unknown) => void;
}

export class Deadlines {
  #link: Link;
  #entries: Entries;
  #opts: DeadlineOptions;

  constructor(link: Link, entries: Entries, options: DeadlineOptions) {
    this.#link = link;
    this.#entries = entries;
    this.#opts = options;
  }

  /** (Re)starts the entry's guard for where it is now: waiting for a worker, or running on one. */
  arm(entry: Entry): void {
    const ms = entry.timeoutMs;
    if (ms === undefined || entry.state === 'done') return;
    clearTimeout(entry.guard);
    if (entry.state === 'active') {
      // a chunk's calls share the worker's local slots: allow for them running one after another
      entry.guard = setTimeout(() => this.#silent(entry, ms), ms * 2 * entry.jobs.length + 5_000);
    } else {
      entry.guard = setTimeout(() => void this.#unstarted(entry, ms), ms);
    }
  }

  #silent(entry: Entry, ms: number): void {
    if (entry.state === 'done') return;
    const outcome: Outcome = { kind: 'timeout', ms };
    this.#entries.fail(entry, outcome);
    this.#opts.cancelRemote([entry], publicError(outcome, entry.task));
  }

  /** A timed job still waits after its timeout: fine while workers are busy, an error when there are none. */
  async #unstarted(entry: Entry, ms: number): Promise<void> {
    if (!waiting(entry)) return;
    const workers = await this.#link.workerCount().catch(() => -1);
    this.#opts.onWorkers(Math.max(workers, 0));
    if (!waiting(entry)) return; // settled, or a worker took it meanwhile
    if (workers !== 0) {
      this.arm(entry);
      return;
    }
    const { queue, url } = this.#opts;
    const message =
      `Task "${entry.task}" did not start within ${ms} ms: no conc worker listens on queue "${queue}" ` +
      `at ${redact(url)}. Start one: conc worker --redis <url> --queue ${queue}`;
    const outcome: Outcome = { kind: 'timeout', ms, message };
    this.#entries.fail(entry, outcome);
    this.#opts.cancelRemote([entry], publicError(outcome, entry.task));
  }
}

/** Not yet taken by a worker, not settled. */
function waiting(entry: Entry): boolean {
  return entry.state !== 'done' && entry.state !== 'active';
}
