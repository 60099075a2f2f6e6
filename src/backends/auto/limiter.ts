/**
 * Adaptive concurrency for I/O: how many tasks to keep in flight, found while running, as TCP congestion
 * control finds a window and Netflix's concurrency-limits finds a limit.
 *
 *   completions ─▶ window of samples (≈ one round trip) ─▶ median latency vs the no-load latency
 *        latency near the no-load latency and the limit was used ─▶ grow (×2 in slow start, then +√limit)
 *        latency climbed                                          ─▶ shrink to in-flight × no-load / now
 *        a task failed                                            ─▶ shrink ×0.7 (at most once per round trip)
 *
 * Why the shrink target works: a server that serves C requests at a time makes the (C+1)-th wait, so with
 * n in flight latency grows to L·n/C and n·L/(L·n/C) = C — the limit lands on the server's capacity.
 * A little headroom above it keeps the server busy while the limit wobbles.
 */

export interface LimiterOptions {
  /** Limit to start from. Default 10 (as TCP's initial window). */
  initial?: number;
  /** Never below this. Default 1. */
  min?: number;
  /** Never above this. Default 1000. */
  max?: number;
  /** Latency this much above the no-load latency (relative) still counts as uncongested. Default 0.25. */
  tolerance?: number;
  /** …or this much (absolute, ms), for very short latencies where jitter dominates. Default 1. */
  slackMs?: number;
  /** Room left above the estimated capacity after a shrink. Default 0.2. */
  headroom?: number;
}

/** One decision of the limiter, kept for `history` (tests, benchmarks, the report). */
export interface LimitChange {
  limit: number;
  why: 'grow' | 'latency' | 'error';
  latencyMs: number;
}

export class AdaptiveLimiter {
  #limit: number;
  readonly #min: number;
  readonly #max: number;
  readonly #tolerance: number;
  readonly #slackMs: number;
  readonly #headroom: number;
  #slowStart = true;
  #baseline = Number.POSITIVE_INFINITY;
  #window: number[] = [];
  #windowInflight = 0;
  #windowPeak = 0;
  #inflight = 0;
  /** Samples left before another error may shrink the limit (one round trip). */
  #errorHold = 0;
  readonly history: LimitChange[] = [];

  constructor(options: LimiterOptions = {}) {
    this.#min = options.min ?? 1;
    this.#max = options.max ?? 1000;
    this.#limit = clamp(options.initial ?? 10, this.#min, this.#max);
    this.#tolerance = options.tolerance ?? 0.25;
    this.#slackMs = options.slackMs ?? 1;
    this.#headroom = options.headroom ?? 0.2;
  }

  /** How many tasks may be in flight now. */
  get limit(): number {
    return Math.max(this.#min, Math.floor(this.#limit));
  }

  /** Tasks in flight (released and not yet sampled). */
  get inflight(): number {
    return this.#inflight;
  }

  /** The lowest window latency seen: the latency without load, ms (Infinity before the first window). */
  get baselineMs(): number {
    return this.#baseline;
  }

  /** Whether another task may start now. */
  canStart(): boolean {
    return this.#inflight < this.limit;
  }

  /** A task was released; returns how many are in flight with it. */
  onStart(): number {
    this.#inflight++;
    this.#windowPeak = Math.max(this.#windowPeak, this.#inflight);
    return this.#inflight;
  }

  /** A released task ended without telling anything about the service (cancelled). */
  onDrop(): void {
    this.#inflight = Math.max(0, this.#inflight - 1);
  }

  /**
   * A released task ended after `latencyMs`; `inflightAtStart` is what `onStart` returned for it.
   * Returns the new limit.
   */
  onSample(latencyMs: number, ok: boolean, inflightAtStart: number): number {
    this.#inflight = Math.max(0, this.#inflight - 1);
    if (this.#errorHold > 0) this.#errorHold--;
    if (!ok) {
      if (this.#errorHold === 0) {
        this.#slowStart = false;
        this.#set(this.#limit * 0.7, 'error', latencyMs);
        this.#errorHold = this.limit;
        this.#resetWindow();
      }
      return this.limit;
    }
    this.#window.push(latencyMs);
    this.#windowInflight += inflightAtStart;
    if (this.#window.length < Math.max(4, Math.ceil(this.#limit / 2))) return this.limit;

    const latency = median(this.#window);
    const inflight = this.#windowInflight / this.#window.length;
    const used = this.#windowPeak >= this.limit;
    this.#resetWindow();
    this.#baseline = Math.min(this.#baseline, latency);
    const congested =
      latency > this.#baseline * (1 + this.#tolerance) && latency - this.#baseline > this.#slackMs;
    if (congested) {
      this.#slowStart = false;
      const capacity = (inflight * this.#baseline) / latency;
      this.#set(Math.min(this.#limit, capacity * (1 + this.#headroom)), 'latency', latency);
    } else if (used) {
      this.#set(
        this.#slowStart ? this.#limit * 2 : this.#limit + Math.max(1, Math.sqrt(this.#limit)),
        'grow',
        latency,
      );
    }
    return this.limit;
  }

  #set(limit: number, why: LimitChange['why'], latencyMs: number): void {
    const next = clamp(limit, this.#min, this.#max);
    if (Math.floor(next) !== Math.floor(this.#limit))
      this.history.push({ limit: Math.floor(next), why, latencyMs });
    this.#limit = next;
  }

  #resetWindow(): void {
    this.#window = [];
    this.#windowInflight = 0;
    this.#windowPeak = this.#inflight;
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
