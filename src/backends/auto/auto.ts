/**
 * `auto`: measures the work, then runs it where it fits — conc chooses the concurrency model itself.
 *
 *   start(jobs) ─▶ held ─▶ sampled on the event loop (sampler.ts: loading → cold → sampling); every
 *                          sampled task's result is kept: sampling is work done, not paid twice
 *            ┌──────────────────────────┼──────────────────────────────┐
 *      'async' (I/O-bound)        'sync' (tiny, or too little)     'threads' (CPU-bound)
 *   event loop, slow-start width    this thread, one at a time    the pool started speculatively when the
 *   from the adaptive limiter                                     first task held the loop; short tasks
 *                                                                 batched per message (plan.ts)
 *   then monitor.ts keeps measuring and moves the work when it changes (waiting ⇄ computing).
 *
 * Each job handed on becomes an inner job on the backend that runs it; the outer job settles with the
 * inner one's outcome, and cancelling the outer cancels the inner. On the event loop arguments and
 * results are structured-cloned exactly as a thread would clone them, so a call gives the same outcome
 * whichever phase runs it. Retries and public errors stay with the core.
 */
import { performance } from 'node:perf_hooks';
import type { Backend, BackendStats, Cancel } from '../../core/backend.ts';
import { Job } from '../../core/job.ts';
import type { Outcome } from '../../core/outcome.ts';
import type { TaskRef } from '../../tasks.ts';
import { InlineBackend } from '../inline.ts';
import type { AutoOptions, Flight } from './auto-options.ts';
import { publishAuto } from './channel.ts';
import { type AutoChoice, describeChoice } from './choice.ts';
import type { Classification } from './classifier.ts';
import { Decisions } from './decisions.ts';
import { HeldJobs } from './held.ts';
import { AdaptiveLimiter } from './limiter.ts';
import { LoopCheck, Monitor } from './monitor.ts';
import { threadsWorthStarting } from './plan.ts';
import { admit } from './routes.ts';
import { Sampler } from './sampler.ts';
import { WarmPool } from './warm-pool.ts';

export class AutoBackend implements Backend {
  readonly mode = 'auto' as const;
  readonly concurrency = Number.POSITIVE_INFINITY;
  readonly window = 1024;
  #opts: AutoOptions;
  #sampler: Sampler;
  #limiter: AdaptiveLimiter;
  #monitor: Monitor;
  #loop: InlineBackend;
  #warm: WarmPool;
  #ref: TaskRef | undefined;
  #d = new Decisions();
  #check = new LoopCheck();
  #held = new HeldJobs();
  #flights = new Map<Job, Flight>();
  /** Messages (a job or a batch) in flight on the pool. */
  #units = 0;
  #pumping = false;
  #again = false;
  #idleTurn = false;
  /** Sync route: the tasks in flight gave the loop back (they wait), so others may run meanwhile. */
  #yielded = false;
  #idleWaiters: (() => void)[] = [];
  #closed = false;

  constructor(options: AutoOptions) {
    this.#opts = options;
    this.#sampler = new Sampler(options.minSampleMs ?? 10, () => this.#pump(), options.clocks);
    this.#limiter = new AdaptiveLimiter({ max: this.window, ...options.limiter });
    this.#monitor = new Monitor(options.clocks, options.monitorWindowMs);
    this.#warm = new WarmPool(options, () => this.#pump());
    // sampling and I/O-bound work run here; cloned as on threads, so both phases pass arguments alike
    this.#loop = new InlineBackend({
      mode: 'async',
      workers: Number.POSITIVE_INFINITY,
      initializer: options.initializer,
      initArgs: options.initArgs,
      clone: true,
    });
  }

  start(jobs: readonly Job[]): void {
    const first = jobs[0];
    if (!first) return;
    this.#ref ??= first.ref;
    this.#held.add(jobs);
    this.#sampler.load(first.ref);
    this.#pump();
  }

  cancel(job: Job, reason: unknown): void {
    if (job.settled) return;
    const flight = this.#flights.get(job);
    if (flight) {
      flight.backend.cancel(flight.inner, reason); // its outcome, aborted, settles `job`
      return;
    }
    this.#held.dropped();
    job.settle({ kind: 'aborted', reason });
    this.#checkIdle();
  }

  stats(): BackendStats {
    const loop = this.#loop.stats();
    const pool = this.#warm.stats();
    return {
      running: loop.running + (pool?.running ?? 0),
      queued: this.#held.size + loop.queued + (pool?.queued ?? 0),
      workers: pool?.workers ?? 0,
    };
  }

  /**
   * Resolves once the initializer ran on the event loop, where sampling starts. Threads start only
   * when the work turns out to compute (auto decides), so `minWorkers` does not apply to auto.
   */
  ready(): Promise<void> {
    return this.#loop.ready();
  }

  info(): Record<string, unknown> {
    return { ...this.choice() };
  }

  /** The choice so far, the figures behind it, and how it moved. */
  choice(): AutoChoice {
    const [d, limiter, warm, workers] = [this.#d, this.#limiter, this.#warm, this.#opts.workers];
    return describeChoice({ d, sampled: this.#sampler.classification, limiter, workers, warm });
  }

  async close(cancel?: Cancel): Promise<void> {
    if (cancel) {
      for (const job of this.#held.drain()) job.settle({ kind: 'aborted', reason: cancel.reason });
      this.#checkIdle(); // a draining close() may be waiting on these
    } else if (this.#held.size > 0 || this.#flights.size > 0) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    // a pool that never got a task is stopped, not drained: its threads may still be starting
    const unused =
      this.#units === 0 && this.#warm.state !== 'ready' ? { reason: 'auto: threads not needed' } : undefined;
    await Promise.all([this.#loop.close(cancel), this.#warm.close(cancel ?? unused)]);
    if (this.#closed) return;
    this.#closed = true;
    this.#sampler.conclude();
    this.#monitor.stop();
    publishAuto({ event: 'closed', ...this.choice(), history: this.#limiter.history.slice(-200) });
  }

  #pump(): void {
    if (this.#pumping) {
      this.#again = true; // a backend settled a job synchronously while we were handing jobs on
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        for (let where = this.#where(); where; where = this.#where()) {
          const jobs = this.#take(where);
          if (!jobs) break;
          this.#handOn(jobs, where);
        }
      } while (this.#again);
    } finally {
      this.#pumping = false;
    }
    this.#checkIdle();
  }

  /** Where the next job (or, for threads, the next message) may start now, if anywhere. */
  #where(): Backend | undefined {
    const route = this.#d.route;
    const where = admit({
      route,
      loading: this.#sampler.phase === 'loading',
      yielded: route === 'sample' ? this.#sampler.overlaps : this.#yielded,
      loopInflight: this.#limiter.inflight,
      limitRoom: this.#limiter.canStart(),
      poolStarted: this.#warm.started,
      poolReady: this.#warm.state === 'ready',
      units: this.#units,
      workers: this.#opts.workers,
      perTaskMs: this.#d.perTaskMs,
      check: this.#check.wanted,
    });
    return where === 'pool' ? this.#warm.pool : where && this.#loop;
  }

  #take(where: Backend): Job[] | undefined {
    if (where !== this.#loop) return this.#held.takeBatch(this.#d.plan!.batch);
    const job = this.#held.takeOne();
    return job && [job];
  }

  #handOn(outers: Job[], backend: Backend): void {
    const onLoop = backend === this.#loop;
    const unit = onLoop ? undefined : { left: outers.length };
    if (unit) this.#units++;
    const inners = outers.map((outer) => {
      if (onLoop) this.#limiter.onStart();
      const inner = new Job(outer.ref, outer.args, outer.timeoutMs, (o) => this.#innerSettled(outer, o));
      this.#flights.set(outer, { inner, backend, startedAt: performance.now(), unit });
      return inner;
    });
    this.#sampler.inflight(this.#limiter.inflight);
    if (this.#monitor.running) this.#monitor.inflight(this.#executing());
    if (onLoop && this.#check.wanted && this.#d.route === 'threads') this.#check.started(outers[0]!);
    backend.start(inners);
    if (onLoop) this.#watchIdle();
  }

  /**
   * The next turn of the loop with tasks in flight: they gave it back, so they wait. Sampling or async:
   * the blind slow start doubles a full width (no task ended yet). Sync: later tasks may overlap.
   */
  #watchIdle(): void {
    if (this.#idleTurn || this.#d.route === 'threads') return;
    if (this.#d.route === 'sample' && !this.#sampler.overlaps) return;
    this.#idleTurn = true;
    setImmediate(() => {
      this.#idleTurn = false;
      if (this.#limiter.inflight === 0) return;
      if (this.#d.route === 'sync' && !this.#yielded) {
        this.#yielded = true;
        this.#pump();
      } else if (this.#limiter.onIdle()) this.#pump();
    });
  }

  #innerSettled(outer: Job, outcome: Outcome): void {
    const flight = this.#flights.get(outer)!;
    this.#flights.delete(outer);
    if (flight.unit && --flight.unit.left === 0) this.#units--;
    const wasCold = this.#sampler.phase === 'cold';
    const decided = flight.backend === this.#loop && this.#measured(flight, outcome);
    const confirmed = this.#check.ended(outer);
    let changed = false;
    if (decided) this.#decide(this.#sampler.classification!, false);
    else if (wasCold && this.#sampler.coldHeldLoop) {
      // the first task held the loop: start the threads now if what is held would be worth them
      const cold = this.#sampler.cold!;
      if (threadsWorthStarting(cold.wallMs, this.#held.size, this.#opts.workers)) this.#warm.start(outer.ref);
    } else if (confirmed) changed = this.#decide(confirmed, true);
    else if (outcome.kind !== 'aborted') changed = this.#watch();
    outer.settle(outcome);
    // announced only now: a listener may cancel work, this job included, and it must be settled first
    if (decided || changed) publishAuto({ event: decided ? 'chosen' : 'changed', ...this.choice() });
    this.#pump();
  }

  /**
   * A job on the event loop ended: its latency feeds the limiter, and the sample while sampling.
   * Returns true when it completed the sample (the verdict is in).
   */
  #measured(flight: Flight, outcome: Outcome): boolean {
    const dropped = outcome.kind === 'aborted'; // cancelled: says nothing about the work
    if (dropped) this.#limiter.onDrop();
    const ms = performance.now() - flight.startedAt;
    const sized = this.#d.route === 'sample' || this.#d.route === 'async'; // the width matters there only
    if (!dropped && sized) this.#limiter.onSample(ms, outcome.kind === 'ok');
    else if (!dropped) this.#limiter.onEnd();
    this.#sampler.inflight(this.#limiter.inflight);
    if (this.#limiter.inflight === 0) this.#yielded = false;
    return !dropped && this.#d.route === 'sample' && this.#sampler.taskDone(this.#limiter.inflight, ms);
  }

  /** Where the work goes from now on, given what was measured; `changed`: the work changed mid-stream. */
  #decide(c: Classification, changed: boolean): true {
    const p = this.#d.decide(c, {
      medianTaskMs: this.#sampler.medianTaskMs,
      held: this.#held.size,
      workers: this.#opts.workers,
      poolStarted: this.#warm.started,
      changed,
    });
    if (p.route === 'threads') this.#warm.start(this.#ref!);
    else if (this.#units === 0 && !changed) this.#warm.retire(); // started on a guess that did not hold
    this.#monitor.begin(this.#executing());
    return true;
  }

  /** After the verdict: a window of the monitor may say the work changed. Returns true if it moved. */
  #watch(): boolean {
    if (!this.#d.verdict || this.#d.route === 'sample') return false;
    const c = this.#monitor.taskDone(this.#d.verdict.verdict, this.#executing());
    if (!c) return false;
    if (this.#d.route !== 'threads' || c.verdict !== 'io-bound') return this.#decide(c, true);
    this.#check.suspect(c); // confirmed (or not) by the next task, run on the loop
    return false;
  }

  /** Tasks actually executing (queued ones do not count): what the monitor divides CPU time by. */
  #executing(): number {
    const loop = this.#d.route === 'async' ? this.#limiter.inflight : Math.min(this.#limiter.inflight, 1);
    return loop + Math.min(this.#units, this.#opts.workers);
  }

  #checkIdle(): void {
    if (this.#flights.size > 0 || this.#held.size > 0) return;
    // every task ran before the sample filled: decide from what they measured (later work goes there)
    if (this.#d.route === 'sample' && this.#sampler.concludeNow()) {
      this.#decide(this.#sampler.classification!, false);
      publishAuto({ event: 'chosen', ...this.choice() });
    }
    if (this.#idleWaiters.length === 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
