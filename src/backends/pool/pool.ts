/**
 * The pool engine, written once for threads and processes (only the transport differs).
 *
 *   start(job) ─▶ queue ─▶ dispatch ─▶ pick worker (idle first, else spawn, else prefetch) ─▶ run message
 *                                                                       │
 *   settle ◀─ results (done) ◀──────────────────────────────────────────┘
 *   exit ─▶ blame the running task (WorkerCrashedError / retry), requeue the rest, replace on demand
 *
 * Tiny tasks are prefetched: a worker may hold several calls, so many cost one message each way. How
 * many depends on measured task time (a prefetched call may wait behind the running one ≤ ~2 ms).
 * A call with a timeout runs alone on its worker, its clock started by the worker's 'started' notice.
 */
import {
  AbortError,
  type ConcError,
  InitializerError,
  TaskArgumentError,
  TaskError,
  TaskNotFoundError,
  TaskTimeoutError,
  WorkerCrashedError,
} from '../../errors.ts';
import { Deque } from '../../internal/deque.ts';
import { fromWireError, type WireError } from '../../internal/error-wire.ts';
import type { Job } from '../../internal/job.ts';
import type { TaskRef } from '../../tasks.ts';
import type { Backend, BackendStats } from '../backend.ts';
import { type BatchItem, type FromWorker, RESULT_WIDTH, Status, type TaskDef } from './protocol.ts';
import type { Transport, TransportFactory } from './transport.ts';
import { CallFlag, type WorkerNotice } from './worker-main.ts';

export interface PoolOptions {
  mode: 'threads' | 'processes';
  transport: TransportFactory;
  workers: number;
  initializer?: TaskRef | undefined;
  initArgs: unknown[];
  maxTasksPerWorker: number;
  idleTimeoutMs: number;
}

/** Longest a prefetched call should wait behind the running one, and the most calls a worker holds. */
const PREFETCH_BUDGET_MS = 2;
const MAX_PREFETCH = 128;
/** Workers that die before running anything, in a row, before the pool gives up. */
const MAX_STARTUP_DEATHS = 3;

interface Slot {
  transport: Transport;
  inflight: Deque<Job>;
  /** Results received from this worker so far. */
  received: number;
  capacity: number;
  avgMs: number;
  /** A timed call is in flight: nothing else goes to this worker meanwhile. */
  exclusive: boolean;
  /** Task keys this worker has been told about. */
  known: Set<number>;
  /** Set when the pool itself terminates the worker (timeout, abort, recycle, close). */
  terminating: boolean;
  completed: number;
  idleTimer: NodeJS.Timeout | undefined;
  timers: Map<number, NodeJS.Timeout>;
  refed: boolean;
  /** The worker's entry loaded and it said so. */
  ready: boolean;
}

export class Pool implements Backend {
  readonly mode: 'threads' | 'processes';
  readonly concurrency: number;
  readonly window: number;
  readonly clonesArguments = true;
  #opts: PoolOptions;
  #queue = new Deque<Job>();
  #slots = new Set<Slot>();
  #bySlotJob = new Map<Job, Slot>();
  #keys = new Map<string, number>();
  #scheduled = false;
  #broken: ConcError | undefined;
  #startupDeaths = 0;
  #closing = false;
  #idleWaiters: (() => void)[] = [];
  #exits = new Set<Promise<void>>();

  constructor(options: PoolOptions) {
    this.#opts = options;
    this.mode = options.mode;
    this.concurrency = options.workers;
    this.window = Math.max(64, options.workers * MAX_PREFETCH * 4);
  }

  start(job: Job): void {
    if (this.#broken) {
      job.settle(this.#broken);
      return;
    }
    this.#queue.push(job);
    this.#schedule();
  }

  cancel(job: Job, reason: unknown): void {
    if (job.settled) return;
    const slot = this.#bySlotJob.get(job);
    job.settle(reason);
    if (!slot) {
      this.#schedule(); // still queued: dispatch drops it (and a draining close() may now finish)
      return;
    }
    this.#forget(slot, job);
    this.#terminate(slot); // a running call can only be stopped with its worker
  }

  stats(): BackendStats {
    let running = 0;
    for (const slot of this.#slots) running += slot.inflight.length;
    return { running, queued: this.#queue.length, workers: this.#slots.size };
  }

  async close(cancel: boolean): Promise<void> {
    this.#closing = true;
    if (cancel) {
      const reason = new AbortError(
        'The executor was closed with { cancel: true } before this task finished.',
      );
      for (const job of this.#queue.drain()) if (!job.settled) job.settle(reason);
      for (const slot of this.#slots) {
        for (const job of slot.inflight.drain()) {
          this.#bySlotJob.delete(job);
          if (!job.settled) job.settle(reason);
        }
      }
    } else {
      await new Promise<void>((resolve) => {
        if (this.#idle()) resolve();
        else this.#idleWaiters.push(resolve);
      });
    }
    for (const slot of this.#slots) this.#terminate(slot);
    await Promise.all(this.#exits);
  }

  // ── dispatch ────────────────────────────────────────────────────────────────────────────────────

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(this.#dispatch);
  }

  #dispatch = (): void => {
    this.#scheduled = false;
    while (this.#queue.length > 0) {
      const job = this.#queue.peek()!;
      if (job.settled) {
        this.#queue.shift();
        continue;
      }
      const slot = this.#pick(job);
      if (!slot) break;
      this.#sendTo(slot);
    }
    this.#checkIdle();
  };

  #pick(job: Job): Slot | undefined {
    let spare: Slot | undefined;
    for (const slot of this.#slots) {
      if (slot.terminating || this.#recycleDue(slot)) continue;
      if (slot.inflight.length === 0) return slot;
      if (job.timeoutMs !== undefined || slot.exclusive || slot.inflight.length >= slot.capacity) continue;
      if (!spare || slot.inflight.length < spare.inflight.length) spare = slot;
    }
    if (this.#slots.size < this.#opts.workers) {
      try {
        return this.#spawn();
      } catch (error) {
        const detail = `a worker could not be started: ${(error as Error).message}`;
        this.#fail(new WorkerCrashedError('(any)', detail, { cause: error }));
        return undefined;
      }
    }
    return spare;
  }

  #canTake(slot: Slot, job: Job): boolean {
    if (slot.exclusive || slot.terminating || this.#recycleDue(slot)) return false;
    if (job.timeoutMs !== undefined) return slot.inflight.length === 0;
    return slot.inflight.length < slot.capacity;
  }

  #recycleDue(slot: Slot): boolean {
    return slot.completed + slot.inflight.length >= this.#opts.maxTasksPerWorker;
  }

  /** Moves as many queued jobs as the worker can take into one message. */
  #sendTo(slot: Slot): void {
    const calls: unknown[] = [];
    const jobs: Job[] = [];
    let defs: TaskDef[] | undefined;
    while (this.#queue.length > 0) {
      const job = this.#queue.peek()!;
      if (job.settled) {
        this.#queue.shift();
        continue;
      }
      if (!this.#canTake(slot, job)) break;
      this.#queue.shift();
      job.markRunning();
      const key = this.#keyOf(job.ref);
      if (!slot.known.has(key)) {
        defs ??= [];
        if (!defs.some((d) => d.key === key)) defs.push({ key, module: job.ref.module, name: job.ref.name });
      }
      const timed = job.timeoutMs !== undefined;
      calls.push(
        job.id,
        key,
        job.args,
        (job.batch ? CallFlag.batch : 0) | (timed ? CallFlag.notifyStart : 0),
      );
      jobs.push(job);
      slot.inflight.push(job);
      this.#bySlotJob.set(job, slot);
      if (timed) slot.exclusive = true;
    }
    if (jobs.length === 0) return;
    this.#busy(slot);
    try {
      slot.transport.send({ t: 'run', defs, calls });
      if (defs) for (const d of defs) slot.known.add(d.key);
    } catch (error) {
      this.#sendOneByOne(slot, jobs, error);
    }
  }

  /** A batch failed to clone: send each call alone, failing only those whose arguments cannot cross. */
  #sendOneByOne(slot: Slot, jobs: Job[], batchError: unknown): void {
    for (const job of jobs) {
      const key = this.#keyOf(job.ref);
      const defs = slot.known.has(key) ? undefined : [{ key, module: job.ref.module, name: job.ref.name }];
      const flags =
        (job.batch ? CallFlag.batch : 0) | (job.timeoutMs !== undefined ? CallFlag.notifyStart : 0);
      try {
        slot.transport.send({ t: 'run', defs, calls: [job.id, key, job.args, flags] });
        if (defs) slot.known.add(key);
      } catch (error) {
        this.#forget(slot, job);
        if (job.timeoutMs !== undefined) slot.exclusive = false;
        job.settle(
          new TaskArgumentError(
            `Arguments of task "${job.ref.name}" cannot be sent to a worker: ${String((error as Error).message ?? batchError).replace(/\.$/, '')}. ` +
              'Pass structured-cloneable values (no functions, symbols or class instances with methods), or use mode "async".',
            { cause: error },
          ),
        );
      }
    }
    this.#afterProgress(slot);
  }

  #keyOf(ref: TaskRef): number {
    const id = `${ref.module}#${ref.name}`;
    let key = this.#keys.get(id);
    if (key === undefined) {
      key = this.#keys.size + 1;
      this.#keys.set(id, key);
    }
    return key;
  }

  // ── workers ─────────────────────────────────────────────────────────────────────────────────────

  #spawn(): Slot {
    const slot: Slot = {
      transport: undefined as unknown as Transport,
      inflight: new Deque<Job>(),
      received: 0,
      capacity: 1,
      avgMs: -1,
      exclusive: false,
      known: new Set(),
      terminating: false,
      completed: 0,
      idleTimer: undefined,
      timers: new Map(),
      refed: true,
      ready: false,
    };
    let onExit!: () => void;
    this.#exits.add(
      new Promise<void>((resolve) => {
        onExit = resolve;
      }),
    );
    slot.transport = this.#opts.transport({
      message: (message) => this.#onMessage(slot, message),
      exit: (detail, error) => {
        this.#onExit(slot, detail, error);
        onExit();
      },
    });
    const init = this.#opts.initializer;
    slot.transport.send({
      t: 'init',
      initializer: init ? { module: init.module, name: init.name } : undefined,
      initArgs: this.#opts.initArgs,
      counters: slot.transport.counters,
    });
    this.#slots.add(slot);
    return slot;
  }

  #terminate(slot: Slot): void {
    if (slot.terminating) return;
    slot.terminating = true;
    void slot.transport.terminate();
  }

  #busy(slot: Slot): void {
    if (slot.idleTimer) {
      clearTimeout(slot.idleTimer);
      slot.idleTimer = undefined;
    }
    if (!slot.refed) {
      slot.refed = true;
      slot.transport.ref();
    }
  }

  /** After results or failures: recycle, go idle, dispatch more. */
  #afterProgress(slot: Slot): void {
    if (slot.inflight.length === 0 && !slot.terminating) {
      if (this.#recycleDue(slot) || this.#closing) {
        if (this.#recycleDue(slot)) this.#terminate(slot);
      } else {
        slot.refed = false;
        slot.transport.unref(); // an idle pool never keeps the process alive
        if (Number.isFinite(this.#opts.idleTimeoutMs)) {
          slot.idleTimer = setTimeout(() => this.#terminate(slot), this.#opts.idleTimeoutMs);
          slot.idleTimer.unref();
        }
      }
    }
    this.#schedule();
  }

  #onMessage(slot: Slot, message: FromWorker | WorkerNotice): void {
    if (message.t === 'ready') {
      slot.ready = true;
      return;
    }
    if (message.t === 'started') {
      const job = slot.inflight.peek();
      if (job && job.id === message.id && job.timeoutMs !== undefined) this.#startClock(slot, job);
      return;
    }
    if (message.t !== 'done') return;
    const results = message.results;
    const count = results.length / RESULT_WIDTH;
    const perTask = message.busyMs / count;
    slot.avgMs = slot.avgMs < 0 ? perTask : slot.avgMs * 0.7 + perTask * 0.3;
    slot.capacity = Math.max(
      1,
      Math.min(MAX_PREFETCH, Math.floor(PREFETCH_BUDGET_MS / Math.max(slot.avgMs, 1e-3))),
    );
    for (let i = 0; i < results.length; i += RESULT_WIDTH) {
      const job = slot.inflight.shift();
      slot.received++;
      slot.completed++;
      if (!job) continue;
      if (job.id !== results[i])
        throw new Error(`conc internal error: result for ${results[i]} came as ${job.id}`);
      this.#bySlotJob.delete(job);
      this.#stopClock(slot, job);
      if (job.timeoutMs !== undefined) slot.exclusive = false;
      this.#startupDeaths = 0;
      this.#finish(job, results[i + 1] as number, results[i + 2]);
    }
    this.#afterProgress(slot);
  }

  #finish(job: Job, status: number, value: unknown): void {
    if (job.settled) return;
    switch (status) {
      case Status.ok:
        job.settle(undefined, job.batch ? batchOutcomes(job, value as BatchItem[]) : value);
        return;
      case Status.threw:
        if (job.retry()) {
          this.#requeue(job);
          return;
        }
        job.settle(new TaskError(job.ref.name, fromWireError(value as WireError)));
        return;
      case Status.notFound:
        job.settle(new TaskNotFoundError((value as WireError).message));
        return;
      case Status.uncloneable:
        job.settle(resultError(job, value as WireError));
        return;
      case Status.initFailed:
        job.settle(this.#breakPool(value as WireError));
        return;
      default:
        job.settle(new Error(`conc internal error: unknown status ${status}`));
    }
  }

  #requeue(job: Job): void {
    this.#queue.unshift(job);
    this.#schedule();
  }

  /** The initializer failed: like Python's BrokenProcessPool, every queued and later task fails. */
  #breakPool(wire: WireError): ConcError {
    if (this.#broken) return this.#broken;
    const cause = fromWireError(wire);
    this.#broken = new InitializerError(
      `The worker initializer "${this.#opts.initializer?.name}" threw ${cause.name}: ${cause.message}. ` +
        'No task can run in this executor; fix the initializer and create a new executor.',
      { cause },
    );
    for (const job of this.#queue.drain()) if (!job.settled) job.settle(this.#broken);
    return this.#broken;
  }

  /** Workers cannot start: every queued and later task fails with this error. */
  #fail(error: ConcError): void {
    this.#broken ??= error;
    for (const job of this.#queue.drain()) if (!job.settled) job.settle(this.#broken);
  }

  #startClock(slot: Slot, job: Job): void {
    const ms = job.timeoutMs!;
    const timer = setTimeout(() => {
      slot.timers.delete(job.id);
      if (job.settled || this.#bySlotJob.get(job) !== slot) return;
      this.#forget(slot, job);
      slot.exclusive = false;
      this.#terminate(slot); // the only way to stop code that ignores us
      if (job.retry()) this.#requeue(job);
      else job.settle(new TaskTimeoutError(job.ref.name, ms));
    }, ms);
    slot.timers.set(job.id, timer);
  }

  #stopClock(slot: Slot, job: Job): void {
    const timer = slot.timers.get(job.id);
    if (timer) {
      clearTimeout(timer);
      slot.timers.delete(job.id);
    }
  }

  /** Takes a job out of a worker's in-flight list (it is settled elsewhere). */
  #forget(slot: Slot, job: Job): void {
    this.#bySlotJob.delete(job);
    this.#stopClock(slot, job);
    const kept: Job[] = [];
    for (let j = slot.inflight.shift(); j !== undefined; j = slot.inflight.shift())
      if (j !== job) kept.push(j);
    for (const j of kept) slot.inflight.push(j);
  }

  #onExit(slot: Slot, detail: string, error: unknown): void {
    this.#slots.delete(slot);
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    for (const timer of slot.timers.values()) clearTimeout(timer);
    const lost = slot.inflight.drain();
    for (const job of lost) this.#bySlotJob.delete(job);
    // Which lost call was running? Threads say it exactly; a process reports each result before the
    // next call, so its first unreported call is the running one.
    let running = -1;
    const c = slot.transport.counters;
    if (!slot.terminating && slot.ready && lost.length > 0) {
      running = c ? Atomics.load(c, 0) - 1 - slot.received : 0;
      if (c && Atomics.load(c, 0) === Atomics.load(c, 1)) running = -1; // died between calls
    }
    const diedAtStart = !slot.terminating && !slot.ready;
    this.#startupDeaths = diedAtStart ? this.#startupDeaths + 1 : 0;
    for (let i = lost.length - 1; i >= 0; i--) {
      const job = lost[i]!;
      if (job.settled) continue;
      if (i === running) {
        if (job.retry()) this.#requeue(job);
        else job.settle(new WorkerCrashedError(job.ref.name, detail, { cause: error }));
      } else {
        job.reset(); // innocent: never started, or its result died with the worker — run it again
        this.#queue.unshift(job);
      }
    }
    if (this.#startupDeaths >= MAX_STARTUP_DEATHS) {
      this.#fail(new WorkerCrashedError('(any)', `workers keep dying on start: ${detail}`, { cause: error }));
    }
    this.#schedule();
  }

  // ── draining ────────────────────────────────────────────────────────────────────────────────────

  #idle(): boolean {
    if (this.#queue.length > 0) return false;
    for (const slot of this.#slots) if (slot.inflight.length > 0) return false;
    return true;
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0 || !this.#idle()) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}

function batchOutcomes(job: Job, items: BatchItem[]): PromiseSettledResult<unknown>[] {
  return items.map(([status, value]) => {
    if (status === Status.ok) return { status: 'fulfilled', value };
    if (status === Status.uncloneable)
      return { status: 'rejected', reason: resultError(job, value as WireError) };
    return { status: 'rejected', reason: new TaskError(job.ref.name, fromWireError(value as WireError)) };
  });
}

function resultError(job: Job, wire: WireError): TaskArgumentError {
  return new TaskArgumentError(
    `The result of task "${job.ref.name}" cannot be sent back from the worker: ${wire.message}. ` +
      'Return structured-cloneable values (plain objects, arrays, BigInt, Map, typed arrays).',
  );
}
