/**
 * One task call as the caller sees it: its attempts on a backend, retried by one policy, ending in one
 * final outcome. map/imap start the first attempts of a chunk's calls together; a retry goes alone.
 *
 *   Call ──attempt()──▶ Job ──backend──▶ outcome ─┬─ retryable and retries left ─▶ attempt() again
 *                                                 └─ otherwise ─▶ done(outcome), exactly once
 */
import type { TaskRef } from '../tasks.ts';
import type { Backend } from './backend.ts';
import { Job } from './job.ts';
import type { Outcome } from './outcome.ts';
import { shouldRetry } from './retry.ts';

export class Call {
  #backend: Backend;
  #ref: TaskRef;
  #args: unknown[];
  #timeoutMs: number | undefined;
  #retriesLeft: number;
  #done: (outcome: Outcome) => void;
  #job: Job | undefined;

  constructor(
    backend: Backend,
    ref: TaskRef,
    args: unknown[],
    timeoutMs: number | undefined,
    retries: number,
    done: (outcome: Outcome) => void,
  ) {
    this.#backend = backend;
    this.#ref = ref;
    this.#args = args;
    this.#timeoutMs = timeoutMs;
    this.#retriesLeft = retries;
    this.#done = done;
  }

  /** The next attempt, not yet started: hand it to `backend.start` (alone or in a chunk). */
  attempt(): Job {
    const job = new Job(this.#ref, this.#args, this.#timeoutMs, (outcome) => this.#settled(job, outcome));
    this.#job = job;
    return job;
  }

  /** Starts one attempt on its own. */
  start(): void {
    this.#backend.start([this.attempt()]);
  }

  /** Stops the call: its current attempt is cancelled and the call ends as aborted with `reason`. */
  cancel(reason: unknown): void {
    const job = this.#job;
    if (job && !job.settled) this.#backend.cancel(job, reason);
  }

  #settled(job: Job, outcome: Outcome): void {
    if (job !== this.#job) return;
    if (shouldRetry(outcome.kind, this.#retriesLeft)) {
      this.#retriesLeft--;
      this.start();
      return;
    }
    this.#job = undefined;
    this.#done(outcome);
  }
}

/** Starts the first attempts of `calls` together: a chunk the backend may send as one. */
export function startTogether(backend: Backend, calls: readonly Call[]): void {
  backend.start(calls.map((call) => call.attempt()));
}
