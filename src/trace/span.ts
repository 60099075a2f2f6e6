/**
 * What the timeline records: one span per task attempt, on the caller's clock.
 *
 * Times are milliseconds since the timeline's origin (when the executor was created), measured with the
 * caller's `performance.now()`. Work that ran in another thread, process or machine was stamped on that
 * clock and moved onto the caller's by the offset measured for its worker (`ClockOffset`).
 */
import type { OutcomeKind } from '../core/outcome.ts';

/** Where a task ran. `worker` names one runner; tasks on one runner may overlap only on an event loop. */
export type LaneKind = 'loop' | 'thread' | 'process' | 'remote';

export interface Lane {
  kind: LaneKind;
  /** e.g. "event loop", "thread 2", "process 4242", "worker host-a:4242". */
  worker: string;
}

/** A mark a task set while it ran: the phase `name` lasts until the next mark or the task's end. */
export interface PhaseMark {
  name: string;
  at: number;
}

export interface TaskSpan {
  task: string;
  /** The item's index in a map/imap; undefined for submit/run. */
  index: number | undefined;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
  lane: Lane;
  queuedAt: number;
  /** When the task began to run; undefined if it never did (cancelled while queued, a broken pool). */
  startedAt: number | undefined;
  endedAt: number;
  outcome: OutcomeKind;
  phases: PhaseMark[];
}

/** How a worker's clock was moved onto the caller's, and how exact that is. */
export interface ClockOffset {
  worker: string;
  /** Add to the worker's epoch milliseconds to get the caller's. */
  offsetMs: number;
  /** Half the round trip of the measurement: the offset is right within ± this. */
  uncertaintyMs: number;
}
