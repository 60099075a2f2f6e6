/**
 * The messages between a pool and its workers — one union each way, shared by both transports.
 *
 *   parent ──init──▶ worker            once, first message: initializer, shared counters (threads)
 *   parent ──run───▶ worker            a batch of calls (flat: id, key, args, batch?)
 *   parent ◀──done── worker            a batch of results (flat: id, status, value)
 *
 * Calls and results travel flat in one array per message: many tiny tasks cost one message, not many.
 * A task is named by a small integer key; its (module, name) is sent once per worker in `defs`.
 */
import type { WireError } from '../../internal/error-wire.ts';

export interface TaskDef {
  key: number;
  module: string;
  name: string;
}

export interface InitMessage {
  t: 'init';
  initializer?: { module: string; name: string } | undefined;
  initArgs: unknown[];
  /** Int32Array over a SharedArrayBuffer: [started, completed]. Threads only. */
  counters?: Int32Array | undefined;
}

/** `calls` holds CALL_WIDTH entries per call: id, task key, args (or a list of args for a batch), isBatch. */
export interface RunMessage {
  t: 'run';
  defs?: TaskDef[] | undefined;
  calls: unknown[];
}

export type ToWorker = InitMessage | RunMessage;
export const CALL_WIDTH = 4;

/** How a call ended. A batch call ends OK with a list of [status, value] pairs, one per item. */
export const Status = {
  ok: 1,
  threw: 2,
  notFound: 3,
  /** The result could not be cloned back to the parent. */
  uncloneable: 4,
  /** The worker's initializer threw: the worker cannot run anything. */
  initFailed: 5,
} as const;
export type StatusCode = (typeof Status)[keyof typeof Status];

/** `results` holds RESULT_WIDTH entries per call: id, status, value (or a WireError). `busyMs` is run time. */
export interface DoneMessage {
  t: 'done';
  results: unknown[];
  busyMs: number;
}

export type FromWorker = DoneMessage;
export const RESULT_WIDTH = 3;

export type BatchItem = [StatusCode, unknown | WireError];
