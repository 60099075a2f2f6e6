/**
 * One task call on its way through a backend: a small state machine, PENDING → RUNNING → SETTLED,
 * as CPython's Future. `markRunning()` is the gate a backend passes before it starts the work (false:
 * the job was cancelled meanwhile); `settle()` is called exactly once — a second call is a bug.
 */
import type { TaskRef } from '../tasks.ts';

export const JobState = { Pending: 0, Running: 1, Settled: 2 } as const;
export type JobState = (typeof JobState)[keyof typeof JobState];

export type JobCallback = (error: unknown, value?: unknown) => void;

let nextId = 1;

export class Job {
  readonly id = nextId++;
  state: JobState = JobState.Pending;
  /** Retries left for this job (re-run after a throw, a crash or a timeout). */
  retriesLeft: number;

  constructor(
    readonly ref: TaskRef,
    /** The task's arguments; for a batch job, one argument list per item. */
    readonly args: unknown[],
    readonly batch: boolean,
    readonly timeoutMs: number | undefined,
    retries: number,
    readonly callback: JobCallback,
  ) {
    this.retriesLeft = retries;
  }

  get settled(): boolean {
    return this.state === JobState.Settled;
  }

  markRunning(): boolean {
    if (this.state === JobState.Settled) return false;
    this.state = JobState.Running;
    return true;
  }

  /** Back to the queue for another attempt. */
  retry(): boolean {
    if (this.state === JobState.Settled || this.retriesLeft <= 0) return false;
    this.retriesLeft--;
    this.state = JobState.Pending;
    return true;
  }

  /** Back to the queue without spending a retry: the job never ran, or ran where its result was lost. */
  reset(): void {
    if (this.state !== JobState.Settled) this.state = JobState.Pending;
  }

  settle(error: unknown, value?: unknown): void {
    if (this.state === JobState.Settled) throw new Error(`conc internal error: job ${this.id} settled twice`);
    this.state = JobState.Settled;
    this.callback(error, value);
  }
}
