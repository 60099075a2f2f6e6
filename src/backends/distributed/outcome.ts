/**
 * What a `conc worker` reported through BullMQ, read back as one outcome per call on the executor's
 * side. One place for completed jobs, failed jobs and the watchdog's late discoveries; which public
 * error an outcome becomes is decided above every backend (src/core/public-error.ts).
 */

import { KINDS, type Outcome } from '../../core/outcome.ts';
import { outcomeFromWire } from '../../core/outcome-wire.ts';
import { decode, parseFailure, RESULT_TTL_MS, type WireOutcome } from './wire.ts';

/** The outcomes of a completed job whose `calls` calls were sent together. */
export function completedOutcomes(returnvalue: unknown, calls: number, task: string): Outcome[] {
  if ((returnvalue as { expired?: boolean } | null)?.expired === true) {
    const message =
      `The result of task "${task}" was kept in Redis for ${RESULT_TTL_MS / 1000} s and expired before this ` +
      'executor could read it (was it cut off from Redis that long?). Run it again.';
    return same({ kind: 'unreachable', message }, calls);
  }
  if (typeof returnvalue !== 'string') return same(unreadable(task, typeof returnvalue), calls);
  let wire: unknown;
  try {
    wire = decode(returnvalue);
  } catch (error) {
    return same(unreadable(task, (error as Error).message), calls);
  }
  return fromWire(wire, calls, task);
}

/** The outcomes of a failed job: as the worker reported them, or a crash for a failure BullMQ wrote. */
export function failedOutcomes(failedReason: string, calls: number, task: string): Outcome[] {
  const wire = parseFailure(failedReason);
  if (wire) return fromWire(wire, calls, task);
  // BullMQ's own words: the job stalled too often (its workers kept dying), or similar
  return same({ kind: 'crashed', detail: `BullMQ failed the job: ${failedReason}` }, calls);
}

/** One outcome per call; a single one (the worker could not read the job) stands for every call. */
function fromWire(wire: unknown, calls: number, task: string): Outcome[] {
  if (!Array.isArray(wire) || !wire.every(isWireOutcome))
    return same(unreadable(task, 'not a list of outcomes'), calls);
  const outcomes = (wire as WireOutcome[]).map(([kind, payload]) => outcomeFromWire(kind, payload));
  if (outcomes.length === calls) return outcomes;
  if (outcomes.length === 1) return same(outcomes[0]!, calls);
  return same(unreadable(task, `${outcomes.length} outcomes for ${calls} calls`), calls);
}

function isWireOutcome(item: unknown): boolean {
  return Array.isArray(item) && item.length === 2 && KINDS.includes(item[0]);
}

function same(outcome: Outcome, calls: number): Outcome[] {
  return Array.from({ length: calls }, () => outcome);
}

function unreadable(task: string, detail: string): Outcome {
  return {
    kind: 'bad-argument',
    message:
      `The result of task "${task}" came back from Redis in a form conc cannot read (${detail}). ` +
      'Is another program, or another version of conc, working on the same queue? Use a queue of your own.',
  };
}
