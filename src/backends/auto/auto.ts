/**
 * `auto`: measures the work, then runs it where it fits — conc chooses the concurrency model itself.
 *
 *   start(job) ─▶ held here ─▶ sampling on the event loop (async): the first task is a warm-up, then
 *                              CPU time vs task time measured │ verdict after ≥ 10 ms and a task (or 64 tasks)
 *            ┌────────────────────┴────────────────────┐
 *        I/O-bound                                 CPU-bound
 *   async, width found by the adaptive limiter    threads, one worker per core (the rest released at once)
 *
 * Each job handed on is wrapped in an inner job, so the limiter sees how long it took and whether it
 * failed; cancelling the outer job cancels the inner one. Retries and timeouts stay with the backend
 * that runs the job.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { AbortError } from '../errors.ts';
import { Deque } from '../internal/deque.ts';
import { Job } from '../internal/job.ts';
import { resolveTask } from '../internal/resolve-task.ts';
import type { TaskRef } from '../tasks.ts';
import { publishAuto } from './auto/channel.ts';
import { type Classification, classify, type Measurement, Probe } from './auto/classifier.ts';
import { AdaptiveLimiter, type LimiterOptions } from './auto/limiter.ts';
import type { Backend, BackendStats } from './backend.ts';
import { InlineBackend } from './inline.ts';
import { Pool } from './pool/pool.ts';
import { threadTransport } from './pool/thread-transport.ts';

export interface AutoOptions {
  /** Threads to use for CPU-bound work. Default: one per core. */
  workers?: number | undefined;
  initializer?: TaskRef | undefined;
  initArgs: unknown[];
  maxTasksPerWorker?: number | undefined;
  idleTimeoutMs?: number | undefined;
  /** Tuning of the adaptive width for I/O-bound work. */
  limiter?: LimiterOptions | undefined;
  /** Shortest sample before a verdict, ms. Default 10. */
  minSampleMs?: number | undefined;
}

/** What `auto` chose, as `stats()` and `info()` report it. */
export interface AutoChoice {
  /** The backend running the work: undefined while still sampling. */
  chosen: 'async' | 'threads' | undefined;
  verdict: Classification['verdict'] | undefined;
  /** Tasks in flight allowed now (async: the adaptive limit; threads: the pool's width). */
  width: number;
  /** Why, in plain words, with the measured figures. */
  reason: string | undefined;
  sample: Omit<Classification, 'verdict' | 'reason'> | undefined;
}

type Phase = 'sampling' | 'io' | 'cpu';

interface Flight {
  inner: Job;
  backend: Backend;
  startedAt: number;
  inflightAtStart: number;
  cancelled: boolean;
}

/** Tasks done before a verdict even if the sample is shorter than `minSampleMs` (very short tasks). */
const MAX_SAMPLE_TASKS = 64;

export class AutoBackend implements Backend {
  readonly mode = 'auto' as const;
  readonly concurrency: number;
  readonly window = 1024;
  #opts: AutoOptions;
  #threads: number;
  #phase: Phase = 'sampling';
  #inline: InlineBackend;
  #pool: Pool | undefined;
  #limiter: AdaptiveLimiter;
  /** The first task, measured alone: cold (first connection, lazy loading); used only if nothing better comes. */
  #coldProbe = new Probe();
  #cold: Measurement | undefined;
  #probe = new Probe();
  #sampled = 0;
  #yielded = false;
  #warm: Promise<void> | undefined;
  #warmed = false;
  #classification: Classification | undefined;
  #queue = new Deque<Job>();
  #flights = new Map<Job, Flight>();
  #pumping = false;
  #again = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: AutoOptions) {
    this.#opts = options;
    this.#threads = options.workers ?? availableParallelism();
    this.concurrency = Number.POSITIVE_INFINITY;
    this.#limiter = new AdaptiveLimiter({ max: this.window, ...options.limiter });
    this.#inline = new InlineBackend({
      mode: 'async',
      workers: Number.POSITIVE_INFINITY,
      initializer: options.initializer,
      initArgs: options.initArgs,
    });
  }

  /** Arguments are cloned once the work runs on threads. */
  get clonesArguments(): boolean {
    return this.#phase === 'cpu';
  }

  start(job: Job): void {
    this.#queue.push(job);
    if (this.#phase === 'sampling' && !this.#warmed) this.#warmUp(job.ref);
    this.#pump();
  }

  cancel(job: Job, reason: unknown): void {
    if (job.settled) return;
    const flight = this.#flights.get(job);
    if (!flight) {
      job.settle(reason); // still held here: dropped lazily by #pump
      this.#checkIdle();
      return;
    }
    flight.cancelled = true;
    flight.backend.cancel(flight.inner, reason);
  }

  stats(): BackendStats {
    const inline = this.#inline.stats();
    const pool = this.#pool?.stats();
    return {
      running: inline.running + (pool?.running ?? 0),
      queued: this.#queue.length + inline.queued + (pool?.queued ?? 0),
      workers: pool?.workers ?? 0,
    };
  }

  info(): Record<string, unknown> {
    return { ...this.choice() };
  }

  /** The choice so far. */
  choice(): AutoChoice {
    const c = this.#classification;
    const sample = c && {
      wallMs: c.wallMs,
      cpuMs: c.cpuMs,
      taskMs: c.taskMs,
      cpuRatio: c.cpuRatio,
      elu: c.elu,
      loopDelayMs: c.loopDelayMs,
      tasks: c.tasks,
    };
    return {
      chosen: this.#phase === 'io' ? 'async' : this.#phase === 'cpu' ? 'threads' : undefined,
      verdict: c?.verdict,
      width: this.#phase === 'cpu' ? this.#threads : this.#limiter.limit,
      reason: c?.reason,
      sample,
    };
  }

  async close(cancel: boolean): Promise<void> {
    if (cancel) {
      const reason = new AbortError(
        'The executor was closed with { cancel: true } before this task finished.',
      );
      for (const job of this.#queue.drain()) if (!job.settled) job.settle(reason);
    } else if (this.#queue.length > 0 || this.#flights.size > 0) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    await Promise.all([this.#inline.close(cancel), this.#pool?.close(cancel)]);
    if (this.#phase === 'sampling') {
      // too few tasks for a verdict while running: say what they looked like, for stats()
      const measured = this.#probe.running ? this.#probe.stop(this.#sampled) : undefined;
      if (this.#coldProbe.running) this.#coldProbe.stop(0);
      if (measured && this.#sampled > 0) this.#classification = classify(measured);
      else if (this.#cold) this.#classification = classify(this.#cold);
    }
    publishAuto({ event: 'closed', ...this.choice(), history: this.#limiter.history.slice(-200) });
  }

  // ── releasing held jobs ─────────────────────────────────────────────────────────────────────────

  #warmUp(ref: TaskRef): void {
    // load the task module before measuring, so importing (and compiling TypeScript) is not mistaken for work
    this.#warm ??= (
      ref.fn ? Promise.resolve() : resolveTask(ref.module, ref.name).then(() => undefined)
    ).then(
      () => this.#afterWarmUp(),
      () => this.#afterWarmUp(), // the inline backend reports a missing task with the proper error
    );
  }

  #afterWarmUp(): void {
    this.#warmed = true;
    this.#coldProbe.start();
    // if this fires before the first task is done, the task gave the event loop back: let a few more run
    setImmediate(() => {
      this.#yielded = true;
      this.#pump();
    }).unref();
    this.#pump();
  }

  #pump(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        while (this.#queue.length > 0 && this.#mayRelease()) {
          const job = this.#queue.shift()!;
          if (job.markRunning()) this.#release(job);
        }
      } while (this.#again);
    } finally {
      this.#pumping = false;
    }
    this.#checkIdle();
  }

  #mayRelease(): boolean {
    switch (this.#phase) {
      case 'cpu':
        return true;
      case 'io':
        return this.#limiter.canStart();
      case 'sampling':
        if (!this.#warmed) return false;
        return this.#yielded ? this.#limiter.canStart() : this.#limiter.inflight === 0;
    }
  }

  #release(outer: Job): void {
    const backend: Backend = this.#phase === 'cpu' ? this.#threadPool() : this.#inline;
    const inflightAtStart = backend === this.#inline ? this.#limiter.onStart() : 0;
    if (backend === this.#inline) this.#measuring()?.setInflight(this.#limiter.inflight);
    const inner = new Job(
      outer.ref,
      outer.args,
      outer.batch,
      outer.timeoutMs,
      outer.retriesLeft,
      (error, value) => this.#finished(outer, error, value),
    );
    this.#flights.set(outer, {
      inner,
      backend,
      startedAt: performance.now(),
      inflightAtStart,
      cancelled: false,
    });
    backend.start(inner);
  }

  #finished(outer: Job, error: unknown, value: unknown): void {
    const flight = this.#flights.get(outer)!;
    this.#flights.delete(outer);
    if (flight.backend === this.#inline) {
      if (flight.cancelled) this.#limiter.onDrop();
      else
        this.#limiter.onSample(
          performance.now() - flight.startedAt,
          error === undefined,
          flight.inflightAtStart,
        );
      this.#measuring()?.setInflight(this.#limiter.inflight);
      if (this.#phase === 'sampling' && !flight.cancelled) this.#sampleDone();
    }
    if (!outer.settled) outer.settle(error, value);
    this.#pump();
  }

  /** The probe taking the measurement now, if any. */
  #measuring(): Probe | undefined {
    if (this.#probe.running) return this.#probe;
    return this.#coldProbe.running ? this.#coldProbe : undefined;
  }

  #sampleDone(): void {
    if (this.#coldProbe.running) {
      // the first task was the warm-up; the sample starts now, with the tasks still in flight
      this.#cold = this.#coldProbe.stop(1);
      this.#probe.start(this.#limiter.inflight);
      return;
    }
    this.#sampled++;
    const enough =
      this.#probe.elapsedMs() >= (this.#opts.minSampleMs ?? 10) || this.#sampled >= MAX_SAMPLE_TASKS;
    if (!enough) return;
    this.#classification = classify(this.#probe.stop(this.#sampled));
    this.#phase = this.#classification.verdict === 'cpu-bound' ? 'cpu' : 'io';
    publishAuto({ event: 'chosen', ...this.choice() });
  }

  #threadPool(): Pool {
    this.#pool ??= new Pool({
      mode: 'threads',
      transport: threadTransport,
      workers: this.#threads,
      initializer: this.#opts.initializer,
      initArgs: this.#opts.initArgs,
      maxTasksPerWorker: this.#opts.maxTasksPerWorker ?? Number.POSITIVE_INFINITY,
      idleTimeoutMs: this.#opts.idleTimeoutMs ?? Number.POSITIVE_INFINITY,
    });
    return this.#pool;
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0 || this.#flights.size > 0) return;
    while (this.#queue.length > 0 && this.#queue.peek()!.settled) this.#queue.shift();
    if (this.#queue.length > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
