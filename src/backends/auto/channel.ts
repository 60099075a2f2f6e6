/**
 * Where `auto` announces its choice, for whoever runs a job without holding the executor (the lab,
 * `conc io --mode auto`). A `node:diagnostics_channel` channel: publishing costs nothing when no one listens.
 */
import { channel } from 'node:diagnostics_channel';
import type { AutoChoice } from './choice.ts';
import type { LimitChange } from './limiter.ts';

/**
 * One announcement: `chosen` once the verdict is in, `changed` when the work changed mid-stream and
 * moved, `closed` with the final width when the executor closes.
 */
export interface AutoEvent extends AutoChoice {
  event: 'chosen' | 'changed' | 'closed';
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

/** What auto chose, in one line for a terminal: `auto chose threads (CPU-bound: …), width 2`. */
export function describeAutoChoice(choice: AutoChoice): string {
  if (choice.chosen === undefined) {
    return `auto ran every task while still measuring (too few to decide)${choice.reason ? `; ${choice.reason}` : ''}`;
  }
  const width =
    choice.chosen === 'threads'
      ? `${choice.width} threads`
      : choice.chosen === 'sync'
        ? 'one task at a time on this thread'
        : `width ${choice.width} at the end`;
  return `auto chose ${choice.chosen}, ${width} — ${choice.reason ?? choice.verdict}`;
}

/**
 * Watches the auto executors that run until `stop()`; `last()` is the latest announcement (the final
 * width once the executor closed). For commands that run a job without holding its executor.
 *
 * @example
 * const auto = watchAuto();
 * try { await runCpuJob({ mode: 'auto' }); } finally { auto.stop(); }
 * const choice = auto.last(); if (choice) console.log(describeAutoChoice(choice));
 */
export function watchAuto(): { last(): AutoEvent | undefined; stop(): void } {
  let last: AutoEvent | undefined;
  const stop = subscribeAuto((event) => {
    last = event;
  });
  return { last: () => last, stop };
}
