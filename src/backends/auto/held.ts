/**
 * The jobs `auto` holds until the backend it chose may take them: in arrival order, a chunk kept
 * together so that it can still go to the thread pool as one chunk. A job cancelled while held is
 * settled at once and skipped when its turn comes.
 */
import type { Job } from '../../core/job.ts';
import { Deque } from '../../util/deque.ts';

export class HeldJobs {
  #chunks = new Deque<Job[]>();
  /** Jobs of the first chunk already taken. */
  #taken = 0;
  #pending = 0;

  /** Jobs held and not settled. */
  get size(): number {
    return this.#pending;
  }

  add(jobs: readonly Job[]): void {
    if (jobs.length === 0) return;
    this.#chunks.push([...jobs]);
    this.#pending += jobs.length;
  }

  /** A held job was settled (cancelled) where it waits: it no longer counts. */
  dropped(): void {
    this.#pending--;
  }

  /** The next job that can run, marked running; undefined when none is left. */
  takeOne(): Job | undefined {
    for (let chunk = this.#chunks.peek(); chunk; chunk = this.#chunks.peek()) {
      while (this.#taken < chunk.length) {
        const job = chunk[this.#taken++]!;
        if (this.#claim(job)) return job;
      }
      this.#nextChunk();
    }
    return undefined;
  }

  /** What is left of the first chunk that still has a job to run, each marked running; undefined when none is left. */
  takeChunk(): Job[] | undefined {
    for (let chunk = this.#chunks.peek(); chunk; chunk = this.#chunks.peek()) {
      const jobs = chunk.slice(this.#taken).filter((job) => this.#claim(job));
      this.#nextChunk();
      if (jobs.length > 0) return jobs;
    }
    return undefined;
  }

  /**
   * A batch for one message to a thread: a chunk given by the caller as it is, else up to `max`
   * consecutive single jobs (a timed job always alone: its timeout is its own). Undefined when none is left.
   */
  takeBatch(max: number): Job[] | undefined {
    let head = this.#chunks.peek();
    while (head && this.#taken >= head.length) {
      this.#nextChunk();
      head = this.#chunks.peek();
    }
    if (!head) return undefined;
    if (head.length > 1) return this.takeChunk();
    if (max <= 1) return this.#takeOneAsList();
    const jobs: Job[] = [];
    for (let chunk = this.#chunks.peek(); chunk && jobs.length < max; chunk = this.#chunks.peek()) {
      const job = chunk[0]!;
      if (chunk.length > 1 || (job.timeoutMs !== undefined && jobs.length > 0)) break;
      this.#nextChunk();
      if (this.#claim(job)) jobs.push(job);
      if (job.timeoutMs !== undefined) break;
    }
    return jobs.length > 0 ? jobs : this.takeChunk();
  }

  #takeOneAsList(): Job[] | undefined {
    const job = this.takeOne();
    return job && [job];
  }

  /** Removes every job; returns those not settled yet. */
  drain(): Job[] {
    const jobs: Job[] = [];
    for (let chunk = this.#chunks.shift(); chunk; chunk = this.#chunks.shift()) {
      for (const job of chunk.slice(this.#taken)) if (!job.settled) jobs.push(job);
      this.#taken = 0;
    }
    this.#pending = 0;
    return jobs;
  }

  #claim(job: Job): boolean {
    if (!job.markRunning()) return false; // cancelled while held: counted out already
    this.#pending--;
    return true;
  }

  #nextChunk(): void {
    this.#chunks.shift();
    this.#taken = 0;
  }
}
