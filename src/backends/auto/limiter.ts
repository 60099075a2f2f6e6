/**
 * Adaptive concurrency for I/O: how many tasks to keep in flight, found while running — the way TCP's
 * BBR congestion control sizes its window from two measurements, and Netflix's concurrency-limits
 * sizes a service's limit from latency.
 *
 *   completions ─▶ rounds (≥ one latency long) ─▶ the round's delivery rate (tasks/ms), its least latency
 *   capacity estimate = best recent rate × least recent latency   (Little's law: in flight = rate × latency)
 *
 *   blind:   before any task has ended, double the limit each time the event loop turns with the limit
 *            full (the tasks wait on something), up to `blindMax`: nothing is known yet but that they wait,
 *            and a first round of one latency is the dearest there is to waste on a short job
 *   startup: double the limit each round while the rate still grows ≥ 25%; two rounds without → cruise
 *   cruise:  a cycle of 16 rounds at limit = estimate × 1.5 (a queue keeps the server busy through the
 *            estimate's noise), with one round × 2.25 (probe: is there more?) and one × 1 (drain: what is
 *            the latency without a queue?)
 *   a task failed: limit × 0.7, at most once per round, and the rate history is forgotten
 *
 * Both filters look back over the last 10 rounds only, so the estimate follows a service (or a machine)
 * that gets slower or faster. The rate is max-filtered and the latency min-filtered, so a stalled client
 * (garbage collection, a busy machine) — which lowers one round's rate and raises its latencies — does not
 * shrink the limit. When the server queues requests, latency climbs while the rate stays flat: the limit
 * stays at what the rate justifies instead of growing the queue. It rises only while throughput rises.
 */

export interface LimiterOptions {
  /** Limit to start from. Default 10 (TCP's initial window). */
  initial?: number;
  /** Never below this. Default 1. */
  min?: number;
  /** Never above this. Default 1000. */
  max?: number;
  /** In flight above the capacity estimate, as a factor. Default 1.5: a queue costs only latency, too few in flight cost throughput. */
  gain?: number;
  /** Highest limit the blind start may reach before the first task ends. Default 256. */
  blindMax?: number;
}

/** One change of the limit, kept for `history` (tests, benchmarks, the report). */
export interface LimitChange {
  limit: number;
  why: 'blind' | 'grow' | 'cruise' | 'probe' | 'drain' | 'error';
  /** The round's median latency, ms (NaN for a blind step: no task had ended). */
  latencyMs: number;
  /** When, ms since the limiter was made. */
  atMs: number;
}

/** Rounds of history (rates, least latencies) the capacity estimate looks back over. */
const HISTORY_ROUNDS = 16;
/** The cruise cycle, as factors of the cruise limit: hold, one probe up, one drain to the estimate itself. */
const CYCLE = [1.5, 1, 1, 1, 1, 1, 1, 1, 2 / 3, 1, 1, 1, 1, 1, 1, 1] as const;
/** Startup ends after this many rounds whose rate did not grow by STARTUP_GROWTH. */
const STARTUP_PLATEAU = 2;
const STARTUP_GROWTH = 1.25;

export class AdaptiveLimiter {
  #limit: number;
  readonly #min: number;
  readonly #max: number;
  readonly #gain: number;
  readonly #now: () => number;
  readonly #blindMax: number;
  readonly #t0: number;
  #samples = 0;
  #startup = true;
  #plateau = 0;
  #bestStartupRate = 0;
  #minLatency = Number.POSITIVE_INFINITY;
  #rates: number[] = [];
  #leastLatencies: number[] = [];
  #roundLeast = Number.POSITIVE_INFINITY;
  #cruiseRounds = 0;
  #inflight = 0;
  #roundStart: number | undefined;
  #roundLatencies: number[] = [];
  #roundPeak = 0;
  /** Samples left before another error may shrink the limit (one round). */
  #errorHold = 0;
  readonly history: LimitChange[] = [];

  constructor(options: LimiterOptions = {}, now: () => number = () => performance.now()) {
    this.#min = options.min ?? 1;
    this.#max = options.max ?? 1000;
    this.#limit = clamp(options.initial ?? 10, this.#min, this.#max);
    this.#gain = options.gain ?? 1.5;
    this.#blindMax = clamp(options.blindMax ?? 256, this.#min, this.#max);
    this.#now = now;
    this.#t0 = now();
  }

  /** How many tasks may be in flight now. */
  get limit(): number {
    return Math.max(this.#min, Math.floor(this.#limit));
  }

  /** Tasks in flight (released and not yet sampled). */
  get inflight(): number {
    return this.#inflight;
  }

  /** The lowest latency seen: the latency without load, ms (Infinity before the first sample). */
  get baselineMs(): number {
    return this.#minLatency;
  }

  /** Whether another task may start now. */
  canStart(): boolean {
    return this.#inflight < this.limit;
  }

  /** A task was released; returns how many are in flight with it. */
  onStart(): number {
    this.#roundStart ??= this.#now();
    this.#inflight++;
    this.#roundPeak = Math.max(this.#roundPeak, this.#inflight);
    return this.#inflight;
  }

  /**
   * The event loop turned while tasks were in flight. Before any task has ended (blind), a full limit
   * doubles, up to `blindMax`. Returns true when the limit grew.
   */
  onIdle(): boolean {
    if (this.#samples > 0 || this.#inflight < this.limit || this.#limit >= this.#blindMax) return false;
    this.#set(Math.min(this.#limit * 2, this.#blindMax), 'blind', Number.NaN);
    return true;
  }

  /** A released task ended where the width does not matter (sync, threads): only the count follows. */
  onEnd(): void {
    this.#inflight = Math.max(0, this.#inflight - 1);
  }

  /** A released task ended without telling anything about the service (cancelled). */
  onDrop(): void {
    this.#inflight = Math.max(0, this.#inflight - 1);
  }

  /**
   * A released task ended after `latencyMs` (`ok`: without an error). `inflightAtStart` is what
   * `onStart` returned for it (kept for API stability; the rate carries that information). Returns the
   * new limit.
   */
  onSample(latencyMs: number, ok: boolean, _inflightAtStart?: number): number {
    this.#inflight = Math.max(0, this.#inflight - 1);
    this.#samples++;
    if (this.#errorHold > 0) this.#errorHold--;
    if (!ok) {
      if (this.#errorHold === 0) {
        this.#startup = false;
        this.#rates = [];
        this.#leastLatencies = [];
        this.#set(this.#limit * 0.7, 'error', latencyMs);
        this.#errorHold = this.limit;
      }
      return this.limit;
    }
    this.#minLatency = Math.min(this.#minLatency, latencyMs);
    this.#roundLeast = Math.min(this.#roundLeast, latencyMs);
    this.#roundLatencies.push(latencyMs);
    const now = this.#now();
    const start = this.#roundStart ?? now;
    const elapsed = now - start;
    if (this.#roundLatencies.length < 4 || elapsed < this.#roundLeast || elapsed <= 0) return this.limit;
    this.#endRound(this.#roundLatencies.length / elapsed, this.#roundLeast, median(this.#roundLatencies));
    this.#roundStart = now;
    this.#roundLatencies = [];
    this.#roundLeast = Number.POSITIVE_INFINITY;
    this.#roundPeak = this.#inflight;
    return this.limit;
  }

  #endRound(rate: number, least: number, latency: number): void {
    const used = this.#roundPeak >= this.limit;
    // a round that did not fill the limit (too few tasks) says nothing about the service's capacity
    if (!used) return;
    push(this.#rates, rate);
    push(this.#leastLatencies, least);
    const capacity = robustMax(this.#rates) * Math.min(...this.#leastLatencies);
    if (this.#startup) {
      if (rate >= this.#bestStartupRate * STARTUP_GROWTH) {
        this.#bestStartupRate = rate;
        this.#plateau = 0;
        this.#set(this.#limit * 2, 'grow', latency);
        return;
      }
      if (++this.#plateau < STARTUP_PLATEAU) return;
      this.#startup = false;
    }
    const gain = CYCLE[this.#cruiseRounds++ % CYCLE.length]!;
    let target = capacity * this.#gain * gain;
    if (gain > 1) target = Math.max(target, this.#limit + 1); // a probe always tries one more
    target = Math.max(target, this.#limit / 2); // one round's figures never more than halve it
    this.#set(target, gain > 1 ? 'probe' : gain < 1 ? 'drain' : 'cruise', latency);
  }

  #set(limit: number, why: LimitChange['why'], latencyMs: number): void {
    const next = clamp(limit, this.#min, this.#max);
    if (Math.floor(next) !== Math.floor(this.#limit)) {
      this.history.push({ limit: Math.floor(next), why, latencyMs, atMs: this.#now() - this.#t0 });
    }
    this.#limit = next;
  }
}

/** The second-highest value (the highest of one): one burst round — answers held up by a stall, all
 * delivered at once — does not set the estimate alone. */
function robustMax(values: number[]): number {
  if (values.length < 2) return values[0] ?? 0;
  const sorted = [...values].sort((a, b) => b - a);
  return sorted[1]!;
}

function push(list: number[], value: number): void {
  list.push(value);
  if (list.length > HISTORY_ROUNDS) list.shift();
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
