/**
 * The seam between the executor contract and the ways of running a task. A backend runs plain jobs
 * and reports one outcome per job; it knows nothing of map, chunking, retries or public errors.
 */
import { AbortError } from '../errors.ts';
import type { Job } from './job.ts';
import { CLOSED_REASON } from './outcome.ts';

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
  /**
   * Starts (or queues) jobs. More than one is a chunk: ordinary jobs the backend may send together
   * (one message to a pool worker, one job on the queue). Each job settles exactly once.
   */
  start(jobs: readonly Job[]): void;
  /** Stops a job: dropped if queued, stopped if running; settles it as aborted with `reason` if not yet settled. */
  cancel(job: Job, reason: unknown): void;
  /**
   * Drains all work — or, given `cancel`, stops it: what has not finished settles as aborted with
   * `cancel.reason`. Then releases every worker and handle.
   */
  close(cancel?: Cancel): Promise<void>;
  stats(): BackendStats;
  /**
   * Resolves once the backend can take work: pools, once `minWorkers` workers (at least one) finished
   * their initializer; sync/async, once the initializer ran; distributed, once Redis answers. Rejects
   * with the public error that every task would fail with (InitializerError, BrokenPoolError, RedisError).
   */
  ready(): Promise<void>;
  /** Anything backend-specific worth reporting (auto: the mode it chose). */
  info?(): Record<string, unknown>;
}

/** How a closing backend stops its work: the reason every unfinished job is aborted with. */
export interface Cancel {
  reason: unknown;
}

/** The cancel of `close({ cancel: true })`, made once for every backend. */
export function cancelOnClose(): Cancel {
  return { reason: new AbortError(CLOSED_REASON) };
}
