/** What a pool worker's slot tells its pool, and how it is started: the seam between pool.ts and worker-slot.ts. */
import type { Job } from '../../core/job.ts';
import type { Failure, Outcome } from '../../core/outcome.ts';

/** What a slot tells its pool (`Slot`: the WorkerSlot; a parameter, so this file imports none). */
export interface SlotOwner<Slot> {
  /** A job ended here (its result came back, it timed out, its arguments could not be sent). */
  outcome(job: Job, outcome: Outcome): void;
  /** Results came back: the pool recycles, idles or feeds this worker. */
  progressed(slot: Slot): void;
  /** The worker is gone; `slot.lost()` holds what it was doing. */
  exited(slot: Slot, detail: string, error: unknown): void;
  /** The worker started: loaded, its initializer finished (`failed`: it threw — no task can run). */
  ready(slot: Slot, failed: Failure | undefined): void;
  /** Its idle timeout passed: may it stop? (No while the pool would drop below `minWorkers`.) */
  retirable(slot: Slot): boolean;
}

export interface SlotOptions {
  initializer?: { module: string; name: string } | undefined;
  initArgs: unknown[];
  maxTasksPerWorker: number;
  idleTimeoutMs: number;
  /** How long a cancelled running job may take to answer before the worker is terminated. */
  cancelGraceMs: number;
  /** How long a worker may take to be ready (load, run its initializer) before its start counts as failed. */
  initTimeoutMs: number;
  maxMemoryMb?: number | undefined;
}
