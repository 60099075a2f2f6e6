/**
 * One pool worker and the jobs it holds: the pool's state machine per worker.
 *
 *   spawned ──ready──▶ ready ──run(jobs)──▶ busy ──results──▶ idle (unref'd; idle timer) ──▶ …
 *      └──── terminate() (a cancel ignored past its grace, recycle, idle, close) / death ────▶ gone
 *
 * Its jobs stay in `#inflight` (in-flight.ts) until their result comes back or the worker is gone — a
 * cancelled or timed-out job too: settled, the worker is asked to stop it and always answers. A cancelled
 * job is watched until its answer (cancel-grace.ts); meanwhile the worker takes no new work. When the
 * worker dies, `lost()` says which job it was running (blamed) and which were innocent (never started,
 * or their results died with the worker).
 */
import type { Job } from '../../core/job.ts';
import { type Outcome, type OutcomeKind, uncloneableArguments } from '../../core/outcome.ts';
import { failureFromWire, outcomeFromWire, type WireFailure } from '../../core/outcome-wire.ts';
import { publicError } from '../../core/public-error.ts';
import { Graces } from './cancel-grace.ts';
import { InFlight } from './in-flight.ts';
import { Prefetch } from './prefetch.ts';
import { Counter, cancelMessage, type DoneMessage, type FromWorker, RESULT_WIDTH } from './protocol.ts';
import { runMessage } from './run-message.ts';
import type { SlotOptions, SlotOwner } from './slot-contract.ts';
import { StartWatch } from './start-watch.ts';
import type { TaskKeys } from './task-keys.ts';
import type { Transport, TransportFactory } from './transport.ts';

export class WorkerSlot {
  /** Resolves once the worker has exited. */
  readonly gone: Promise<void>;
  #transport: Transport;
  #owner: SlotOwner<WorkerSlot>;
  #keys: TaskKeys;
  #opts: SlotOptions;
  #inflight: InFlight;
  #prefetch = new Prefetch();
  /** A timed job is in flight: nothing else goes to this worker meanwhile. */
  #exclusive = false;
  /** Task keys this worker has been told about. */
  #known: boolean[] = [];
  #terminating = false;
  #start: StartWatch;
  #refed = true;
  #idleTimer: NodeJS.Timeout | undefined;
  #clock: NodeJS.Timeout | undefined;
  #graces: Graces;
  /** close(): waiting for every job it holds to be answered. */
  #emptied: (() => void)[] = [];

  /** Starts a worker; throws when it cannot start, or its initializer's arguments cannot be sent. */
  constructor(factory: TransportFactory, owner: SlotOwner<WorkerSlot>, keys: TaskKeys, options: SlotOptions) {
    this.#owner = owner;
    this.#keys = keys;
    this.#opts = options;
    const host = { standing: (id: number) => this.#inflight.standing(id), expired: () => this.terminate() };
    this.#graces = new Graces(host, options.cancelGraceMs);
    let resolveGone!: () => void;
    this.gone = new Promise<void>((resolve) => {
      resolveGone = resolve;
    });
    this.#transport = factory(
      {
        message: (message) => this.#onMessage(message),
        exit: (detail, error) => {
          this.#stopTimers();
          resolveGone();
          this.#owner.exited(this, this.#start.timedOut ? this.#start.describe() : detail, error);
        },
      },
      { maxMemoryMb: options.maxMemoryMb },
    );
    this.#start = new StartWatch(options.initTimeoutMs, options.initializer?.name, () => this.terminate());
    this.#inflight = new InFlight(this.#transport.counters);
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

  /** The worker said it is ready (loaded, initializer finished). */
  get started(): boolean {
    return this.#start.ready;
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
    return this.#inflight.unsettled;
  }

  /** Sent enough jobs: replace it once they are answered. */
  get recycleDue(): boolean {
    return this.#recycleRoom() <= 0;
  }

  /** Can this worker take one more job (a timed one only when it holds nothing)? */
  canTake(timed: boolean): boolean {
    if (this.#exclusive || this.#terminating || this.#graces.size > 0 || this.#recycleRoom() <= 0)
      return false;
    if (!this.#transport.alive) return false;
    return timed ? this.#inflight.length === 0 : this.#inflight.length < this.#prefetch.capacity;
  }

  /** How many more untimed jobs to send it now: prefetch room within its recycle limit. */
  room(): number {
    return Math.min(this.#prefetch.capacity - this.#inflight.length, this.#recycleRoom());
  }

  /** How many jobs of a chunk to send it now: a chunk may pass the prefetch room, not the recycle limit. */
  chunkRoom(): number {
    return this.#recycleRoom();
  }

  /** How many more jobs it may be sent before it is recycled. */
  #recycleRoom(): number {
    return this.#opts.maxTasksPerWorker - this.#inflight.received - this.#inflight.length;
  }

  holds(job: Job): boolean {
    return this.#inflight.holds(job);
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
    this.#inflight.add(jobs, chunk);
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
      this.#idleTimer = setTimeout(() => {
        this.#idleTimer = undefined;
        if (this.#owner.retirable(this)) this.terminate();
      }, this.#opts.idleTimeoutMs);
      this.#idleTimer.unref();
    }
  }

  /** Stops the worker (the only way to stop code that ignores us); its exit reports what it held. */
  terminate(): void {
    if (this.#terminating) return;
    this.#terminating = true;
    void this.#transport.terminate();
  }

  /**
   * Asks the worker to stop a job it holds, settled already: a running job's signal aborts and it has
   * its grace to answer; a queued one is skipped. With no grace, a running job's worker is terminated.
   */
  cancel(job: Job, reason: unknown): void {
    if (this.#terminating || !this.#transport.alive) return; // its exit accounts for the job
    const running = this.#inflight.standing(job.id) === 'running';
    if (running && this.#opts.cancelGraceMs === 0) {
      this.terminate();
      return;
    }
    this.#transport.send(cancelMessage(job.id, reason));
    const counters = this.#transport.counters;
    if (counters) Atomics.add(counters, Counter.cancels, 1); // a task polling its signal reads it now
    this.#graces.watch(job.id, running);
  }

  /** Settles every job it holds that has not ended as aborted, and cancels it (close with cancel). */
  cancelAll(reason: unknown): void {
    for (let i = 0; i < this.#inflight.length; i++) {
      const job = this.#inflight.at(i)!;
      if (job.settled) continue;
      job.settle({ kind: 'aborted', reason });
      this.cancel(job, reason);
    }
  }

  /** Resolves once every job it holds was answered, or the worker is gone. */
  emptied(): Promise<void> {
    if (this.#inflight.length === 0) return Promise.resolve();
    return Promise.race([this.gone, new Promise<void>((resolve) => this.#emptied.push(resolve))]);
  }

  /** After the worker died: the job it was running, if known (crash-blame.ts), and the innocent rest, in order. */
  lost(): { blamed: Job | undefined; innocent: Job[] } {
    return this.#inflight.lost(!this.diedAtStart && !this.#terminating);
  }

  /**
   * The worker failed to start: it died before saying it was ready (its entry, flags or initializer
   * are broken, not a task), or was not ready within initTimeoutMs.
   */
  get diedAtStart(): boolean {
    return !this.#start.ready && (!this.#terminating || this.#start.timedOut);
  }

  #onMessage(message: FromWorker): void {
    if (message.t === 'done') this.#complete(message);
    else if (message.t === 'started') this.#startClock(message.id);
    else if (message.t === 'cancelled') this.#graces.heard(message.id, message.running);
    else if (message.t === 'ready') this.#started(message.f);
  }

  #complete(message: DoneMessage): void {
    const results = message.results;
    this.#prefetch.measured(message.busyMs, results.length / RESULT_WIDTH);
    for (let i = 0; i < results.length; i += RESULT_WIDTH) {
      const job = this.#inflight.answer(results[i]);
      if (job.timeoutMs !== undefined) this.#endTimed();
      if (this.#graces.size > 0) this.#graces.answered(job.id);
      if (!job.settled)
        this.#owner.outcome(job, outcomeFromWire(results[i + 1] as OutcomeKind, results[i + 2]));
    }
    if (this.#inflight.length === 0) for (const resolve of this.#emptied.splice(0)) resolve();
    this.#owner.progressed(this);
  }

  /** A timed job started running: its clock starts now. */
  #startClock(id: number): void {
    const job = this.#inflight.at(0);
    const ms = job?.timeoutMs;
    if (!job || job.id !== id || ms === undefined || job.settled) return;
    this.#clock = setTimeout(() => {
      this.#clock = undefined;
      if (job.settled || this.#inflight.at(0) !== job) return;
      const outcome: Outcome = { kind: 'timeout', ms };
      this.#owner.outcome(job, outcome); // the caller hears now; the task gets its grace to stop
      this.cancel(job, publicError(outcome, job.ref.name));
    }, ms);
  }

  #endTimed(): void {
    this.#exclusive = false;
    if (this.#clock) clearTimeout(this.#clock);
    this.#clock = undefined;
  }

  #started(failure: WireFailure | undefined): void {
    this.#start.markReady();
    this.#owner.ready(this, failure && failureFromWire('init-failed', failure));
  }

  #stopTimers(): void {
    this.#start?.stop();
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    if (this.#clock) clearTimeout(this.#clock);
    this.#graces.clear();
  }
}
