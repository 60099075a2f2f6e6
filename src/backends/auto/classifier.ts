/**
 * Is a task I/O-bound or CPU-bound? Measured, not guessed: while a sample of tasks runs on this thread,
 * compare the CPU time the process used with the time the tasks took, and watch the event loop.
 *
 *   I/O-bound: a task mostly waits (a socket, a timer). CPU time ≪ task time, the loop gets turns.
 *   CPU-bound: a task computes. CPU time ≈ task time, the loop is held and every timer fires late.
 *
 * Task time is the sum of the tasks' running times inside the sample (∫ tasks in flight dt), so the
 * share does not grow with how many I/O tasks overlap: 20 downloads that each compute 1 ms of 50 are
 * 2% CPU-bound, however many run at once. A task that holds the loop without using CPU (a synchronous
 * sleep or file read) — or computes on a machine so busy it gets little CPU — is CPU-bound too: like
 * computing, it only runs in parallel on other threads.
 */
import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { cpuUsage } from 'node:process';

export type Verdict = 'io-bound' | 'cpu-bound';

/** What a sample measured. */
export interface Measurement {
  /** Wall time of the sample, ms. */
  wallMs: number;
  /** CPU time the whole process used meanwhile (user + system, every thread), ms. */
  cpuMs: number;
  /** Sum of the tasks' running times within the sample, ms (= wallMs when one task runs at a time). */
  taskMs: number;
  /** Event-loop utilization of this thread, 0…1 (time not spent idle waiting for I/O). */
  elu: number;
  /** Longest delay of the event loop seen meanwhile, ms. */
  loopDelayMs: number;
  /** Tasks that finished in the sample. */
  tasks: number;
  /**
   * How long the loop was held at a time, ms: its typical (median) delay if it turned often — one stall
   * of a busy machine or a garbage collection is not the tasks holding it — else its longest delay.
   * Defaults to `loopDelayMs`.
   */
  heldMs?: number | undefined;
  /** The median of the tasks' own running times, ms, when known (else task time per task stands in). */
  medianTaskMs?: number | undefined;
}

export interface Classification extends Measurement {
  verdict: Verdict;
  /** CPU time over task time: the share of its running time a task computes (1 = all of it). */
  cpuRatio: number;
  /** The verdict in plain words, with the figures behind it. */
  reason: string;
}

/** Above this share of CPU over task time the work is CPU-bound. */
export const CPU_BOUND_RATIO = 0.5;
/** A loop this busy, held for about a task's length at a time, is held by the tasks themselves. */
export const BLOCKED_LOOP_ELU = 0.75;

/** Classifies a measurement. Pure: the same figures give the same verdict. */
export function classify(m: Measurement): Classification {
  const taskMs = m.taskMs > 0 ? m.taskMs : m.wallMs;
  const cpuRatio = taskMs > 0 ? Math.min(m.cpuMs / taskMs, 1) : 0;
  const perTaskMs = m.medianTaskMs ?? (m.tasks > 0 ? taskMs / m.tasks : taskMs);
  const figures =
    `CPU ${fmt(m.cpuMs)} ms over ${fmt(taskMs)} ms of task time (${pct(cpuRatio)}), ` +
    `event loop busy ${pct(m.elu)}, longest loop delay ${fmt(m.loopDelayMs)} ms`;
  if (cpuRatio >= CPU_BOUND_RATIO) {
    return {
      ...m,
      cpuRatio,
      verdict: 'cpu-bound',
      reason: `CPU-bound: the task computes most of the time — ${figures}.`,
    };
  }
  // a task that holds the loop delays it by about its whole length (start-up work or a co-located server does not)
  if (m.elu >= BLOCKED_LOOP_ELU && (m.heldMs ?? m.loopDelayMs) >= perTaskMs * 0.8) {
    return {
      ...m,
      cpuRatio,
      verdict: 'cpu-bound',
      reason:
        'CPU-bound: the task holds the event loop — it computes (on a busy machine, other programs take part of the CPU) ' +
        `or waits synchronously; either way only more threads run more at once — ${figures}.`,
    };
  }
  return { ...m, cpuRatio, verdict: 'io-bound', reason: `I/O-bound: the task mostly waits — ${figures}.` };
}

/** Two consecutive measurements as one (times add up; the loop's utilization is weighted by wall time). */
export function merge(a: Measurement, b: Measurement): Measurement {
  const wallMs = a.wallMs + b.wallMs;
  return {
    wallMs,
    cpuMs: a.cpuMs + b.cpuMs,
    taskMs: a.taskMs + b.taskMs,
    elu: wallMs > 0 ? (a.elu * a.wallMs + b.elu * b.wallMs) / wallMs : 0,
    loopDelayMs: Math.max(a.loopDelayMs, b.loopDelayMs),
    heldMs: Math.max(a.heldMs ?? a.loopDelayMs, b.heldMs ?? b.loopDelayMs),
    tasks: a.tasks + b.tasks,
    medianTaskMs: b.medianTaskMs ?? a.medianTaskMs,
  };
}

/**
 * Where a probe reads its figures. Injectable, so that tests decide what the machine "measured" and
 * assert decisions without depending on its load: `cpuMs` is the process's CPU time so far (every
 * thread), `elu` the event loop's utilization since the previous reading's mark.
 */
export interface ProbeClocks {
  now(): number;
  cpuMs(): number;
  /** A mark to measure loop utilization from, and the utilization since a mark (0…1). */
  eluMark(): unknown;
  eluSince(mark: unknown): number;
}

export const machineClocks: ProbeClocks = {
  now: () => performance.now(),
  cpuMs: () => {
    const u = cpuUsage();
    return (u.user + u.system) / 1000;
  },
  eluMark: () => performance.eventLoopUtilization(),
  eluSince: (mark) =>
    performance.eventLoopUtilization(mark as ReturnType<typeof performance.eventLoopUtilization>).utilization,
};

/**
 * Measures CPU, wall time, task time, loop utilization and loop delay from `start()` until `stop()`.
 * Tell it how many tasks are in flight (`setInflight`) whenever that changes.
 */
export class Probe {
  readonly #clocks: ProbeClocks;
  #t0 = 0;
  #cpu0: number | undefined;
  #elu0: unknown;
  #histogram: IntervalHistogram | undefined;
  #timerDue = 0;
  #timerLag = 0;
  #timer: NodeJS.Timeout | undefined;
  #inflight = 0;
  #since = 0;
  #taskMs = 0;

  constructor(clocks: ProbeClocks = machineClocks) {
    this.#clocks = clocks;
  }

  start(inflight = 0): void {
    this.#t0 = this.#clocks.now();
    this.#cpu0 = this.#clocks.cpuMs();
    this.#elu0 = this.#clocks.eluMark();
    this.#inflight = inflight;
    this.#since = this.#t0;
    this.#taskMs = 0;
    this.#histogram = monitorEventLoopDelay({ resolution: 10 });
    this.#histogram.enable();
    // one timer due now: how late it fires is how long the loop was held (the histogram needs ≥ 10 ms)
    this.#timerDue = performance.now();
    this.#timerLag = 0;
    this.#timer = setTimeout(() => {
      this.#timerLag = performance.now() - this.#timerDue;
      this.#timer = undefined;
    }, 0);
    this.#timer.unref();
  }

  get running(): boolean {
    return this.#cpu0 !== undefined;
  }

  /** Tasks in flight from now on. */
  setInflight(n: number): void {
    if (!this.running) return;
    const now = this.#clocks.now();
    this.#taskMs += this.#inflight * (now - this.#since);
    this.#since = now;
    this.#inflight = n;
  }

  /** Wall time since start, ms. */
  elapsedMs(): number {
    return this.#clocks.now() - this.#t0;
  }

  stop(tasks: number): Measurement {
    this.setInflight(this.#inflight);
    const wallMs = this.#clocks.now() - this.#t0;
    const cpuMs = this.#clocks.cpuMs() - (this.#cpu0 ?? 0);
    const elu = this.#clocks.eluSince(this.#elu0);
    const histogram = this.#histogram;
    histogram?.disable();
    // a timer still pending means the loop has been held since start
    const lag = this.#timer ? performance.now() - this.#timerDue : this.#timerLag;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    // the loop turned often: its typical delay says how long it was held (see heldMs)
    const turned = histogram !== undefined && histogram.count >= TYPICAL_DELAY_SAMPLES;
    const histMax = histogram && histogram.count > 0 ? histogram.max / 1e6 : 0;
    this.#cpu0 = undefined;
    return {
      wallMs,
      cpuMs,
      taskMs: this.#taskMs,
      elu: finite(elu),
      loopDelayMs: Math.max(lag, histMax),
      heldMs: turned ? histogram.percentile(50) / 1e6 : Math.max(lag, histMax),
      tasks,
    };
  }
}

/** Loop-delay samples (10 ms apart) from which the typical delay stands for the loop's. */
const TYPICAL_DELAY_SAMPLES = 4;

function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}
