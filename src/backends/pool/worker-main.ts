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
 *
 * Cancellation: every call runs with a TaskScope of its own, current around its synchronous part, so
 * `taskSignal()` works inside it. A 'cancel' aborts the running call's scope or marks a queued call to be
 * skipped (answered `aborted`, never run). A worker only hears messages when it yields, so a thread reads
 * them at once when the parent's cancel count (shared memory) moved — before each call, and whenever a
 * task reads `signal.aborted` — and a process yields to its event loop every YIELD_MS of work.
 */

import { failureToWire, reasonFromWire, type WireFailure } from '../../core/outcome-wire.ts';
import { TaskNotFoundError } from '../../errors.ts';
import { toWireError, type WireError } from '../../internal/error-wire.ts';
import { resolveTask } from '../../internal/resolve-task.ts';
import { callInScope, TaskScope } from '../../task-signal.ts';
import {
  CALL_WIDTH,
  CallFlag,
  type CancelMessage,
  type Channel,
  Counter,
  type InitMessage,
  RESULT_WIDTH,
  type TaskDef,
  type ToWorker,
} from './protocol.ts';
import { ResultBatch } from './worker-results.ts';
import { isThenable, loopTurn, runInitializer } from './worker-steps.ts';

export type { Channel };

const FLUSH_EVERY = 32 * RESULT_WIDTH;
const FLUSH_MS = 2;
/** A process gives its event loop a turn this often (ms of work), so a cancel reaches a queued call in time. */
const YIELD_MS = 2;
/** Worker-local bit in a queued call's flags: it was cancelled; its args slot now holds the reason. */
const SKIPPED = 1 << 8;
/** Consumed queue entries kept before the queue is compacted. */
const COMPACT_AT = 4096;
type Fn = (...args: unknown[]) => unknown;

/**
 * Runs the worker loop over `channel`. It says 'ready' once its initializer has finished (at once
 * without one): a worker that dies or hangs in its initializer has not started, and the pool counts it
 * as a start failure rather than blaming a task for it.
 */
export function runWorker(channel: Channel): void {
  const loop = new WorkerLoop(channel);
  channel.onMessage((message) => loop.receive(message));
}

class WorkerLoop {
  #channel: Channel;
  #defs: (TaskDef | undefined)[] = [];
  #fns: (Fn | undefined)[] = [];
  /** The initializer, running: calls wait for it. */
  #initializing: Promise<void> | undefined;
  #initFailure: WireFailure | undefined; // the initializer threw: every call fails with it
  #counters: Int32Array | undefined;
  #queue: unknown[] = [];
  #head = 0;
  #running = false;
  #results = new ResultBatch((message) => this.#channel.post(message), this.#defs);
  #busyMs = 0;
  /** When the last call ended or results were last sent: the next call's time counts from here. */
  #mark = 0;
  #lastFlush = 0;
  #lastYield = 0;
  /** The running call and its scope (set from when it leaves the queue until it has settled). */
  #scope: TaskScope | undefined;
  /** The last call's scope, kept for the next call while it is still blank. */
  #spare: TaskScope | undefined;
  #scopeId = -1;
  /** Cancels handled so far, compared with the parent's count (threads). */
  #cancelsSeen = 0;
  /** Threads: what a task's signal asks before saying whether it was aborted. */
  #poll: (() => void) | undefined;
  /** The argument list of a one-argument call, reused: no array per call. */
  #one: unknown[] = [undefined];
  /** The call that just ended was cancelled: send its result now, the parent waits for it. */
  #urgent = false;

  constructor(channel: Channel) {
    this.#channel = channel;
  }

  receive(message: ToWorker): void {
    if (message.t !== 'run') {
      if (message.t === 'init') this.#start(message);
      else this.#cancel(message);
      return;
    }
    if (message.defs) for (const def of message.defs) this.#defs[def.key] = def;
    const calls = message.calls;
    for (let i = 0; i < calls.length; i++) this.#queue.push(calls[i]);
    if (!this.#running) void this.#drain();
  }

  /** Ready once the initializer has finished (at once without one); its failure fails every call. */
  #start(message: InitMessage): void {
    this.#counters = message.counters;
    if (message.counters) this.#poll = () => this.#readCancels();
    const ready = (f?: WireFailure) => this.#channel.post(f ? { t: 'ready', f } : { t: 'ready' });
    if (!message.initializer) {
      ready();
      return;
    }
    this.#initializing = runInitializer(message).then((failure) => {
      this.#initFailure = failure;
      this.#initializing = undefined;
      ready(failure);
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    if (this.#initializing) await this.#initializing;
    // one clock reading per call: a call's time runs from the end of the one before (or the last send)
    this.#mark = this.#lastFlush = this.#lastYield = performance.now();
    const counters = this.#counters;
    while (this.#head < this.#queue.length) {
      if (counters) this.#readCancels();
      else if (this.#mark - this.#lastYield >= YIELD_MS) await this.#yield();
      const q = this.#queue;
      const at = this.#head;
      const id = q[at] as number;
      const key = q[at + 1] as number;
      const args = q[at + 2];
      const flags = q[at + 3] as number;
      q[at + 2] = undefined;
      this.#head = at + CALL_WIDTH;
      if (counters) Atomics.add(counters, Counter.started, 1);
      const t0 = this.#mark;
      if (flags & SKIPPED) this.#skip(id, key, args as WireError);
      else {
        // current from here (a cancel while its module loads counts) until it has settled
        // a scope the last call never asked for (nor was cancelled) holds no state: use it again
        const spare = this.#spare;
        this.#scope = spare && !spare.listening && !spare.aborted ? spare : new TaskScope(this.#poll);
        this.#spare = this.#scope;
        this.#scopeId = id;
        const fn = this.#fns[key] ?? (await this.#resolve(id, key));
        const pending = fn && this.#call(fn, id, key, args, flags);
        if (pending) await pending; // only a thenable costs an await: sync calls run back to back
        this.#scope = undefined;
        this.#scopeId = -1;
      }
      const now = performance.now();
      this.#busyMs += now - t0;
      this.#mark = now;
      if (counters) Atomics.add(counters, Counter.completed, 1);
      this.#afterCall(flags, now);
      if (this.#head >= COMPACT_AT && this.#head * 2 >= this.#queue.length) this.#compact();
    }
    this.#queue = [];
    this.#head = 0;
    this.#running = false;
    this.#flush();
  }

  /** Gives the event loop a whole turn (a cancel may be waiting). */
  async #yield(): Promise<void> {
    await loopTurn();
    this.#mark = this.#lastYield = performance.now(); // the turn given away is not the next call's time
  }

  /** Runs one call (the current one) and records its result; a promise only when it returned a thenable. */
  #call(fn: Fn, id: number, key: number, args: unknown, flag: number): Promise<void> | undefined {
    const scope = this.#scope!;
    // cancelled while its module loaded: it never starts
    if (scope.aborted) return this.#skip(id, key, toWireError(scope.signal().reason));
    // a timed call's clock starts now: after its module loaded, right before its code runs
    if (flag & CallFlag.notifyStart) this.#channel.post({ t: 'started', id });
    let value: unknown;
    try {
      if (flag & CallFlag.oneArg) {
        this.#one[0] = args;
        value = callInScope(scope, fn, this.#one);
      } else value = callInScope(scope, fn, args as unknown[]);
    } catch (error) {
      this.#results.add(id, key, 'threw', failureToWire({ kind: 'threw', error }));
      return undefined;
    } finally {
      this.#one[0] = undefined;
    }
    let thenable: boolean;
    try {
      thenable = isThenable(value);
    } catch (error) {
      // a Proxy whose `get` trap throws, a `then` getter that throws: the call failed with that error
      this.#results.add(id, key, 'threw', failureToWire({ kind: 'threw', error }));
      return undefined;
    }
    if (!thenable) {
      this.#results.add(id, key, 'ok', value);
      return undefined;
    }
    this.#flush(); // don't hold finished results hostage while this one awaits
    return this.#settleLater(id, key, value);
  }

  async #settleLater(id: number, key: number, thenable: unknown): Promise<void> {
    try {
      this.#results.add(id, key, 'ok', await thenable);
    } catch (error) {
      this.#results.add(id, key, 'threw', failureToWire({ kind: 'threw', error }));
    }
  }

  /** The function for `key`, loaded once; undefined (its failure recorded) when it cannot be found. */
  async #resolve(id: number, key: number): Promise<Fn | undefined> {
    if (this.#initFailure) return this.#results.add(id, key, 'init-failed', this.#initFailure);
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
      this.#results.add(id, key, error instanceof TaskNotFoundError ? 'not-found' : 'threw', failure);
      return undefined;
    }
  }

  // ── cancellation ──────────────────────────────────────────────────────────────────────────────

  /** Aborts the running call's scope, or marks the queued call to be skipped; a finished call is left be. */
  #cancel(message: CancelMessage): void {
    this.#cancelsSeen = (this.#cancelsSeen + 1) | 0; // wraps as the shared Int32 count does
    const running = message.id === this.#scopeId && this.#scope !== undefined;
    this.#channel.post({ t: 'cancelled', id: message.id, running });
    if (running) {
      this.#scope!.abort(reasonFromWire(message.reason));
      this.#urgent = true;
    } else {
      const q = this.#queue;
      for (let at = this.#head; at < q.length; at += CALL_WIDTH) {
        if (q[at] !== message.id) continue;
        q[at + 2] = message.reason;
        q[at + 3] = (q[at + 3] as number) | SKIPPED;
        break;
      }
    }
    this.#flush(); // results a chunk holds go now: the parent can tell which call is running
  }

  /** Threads: handles the cancels the parent posted and this worker has not heard yet, synchronously. */
  #readCancels(): void {
    const take = this.#channel.take;
    const counters = this.#counters;
    if (!take || !counters) return;
    while (Atomics.load(counters, Counter.cancels) !== this.#cancelsSeen) {
      const message = take();
      if (message === undefined) break;
      this.receive(message); // in order: a 'run' read on the way is queued as it would have been
    }
  }

  /** A call cancelled while it waited: answered, never run. */
  #skip(id: number, key: number, reason: WireError): undefined {
    this.#urgent = true;
    return this.#results.add(id, key, 'aborted', { e: reason } satisfies WireFailure);
  }

  #afterCall(flags: number, now: number): void {
    if (this.#urgent) {
      this.#urgent = false;
      this.#flush();
    } else if (flags & CallFlag.chunkEnd) this.#flush();
    else if (flags & CallFlag.inChunk) {
      if (now - this.#lastFlush >= FLUSH_MS) this.#flush();
    } else if (!this.#counters || this.#results.length >= FLUSH_EVERY) this.#flush();
  }

  #flush(): void {
    if (!this.#results.send(this.#busyMs)) return;
    this.#busyMs = 0;
    this.#mark = this.#lastFlush = performance.now();
  }

  /** Drops consumed entries, so a worker that never drains (a steady stream of async calls) stays flat. */
  #compact(): void {
    this.#queue.splice(0, this.#head);
    this.#head = 0;
  }
}
