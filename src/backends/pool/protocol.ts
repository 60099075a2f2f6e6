/**
 * The messages between a pool and its workers — one union each way, shared by both transports.
 *
 *   parent ──init──▶ worker     once, first message: initializer, shared counters (threads)
 *   parent ──run───▶ worker     calls, flat: id, key, args, flags (CALL_WIDTH per call)
 *   parent ──cancel▶ worker     stop call `id`: abort its taskSignal() if running, skip it if queued
 *   parent ◀──done── worker     results, flat: id, kind, payload (RESULT_WIDTH per call)
 *   parent ◀─notice─ worker     ready · started (a timed call) · cancelled (a cancel was heard) · fatal
 *
 * Calls and results travel flat in one array per message: many tiny tasks cost one message, not many.
 * Every call has the same shape, alone or in a chunk; a result's kind is an outcome kind (core/outcome.ts)
 * and its payload the value (`ok`) or `failureToWire(...)` (core/outcome-wire.ts). A task is named by a
 * small integer key; its (module, name) is sent once per worker in `defs`.
 *
 * A cancelled call is always answered (a skipped one as `aborted`), so results keep lining up with the
 * jobs they belong to and the parent learns when the call let go of its worker.
 */
import type { WireFailure } from '../../core/outcome-wire.ts';
import { toWireError, type WireError } from '../../internal/error-wire.ts';

export interface TaskDef {
  key: number;
  module: string;
  name: string;
}

export interface InitMessage {
  t: 'init';
  initializer?: { module: string; name: string } | undefined;
  initArgs: unknown[];
  /** Int32Array over a SharedArrayBuffer, indexed by {@link Counter}. Threads only. */
  counters?: Int32Array | undefined;
}

/** The slots of a thread's shared counters. */
export const Counter = {
  /** Calls the worker took from its queue (run or skipped). */
  started: 0,
  /** Calls it finished (run or skipped). */
  completed: 1,
  /** Cancel messages the parent posted: a task polling its signal reads them at once when this moves. */
  cancels: 2,
} as const;
/** Length of a thread's shared counters. */
export const COUNTERS = 3;

/**
 * `calls` holds CALL_WIDTH entries per call: id, task key, args, flags ({@link CallFlag}). With
 * `oneArg`, the args slot holds the only argument itself rather than a one-element list.
 */
export interface RunMessage {
  t: 'run';
  defs?: TaskDef[] | undefined;
  calls: unknown[];
}

/** Stop call `id`. `reason` becomes its signal's reason: the error its caller got. */
export interface CancelMessage {
  t: 'cancel';
  id: number;
  reason: WireError;
}

export type ToWorker = InitMessage | RunMessage | CancelMessage;
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

/**
 * Sent outside the result stream. 'cancelled' says the worker heard the cancel of call `id`: `running`,
 * its signal just aborted (its grace starts now); else it was queued (it will be skipped) or had ended.
 * 'fatal': a worker (thread or process) about to die of an uncaught error says why, through conc's codec.
 */
export type Notice =
  /** `f`: the initializer threw (every call will fail with it), so a ready() barrier can say so. */
  | { t: 'ready'; f?: WireFailure | undefined }
  | { t: 'started'; id: number }
  | { t: 'cancelled'; id: number; running: boolean }
  | { t: 'fatal'; error: WireError };

export type FromWorker = DoneMessage | Notice;

/** The cancel of call `id`, its reason (any thrown value) as data. */
export function cancelMessage(id: number, reason: unknown): CancelMessage {
  return { t: 'cancel', id, reason: toWireError(reason) };
}

/** How a worker talks to its pool: a thread's parent port, a process's IPC channel, or a test's fake. */
export interface Channel {
  /** Throws synchronously when the message cannot be cloned. */
  post(message: FromWorker): void;
  onMessage(listener: (message: ToWorker) => void): void;
  /** The next message already waiting, read synchronously, not emitted (threads: receiveMessageOnPort). */
  take?: (() => ToWorker | undefined) | undefined;
}
