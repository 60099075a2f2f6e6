/**
 * The pool engine, written once for threads and processes (only the transport differs).
 *
 *   start(jobs) ─▶ queue (a job, or a chunk: several jobs to send as one) ─▶ dispatch
 *        ─▶ pick a worker (idle first, else spawn, else one with prefetch room) ─▶ WorkerSlot.run
 *   outcome ◀── results ◀── worker                       exit ─▶ blame the running job (crashed),
 *                                                               requeue the innocent ones at the front
 *
 * Tiny tasks are prefetched: a worker may hold several calls, so many cost one message each way; how
 * many depends on measured task time (worker-slot.ts). A chunk goes to one worker in one message,
 * beyond that prefetch room: the caller asked for it. A job with a timeout runs alone on its worker,
 * its clock started by the worker's 'started' notice. The pool reports outcomes only: retries and
 * public errors are decided above it (src/core).
 *
 * Cancelling (an abort, a timeout, close with cancel) is cooperative first: the job settles at once and
 * its worker is asked to stop it — a queued call is skipped, a running one's taskSignal() aborts. Only
 * a running job that has not let go within `cancelGraceMs` gets its worker terminated (worker-slot.ts,
 * cancel-grace.ts); so with tasks that honour their signal, nothing is requeued and nothing runs twice.
 */
import type { Backend, BackendStats, Cancel } from '../../core/backend.ts';
import type { Job } from '../../core/job.ts';
import type { Failure, Outcome } from '../../core/outcome.ts';
import { publicError } from '../../core/public-error.ts';
import { ExecutorClosedError } from '../../errors.ts';
import type { TaskRef } from '../../tasks.ts';
import { isChunk, JobQueue } from './job-queue.ts';
import { MAX_PREFETCH } from './prefetch.ts';
import { ReadyBarrier } from './ready-barrier.ts';
import { sendChunk, sendSolo } from './send.ts';
import type { SlotOwner } from './slot-contract.ts';
import { TaskKeys } from './task-keys.ts';
import type { TransportFactory } from './transport.ts';
import { WorkerSlot } from './worker-slot.ts';

export interface PoolOptions {
  mode: 'threads' | 'processes';
  transport: TransportFactory;
  workers: number;
  initializer?: TaskRef | undefined;
  initArgs: unknown[];
  maxTasksPerWorker: number;
  idleTimeoutMs: number;
  /** How long a cancelled or timed-out running task may take to stop before its worker is terminated. */
  cancelGraceMs: number;
  /** How long a worker may take to load and run its initializer before its start counts as failed. */
  initTimeoutMs: number;
  /** Workers started at creation and kept (idleTimeoutMs stops only those beyond). Default 0. */
  minWorkers?: number | undefined;
  /** Each worker's heap limit in MB; undefined: Node's default. */
  maxMemoryMb?: number | undefined;
}

/**
 * Workers that fail to start (die before saying they are ready, or are not ready within initTimeoutMs)
 * in a row, with no worker becoming ready meanwhile, before the pool gives up: a breaker, so a broken
 * entry or initializer never makes the pool respawn for ever.
 */
export const MAX_STARTUP_DEATHS = 3;

export class Pool implements Backend {
  readonly mode: 'threads' | 'processes';
  readonly concurrency: number;
  readonly window: number;
  #opts: PoolOptions;
  #queue = new JobQueue();
  #slots = new Set<WorkerSlot>();
  #keys = new TaskKeys();
  #scheduled = false;
  /** Set when no task can run any more (workers cannot start, or the initializer threw). */
  #broken: Failure | undefined;
  #startupDeaths = 0;
  #closing = false;
  #idleWaiters: (() => void)[] = [];
  #barrier = new ReadyBarrier();
  /** minWorkers, within workers: started at creation, replaced when lost, kept past idleTimeoutMs. */
  #min: number;
  /** What the workers report to, one object for every slot. */
  #owner: SlotOwner<WorkerSlot> = {
    outcome: (job, outcome) => this.#outcome(job, outcome),
    progressed: (slot) => this.#progressed(slot),
    exited: (slot, detail, error) => this.#exited(slot, detail, error),
    ready: (slot, failed) => {
      this.#startupDeaths = 0;
      if (failed)
        this.#break(failed); // its initializer threw: no task can run, ready() rejects
      else if (slot.load === 0 && !this.#closing) slot.rest(); // started ahead: idle, keeps nothing alive
      this.#checkReady();
    },
    retirable: () => this.#live() > this.#min,
  };

  constructor(options: PoolOptions) {
    this.#opts = options;
    this.mode = options.mode;
    this.concurrency = options.workers;
    this.window = Math.max(64, options.workers * MAX_PREFETCH * 4);
    this.#min = Math.min(options.minWorkers ?? 0, options.workers);
    this.#fill();
  }

  /** Resolves once `minWorkers` workers (at least one, started now if none runs) can take work. */
  ready(): Promise<void> {
    if (this.#closing) return Promise.reject(new ExecutorClosedError('wait for ready()'));
    if (this.#broken) return Promise.reject(publicError(this.#broken, 'ready'));
    const waiting = this.#barrier.wait();
    this.#fill(); // a worker that cannot even be spawned breaks the pool: that rejects the wait
    this.#checkReady();
    return waiting;
  }

  start(jobs: readonly Job[]): void {
    if (this.#broken) {
      for (const job of jobs) job.settle(this.#broken);
      return;
    }
    if (jobs.length === 1) this.#queue.push(jobs[0]!);
    // timed jobs run alone, each on a worker of its own: a chunk of them is split
    else if (jobs.some((job) => job.timeoutMs !== undefined)) for (const job of jobs) this.#queue.push(job);
    else if (jobs.length > 1) this.#queue.push(jobs);
    this.#schedule();
  }

  cancel(job: Job, reason: unknown): void {
    if (job.settled) return;
    const sent = job.state === 'running';
    job.settle({ kind: 'aborted', reason });
    if (!sent) {
      this.#schedule(); // still queued: dispatch drops it (and a draining close() may now finish)
      return;
    }
    for (const slot of this.#slots) {
      if (slot.holds(job)) {
        slot.cancel(job, reason);
        return;
      }
    }
  }

  stats(): BackendStats {
    let running = 0;
    for (const slot of this.#slots) running += slot.running;
    return { running, queued: this.#queue.jobs, workers: this.#slots.size };
  }

  async close(cancel?: Cancel): Promise<void> {
    this.#closing = true;
    this.#barrier.fail(new ExecutorClosedError('wait for ready()'));
    if (cancel) {
      this.#settleQueued({ kind: 'aborted', reason: cancel.reason });
      for (const slot of this.#slots) slot.cancelAll(cancel.reason);
      // tasks that honour their signal end cleanly (their finally blocks run); the rest get their grace
      await Promise.all([...this.#slots].map((slot) => slot.emptied()));
    } else if (!this.#idle()) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    const slots = [...this.#slots];
    for (const slot of slots) slot.terminate();
    await Promise.all(slots.map((slot) => slot.gone));
  }

  // ── what the workers report (SlotOwner) ────────────────────────────────────────────────────────

  #outcome(job: Job, outcome: Outcome): void {
    if (outcome.kind === 'init-failed') this.#break(outcome); // like Python's BrokenProcessPool
    job.settle(outcome);
  }

  #progressed(slot: WorkerSlot): void {
    if (slot.load === 0 && !slot.terminating) {
      if (slot.recycleDue) slot.terminate();
      else if (!this.#closing) slot.rest();
    }
    this.#schedule();
  }

  #exited(slot: WorkerSlot, detail: string, error: unknown): void {
    if (!this.#slots.delete(slot)) return; // it failed while starting: the pool is broken already
    const { blamed, innocent } = slot.lost();
    if (slot.diedAtStart) this.#startupDeaths++;
    // innocent: never started, or their results died with the worker — run each again, alone, first
    for (let i = innocent.length - 1; i >= 0; i--) {
      const job = innocent[i]!;
      if (job.settled) continue;
      job.reset();
      if (this.#broken) job.settle(this.#broken);
      else this.#queue.unshift(job);
    }
    if (blamed && !blamed.settled) blamed.settle({ kind: 'crashed', detail, cause: error });
    if (this.#startupDeaths >= MAX_STARTUP_DEATHS) {
      const init = this.#opts.initializer;
      const during = init ? `; each runs the initializer "${init.name}" before it is ready` : '';
      const why = `${MAX_STARTUP_DEATHS} workers in a row died before they were ready (the last: ${detail}${during})`;
      this.#break({ kind: 'broken', detail: why, cause: error });
    }
    this.#fill(); // keep minWorkers (a crash, a recycle), and what a ready() waits for
    this.#schedule();
  }

  // ── dispatch ────────────────────────────────────────────────────────────────────────────────────

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(this.#dispatch);
  }

  #dispatch = (): void => {
    this.#scheduled = false;
    for (let head = this.#queue.head(); head !== undefined; head = this.#queue.head()) {
      const slot = this.#pick(!isChunk(head) && head.timeoutMs !== undefined);
      if (!slot) break;
      if (isChunk(head)) sendChunk(this.#queue, slot, head);
      else sendSolo(this.#queue, slot, head);
    }
    if (this.#idleWaiters.length > 0 && this.#idle()) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  };

  /** An idle worker first, else a new one, else the least loaded with room. */
  #pick(timed: boolean): WorkerSlot | undefined {
    let spare: WorkerSlot | undefined;
    for (const slot of this.#slots) {
      if (!slot.canTake(timed)) continue;
      if (slot.load === 0) return slot;
      if (!spare || slot.load < spare.load) spare = slot;
    }
    if (this.#slots.size < this.#opts.workers) return this.#spawn();
    return spare;
  }

  #spawn(): WorkerSlot | undefined {
    const init = this.#opts.initializer;
    try {
      const slot = new WorkerSlot(this.#opts.transport, this.#owner, this.#keys, {
        initializer: init ? { module: init.module, name: init.name } : undefined,
        initArgs: this.#opts.initArgs,
        maxTasksPerWorker: this.#opts.maxTasksPerWorker,
        idleTimeoutMs: this.#opts.idleTimeoutMs,
        cancelGraceMs: this.#opts.cancelGraceMs,
        initTimeoutMs: this.#opts.initTimeoutMs,
        maxMemoryMb: this.#opts.maxMemoryMb,
      });
      this.#slots.add(slot);
      return slot;
    } catch (error) {
      const detail = `starting one threw ${(error as Error)?.name ?? 'an error'}: ${(error as Error)?.message ?? error}`;
      this.#break({ kind: 'broken', detail, cause: error });
      return undefined;
    }
  }

  /** No task can run any more: every queued and later job ends with `outcome`. */
  #break(outcome: Failure): void {
    this.#broken ??= outcome;
    this.#barrier.fail(publicError(this.#broken, 'ready'));
    this.#settleQueued(this.#broken);
    // workers still starting would only fail the same way (or hang in their initializer): stop them
    for (const slot of this.#slots) if (!slot.started) slot.terminate();
  }

  #settleQueued(outcome: Outcome): void {
    for (const job of this.#queue.drain()) if (!job.settled) job.settle(outcome);
  }

  /** How many workers to keep: minWorkers, and at least one while a ready() waits (not after: no churn). */
  #wanted(): number {
    return this.#barrier.waiting ? Math.max(this.#min, 1) : this.#min;
  }

  /** Starts workers until `#wanted()` are running or starting (never when closing or broken). */
  #fill(): void {
    while (!this.#closing && !this.#broken && this.#live() < this.#wanted()) if (!this.#spawn()) return;
  }

  /** Workers running or starting, not on their way out. */
  #live(): number {
    let n = 0;
    for (const slot of this.#slots) if (!slot.terminating) n++;
    return n;
  }

  #checkReady(): void {
    if (!this.#barrier.waiting) return;
    let n = 0;
    for (const slot of this.#slots) if (slot.started && !slot.terminating) n++;
    if (n >= this.#wanted()) this.#barrier.open();
  }

  /** Nothing queued and no worker holds a job that has not ended. */
  #idle(): boolean {
    if (this.#queue.hasLive()) return false;
    for (const slot of this.#slots) if (slot.running > 0) return false;
    return true;
  }
}
