/**
 * map and imap, written once over any backend's `start`/`cancel`.
 *
 *   items (Iterable | AsyncIterable, pulled lazily)
 *     └─▶ [chunk] ─▶ window (≤ N items started but not yet handed out) ─▶ backend.start(job)
 *                                                                              │
 *   consumer ◀─ ordered: by index  |  unordered: completion-order queue ◀──────┘
 *
 * The window bounds memory: an infinite generator with a consumer that stops early stays flat.
 * Leaving early (break, error, abort) cancels every job still in flight and closes the input iterator.
 */

import type { Backend } from './backends/backend.ts';
import { AbortError, InvalidOptionsError } from './errors.ts';
import { Job } from './internal/job.ts';
import { show, type TaskRef } from './tasks.ts';

export interface MapOptions {
  /** Aborts the call: queued items never start, running ones are stopped, the call rejects with AbortError. */
  signal?: AbortSignal | undefined;
  /** Per-task timeout for this call (overrides the executor's `taskTimeoutMs`). */
  timeoutMs?: number | undefined;
  /** Resolve to `PromiseSettledResult`s instead of rejecting on the first failure. */
  settle?: boolean | undefined;
  /** Items per message to a worker (Python's chunksize): many tiny items travel together. Default 1. */
  chunkSize?: number | undefined;
  /** Most items started but not yet consumed; default from the backend (workers × prefetch). */
  window?: number | undefined;
}

export interface ImapOptions extends MapOptions {
  /** true (default): results in input order; false: in completion order. */
  ordered?: boolean | undefined;
}

export type Outcome = PromiseSettledResult<unknown>;

export interface JobDefaults {
  timeoutMs: number | undefined;
  retries: number;
  /** Called once per item when it settles (stats). */
  onItem: (ok: boolean) => void;
  onStart: (items: number) => void;
  /** Reject the whole call at the first failure, whatever its position (map without settle). */
  failFast: boolean;
}

const MAP_OPTIONS = new Set(['signal', 'timeoutMs', 'settle', 'chunkSize', 'window', 'ordered']);

export function validateMapOptions(options: ImapOptions | undefined, call: string): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionsError(`${call}: options must be an object; got ${show(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!MAP_OPTIONS.has(key)) {
      throw new InvalidOptionsError(
        `${call}: unknown option "${key}". Known: ${[...MAP_OPTIONS].join(', ')}.`,
      );
    }
  }
  const { chunkSize, window, timeoutMs, signal } = options;
  if (chunkSize !== undefined && !(Number.isInteger(chunkSize) && chunkSize >= 1)) {
    throw new InvalidOptionsError(`${call}: chunkSize must be an integer ≥ 1; got ${show(chunkSize)}.`);
  }
  if (window !== undefined && !(Number.isInteger(window) && window >= 1)) {
    throw new InvalidOptionsError(`${call}: window must be an integer ≥ 1; got ${show(window)}.`);
  }
  if (
    timeoutMs !== undefined &&
    !(typeof timeoutMs === 'number' && timeoutMs > 0 && Number.isFinite(timeoutMs))
  ) {
    throw new InvalidOptionsError(
      `${call}: timeoutMs must be a positive number of milliseconds; got ${show(timeoutMs)}.`,
    );
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidOptionsError(`${call}: signal must be an AbortSignal; got ${show(signal)}.`);
  }
}

export function abortError(signal: AbortSignal): AbortError {
  const reason: unknown = signal.reason;
  if (reason instanceof AbortError) return reason;
  const detail = reason instanceof Error ? `: ${reason.message}` : '';
  return new AbortError(`The operation was aborted${detail}.`, { cause: reason });
}

/**
 * One map/imap call in progress. `next()` hands out [index, outcome] pairs — by index when ordered,
 * by completion otherwise — and returns undefined at the end.
 */
export class MapRun {
  #backend: Backend;
  #ref: TaskRef;
  #defaults: JobDefaults;
  #opts: ImapOptions;
  #ordered: boolean;
  #chunk: number;
  #window: number;
  #sync: Iterator<unknown> | undefined;
  #async: AsyncIterator<unknown> | undefined;
  #pulling = false;
  #exhausted = false;
  #nextIndex = 0;
  #nextOut = 0;
  /** Items started and not yet handed out. */
  #open = 0;
  #inflight = new Set<Job>();
  #ready = new Map<number, Outcome>();
  #completed: [number, Outcome][] = [];
  #completedHead = 0;
  #failure: { error: unknown } | undefined;
  #wake: (() => void) | undefined;
  #done = false;
  #onAbort: (() => void) | undefined;

  constructor(backend: Backend, ref: TaskRef, items: unknown, opts: ImapOptions, defaults: JobDefaults) {
    this.#backend = backend;
    this.#ref = ref;
    this.#opts = opts;
    this.#defaults = defaults;
    this.#ordered = opts.ordered !== false;
    this.#chunk = opts.chunkSize ?? 1;
    this.#window = Math.max(opts.window ?? backend.window, this.#chunk);
    if (items != null && typeof (items as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
      this.#async = (items as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    } else if (items != null && typeof (items as Iterable<unknown>)[Symbol.iterator] === 'function') {
      this.#sync = (items as Iterable<unknown>)[Symbol.iterator]();
    } else {
      throw new InvalidOptionsError(`items must be an Iterable or an AsyncIterable; got ${show(items)}.`);
    }
    const signal = opts.signal;
    if (signal) {
      if (signal.aborted) {
        this.#fail(abortError(signal));
      } else {
        this.#onAbort = () => this.#fail(abortError(signal));
        signal.addEventListener('abort', this.#onAbort, { once: true });
      }
    }
  }

  async next(): Promise<[number, Outcome] | undefined> {
    for (;;) {
      if (this.#failure) throw this.#failure.error;
      this.#pump();
      const out = this.#take();
      if (out) return out;
      if (this.#exhausted && this.#open === 0) return undefined;
      if (this.#failure) throw (this.#failure as { error: unknown }).error;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** Stops everything: cancel in-flight jobs, close the input. Idempotent. */
  async finish(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#exhausted = true;
    if (this.#onAbort) this.#opts.signal?.removeEventListener('abort', this.#onAbort);
    const reason =
      this.#failure?.error ?? new AbortError('The map/imap call ended before this item finished.');
    for (const job of [...this.#inflight]) this.#backend.cancel(job, reason);
    this.#inflight.clear();
    try {
      if (this.#sync) this.#sync.return?.();
      else if (this.#async && !this.#pulling) await this.#async.return?.();
    } catch {
      // the input's own cleanup failed; the call's outcome stands
    }
  }

  #take(): [number, Outcome] | undefined {
    if (this.#ordered) {
      const outcome = this.#ready.get(this.#nextOut);
      if (!outcome) return undefined;
      this.#ready.delete(this.#nextOut);
      this.#open--;
      return [this.#nextOut++, outcome];
    }
    if (this.#completedHead >= this.#completed.length) return undefined;
    const out = this.#completed[this.#completedHead]!;
    this.#completed[this.#completedHead++] = undefined as never;
    if (this.#completedHead > 1024 && this.#completedHead * 2 > this.#completed.length) {
      this.#completed = this.#completed.slice(this.#completedHead);
      this.#completedHead = 0;
    }
    this.#open--;
    return out;
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

  /** Starts items while the window has room. Sync input: in one go; async input: one pull at a time. */
  #pump(): void {
    if (this.#exhausted || this.#failure || this.#pulling) return;
    if (this.#sync) {
      while (!this.#exhausted && this.#open + this.#chunk <= this.#window) {
        const batch: unknown[] = [];
        try {
          while (batch.length < this.#chunk) {
            const step = this.#sync.next();
            if (step.done) {
              this.#exhausted = true;
              break;
            }
            batch.push(step.value);
          }
        } catch (error) {
          this.#exhausted = true;
          this.#fail(error);
          return;
        }
        if (batch.length > 0) this.#launch(batch);
      }
      return;
    }
    if (this.#open + this.#chunk <= this.#window) void this.#pullAsync();
  }

  async #pullAsync(): Promise<void> {
    this.#pulling = true;
    const iterator = this.#async!;
    try {
      while (!this.#exhausted && !this.#failure && this.#open + this.#chunk <= this.#window) {
        const batch: unknown[] = [];
        while (batch.length < this.#chunk) {
          const step = await iterator.next();
          if (step.done) {
            this.#exhausted = true;
            break;
          }
          batch.push(step.value);
        }
        if (this.#done) break;
        if (batch.length > 0) this.#launch(batch);
      }
    } catch (error) {
      this.#exhausted = true;
      this.#pulling = false;
      this.#fail(error);
      return;
    }
    this.#pulling = false;
    if (this.#done && !this.#exhausted) await iterator.return?.();
    this.#notify();
  }

  #launch(items: unknown[]): void {
    const first = this.#nextIndex;
    this.#nextIndex += items.length;
    this.#open += items.length;
    this.#defaults.onStart(items.length);
    const timeoutMs = this.#opts.timeoutMs ?? this.#defaults.timeoutMs;
    const batch = this.#chunk > 1;
    const args = batch ? items.map((item) => [item]) : [items[0]];
    const job = new Job(this.#ref, args, batch, timeoutMs, this.#defaults.retries, (error, value) => {
      this.#inflight.delete(job);
      if (batch && error === undefined) {
        const outcomes = value as Outcome[];
        for (let i = 0; i < outcomes.length; i++) this.#store(first + i, outcomes[i]!);
      } else if (batch) {
        for (let i = 0; i < items.length; i++) this.#store(first + i, { status: 'rejected', reason: error });
      } else if (error === undefined) {
        this.#store(first, { status: 'fulfilled', value });
      } else {
        this.#store(first, { status: 'rejected', reason: error });
      }
      this.#notify();
    });
    this.#inflight.add(job);
    this.#backend.start(job);
  }

  #store(index: number, outcome: Outcome): void {
    if (this.#done) return;
    this.#defaults.onItem(outcome.status === 'fulfilled');
    if (outcome.status === 'rejected') {
      if (this.#defaults.failFast) {
        this.#fail(outcome.reason);
        return;
      }
    }
    if (this.#ordered) this.#ready.set(index, outcome);
    else this.#completed.push([index, outcome]);
  }
}
