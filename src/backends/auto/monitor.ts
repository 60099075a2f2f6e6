/**
 * After the verdict, `auto` keeps measuring: the same probe over windows of the running work, so that a
 * long stream whose tasks turn from waiting to computing (or back) is noticed and moved. A window is at
 * least `windowMs` long and holds at least MIN_WINDOW_TASKS tasks; a change counts only when two windows
 * in a row agree on it, and each move doubles the window (work on the border does not flap).
 */
import { type Classification, classify, machineClocks, Probe, type ProbeClocks } from './classifier.ts';

/** Tasks a window must hold before it says anything. */
export const MIN_WINDOW_TASKS = 8;
/** On threads, a loop this busy means the threads wait for work from it: no sign the tasks wait. */
export const STARVED_LOOP_ELU = 0.8;
/** Shortest window, ms. */
export const WINDOW_MS = 250;

export class Monitor {
  readonly #probe: Probe;
  #windowMs: number;
  #tasks = 0;
  #disagree = 0;

  constructor(clocks: ProbeClocks = machineClocks, windowMs = WINDOW_MS) {
    this.#probe = new Probe(clocks);
    this.#windowMs = windowMs;
  }

  get running(): boolean {
    return this.#probe.running;
  }

  /** Starts watching, with `inflight` tasks running now. */
  begin(inflight: number): void {
    this.#tasks = 0;
    this.#probe.start(inflight);
  }

  /** Tasks running from now on (those actually executing: queued ones do not count). */
  inflight(n: number): void {
    this.#probe.setInflight(n);
  }

  /**
   * A task ended (`inflight` still running). When this closes a window whose verdict differs from
   * `current` — the second such window in a row — returns that window's classification: move the work.
   */
  taskDone(current: Classification['verdict'], inflight: number): Classification | undefined {
    if (!this.#probe.running) return undefined;
    this.#tasks++;
    if (this.#tasks < MIN_WINDOW_TASKS || this.#probe.elapsedMs() < this.#windowMs) return undefined;
    const c = classify(this.#probe.stop(this.#tasks));
    this.begin(inflight);
    // threads that compute little while this loop is busy are starved by the handing out, not waiting
    const starved = current === 'cpu-bound' && c.elu >= STARVED_LOOP_ELU;
    if (c.verdict === current || starved) {
      this.#disagree = 0;
      return undefined;
    }
    if (++this.#disagree < 2) return undefined;
    this.#disagree = 0;
    this.#windowMs *= 2;
    return c;
  }

  stop(): void {
    if (this.#probe.running) this.#probe.stop(this.#tasks);
  }
}
