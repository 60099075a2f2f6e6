/**
 * The retry policy, written once: which outcomes are worth another attempt, and how many attempts a
 * call gets. The core retries jobs itself for every backend but those that spend retries themselves
 * (distributed hands them to BullMQ's `attempts`, with this same set of retryable kinds).
 */
import type { OutcomeKind } from './outcome.ts';

/** A task that threw, crashed its worker or ran out of time may succeed on another attempt. */
export const RETRYABLE: ReadonlySet<OutcomeKind> = new Set<OutcomeKind>(['threw', 'crashed', 'timeout']);

/** True when an attempt that ended with `kind`, with `retriesLeft` retries left, should run again. */
export function shouldRetry(kind: OutcomeKind, retriesLeft: number): boolean {
  return retriesLeft > 0 && RETRYABLE.has(kind);
}
