/**
 * One pool worker and the jobs it holds: the pool's state machine per worker.
 *
 *   spawned ──ready──▶ ready ──run(jobs)──▶ busy ──results──▶ idle (unref'd; idle timer) ──▶ …
 *      └────────────── terminate() (timeout, abort, recycle, idle, close) / death ──────────▶ gone
 *
 * Its jobs stay in `#inflight`, in the order they were sent, until their result comes back or the worker
 * is gone — a cancelled or timed-out job too (settled, its worker terminating), so results always line
 * up with the jobs they belong to. When the worker dies, `lost()` says which job it was running
 * (blamed) and which were innocent (never started, or their results died with the worker).
 */

import type { Job } from '../../core/job.ts';
import { type Outcome, type OutcomeKind, uncloneableArguments } from '../../core/outcome.ts';
import { outcomeFromWire } from '../../core/outcome-wire.ts';
import { Deque } from '../../util/deque.ts';
import { runningIndex } from './crash-blame.ts';
import { type DoneMessage, type FromWorker, RESULT_WIDTH } from './protocol.ts';
import { runMessage } from './run-message.ts';
import type { TaskKeys } from './task-keys.ts';
import type { Transport, TransportFactory } from './transport.ts';

/** What a slot tells its pool. */
export interface SlotOwner {
  /** A job ended here (its result came back, it timed out, its arguments could not be sent). */
  outcome(job: Job, outcome: Outcome): void;
  /** Results came back: the pool recycles, idles or feeds this worker. */
  progressed(slot: WorkerSlot): void;
  /** The worker is gone; `slot.lost()` holds what it was doing. */
  exited(slot: WorkerSlot, detail: string, error: unknown): void;
}

export interface SlotOptions {
  initializer?: { module: string; name: string } | undefined;
  initArgs: unknown[];
  maxTasksPerWorker: number;
  idleTimeoutMs: number;
}

/** Longest a prefetched call should wait behind the running one, and the most calls a worker holds. */
const PREFETCH_BUDGET_MS = 2;
export const MAX_PREFETCH = 128;

export class WorkerSlot {
  /** Resolves once the worker has exited. */
  readonly gone: Promise<void>;
  #transport: Transport;
  #owner: SlotOwner;
  #keys: TaskKeys;
  #opts: SlotOptions;
  #inflight = new Deque<Job>();
  /** [first, end) ordinals of chunks sent and not yet fully reported, oldest first (process blame). */
  #chunks = new Deque<readonly [number, number]>();
  #assigned = 0;
  #received = 0;
  /** How many calls this worker may hold, from its measured time per call. */
  #capacity = 1;
  #avgMs = -1;
  /** A timed job is in flight: nothing else goes to this worker meanwhile. */
  #exclusive = false;
  /** Task keys this worker has been told about. */
  #known: boolean[] = [];
  #terminating = false;
  #ready = false;
  #refed = true;
  #idleTimer: NodeJS.Timeout | undefined;
  #clock: NodeJS.Timeout | undefined;

  /** Starts a worker; throws when it cannot start, or its initializer's arguments cannot be sent. */
  constructor(factory: TransportFactory, owner: SlotOwner, keys: TaskKeys, options: SlotOptions) {
    this.#owner = owner;
    this.#keys = keys;
    this.#opts = options;
    let resolveGone!: () => void;
    this.gone = new Promise<void>((resolve) => {
      resolveGone = resolve;
    });
    this.#transport = factory({
      message: (message) => this.#onMessage(message),
      exit: (detail, error) => {
        this.#stopTimers();
        resolveGone();
        this.#owner.exited(this, detail, error);
      },
    });
    const { initializer, initArgs } = options;
    try {
      this.#transport.send({ t: 'init', initializer, initArgs, counters: this.#transport.counters });
    } catch (error) {
      this.terminate();
      throw new Error(`the initializer's arguments cannot be sent to a worker: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  get terminating(): boolean {
    return this.#terminating;
  }

  /** Jobs sent and not yet answered (settled ones included). */
  get load(): number {
    return this.#inflight.length;
  }

  /** Jobs held that have not ended yet. */
  get running(): number {
    let n = 0;
    for (let i = 0; i < this.#inflight.length; i++) if (!this.#inflight.at(i)!.settled) n++;
    return n;
  }

  /** Sent enough jobs: replace it once they are answered. */
  get recycleDue(): boolean {
    return this.#recycleRoom() <= 0;
  }

  /** Can this worker take one more job (a timed one only when it holds nothing)? */
  canTake(timed: boolean): boolean {
    if (this.#exclusive || this.#terminating || this.#recycleRoom() <= 0 || !this.#transport.alive)
      return false;
    return timed ? this.#inflight.length === 0 : this.#inflight.length < this.#capacity;
  }

  /** How many more untimed jobs to send it now: prefetch room within its recycle limit. */
  room(): number {
    return Math.min(this.#capacity - this.#inflight.length, this.#recycleRoom());
  }

  /** How many jobs of a chunk to send it now: a chunk may pass the prefetch room, not the recycle limit. */
  chunkRoom(): number {
    return this.#recycleRoom();
  }

  /** How many more jobs it may be sent before it is recycled. */
  #recycleRoom(): number {
    return this.#opts.maxTasksPerWorker - this.#received - this.#inflight.length;
  }

  holds(job: Job): boolean {
    for (let i = 0; i < this.#inflight.length; i++) if (this.#inflight.at(i) === job) return true;
    return false;
  }

  /**
   * Sends jobs (already marked running) in one message: a chunk, or prefetched solo calls. A message
   * that cannot be cloned is sent again one call at a time, so only the calls whose arguments cannot
   * cross fail (bad-argument).
   */
  run(jobs: readonly Job[], chunk: boolean): void {
    if (jobs.length === 0) return;
    const message = runMessage(jobs, chunk, this.#keys, this.#known);
    try {
      this.#transport.send(message);
    } catch {
      this.#runOneByOne(jobs);
      return;
    }
    if (message.defs) for (const d of message.defs) this.#known[d.key] = true;
    this.#assign(jobs, chunk);
  }

  #runOneByOne(jobs: readonly Job[]): void {
    for (const job of jobs) {
      const message = runMessage([job], false, this.#keys, this.#known);
      try {
        this.#transport.send(message);
      } catch (error) {
        this.#owner.outcome(job, uncloneableArguments(job.ref.name, error));
        continue;
      }
      if (message.defs) this.#known[message.defs[0]!.key] = true;
      this.#assign([job], false);
    }
    if (this.#inflight.length === 0) this.#owner.progressed(this);
  }

  #assign(jobs: readonly Job[], chunk: boolean): void {
    for (const job of jobs) this.#inflight.push(job);
    if (chunk) this.#chunks.push([this.#assigned, this.#assigned + jobs.length]);
    this.#assigned += jobs.length;
    if (jobs.length === 1 && jobs[0]!.timeoutMs !== undefined) this.#exclusive = true;
    if (this.#idleTimer) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = undefined;
    }
    if (!this.#refed) {
      this.#refed = true;
      this.#transport.ref();
    }
  }

  /** Nothing to do: stop keeping the process alive (an idle pool never does), start the idle timer. */
  rest(): void {
    if (this.#terminating || !this.#refed) return;
    this.#refed = false;
    this.#transport.unref();
    if (Number.isFinite(this.#opts.idleTimeoutMs)) {
      this.#idleTimer = setTimeout(() => this.terminate(), this.#opts.idleTimeoutMs);
      this.#idleTimer.unref();
    }
  }

  /** Stops the worker (the only way to stop code that ignores us); its exit reports what it held. */
  terminate(): void {
    if (this.#terminating) return;
    this.#terminating = true;
    void this.#transport.terminate();
  }

  /** Settles every job it holds that has not ended (close with cancel). */
  settleAll(outcome: Outcome): void {
    for (let i = 0; i < this.#inflight.length; i++) {
      const job = this.#inflight.at(i)!;
      if (!job.settled) job.settle(outcome);
    }
  }

  /** After the worker died: the job it was running, if known (crash-blame.ts), and the innocent rest, in order. */
  lost(): { blamed: Job | undefined; innocent: Job[] } {
    const jobs = this.#inflight.drain();
    const { counters } = this.#transport;
    const at =
      this.diedAtStart || this.#terminating
        ? -1
        : runningIndex(jobs.length, this.#received, counters, this.#chunks.peek());
    const blamed = at >= 0 ? jobs[at] : undefined;
    if (at >= 0) jobs.splice(at, 1);
    return { blamed, innocent: jobs };
  }

  /** The worker died before saying it was ready (its entry or flags are broken, not a task). */
  get diedAtStart(): boolean {
    return !this.#terminating && !this.#ready;
  }

  #onMessage(message: FromWorker): void {
    if (message.t === 'done') this.#complete(message);
    else if (message.t === 'started') this.#startClock(message.id);
    else if (message.t === 'ready') this.#ready = true;
  }

  #complete(message: DoneMessage): void {
    const results = message.results;
    const perCall = (message.busyMs * RESULT_WIDTH) / results.length;
    this.#avgMs = this.#avgMs < 0 ? perCall : this.#avgMs * 0.7 + perCall * 0.3;
    const fit = Math.floor(PREFETCH_BUDGET_MS / Math.max(this.#avgMs, 1e-3));
    this.#capacity = Math.max(1, Math.min(MAX_PREFETCH, fit));
    for (let i = 0; i < results.length; i += RESULT_WIDTH) {
      const job = this.#inflight.shift();
      this.#received++;
      if (!job || job.id !== results[i])
        throw new Error(`conc internal error: result for ${results[i]} came as ${job?.id}`);
      if (job.timeoutMs !== undefined) this.#endTimed();
      if (!job.settled)
        this.#owner.outcome(job, outcomeFromWire(results[i + 1] as OutcomeKind, results[i + 2]));
    }
    while ((this.#chunks.peek()?.[1] ?? Number.POSITIVE_INFINITY) <= this.#received) this.#chunks.shift();
    this.#owner.progressed(this);
  }

  /** A timed job started running: its clock starts now. */
  #startClock(id: number): void {
    const job = this.#inflight.peek();
    const ms = job?.timeoutMs;
    if (!job || job.id !== id || ms === undefined || job.settled) return;
    this.#clock = setTimeout(() => {
      this.#clock = undefined;
      if (job.settled || this.#inflight.peek() !== job) return;
      this.terminate();
      this.#owner.outcome(job, { kind: 'timeout', ms });
    }, ms);
  }

  #endTimed(): void {
    this.#exclusive = false;
    if (this.#clock) clearTimeout(this.#clock);
    this.#clock = undefined;
  }

  #stopTimers(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    if (this.#clock) clearTimeout(this.#clock);
  }
}
