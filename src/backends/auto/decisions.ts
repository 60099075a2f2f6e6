/**
 * `auto`'s decisions as a record: where the work runs now (the route), the plan and verdict behind it,
 * what one task costs, and every decision so far with when and why — what stats() shows.
 */
import { performance } from 'node:perf_hooks';
import type { AutoDecision } from './choice.ts';
import type { Classification } from './classifier.ts';
import { type Plan, plan, type Route } from './plan.ts';

/** What a decision is made from, besides the classification. */
export interface DecisionInput {
  /** The sample's median task time, ms (first decision only; later ones use the window's mean). */
  medianTaskMs: number | undefined;
  held: number;
  workers: number;
  poolStarted: boolean;
  /** The work changed mid-stream (a monitor window), rather than a sample ending. */
  changed: boolean;
}

export class Decisions {
  readonly #t0 = performance.now();
  route: Route | 'sample' = 'sample';
  plan: Plan | undefined;
  verdict: Classification | undefined;
  /** What one task costs on this thread, ms, as the last decision measured it. */
  perTaskMs = Number.POSITIVE_INFINITY;
  readonly list: AutoDecision[] = [];

  /** Decides where the work goes from now on, records why, and returns the plan. */
  decide(c: Classification, i: DecisionInput): Plan {
    this.perTaskMs = (!i.changed && i.medianTaskMs) || perTaskMs(c);
    const p = plan({
      verdict: c.verdict,
      perTaskMs: this.perTaskMs,
      held: i.held,
      workers: i.workers,
      poolStarted: i.poolStarted,
    });
    this.verdict = c;
    this.plan = p;
    this.route = p.route;
    this.list.push({
      atMs: Math.round((performance.now() - this.#t0) * 10) / 10,
      chosen: p.route,
      verdict: c.verdict,
      batch: p.batch,
      reason: `${i.changed ? 'The work changed. ' : ''}${c.reason} So: ${p.why}.`,
    });
    return p;
  }
}

/** What one task measured on this thread costs, ms (the mean over the measurement). */
export function perTaskMs(c: Classification): number {
  return c.tasks > 0 ? c.taskMs / c.tasks : c.taskMs;
}
