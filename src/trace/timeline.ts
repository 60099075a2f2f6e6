/**
 * One executor's recorded timeline (`createExecutor({ …, trace: true })`, then `ex.timeline()`): a
 * bounded list of task spans on the caller's clock, the clock offsets of the workers that stamped them,
 * and what the stats and the trace export derive from them.
 */
import { type ChromeTrace, toChromeTrace } from './chrome-trace.ts';
import { type Percentiles, percentiles } from './percentiles.ts';
import type { ClockOffset, TaskSpan } from './span.ts';

/** Spans kept by default: enough for every lab job, bounded for a million-item imap (~200 bytes each). */
export const DEFAULT_MAX_SPANS = 100_000;

export interface TimelineStats {
  /** Queued → started, ms. */
  wait: Percentiles;
  /** Started → ended, ms. */
  run: Percentiles;
  /** Per worker: the time it spent running tasks, ms (overlapping tasks on one event loop count once each). */
  busyMs: Record<string, number>;
}

export interface TimelineSnapshot {
  originEpochMs: number;
  spans: TaskSpan[];
  clocks: ClockOffset[];
  /** Spans not kept because the timeline was full (`maxSpans`). */
  dropped: number;
}

export class Timeline {
  /** The caller's `performance.now()` at the origin. */
  readonly originMs: number;
  readonly originEpochMs: number;
  readonly maxSpans: number;
  #spans: TaskSpan[] = [];
  #dropped = 0;
  #clocks = new Map<string, ClockOffset>();

  constructor(maxSpans = DEFAULT_MAX_SPANS) {
    this.maxSpans = maxSpans;
    this.originMs = performance.now();
    this.originEpochMs = performance.timeOrigin + this.originMs;
  }

  /** Now, on the timeline's clock. */
  now(): number {
    return performance.now() - this.originMs;
  }

  /** A stamp taken on another runner (its epoch milliseconds) on the timeline's clock. */
  fromEpoch(epochMs: number, worker: string): number {
    return epochMs + (this.#clocks.get(worker)?.offsetMs ?? 0) - this.originEpochMs;
  }

  setClock(offset: ClockOffset): void {
    this.#clocks.set(offset.worker, offset);
  }

  record(span: TaskSpan): void {
    if (this.#spans.length < this.maxSpans) this.#spans.push(span);
    else this.#dropped++;
  }

  snapshot(): TimelineSnapshot {
    return {
      originEpochMs: this.originEpochMs,
      spans: [...this.#spans],
      clocks: [...this.#clocks.values()],
      dropped: this.#dropped,
    };
  }

  stats(): TimelineStats {
    const wait: number[] = [];
    const run: number[] = [];
    const busyMs: Record<string, number> = {};
    for (const s of this.#spans) {
      if (s.startedAt === undefined) continue;
      wait.push(s.startedAt - s.queuedAt);
      run.push(s.endedAt - s.startedAt);
      busyMs[s.lane.worker] = (busyMs[s.lane.worker] ?? 0) + (s.endedAt - s.startedAt);
    }
    return { wait: percentiles(wait), run: percentiles(run), busyMs };
  }

  toChromeTrace(label: string): ChromeTrace {
    const snap = this.snapshot();
    return toChromeTrace([
      { label, originEpochMs: snap.originEpochMs, spans: snap.spans, clocks: snap.clocks },
    ]);
  }
}
