/**
 * Where `auto` announces its choice, for whoever runs a job without holding the executor (the lab,
 * `conc io --mode auto`). A `node:diagnostics_channel` channel: publishing costs nothing when no one listens.
 */
import { channel } from 'node:diagnostics_channel';
import type { AutoChoice } from '../auto.ts';
import type { LimitChange } from './limiter.ts';

/** One announcement: `chosen` once the verdict is in, `closed` with the final width when the executor closes. */
export interface AutoEvent extends AutoChoice {
  event: 'chosen' | 'closed';
  /** closed: how the adaptive width moved (its last 200 changes). */
  history?: LimitChange[] | undefined;
}

const autoChannel = channel('conc:auto');

export function publishAuto(event: AutoEvent): void {
  if (autoChannel.hasSubscribers) autoChannel.publish(event);
}

/**
 * Calls `listener` with every auto executor's announcements in this thread; returns the unsubscribe.
 *
 * @example
 * const stop = subscribeAuto((e) => { if (e.event === 'chosen') console.log(`auto chose ${e.chosen}`); });
 */
export function subscribeAuto(listener: (event: AutoEvent) => void): () => void {
  const handler = (message: unknown) => listener(message as AutoEvent);
  autoChannel.subscribe(handler);
  return () => {
    autoChannel.unsubscribe(handler);
  };
}
