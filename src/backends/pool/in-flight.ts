/**
 * The jobs sent to one worker, in the order they were sent, until each is answered — a cancelled or
 * timed-out job too, so results always line up with the jobs they belong to — and what they tell about
 * where the worker is: which job it runs (crash-blame.ts), for a cancel's grace and after a death.
 */
import type { Job } from '../../core/job.ts';
import { Deque } from '../../util/deque.ts';
import type { Standing } from './cancel-grace.ts';
import { runningIndex, standingAt } from './crash-blame.ts';

/** One worker's unanswered jobs, oldest first. */
export class InFlight {
  #jobs = new Deque<Job>();
  /** [first, end) ordinals of chunks sent and not yet fully answered, oldest first (process blame). */
  #chunks = new Deque<readonly [number, number]>();
  #assigned = 0;
  #received = 0;
  readonly #counters: Int32Array | undefined;

  /** `counters`: a thread's shared counters (protocol.ts), else undefined. */
  constructor(counters: Int32Array | undefined) {
    this.#counters = counters;
  }

  /** Jobs sent and not yet answered (settled ones included). */
  get length(): number {
    return this.#jobs.length;
  }

  /** Answers received so far. */
  get received(): number {
    return this.#received;
  }

  /** Jobs held that have not ended yet. */
  get unsettled(): number {
    let n = 0;
    for (let i = 0; i < this.#jobs.length; i++) if (!this.#jobs.at(i)!.settled) n++;
    return n;
  }

  at(index: number): Job | undefined {
    return this.#jobs.at(index);
  }

  holds(job: Job): boolean {
    for (let i = 0; i < this.#jobs.length; i++) if (this.#jobs.at(i) === job) return true;
    return false;
  }

  /** Jobs just sent in one message (a chunk, or solo calls). */
  add(jobs: readonly Job[], chunk: boolean): void {
    for (const job of jobs) this.#jobs.push(job);
    if (chunk) this.#chunks.push([this.#assigned, this.#assigned + jobs.length]);
    this.#assigned += jobs.length;
  }

  /** The oldest job, answered now; its id must be `id` (results come in the order calls were sent). */
  answer(id: unknown): Job {
    const job = this.#jobs.shift();
    this.#received++;
    if (!job || job.id !== id) throw new Error(`conc internal error: result for ${id} came as ${job?.id}`);
    while ((this.#chunks.peek()?.[1] ?? Number.POSITIVE_INFINITY) <= this.#received) this.#chunks.shift();
    return job;
  }

  /** Where job `id` stands on the live worker; 'done' once answered. */
  standing(id: number): Standing {
    let at = 0;
    while (at < this.#jobs.length && this.#jobs.at(at)!.id !== id) at++;
    if (at === this.#jobs.length) return 'done';
    return standingAt(at, this.#received, this.#counters, this.#chunks.peek());
  }

  /**
   * After the worker died: the job it was running, if known and `blame` (a worker we terminated, or
   * that never started, blames nobody), and the innocent rest, in order. Empties the list.
   */
  lost(blame: boolean): { blamed: Job | undefined; innocent: Job[] } {
    const jobs = this.#jobs.drain();
    const at = blame ? runningIndex(jobs.length, this.#received, this.#counters, this.#chunks.peek()) : -1;
    const blamed = at >= 0 ? jobs[at] : undefined;
    if (at >= 0) jobs.splice(at, 1);
    return { blamed, innocent: jobs };
  }
}
