/**
 * The seam between the executor contract and the ways of running a task. A backend only says how a
 * job is started, cancelled and closed; map/imap, settle, abort and timeouts-per-call live above it.
 */
import type { Job } from '../internal/job.ts';

export type Mode = 'sync' | 'async' | 'threads' | 'processes' | 'distributed' | 'auto';

export interface BackendStats {
  running: number;
  queued: number;
  workers: number;
}

export interface Backend {
  readonly mode: Mode;
  /** How many tasks may run at once (Infinity for unbounded async). */
  readonly concurrency: number;
  /** How many items map/imap keep in flight or buffered by default. */
  readonly window: number;
  /** Whether arguments and results are structured-cloned across a boundary. */
  readonly clonesArguments: boolean;
  /** Starts (or queues) a job; the backend calls `job.settle` exactly once. */
  start(job: Job): void;
  /** Stops a job: dropped if queued, stopped if running; settles it with `reason` if not yet settled. */
  cancel(job: Job, reason: unknown): void;
  /** Drains (or with cancel: stops) all work, then releases every worker and handle. */
  close(cancel: boolean): Promise<void>;
  stats(): BackendStats;
  /** Anything backend-specific worth reporting (auto: the mode it chose). */
  info?(): Record<string, unknown>;
}
