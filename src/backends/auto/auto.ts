/**
 * `auto`: measures the work, then runs it where it fits — conc chooses the concurrency model itself.
 *
 *   start(jobs) ─▶ held ─▶ sampled on the event loop (sampler.ts: loading → cold → sampling)
 *            ┌───────────────────────┴───────────────────────┐
 *        I/O-bound ('io')                               CPU-bound ('cpu')
 *   event loop, width found by the adaptive limiter    threads, `workers` of them; a held chunk goes as one
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
import type { ResolvedOptions } from '../../options.ts';
import { InlineBackend } from '../inline.ts';
import { Pool } from '../pool/pool.ts';
import { threadTransport } from '../pool/thread-transport.ts';
import { publishAuto } from './channel.ts';
import { type AutoChoice, choiceOf } from './choice.ts';
import { HeldJobs } from './held.ts';
import { AdaptiveLimiter, type LimiterOptions } from './limiter.ts';
import { Sampler } from './sampler.ts';

export interface AutoOptions extends ResolvedOptions {
  /** Tuning of the adaptive width for I/O-bound work. */
  limiter?: LimiterOptions | undefined;
  /** Shortest sample before a verdict, ms. Default 10. */
  minSampleMs?: number | undefined;
}

/** A job handed on: where it runs, and when it started (its latency feeds the limiter). */
interface Flight {
  inner: Job;
  backend: Backend;
  startedAt: number;
}

export class AutoBackend implements Backend {
  readonly mode = 'auto' as const;
  readonly concurrency = Number.POSITIVE_INFINITY;
  readonly window = 1024;
  #opts: AutoOptions;
  #sampler: Sampler;
  #limiter: AdaptiveLimiter;
  #loop: InlineBackend;
  #pool: Pool | undefined;
  #held = new HeldJobs();
  #flights = new Map<Job, Flight>();
  #pumping = false;
  #again = false;
  #idleWaiters: (() => void)[] = [];
  #closed = false;

  constructor(options: AutoOptions) {
    this.#opts = options;
    this.#sampler = new Sampler(options.minSampleMs ?? 10, () => this.#pump());
    this.#limiter = new AdaptiveLimiter({ max: this.window, ...options.limiter });
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
    const pool = this.#pool?.stats();
    return {
      running: loop.running + (pool?.running ?? 0),
      queued: this.#held.size + loop.queued + (pool?.queued ?? 0),
      workers: pool?.workers ?? 0,
    };
  }

  info(): Record<string, unknown> {
    return { ...this.choice() };
  }

  /** The choice so far. */
  choice(): AutoChoice {
    const phase = this.#sampler.phase;
    const chosen = phase === 'io' ? 'async' : phase === 'cpu' ? 'threads' : undefined;
    const width = phase === 'cpu' ? this.#opts.workers : this.#limiter.limit;
    return choiceOf(chosen, this.#sampler.classification, width);
  }

  async close(cancel?: Cancel): Promise<void> {
    if (cancel) {
      for (const job of this.#held.drain()) job.settle({ kind: 'aborted', reason: cancel.reason });
      this.#checkIdle(); // a draining close() may be waiting on these
    } else if (this.#held.size > 0 || this.#flights.size > 0) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    await Promise.all([this.#loop.close(cancel), this.#pool?.close(cancel)]);
    if (this.#closed) return;
    this.#closed = true;
    this.#sampler.conclude();
    publishAuto({ event: 'closed', ...this.choice(), history: this.#limiter.history.slice(-200) });
  }

  // ── handing held jobs on ────────────────────────────────────────────────────────────────────────

  #pump(): void {
    if (this.#pumping) {
      this.#again = true; // a backend settled a job synchronously while we were handing jobs on
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        while (this.#mayRelease()) {
          const jobs = this.#take();
          if (!jobs) break;
          this.#handOn(jobs);
        }
      } while (this.#again);
    } finally {
      this.#pumping = false;
    }
    this.#checkIdle();
  }

  /** Whether the phase lets another job (or, for threads, another chunk) start now. */
  #mayRelease(): boolean {
    switch (this.#sampler.phase) {
      case 'loading':
        return false;
      case 'cold':
      case 'sampling':
        // one at a time until the loop turns: a task that computes is measured alone
        return this.#sampler.overlaps ? this.#limiter.canStart() : this.#limiter.inflight === 0;
      case 'io':
        return this.#limiter.canStart();
      case 'cpu':
        return true;
    }
  }

  #take(): Job[] | undefined {
    if (this.#sampler.phase === 'cpu') return this.#held.takeChunk();
    const job = this.#held.takeOne();
    return job && [job];
  }

  #handOn(outers: Job[]): void {
    const onLoop = this.#sampler.phase !== 'cpu';
    const backend: Backend = onLoop ? this.#loop : this.#threadPool();
    const inners = outers.map((outer) => {
      if (onLoop) {
        this.#limiter.onStart();
        this.#sampler.inflight(this.#limiter.inflight);
      }
      const inner = new Job(outer.ref, outer.args, outer.timeoutMs, (o) => this.#innerSettled(outer, o));
      this.#flights.set(outer, { inner, backend, startedAt: performance.now() });
      return inner;
    });
    backend.start(inners);
  }

  #innerSettled(outer: Job, outcome: Outcome): void {
    const flight = this.#flights.get(outer)!;
    this.#flights.delete(outer);
    const decided = flight.backend === this.#loop && this.#measured(flight, outcome);
    outer.settle(outcome);
    // announced only now: a listener may cancel work, this job included, and it must be settled first
    if (decided) publishAuto({ event: 'chosen', ...this.choice() });
    this.#pump();
  }

  /**
   * A job on the event loop ended: its latency feeds the limiter, and the sample while sampling.
   * Returns true when it completed the sample (the verdict is in).
   */
  #measured(flight: Flight, outcome: Outcome): boolean {
    const dropped = outcome.kind === 'aborted'; // cancelled: says nothing about the work
    if (dropped) this.#limiter.onDrop();
    else this.#limiter.onSample(performance.now() - flight.startedAt, outcome.kind === 'ok');
    this.#sampler.inflight(this.#limiter.inflight);
    return !dropped && this.#sampler.taskDone(this.#limiter.inflight);
  }

  #threadPool(): Pool {
    this.#pool ??= new Pool({ ...this.#opts, mode: 'threads', transport: threadTransport });
    return this.#pool;
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0 || this.#flights.size > 0 || this.#held.size > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
