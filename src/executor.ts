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

/**
 * The options of {@link Executor.run}: what `submit` has no room for, since its arguments are variadic.
 *
 * @example
 * const ac = new AbortController();
 * const page = await ex.run(tasks.fetchPage, ['http://127.0.0.1:8080/'], { signal: ac.signal, timeoutMs: 5000 });
 */
export interface RunOptions {
  /**
   * Aborts the call: a queued task never starts, a running one's `taskSignal()` aborts; rejects with `AbortError`.
   * @defaultValue none
   */
  signal?: AbortSignal | undefined;
  /**
   * Timeout of this call in ms, counted from when the task starts (not while it waits); rejects with
   * `TaskTimeoutError`.
   * @defaultValue the executor's `taskTimeoutMs` (none)
   */
  timeoutMs?: number | undefined;
}

/**
 * What {@link Executor.stats} returns: counters since the executor was created, and the backend's state.
 * Every call ends counted once: `submitted = completed + failed + cancelled + running + queued`.
 *
 * @example
 * ex.stats(); // { mode: 'threads', submitted: 3, completed: 3, failed: 0, cancelled: 0, running: 0, queued: 0, workers: 2 }
 */
export interface ExecutorStats {
  /** The executor's mode. */
  mode: Mode;
  /** Calls accepted: one per `submit`/`run`, one per item of `map`/`imap` started. */
  submitted: number;
  /** Calls that ended with a result. */
  completed: number;
  /** Calls that ended with any error other than an abort (the task threw, timed out, crashed its worker…). */
  failed: number;
  /** Calls that ended aborted (their signal, a fail-fast map, close with cancel). submitted = completed + failed + cancelled + running + queued. */
  cancelled: number;
  /** Calls running now. */
  running: number;
  /** Calls waiting for a free worker. */
  queued: number;
  /** Workers running now (threads, processes), or the bound on tasks at once (1 for sync). */
  workers: number;
  /** Backend details, e.g. auto's choice (`auto`), or `byTask` and `reconnects` (`distributed`). */
  [key: string]: unknown;
}

/**
 * Runs tasks; made by {@link createExecutor}. The same calls work in every mode. Close it when done
 * (`await ex.close()` in a `finally`, or `await using` in TypeScript), or its workers stay until the
 * process exits (idle workers never keep it alive).
 *
 * A call with a bad task reference or options rejects with `InvalidOptionsError` (naming what was wrong);
 * a call after `close()` rejects with `ExecutorClosedError`.
 */
export interface Executor extends AsyncDisposable {
  /** The mode it was created with. */
  readonly mode: Mode;
  /** The resolved width (Infinity for unbounded async). */
  readonly workers: number;
  /**
   * Runs one task with these arguments; resolves to its result, rejects with the task's error wrapped
   * in `TaskError` (or `TaskTimeoutError`, `WorkerCrashedError`, `TaskArgumentError`, `TaskNotFoundError`…).
   *
   * @example
   * const n = await ex.submit(tasks.square, 7); // 49
   */
  submit<A extends unknown[], R>(task: TaskRef<A, R>, ...args: A): Promise<R>;
  /**
   * `submit` with options: an AbortSignal and a timeout for this task. The arguments come as one array.
   *
   * @example
   * const signal = AbortSignal.timeout(2000);
   * await ex.run(tasks.square, [7], { signal, timeoutMs: 1000 }); // 49, or AbortError / TaskTimeoutError
   */
  run<A extends unknown[], R>(task: TaskRef<A, R>, args: A, options?: RunOptions): Promise<R>;
  /**
   * Runs the task once per item; results in input order. Rejects at the first failure (the other items
   * are cancelled) unless `settle`. The task takes one argument, the item: pass several values as a tuple
   * or an object (`add([a, b]: [number, number])`). The input is pulled lazily, at most `window` items ahead.
   *
   * @example
   * await ex.map(tasks.square, [1, 2, 3]);                 // [1, 4, 9]
   * await ex.map(tasks.square, hugeList, { chunkSize: 1000 }); // 1000 items per message to a worker
   */
  map<T, R>(
    task: TaskRef<[T], R>,
    items: Iterable<T> | AsyncIterable<T>,
    options?: MapOptions & { settle?: false },
  ): Promise<R[]>;
  /**
   * With `settle: true`: resolves to one `PromiseSettledResult` per item, in input order; one failed item
   * never loses the others' results.
   *
   * @example
   * const results = await ex.map(tasks.parse, files, { settle: true });
   * const failed = results.filter((r) => r.status === 'rejected');
   */
  map<T, R>(
    task: TaskRef<[T], R>,
    items: Iterable<T> | AsyncIterable<T>,
    options: MapOptions & { settle: true },
  ): Promise<PromiseSettledResult<R>[]>;
  /**
   * Streams results lazily: in input order, or in completion order with `ordered: false`. At most
   * `window` items are started and not yet consumed, so an infinite generator works. Leaving the loop
   * early (`break`, an error) cancels the rest and closes the input.
   *
   * @example
   * for await (const r of ex.imap(tasks.square, numbers(), { ordered: false })) console.log(r);
   */
  imap<T, R>(
    task: TaskRef<[T], R>,
    items: Iterable<T> | AsyncIterable<T>,
    options?: ImapOptions & { settle?: false },
  ): AsyncGenerator<R, void, undefined>;
  /**
   * With `settle: true`: yields one `PromiseSettledResult` per item and never throws for a failed item.
   *
   * @example
   * for await (const r of ex.imap(tasks.parse, files, { settle: true })) if (r.status === 'rejected') console.error(r.reason);
   */
  imap<T, R>(
    task: TaskRef<[T], R>,
    items: Iterable<T> | AsyncIterable<T>,
    options: ImapOptions & { settle: true },
  ): AsyncGenerator<PromiseSettledResult<R>, void, undefined>;
  /**
   * Drains running and queued work, then releases every worker; with `cancel: true` stops it instead
   * (queued calls never start, running ones are aborted). Later calls reject with `ExecutorClosedError`.
   * Calling it again returns the same promise (a cancelling call may cut a drain short).
   *
   * @example
   * const ex = createExecutor({ mode: 'threads' });
   * try {
   *   await ex.map(tasks.square, [1, 2, 3]);
   * } finally {
   *   await ex.close(); // or ex.close({ cancel: true }) to stop now
   * }
   */
  close(options?: { cancel?: boolean }): Promise<void>;
  /**
   * A barrier: resolves once the executor can take work. Threads and processes: once `minWorkers`
   * workers (at least one, started now if none runs) have loaded and finished their initializer.
   * Sync, async and auto: once the initializer ran here. Distributed: once Redis answers (it does not
   * wait for a `conc worker`). Rejects with the error every task would get — `InitializerError`,
   * `BrokenPoolError` (bounded by `initTimeoutMs`: it never hangs), `RedisError` — and with
   * `ExecutorClosedError` after `close()`. Calling it again is fine.
   *
   * @example
   * const ex = createExecutor({ mode: 'threads', workers: 4, minWorkers: 4 });
   * await ex.ready(); // 4 threads up: the first map pays no start-up
   */
  ready(): Promise<void>;
  /**
   * Counters and state now, see {@link ExecutorStats}.
   *
   * @example
   * const { completed, failed, running, queued } = ex.stats();
   */
  stats(): ExecutorStats;
}

/**
 * Creates an executor. Same calls whatever the mode; change one option to change how work runs.
 * Options are checked at once: a bad one throws `InvalidOptionsError` naming it and echoing the value.
 * Workers start on demand, so creating an executor is cheap — unless `minWorkers` asks for some now.
 *
 * @example
 * // TypeScript: `await using` closes it at the end of the block (tsc and tsx compile it to try/finally)
 * await using ex = createExecutor({ mode: 'threads', workers: 2 });
 * const sums = await ex.map(tasks.sumOfSquares, [5_000_000, 5_000_001]);
 *
 * @example
 * // plain JavaScript on Node 20 (`await using` is a SyntaxError there): try/finally
 * const ex = createExecutor({ mode: 'async', workers: 50 });
 * try {
 *   const pages = await ex.map(tasks.fetchPage, urls);
 * } finally {
 *   await ex.close();
 * }
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

  ready(): Promise<void> {
    if (this.#closed) return Promise.reject(new ExecutorClosedError('wait for ready()'));
    return this.#backend.ready();
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
      closed: () => this.#closed,
    });
    if (!run.finished) this.#runs.add(run);
    return run;
  }
}
