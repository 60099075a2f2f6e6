/**
 * Is a task I/O-bound or CPU-bound? Measured, not guessed: while a sample of tasks runs on this thread,
 * compare the CPU time the process used with the wall time that passed, and how busy the event loop was.
 *
 *   I/O-bound: the task mostly waits (a socket, a timer). CPU time ≪ wall time, the loop sits idle.
 *   CPU-bound: the task computes. CPU time ≈ wall time, the loop is busy and every timer fires late.
 *
 * A task that blocks the loop without using CPU (a synchronous sleep or file read) also counts as
 * CPU-bound here: like computing, it can only run in parallel on other threads.
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
  /** Event-loop utilization of this thread, 0…1 (time not spent idle waiting for I/O). */
  elu: number;
  /** Longest delay of the event loop seen meanwhile, ms. */
  loopDelayMs: number;
  /** Tasks that finished in the sample. */
  tasks: number;
}

export interface Classification extends Measurement {
  verdict: Verdict;
  /** CPU time over wall time (1 = one core fully busy). */
  cpuRatio: number;
  /** The verdict in plain words, with the figures behind it. */
  reason: string;
}

/** Above this share of CPU over wall time (or of loop utilization) the work is CPU-bound. */
export const CPU_BOUND_RATIO = 0.5;
/** A loop this busy holds the thread even when the CPU figure is low (synchronous waits). */
export const BLOCKED_LOOP_ELU = 0.75;

/** Classifies a measurement. Pure: the same figures give the same verdict. */
export function classify(m: Measurement): Classification {
  const cpuRatio = m.wallMs > 0 ? m.cpuMs / m.wallMs : 0;
  const figures = `CPU ${fmt(m.cpuMs)} ms over ${fmt(m.wallMs)} ms wall (${pct(cpuRatio)}), event loop busy ${pct(m.elu)}, longest loop delay ${fmt(m.loopDelayMs)} ms`;
  if (cpuRatio >= CPU_BOUND_RATIO && m.elu >= CPU_BOUND_RATIO) {
    return {
      ...m,
      cpuRatio,
      verdict: 'cpu-bound',
      reason: `CPU-bound: the task computes most of the time — ${figures}.`,
    };
  }
  if (m.elu >= BLOCKED_LOOP_ELU) {
    return {
      ...m,
      cpuRatio,
      verdict: 'cpu-bound',
      reason: `CPU-bound (blocking): the task holds the event loop without computing, as a synchronous wait does — ${figures}.`,
    };
  }
  return { ...m, cpuRatio, verdict: 'io-bound', reason: `I/O-bound: the task mostly waits — ${figures}.` };
}

/** Measures CPU, wall time, loop utilization and loop delay from `start()` until `stop()`. */
export class Probe {
  #t0 = 0;
  #cpu0: NodeJS.CpuUsage | undefined;
  #elu0: ReturnType<typeof performance.eventLoopUtilization> | undefined;
  #histogram: IntervalHistogram | undefined;
  #timerDue = 0;
  #timerLag = 0;
  #timer: NodeJS.Timeout | undefined;

  start(): void {
    this.#t0 = performance.now();
    this.#cpu0 = cpuUsage();
    this.#elu0 = performance.eventLoopUtilization();
    this.#histogram = monitorEventLoopDelay({ resolution: 10 });
    this.#histogram.enable();
    // one timer due now: how late it fires is how long the loop was held (the histogram needs ≥ 10 ms)
    this.#timerDue = performance.now();
    this.#timer = setTimeout(() => {
      this.#timerLag = performance.now() - this.#timerDue;
      this.#timer = undefined;
    }, 0);
    this.#timer.unref();
  }

  get running(): boolean {
    return this.#cpu0 !== undefined;
  }

  /** Wall time since start, ms. */
  elapsedMs(): number {
    return performance.now() - this.#t0;
  }

  stop(tasks: number): Measurement {
    const wallMs = performance.now() - this.#t0;
    const cpu = cpuUsage(this.#cpu0);
    const elu = performance.eventLoopUtilization(this.#elu0).utilization;
    const histogram = this.#histogram;
    histogram?.disable();
    // a timer still pending means the loop has been held since start
    const lag = this.#timer ? performance.now() - this.#timerDue : this.#timerLag;
    if (this.#timer) clearTimeout(this.#timer);
    const histMax = histogram && histogram.count > 0 ? histogram.max / 1e6 : 0;
    this.#cpu0 = undefined;
    return {
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      elu: Number.isFinite(elu) ? elu : 0,
      loopDelayMs: Math.max(lag, histMax),
      tasks,
    };
  }
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}
