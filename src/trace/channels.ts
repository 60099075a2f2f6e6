/**
 * diagnostics_channel hooks, named as undici names its own (`undici:request:create`): APM and
 * OpenTelemetry tools subscribe to them by name. A message is built only when someone subscribes, so
 * the hooks cost one property read per event when nobody listens.
 */
import diagnostics from 'node:diagnostics_channel';
import type { OutcomeKind } from '../core/outcome.ts';
import type { Lane } from './span.ts';

export const CHANNEL_NAMES = {
  queued: 'conc:task:queued',
  started: 'conc:task:started',
  ended: 'conc:task:ended',
} as const;

export interface TaskQueuedMessage {
  /** Stable per attempt within the process: match a task's started and ended messages by it. */
  id: number;
  task: string;
  mode: string;
  attempt: number;
}
export interface TaskStartedMessage extends TaskQueuedMessage {
  lane: Lane | undefined;
}
export interface TaskEndedMessage extends TaskQueuedMessage {
  outcome: OutcomeKind;
  /** From queued to ended, on the caller's clock. */
  durationMs: number;
}

export const channels = {
  queued: diagnostics.channel(CHANNEL_NAMES.queued),
  started: diagnostics.channel(CHANNEL_NAMES.started),
  ended: diagnostics.channel(CHANNEL_NAMES.ended),
};
