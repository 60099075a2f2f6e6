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

/**
 * On threads, a window that reads as waiting is checked on the event loop before the work moves: one
 * task runs here, and if the loop turns while it runs, it waits. CPU time alone cannot tell tasks that
 * wait from a machine too busy to give the threads their CPU; the loop can.
 */
export class LoopCheck {
  #suspect: Classification | undefined;
  #job: object | undefined;
  #yielded = false;

  /** A window said the tasks wait: check with the next task. */
  suspect(c: Classification): void {
    this.#suspect ??= c;
  }

  /** Whether the next task should run on the loop, as the check. */
  get wanted(): boolean {
    return this.#suspect !== undefined && this.#job === undefined;
  }

  /** `job` is the check: watch whether the loop turns while it runs. */
  started(job: object): void {
    this.#job = job;
    this.#yielded = false;
    setImmediate(() => {
      if (this.#job === job) this.#yielded = true;
    });
  }

  /** A job ended; if it was the check and the loop turned meanwhile, the suspicion holds: returned. */
  ended(job: object): Classification | undefined {
    if (job !== this.#job) return undefined;
    const held = this.#yielded ? this.#suspect : undefined;
    this.#job = undefined;
    this.#suspect = undefined;
    return held;
  }
}
