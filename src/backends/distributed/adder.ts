/**
 * What adds jobs to Redis. Entries started since the last flush go in one addBulk (per ADD_CHUNK), at
 * most MAX_SENT in Redis at once; the rest wait here, in order, until results make room.
 *
 *   push(entry) ─▶ toAdd ─(setImmediate: one flush per burst)─▶ addBulk ─▶ waiting (or failed: unreachable)
 *   requeue(entry) ─▶ front of toAdd  (Redis lost it: add it again)
 */
import { Deque } from '../../util/deque.ts';
import type { Entries } from './entries.ts';
import type { Entry } from './entry.ts';
import type { Link, NewJob } from './link.ts';
import { redact, scrub } from './redis.ts';

const ADD_CHUNK = 1000;
/**
 * Jobs of one executor in Redis at once; the rest wait here. Each job writes ~4 events to the queue's
 * event stream, which BullMQ trims to ~10,000: more jobs at once and their results' events could be
 * trimmed before QueueEvents reads them (the watchdog would still find them, seconds later).
 */
export const MAX_SENT = 2000;
/**
 * A finished job is removed once its caller read it (client.ts); one whose caller did not (the caller
 * died, or missed its event) stays at most this long — 60 s covers the watchdog's look-ups (a job
 * quiet for 10 s, Redis away for up to 10 s) three times over — and at most this many per queue.
 */
export const KEEP = { age: 60, count: 10_000 };
/** One attempt per BullMQ job: retries are the core's (src/core/retry.ts), each a job of its own. */
const OPTS = { attempts: 1, removeOnComplete: KEEP, removeOnFail: KEEP } as const;

export interface AdderOptions {
  url: string;
  queue: string;
  /** An entry is now in Redis, waiting for a worker. */
  onAdded: (entry: Entry) => void;
}

export class Adder {
  #toAdd = new Deque<Entry>();
  #scheduled = false;
  #link: Link | undefined;
  #entries: Entries;
  #opts: AdderOptions;
  /** Entries added again after Redis lost them. */
  readded = 0;

  constructor(entries: Entries, options: AdderOptions) {
    this.#entries = entries;
    this.#opts = options;
  }

  /** Connected: what waits goes out. */
  attach(link: Link): void {
    this.#link = link;
    this.schedule();
  }

  push(entry: Entry): void {
    this.#toAdd.push(entry);
    if (this.#link) this.schedule();
  }

  /** Redis lost the job (a restart without persistence): add it again, ahead of new work. */
  requeue(entry: Entry): void {
    this.#entries.move(entry, 'queued');
    entry.readds++;
    this.readded++;
    this.#toAdd.unshift(entry);
    this.schedule();
  }

  /** Everything not sent yet, taken out (to fail it). */
  drain(): Entry[] {
    return this.#toAdd.drain();
  }

  schedule(): void {
    if (!this.#link || this.#toAdd.length === 0) return;
    if (this.#toAdd.length >= ADD_CHUNK && this.#entries.sent + ADD_CHUNK <= MAX_SENT) {
      this.#flush();
      return;
    }
    if (this.#scheduled) return;
    this.#scheduled = true;
    // setImmediate, not a microtask: results arrive in bursts and each frees a map slot one microtask
    // apart; waiting for the burst to end turns many one-job adds into one addBulk.
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const link = this.#link;
    if (!link) return;
    const batch: Entry[] = [];
    while (this.#toAdd.length > 0 && this.#entries.sent < MAX_SENT) {
      const entry = this.#toAdd.shift()!;
      if (entry.state !== 'queued') continue; // settled while it waited here
      this.#entries.move(entry, 'adding');
      batch.push(entry);
    }
    for (let i = 0; i < batch.length; i += ADD_CHUNK) this.#add(link, batch.slice(i, i + ADD_CHUNK));
  }

  #add(link: Link, chunk: Entry[]): void {
    const jobs = chunk.map((e): NewJob => ({ name: e.name, data: e.data, opts: { ...OPTS, jobId: e.id } }));
    const added = link.add(jobs).then(
      () => {
        const now = Date.now();
        for (const entry of chunk) {
          if (entry.state !== 'adding') continue; // done, or a worker took it already
          entry.seen = now;
          this.#entries.move(entry, 'waiting');
          this.#opts.onAdded(entry);
        }
      },
      (error: unknown) => {
        const { url, queue } = this.#opts;
        const detail = scrub(String((error as Error)?.message ?? error), url);
        const message = `Could not add tasks to queue "${queue}" at ${redact(url)}: ${detail}`;
        for (const entry of chunk) this.#entries.fail(entry, { kind: 'unreachable', message, cause: error });
      },
    );
    for (const entry of chunk) entry.added = added;
  }
}
