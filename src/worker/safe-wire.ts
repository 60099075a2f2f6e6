/**
 * Outcomes on their way back from a `conc worker`, made total: whatever a task threw or returned, the
 * job reports something the caller can read. An error whose `message` getter throws, a thrown Proxy,
 * a cause that cannot be cloned… becomes a plain error that says so, never an exception that would
 * fail the BullMQ job with BullMQ's own words (which the caller reads as a crash, and retries).
 */
import { serialize } from 'node:v8';
import type { WireOutcome } from '../backends/distributed/wire.ts';
import type { Outcome } from '../core/outcome.ts';
import { outcomeToWire } from '../core/outcome-wire.ts';

/** The outcome as wire data that v8 can serialize (a failure), or the closest readable stand-in. */
export function wireOutcome(outcome: Outcome, task: string): WireOutcome {
  try {
    const wire = outcomeToWire(outcome);
    if (wire[0] !== 'ok') serialize(wire); // failures are serialized whole later: find out now
    return wire;
  } catch (error) {
    return standIn(outcome.kind, task, error);
  }
}

/** A readable outcome of `kind` for task `task` whose own value could not be read (`why`). */
export function standIn(kind: Outcome['kind'], task: string, why: unknown): WireOutcome {
  const detail = describe(why);
  if (kind === 'ok')
    return ['bad-argument', { m: `The result of task "${task}" cannot be read: ${detail}.` }];
  const message = `Task "${task}" ended with a ${what(kind)} that conc cannot read (${detail})`;
  if (kind === 'threw' || kind === 'init-failed') {
    return [kind, { m: kind === 'init-failed' ? 'initializer' : undefined, e: { name: 'Error', message } }];
  }
  if (kind === 'timeout') return ['timeout', { ms: 0, m: message }];
  if (kind === 'aborted') return ['aborted', { e: { name: 'AbortError', message } }];
  return [kind, { m: message }];
}

/** As much of a value as can be read without throwing: "Name: message", a string, or its tag. */
export function describe(value: unknown): string {
  try {
    if (value instanceof Error) return `${String(value.name)}: ${String(value.message)}`.slice(0, 500);
  } catch {
    // fall through: read it as anything else
  }
  try {
    return String(value).slice(0, 500);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return 'an unreadable value';
    }
  }
}

/** An error's message, or as much of it as {@link describe} can read. */
export function messageOf(value: unknown): string {
  try {
    if (value instanceof Error) return String(value.message).slice(0, 500);
  } catch {
    // unreadable message: describe it
  }
  return describe(value);
}

function what(kind: Outcome['kind']): string {
  return kind === 'threw'
    ? 'thrown error'
    : kind === 'init-failed'
      ? 'failing initializer'
      : `${kind} outcome`;
}
