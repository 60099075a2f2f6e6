/** What `auto` chose and why: the shape `stats()`, `info()` and the `conc:auto` announcements share. */
import type { Classification } from './classifier.ts';
import type { LimitChange } from './limiter.ts';
import type { Plan, Route } from './plan.ts';

/** One decision: when, where the work went from then on, and why. */
export interface AutoDecision {
  /** ms since the executor started. */
  atMs: number;
  chosen: Route;
  verdict: Classification['verdict'];
  /** Tasks per message to a thread (threads), else 1. */
  batch: number;
  reason: string;
}

/** One change of the width the work ran at (the adaptive limit on the event loop, or the thread count). */
export interface AutoWidth {
  atMs: number;
  width: number;
  why: string;
}

/** What `auto` chose, as `stats()` and `info()` report it. */
export interface AutoChoice {
  /** Where the work runs now: undefined while still sampling. 'sync': this thread, one task at a time. */
  chosen: Route | undefined;
  verdict: Classification['verdict'] | undefined;
  /** Tasks in flight allowed now (async: the adaptive limit; threads: the pool's width; sync: 1). */
  width: number;
  /** Why, in plain words, with the measured figures. */
  reason: string | undefined;
  sample: Omit<Classification, 'verdict' | 'reason'> | undefined;
  /** Every decision so far, the first being the verdict after the sample; later ones: the work changed. */
  decisions: AutoDecision[];
  /** How the width moved (its last 200 changes). */
  widths: AutoWidth[];
  /** The speculative thread pool: never started, warming, ready, or closed (unused or at the end). */
  pool: 'none' | 'warming' | 'ready' | 'closed';
  /** How long the first thread took to be ready, ms, if the pool was started. */
  poolWarmMs: number | undefined;
}

/** The measured figures of a classification, without its verdict and reason. */
export function sampleOf(c: Classification | undefined): AutoChoice['sample'] {
  return (
    c && {
      wallMs: c.wallMs,
      cpuMs: c.cpuMs,
      taskMs: c.taskMs,
      cpuRatio: c.cpuRatio,
      elu: c.elu,
      loopDelayMs: c.loopDelayMs,
      tasks: c.tasks,
    }
  );
}

/** Everything `describeChoice` turns into an AutoChoice (auto's parts, as they stand). */
export interface ChoiceState {
  /** The decisions so far (decisions.ts). */
  d: {
    route: Route | 'sample';
    verdict: Classification | undefined;
    plan: Plan | undefined;
    list: readonly AutoDecision[];
  };
  /** Before any decision: what the sample measured so far. */
  sampled: Classification | undefined;
  limiter: { history: readonly LimitChange[]; limit: number };
  workers: number;
  warm: { state: AutoChoice['pool']; warmMs: number | undefined };
}

/** The choice as stats() reports it: where the work runs, why, and how the width moved. */
export function describeChoice({ d, sampled, limiter, workers, warm }: ChoiceState): AutoChoice {
  const route = d.route === 'sample' ? undefined : d.route;
  const classification = d.verdict ?? sampled;
  const width = route === 'threads' ? workers : route === 'sync' ? 1 : limiter.limit;
  const widths: AutoWidth[] = [];
  // the width as it moved: the adaptive limit while on the event loop, the thread count on threads
  for (const x of d.list) {
    if (x.chosen !== 'async')
      widths.push({ atMs: x.atMs, width: x.chosen === 'threads' ? workers : 1, why: x.chosen });
  }
  for (const h of limiter.history)
    widths.push({ atMs: Math.round(h.atMs * 10) / 10, width: h.limit, why: h.why });
  widths.sort((a, b) => a.atMs - b.atMs);
  return {
    chosen: route,
    verdict: classification?.verdict,
    width,
    reason: d.list.at(-1)?.reason ?? classification?.reason,
    sample: sampleOf(classification),
    decisions: [...d.list],
    widths: widths.slice(-200),
    pool: warm.state,
    poolWarmMs: warm.warmMs === undefined ? undefined : Math.round(warm.warmMs),
  };
}
