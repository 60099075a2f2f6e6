/**
 * The messages between a pool and its workers — one union each way, shared by both transports.
 *
 *   parent ──init──▶ worker     once, first message: initializer, shared counters (threads)
 *   parent ──run───▶ worker     calls, flat: id, key, args, flags (CALL_WIDTH per call)
 *   parent ◀──done── worker     results, flat: id, kind, payload (RESULT_WIDTH per call)
 *   parent ◀─notice─ worker     ready · started (a timed call) · fatal (a process about to die)
 *
 * Calls and results travel flat in one array per message: many tiny tasks cost one message, not many.
 * Every call has the same shape, alone or in a chunk; a result's kind is an outcome kind (core/outcome.ts)
 * and its payload the value (`ok`) or `failureToWire(...)` (core/outcome-wire.ts). A task is named by a
 * small integer key; its (module, name) is sent once per worker in `defs`.
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

/**
 * `calls` holds CALL_WIDTH entries per call: id, task key, args, flags ({@link CallFlag}). With
 * `oneArg`, the args slot holds the only argument itself rather than a one-element list.
 */
export interface RunMessage {
  t: 'run';
  defs?: TaskDef[] | undefined;
  calls: unknown[];
}

export type ToWorker = InitMessage | RunMessage;
export const CALL_WIDTH = 4;

/**
 * A call's 4th slot. The chunk bits only say when its result is worth sending (a chunk's results go
 * back together, at its end): a call in a chunk has the same arguments and result as one alone.
 */
export const CallFlag = {
  /** A timed call: say 'started' right before it runs, so the parent starts its clock. */
  notifyStart: 1,
  /** One of a chunk's calls: its result may wait for the rest of the chunk. */
  inChunk: 2,
  /** The last call of its chunk: send the chunk's results now. */
  chunkEnd: 4,
  /** The args slot is the call's only argument (most calls of a map): no array per call to clone. */
  oneArg: 8,
} as const;

/** `results` holds RESULT_WIDTH entries per call: id, kind, payload. `busyMs`: time spent running them. */
export interface DoneMessage {
  t: 'done';
  results: unknown[];
  busyMs: number;
}
export const RESULT_WIDTH = 3;

/** Sent outside the result stream. */
export type Notice = { t: 'ready' } | { t: 'started'; id: number } | { t: 'fatal'; error: WireError };

export type FromWorker = DoneMessage | Notice;
