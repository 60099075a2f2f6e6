/**
 * map and imap, written once over any backend.
 *
 *   InputSource (pulled lazily) ─▶ [chunk of calls] ─▶ window (≤ N items started, not handed out) ─▶ backend
 *                                                                                                     │
 *   consumer ◀─ OrderedBuffer (by index) | CompletionQueue (by completion) ◀── outcome → settled ◀───┘
 *
 * The window bounds memory: an infinite generator with a consumer that stops early stays flat.
 * Leaving early (break, error, abort) cancels every call still in flight and closes the input.
 */

import type { Backend } from '../core/backend.ts';
import { Call, startTogether } from '../core/call.ts';
import type { Outcome, OutcomeKind } from '../core/outcome.ts';
import { abortError, publicError } from '../core/public-error.ts';
import { AbortError, ExecutorClosedError } from '../errors.ts';
import type { TaskRef } from '../tasks.ts';
import { InputSource } from './input.ts';
import type { ImapOptions } from './options.ts';
import { CompletionQueue, OrderedBuffer, type ResultQueue, type Settled } from './results.ts';

/** What a map/imap call takes from its executor. */
export interface MapHooks {
  timeoutMs: number | undefined;
  retries: number;
  /** Reject the whole call at the first failure, whatever its position (map without settle). */
  failFast: boolean;
  /** Items started (stats). */
  onStart(items: number): void;
  /** An item ended (stats) — also after the call ended, so every started item is counted once. */
  onItem(kind: OutcomeKind): void;
  /** Calls `onAbort` when `signal` aborts (one listener per signal per executor); returns the unwatch. */
  watchAbort(signal: AbortSignal, onAbort: () => void): () => void;
  /** The call has finished (its input closed, its calls cancelled). */
  ended(): void;
  /** The executor was closed: no item of this call may start any more (CPython: no new futures after shutdown). */
  closed(): boolean;
}

/** One map/imap call in progress. `next()` hands out [index, settled] pairs and undefined at the end. */
export class MapRun {
  #backend: Backend;
  #ref: TaskRef;
  #hooks: MapHooks;
  #timeoutMs: number | undefined;
  #source: InputSource;
  #results: ResultQueue;
  #chunk: number;
  #window: number;
  #nextIndex = 0;
  /** Items started and not yet handed out. */
  #open = 0;
  #inflight = new Set<Call>();
  #failure: { error: unknown } | undefined;
  #wake: (() => void) | undefined;
  #pumping = false;
  #finished = false;
  #unwatch: (() => void) | undefined;

  constructor(backend: Backend, ref: TaskRef, items: unknown, opts: ImapOptions, hooks: MapHooks) {
    this.#backend = backend;
    this.#ref = ref;
    this.#hooks = hooks;
    this.#source = new InputSource(items);
    this.#results = opts.ordered === false ? new CompletionQueue() : new OrderedBuffer();
    this.#chunk = opts.chunkSize ?? 1;
    this.#window = Math.max(opts.window ?? backend.window, this.#chunk);
    this.#timeoutMs = opts.timeoutMs ?? hooks.timeoutMs;
    const signal = opts.signal;
    if (signal?.aborted) this.#fail(abortError(signal.reason));
    else if (signal) this.#unwatch = hooks.watchAbort(signal, () => this.#fail(abortError(signal.reason)));
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** Ends the call from outside (close with cancel): it rejects with `reason`, its input is closed. */
  abort(reason: unknown): void {
    this.#fail(reason);
  }

  async next(): Promise<[number, Settled] | undefined> {
    for (;;) {
      if (this.#failure) throw this.#failure.error;
      this.#pump();
      if (this.#failure) throw (this.#failure as { error: unknown }).error;
      const out = this.#results.take();
      if (out) {
        this.#open--;
        return out;
      }
      if (this.#source.done && this.#open === 0) return undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** Stops everything: cancels the calls in flight, closes the input. Idempotent. */
  async finish(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    this.#unwatch?.();
    this.#hooks.ended();
    const reason =
      this.#failure?.error ?? new AbortError('The map/imap call ended before this item finished.');
    for (const call of [...this.#inflight]) call.cancel(reason);
    this.#inflight.clear();
    await this.#source.close();
  }

  #fail(error: unknown): void {
    if (this.#failure) return;
    this.#failure = { error };
    void this.finish();
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Starts chunks while the window has room: all at once from a sync input, one pull at a time from an async one. */
  #pump(): void {
    if (this.#pumping || this.#failure || this.#finished) return;
    if (!this.#source.done && this.#open + this.#chunk <= this.#window) void this.#fill();
  }

  async #fill(): Promise<void> {
    this.#pumping = true;
    try {
      while (!this.#source.done && !this.#failure && this.#open + this.#chunk <= this.#window) {
        let items = this.#source.take(this.#chunk);
        if (items instanceof Promise) items = await items;
        if (this.#finished) break;
        if (items.length > 0 && this.#hooks.closed()) {
          // a plain close() drains what started; starting more would use a closed backend (or respawn it)
          this.#fail(
            new ExecutorClosedError(
              `start item ${this.#nextIndex} of this map/imap: close() was called while the call was still ` +
                'reading its input (await the map before closing the executor, or close({ cancel: true }) to stop it)',
            ),
          );
          break;
        }
        if (items.length > 0) this.#launch(items);
      }
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#pumping = false;
    }
    this.#notify();
  }

  #launch(items: unknown[]): void {
    const first = this.#nextIndex;
    this.#nextIndex += items.length;
    this.#open += items.length;
    this.#hooks.onStart(items.length);
    const calls = items.map((item, i) => {
      const call = new Call(this.#backend, this.#ref, [item], this.#timeoutMs, this.#hooks.retries, (o) => {
        this.#inflight.delete(call);
        this.#store(first + i, o);
        this.#notify();
      });
      this.#inflight.add(call);
      return call;
    });
    startTogether(this.#backend, calls);
  }

  #store(index: number, outcome: Outcome): void {
    this.#hooks.onItem(outcome.kind);
    if (this.#finished) return;
    if (outcome.kind === 'ok') {
      this.#results.put(index, { status: 'fulfilled', value: outcome.value });
      return;
    }
    const reason = publicError(outcome, this.#ref.name);
    if (this.#hooks.failFast) this.#fail(reason);
    else this.#results.put(index, { status: 'rejected', reason });
  }
}
