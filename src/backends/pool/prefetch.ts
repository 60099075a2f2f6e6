/**
 * How many calls one worker may hold at once: as many as it runs within PREFETCH_BUDGET_MS, from its
 * measured time per call. Tiny tasks are prefetched (many calls cost one message each way); a slow
 * task runs alone, so nothing waits long behind it.
 */

/** Longest a prefetched call should wait behind the running one, and the most calls a worker holds. */
const PREFETCH_BUDGET_MS = 2;
export const MAX_PREFETCH = 128;

/** One worker's prefetch room, from the time its calls take (an exponential moving average). */
export class Prefetch {
  /** Calls the worker may hold now. */
  capacity = 1;
  #avgMs = -1;

  /** A message of `calls` results came back, which took the worker `busyMs` to run. */
  measured(busyMs: number, calls: number): void {
    const perCall = busyMs / calls;
    this.#avgMs = this.#avgMs < 0 ? perCall : this.#avgMs * 0.7 + perCall * 0.3;
    const fit = Math.floor(PREFETCH_BUDGET_MS / Math.max(this.#avgMs, 1e-3));
    this.capacity = Math.max(1, Math.min(MAX_PREFETCH, fit));
  }
}
