/**
 * The executor contract: one API whatever runs the tasks. A backend only runs plain jobs and reports
 * their outcomes; submit, map, imap, settle, abort, chunking, retries and public errors live above it.
 */
import { createBackend } from './backends/registry.ts';
import { type Backend, cancelOnClose } from './core/backend.ts';
import { Call } from './core/call.ts';
import { CLOSED_REASON, type OutcomeKind } from './core/outcome.ts';
import { abortError, publicError } from './core/public-error.ts';
import { AbortError, ExecutorClosedError, InvalidOptionsError } from './errors.ts';
import { AbortHub } from './internal/abort-hub.ts';
import { MapRun } from './map/map-run.ts';
import { type ImapOptions, type MapOptions, validateMapOptions } from './map/options.ts';
import { type ExecutorOptions, type Mode, type ResolvedOptions, resolveOptions } from './options.ts';
import { isTaskRef, type TaskRef } from './tasks.ts';
import { show } from './util/show.ts';

export { MODES } from './options.ts';
export type { ExecutorOptions, Mode };

export interface RunOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

export interface ExecutorStats {
  mode: Mode;
  submitted: number;
  completed: number;
  failed: number;
  /** Calls that ended aborted (their signal, a fail-fast map, close with cancel). submitted = completed + failed + cancelled + running + queued. */
  cancelled: number;
  running: number;
  queued: number;
  workers: number;
  /** Backend details, e.g. auto's chosen mode. */
  [key: string]: unknown;
}

export interface Executor extends AsyncDisposable {
  readonly mode: Mode;
  /** The resolved width (Infinity for unbounded async). */
  readonly workers: number;
  /** Runs one task; resolves to its result. */
  submit<A extends unknown[], R>(task: TaskRef<A, R>, ...args: A): Promise<R>;
  /** `submit` with options: an AbortSignal and a timeout for this task. */
  run<A extends unknown[], R>(task: TaskRef<A, R>, args: A, options?: RunOptions): Promise<R>;
  /** Runs the task once per item; results in input order. Rejects at the first failure unless `settle`. */
  map<T, R>(
    task: TaskRef<[T], R>,
    items: Iterable<T> | AsyncIterable<T>,
    options?: MapOptions & { settle?: false },
  ): Promise<R[]>;
  map<T, R>(
    task: TaskRef<[T], R>,
    items: Iterable<T> | AsyncIterable<T>,
    options: MapOptions & { settle: true },
  ): Promise<PromiseSettledResult<R>[]>;
  /** Streams results lazily: in input order, or in completion order with `ordered: false`. */
  imap<T, R>(
    task: TaskRef<[T], R>,
    items: Iterable<T> | AsyncIterable<T>,
    options?: ImapOptions & { settle?: false },
  ): AsyncGenerator<R, void, undefined>;
  imap<T, R>(
    task: TaskRef<[T], R>,
    items: Iterable<T> | AsyncIterable<T>,
    options: ImapOptions & { settle: true },
  ): AsyncGenerator<PromiseSettledResult<R>, void, undefined>;
  /** Drains running and queued work (or with `cancel`, stops it), then releases every worker. */
  close(options?: { cancel?: boolean }): Promise<void>;
  stats(): ExecutorStats;
}

/**
 * Creates an executor. Same calls whatever the mode; change one option to change how work runs.
 *
 * @example
 * await using ex = createExecutor({ mode: 'threads', workers: 2 });
 * const sums = await ex.map(tasks.sumOfSquares, [5_000_000, 5_000_001]);
 */
export function createExecutor(options: ExecutorOptions): Executor {
  const resolved = resolveOptions(options);
  return new ExecutorImpl(resolved, createBackend(resolved));
}

class ExecutorImpl implements Executor {
  readonly mode: Mode;
  readonly workers: number;
  #backend: Backend;
  #opts: ResolvedOptions;
  #closed = false;
  #closing: Promise<void> | undefined;
  #submitted = 0;
  #completed = 0;
  #failed = 0;
  #cancelled = 0;
  /** One abort listener per signal, however many calls share it. */
  #aborts = new AbortHub();
  /** map/imap calls in progress: close({ cancel: true }) ends them, even one waiting on its input. */
  #runs = new Set<MapRun>();

  constructor(opts: ResolvedOptions, backend: Backend) {
    this.#opts = opts;
    this.#backend = backend;
    this.mode = opts.mode;
    this.workers = opts.workers;
  }

  submit<A extends unknown[], R>(task: TaskRef<A, R>, ...args: A): Promise<R> {
    return this.run(task, args);
  }

  run<A extends unknown[], R>(task: TaskRef<A, R>, args: A, options?: RunOptions): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#check(task, 'submit');
      if (!Array.isArray(args))
        throw new InvalidOptionsError(`run(task, args): args must be an array; got ${show(args)}.`);
      if (options !== undefined) validateMapOptions(options, 'run');
      const signal = options?.signal;
      if (signal?.aborted) throw abortError(signal.reason);
      const unwatch = signal
        ? this.#aborts.watch(signal, () => call.cancel(abortError(signal.reason)))
        : undefined;
      const call = new Call(
        this.#backend,
        task as TaskRef,
        args,
        options?.timeoutMs ?? this.#opts.taskTimeoutMs,
        this.#opts.retries,
        (outcome) => {
          unwatch?.();
          this.#count(outcome.kind);
          if (outcome.kind === 'ok') resolve(outcome.value as R);
          else reject(publicError(outcome, task.name));
        },
      );
      this.#submitted++;
      call.start();
    });
  }

  async map(
    task: TaskRef,
    items: Iterable<unknown> | AsyncIterable<unknown>,
    options: MapOptions = {},
  ): Promise<never[]> {
    this.#check(task, 'map');
    validateMapOptions(options, 'map');
    const settle = options.settle === true;
    const run = this.#mapRun(task, items, options, !settle);
    const results: unknown[] = [];
    try {
      for (let next = await run.next(); next; next = await run.next()) {
        const [index, outcome] = next;
        results[index] = settle ? outcome : (outcome as PromiseFulfilledResult<unknown>).value;
      }
    } finally {
      await run.finish();
    }
    return results as never[];
  }

  async *imap(
    task: TaskRef,
    items: Iterable<unknown> | AsyncIterable<unknown>,
    options: ImapOptions = {},
  ): AsyncGenerator<never, void, undefined> {
    this.#check(task, 'imap');
    validateMapOptions(options, 'imap');
    const settle = options.settle === true;
    const run = this.#mapRun(task, items, options, false);
    try {
      for (let next = await run.next(); next; next = await run.next()) {
        const outcome = next[1];
        if (settle) yield outcome as never;
        else if (outcome.status === 'fulfilled') yield outcome.value as never;
        else throw outcome.reason;
      }
    } finally {
      await run.finish();
    }
  }

  close(options: { cancel?: boolean } = {}): Promise<void> {
    this.#closed = true;
    const cancel = options.cancel === true;
    if (this.#closing && !cancel) return this.#closing;
    // a cancelling close may also cut short a drain already in progress
    if (cancel) {
      const reason = new AbortError(CLOSED_REASON);
      for (const run of this.#runs) run.abort(reason);
    }
    const closing = this.#backend.close(cancel ? cancelOnClose() : undefined);
    this.#closing = this.#closing ? Promise.all([this.#closing, closing]).then(() => undefined) : closing;
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  stats(): ExecutorStats {
    return {
      mode: this.mode,
      submitted: this.#submitted,
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#cancelled,
      ...this.#backend.stats(),
      ...this.#backend.info?.(),
    };
  }

  /** Every call ends counted once: completed, cancelled (aborted), or failed (any other outcome). */
  #count(kind: OutcomeKind): void {
    if (kind === 'ok') this.#completed++;
    else if (kind === 'aborted') this.#cancelled++;
    else this.#failed++;
  }

  #check(task: unknown, call: string): void {
    if (this.#closed) throw new ExecutorClosedError(call);
    if (!isTaskRef(task)) {
      throw new InvalidOptionsError(
        `${call}(task, …): task must be a task reference from defineTasks(import.meta.url, { fn }); got ${show(task)}.`,
      );
    }
  }

  #mapRun(task: TaskRef, items: unknown, options: ImapOptions, failFast: boolean): MapRun {
    let run: MapRun | undefined;
    run = new MapRun(this.#backend, task, items, options, {
      timeoutMs: this.#opts.taskTimeoutMs,
      retries: this.#opts.retries,
      failFast,
      onStart: (n) => {
        this.#submitted += n;
      },
      onItem: (kind) => this.#count(kind),
      watchAbort: (signal, onAbort) => this.#aborts.watch(signal, onAbort),
      ended: () => {
        if (run) this.#runs.delete(run);
      },
    });
    if (!run.finished) this.#runs.add(run);
    return run;
  }
}
