/**
 * The jobs waiting for a worker, oldest first: solo jobs and chunks (several jobs meant for one
 * message). A job cancelled while it waits stays until it reaches the head, where it is dropped.
 */
import type { Job } from '../../core/job.ts';
import { Deque } from '../../util/deque.ts';

export type Entry = Job | readonly Job[];

export const isChunk = (entry: Entry): entry is readonly Job[] => Array.isArray(entry);

const live = (entry: Entry): boolean => (isChunk(entry) ? entry.some((j) => !j.settled) : !entry.settled);
const sizeOf = (entry: Entry): number => (isChunk(entry) ? entry.length : 1);

export class JobQueue {
  #entries = new Deque<Entry>();
  #jobs = 0;

  /** Jobs waiting (a cancelled one counts until it is dropped). */
  get jobs(): number {
    return this.#jobs;
  }

  push(entry: Entry): void {
    this.#entries.push(entry);
    this.#jobs += sizeOf(entry);
  }

  /** Back to the front: jobs that lost their worker, or the rest of a cut chunk. */
  unshift(entry: Entry): void {
    this.#entries.unshift(entry);
    this.#jobs += sizeOf(entry);
  }

  /** The oldest entry with a job still to run (entries before it are dropped), or undefined. */
  head(): Entry | undefined {
    for (let entry = this.#entries.peek(); entry !== undefined; entry = this.#entries.peek()) {
      if (live(entry)) return entry;
      this.shift();
    }
    return undefined;
  }

  shift(): Entry | undefined {
    const entry = this.#entries.shift();
    if (entry !== undefined) this.#jobs -= sizeOf(entry);
    return entry;
  }

  /** Removes every entry; returns their jobs, oldest first. */
  drain(): Job[] {
    const jobs: Job[] = [];
    for (const entry of this.#entries.drain()) {
      if (isChunk(entry)) for (const job of entry) jobs.push(job);
      else jobs.push(entry);
    }
    this.#jobs = 0;
    return jobs;
  }

  /** Some job is still waiting to run. */
  hasLive(): boolean {
    for (let i = 0; i < this.#entries.length; i++) if (live(this.#entries.at(i)!)) return true;
    return false;
  }
}
