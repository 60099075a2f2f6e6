/**
 * The retry policy, written once for every backend: which outcomes are worth another attempt, and how
 * many a call gets. A retry starts at once, as a new job (src/core/call.ts); the distributed backend
 * adds it to the queue again like any job, so BullMQ's own `attempts` stay at 1.
 */
import type { OutcomeKind } from './outcome.ts';

/** A task that threw, crashed its worker or ran out of time may succeed on another attempt. */
export const RETRYABLE: ReadonlySet<OutcomeKind> = new Set<OutcomeKind>(['threw', 'crashed', 'timeout']);

/** True when an attempt that ended with `kind`, with `retriesLeft` retries left, should run again. */
export function shouldRetry(kind: OutcomeKind, retriesLeft: number): boolean {
  return retriesLeft > 0 && RETRYABLE.has(kind);
}
