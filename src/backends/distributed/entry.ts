/**
 * One BullMQ job on the executor's side: the calls (core jobs) it carries and where it is.
 *
 *   queued ──flush──▶ adding ──added──▶ waiting ◀──▶ active ──▶ done
 *     ▲                                    │            │
 *     └───────── lost by Redis: re-added ──┴────────────┘
 *
 * `queued`: here, not yet sent; `adding`: an add to Redis is under way; `waiting`: in Redis, no worker
 * has it; `active`: a worker runs it; `done`: settled or dropped, no event or timer touches it again.
 * Only {@link Entries} moves an entry, so that its counters stay right.
 */
import type { Job } from '../../core/job.ts';
import type { JobData } from './wire.ts';

export type EntryState = 'queued' | 'adding' | 'waiting' | 'active' | 'done';

export class Entry {
  state: EntryState = 'queued';
  /** Calls of this job not settled yet (a chunk's calls can be cancelled one by one). */
  open: number;
  /** Resolves when the add that sent this entry finished (either way); a remote cancel waits for it. */
  added: Promise<void> | undefined;
  /** Timed jobs: fires when no worker took it in time, or when a running one went silent. */
  guard: NodeJS.Timeout | undefined;
  /** When the executor last heard of this job (an event, an add, a look-up). */
  seen = 0;
  /** How often Redis lost it and it was added again. */
  readds = 0;
  /** When its calls were started (how long it waited for a worker counts from here). */
  readonly born = Date.now();

  constructor(
    /** The BullMQ job id: unique to this executor and attempt. */
    readonly id: string,
    readonly jobs: readonly Job[],
    /** BullMQ job name ("module-id#task") and data. */
    readonly name: string,
    readonly data: JobData,
  ) {
    this.open = jobs.length;
  }

  get task(): string {
    return this.jobs[0]!.ref.name;
  }

  /** The calls' timeout (every call of one entry has the same). */
  get timeoutMs(): number | undefined {
    return this.jobs[0]!.timeoutMs;
  }

  /** Sent to Redis (or being sent), not settled. */
  get sent(): boolean {
    return this.state === 'adding' || this.state === 'waiting' || this.state === 'active';
  }
}
