/**
 * Inside a pool worker (thread or process): run calls one at a time, in arrival order, and send one
 * result per call, several per message.
 *
 *   run ──▶ queue ──▶ [initializer once] ──▶ resolve(key) ──▶ fn(...args) ──▶ out ──flush──▶ done
 *
 * When results are sent (flush) decides both speed and what the parent can tell after a crash:
 * - always when the queue is drained, before awaiting a thenable, and at the end of a chunk;
 * - inside a chunk, when FLUSH_MS passed since the last flush (slow items still stream);
 * - outside chunks, a thread every FLUSH_EVERY results (its shared counters tell the parent exactly
 *   which call was running), a process after every call (no shared memory: its first unreported call
 *   is the running one, or within the first unreported part of a chunk).
 */

import type { OutcomeKind } from '../../core/outcome.ts';
import { uncloneableResult } from '../../core/outcome.ts';
import { failureToWire, type WireFailure } from '../../core/outcome-wire.ts';
import { TaskNotFoundError } from '../../errors.ts';
import { resolveTask } from '../../internal/resolve-task.ts';
import {
  CALL_WIDTH,
  CallFlag,
  type DoneMessage,
  type FromWorker,
  type InitMessage,
  RESULT_WIDTH,
  type TaskDef,
  type ToWorker,
} from './protocol.ts';

/** How a worker talks to its pool: a thread's parent port, a process's IPC channel, or a test's fake. */
export interface Channel {
  /** Throws synchronously when the message cannot be cloned. */
  post(message: FromWorker): void;
  onMessage(listener: (message: ToWorker) => void): void;
}

const FLUSH_EVERY = 32 * RESULT_WIDTH;
const FLUSH_MS = 2;
/** Consumed queue entries kept before the queue is compacted. */
const COMPACT_AT = 4096;
type Fn = (...args: unknown[]) => unknown;

/** Runs the worker loop over `channel` and says 'ready'. */
export function runWorker(channel: Channel): void {
  const loop = new WorkerLoop(channel);
  channel.onMessage((message) => loop.receive(message));
  channel.post({ t: 'ready' });
}

class WorkerLoop {
  #channel: Channel;
  #defs: (TaskDef | undefined)[] = [];
  #fns: (Fn | undefined)[] = [];
  #init: InitMessage | undefined;
  #initDone = false;
  /** Set when the initializer threw: every call fails with it. */
  #initFailure: WireFailure | undefined;
  #counters: Int32Array | undefined;
  #queue: unknown[] = [];
  #head = 0;
  #running = false;
  #out: unknown[] = [];
  /** The task key of each result in #out, to name the task if its result cannot be cloned. */
  #outKeys: number[] = [];
  #busyMs = 0;
  /** When the last call ended or results were last sent: the next call's time counts from here. */
  #mark = 0;
  #lastFlush = 0;

  constructor(channel: Channel) {
    this.#channel = channel;
  }

  receive(message: ToWorker): void {
    if (message.t === 'init') {
      this.#init = message;
      this.#counters = message.counters;
      return;
    }
    if (message.defs) for (const def of message.defs) this.#defs[def.key] = def;
    const calls = message.calls;
    for (let i = 0; i < calls.length; i++) this.#queue.push(calls[i]);
    if (!this.#running) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#running = true;
    if (!this.#initDone) await this.#runInit();
    // one clock reading per call: a call's time runs from the end of the one before (or the last send)
    this.#mark = this.#lastFlush = performance.now();
    const counters = this.#counters;
    while (this.#head < this.#queue.length) {
      const q = this.#queue;
      const at = this.#head;
      const id = q[at] as number;
      const key = q[at + 1] as number;
      const args = q[at + 2];
      const flags = q[at + 3] as number;
      q[at + 2] = undefined;
      this.#head = at + CALL_WIDTH;
      if (counters) Atomics.add(counters, 0, 1);
      const t0 = this.#mark;
      const fn = this.#fns[key] ?? (await this.#resolve(id, key));
      if (fn) {
        const pending = this.#call(fn, id, key, args, flags);
        if (pending) await pending;
      }
      const now = performance.now();
      this.#busyMs += now - t0;
      this.#mark = now;
      if (counters) Atomics.add(counters, 1, 1);
      this.#afterCall(flags, now);
      if (this.#head >= COMPACT_AT && this.#head * 2 >= this.#queue.length) this.#compact();
    }
    this.#queue = [];
    this.#head = 0;
    this.#running = false;
    this.#flush();
  }

  /** Runs one call and records its result; a promise only when the task returned a thenable. */
  #call(fn: Fn, id: number, key: number, args: unknown, flags: number): Promise<void> | undefined {
    // a timed call's clock starts now: after its module loaded, right before its code runs
    if (flags & CallFlag.notifyStart) this.#channel.post({ t: 'started', id });
    let value: unknown;
    try {
      value = flags & CallFlag.oneArg ? fn(args) : fn(...(args as unknown[]));
    } catch (error) {
      this.#record(id, key, 'threw', failureToWire({ kind: 'threw', error }));
      return undefined;
    }
    if (!isThenable(value)) {
      this.#record(id, key, 'ok', value);
      return undefined;
    }
    this.#flush(); // don't hold finished results hostage while this one awaits
    return this.#settleLater(id, key, value);
  }

  async #settleLater(id: number, key: number, thenable: PromiseLike<unknown>): Promise<void> {
    try {
      this.#record(id, key, 'ok', await thenable);
    } catch (error) {
      this.#record(id, key, 'threw', failureToWire({ kind: 'threw', error }));
    }
  }

  /** The function for `key`, loaded once; undefined (its failure recorded) when it cannot be found. */
  async #resolve(id: number, key: number): Promise<Fn | undefined> {
    if (this.#initFailure) return this.#record(id, key, 'init-failed', this.#initFailure);
    const def = this.#defs[key];
    try {
      if (!def) throw new Error(`conc internal error: task key ${key} was never defined`);
      const fn = await resolveTask(def.module, def.name);
      this.#fns[key] = fn;
      return fn;
    } catch (error) {
      const failure =
        error instanceof TaskNotFoundError
          ? failureToWire({ kind: 'not-found', message: error.message, cause: error.cause })
          : failureToWire({ kind: 'threw', error });
      this.#record(id, key, error instanceof TaskNotFoundError ? 'not-found' : 'threw', failure);
      return undefined;
    }
  }

  async #runInit(): Promise<void> {
    this.#initDone = true;
    const init = this.#init?.initializer;
    if (!init) return;
    try {
      const fn = await resolveTask(init.module, init.name);
      await fn(...(this.#init?.initArgs ?? []));
    } catch (error) {
      this.#initFailure = failureToWire({ kind: 'init-failed', initializer: init.name, error });
    }
  }

  #record(id: number, key: number, kind: OutcomeKind, payload: unknown): undefined {
    this.#out.push(id, kind, payload);
    this.#outKeys.push(key);
    return undefined;
  }

  #afterCall(flags: number, now: number): void {
    if (flags & CallFlag.chunkEnd) this.#flush();
    else if (flags & CallFlag.inChunk) {
      if (now - this.#lastFlush >= FLUSH_MS) this.#flush();
    } else if (!this.#counters || this.#out.length >= FLUSH_EVERY) this.#flush();
  }

  #flush(): void {
    if (this.#out.length === 0) return;
    const message: DoneMessage = { t: 'done', results: this.#out, busyMs: this.#busyMs };
    const keys = this.#outKeys;
    this.#out = [];
    this.#outKeys = [];
    this.#busyMs = 0;
    try {
      this.#channel.post(message);
    } catch {
      this.#channel.post({ ...message, results: this.#cloneable(message.results, keys) });
    }
    this.#mark = this.#lastFlush = performance.now();
  }

  /** The results with each value that cannot be cloned replaced by a failure saying so. */
  #cloneable(results: unknown[], keys: number[]): unknown[] {
    const fixed = results.slice();
    for (let i = 0; i < fixed.length; i += RESULT_WIDTH) {
      if (fixed[i + 1] !== 'ok' || canClone(fixed[i + 2])) continue;
      const value = fixed[i + 2];
      const type = typeof value === 'object' && value !== null ? value.constructor?.name : typeof value;
      const task = this.#defs[keys[i / RESULT_WIDTH]!]?.name ?? '(unknown)';
      const outcome = uncloneableResult(task, `the task returned a value that cannot be cloned (${type})`);
      fixed[i + 1] = outcome.kind;
      fixed[i + 2] = failureToWire(outcome as Exclude<typeof outcome, { kind: 'ok' }>);
    }
    return fixed;
  }

  /** Drops consumed entries, so a worker that never drains (a steady stream of async calls) stays flat. */
  #compact(): void {
    this.#queue.splice(0, this.#head);
    this.#head = 0;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

function canClone(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
