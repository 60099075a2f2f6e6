/**
 * One attempt at one task call on its way through a backend: a small state machine, as CPython's
 * Future.
 *
 *   pending ──markRunning()──▶ running ──settle(outcome)──▶ settled
 *      ▲                          │
 *      └──────── reset() ─────────┘   (it never ran, or ran where its result was lost)
 *
 * `markRunning()` is the gate a backend passes before it starts the work (false: the job was settled
 * meanwhile, e.g. cancelled); `settle()` is called exactly once — a second call is a bug.
 */
import type { TaskRef } from '../tasks.ts';
import type { Outcome } from './outcome.ts';

export type JobState = 'pending' | 'running' | 'settled';

let nextId = 1;

export class Job {
  readonly id = nextId++;
  #state: JobState = 'pending';

  constructor(
    readonly ref: TaskRef,
    readonly args: unknown[],
    /** Per-attempt timeout, counted from when the task starts running. */
    readonly timeoutMs: number | undefined,
    readonly onSettle: (outcome: Outcome) => void,
  ) {}

  get state(): JobState {
    return this.#state;
  }

  get settled(): boolean {
    return this.#state === 'settled';
  }

  markRunning(): boolean {
    if (this.#state === 'settled') return false;
    this.#state = 'running';
    return true;
  }

  /** Back to pending without an outcome: the job never ran, or ran where its result was lost. */
  reset(): void {
    if (this.#state === 'running') this.#state = 'pending';
  }

  settle(outcome: Outcome): void {
    if (this.#state === 'settled') throw new Error(`conc internal error: job ${this.id} settled twice`);
    this.#state = 'settled';
    this.onSettle(outcome);
  }
}
