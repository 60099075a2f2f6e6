/**
 * A twin is a reference program run beside one of conc's modes, alternating with its runs so that both
 * see the same machine — here, the article's Python programs. This file holds what a twin run reports
 * and how its runs become the row shown next to the mode's (median, speedup over the twin of sync,
 * its time over conc's).
 */
import { type CpuSpent, cpuSince, cpuSnapshot } from './cpu-time.ts';
import { median } from './median.ts';

/** What one checked run of a twin reports. */
export interface TwinOutcome {
  /** The program, e.g. io_bound_sync.py. */
  program: string;
  /** The program's own time, measured as the article does (after its interpreter started). */
  seconds: number;
  /** From starting the program to its exit: interpreter start-up and imports included. */
  processSeconds: number;
  workers: number;
  count: number;
  failed: number;
  /** What was checked, e.g. "the demo sites counted 160 requests, 3440640 bytes". */
  check: string;
}

export type TwinRunner = (ctx: { signal: AbortSignal }) => Promise<TwinOutcome>;

/** What runs beside a mode: a program, or why it cannot run here (a module missing…). */
export type Twin = { program: string; run: TwinRunner } | { program: string; skipped: string };

export interface TwinMeasure extends TwinOutcome {
  cpu: CpuSpent;
}

/** The twin's figures next to a mode's: the median of its runs. */
export interface TwinRow {
  program: string;
  workers: number;
  /** Median seconds, the program's own time. */
  seconds: number;
  /** Median seconds from starting the interpreter to its exit. */
  processSeconds: number;
  /** The sync mode's twin's seconds / this one's (null without it). */
  speedup: number | null;
  /** This twin's seconds / the conc mode's seconds: how many times conc's time it took. */
  ratio: number | null;
  /** CPU time over the run's wall time, % of one core (its worker processes once exited). */
  cpuPercent: number;
  failed: number;
  count: number;
  runs: number[];
  check: string;
  /** Set when it did not run, or a run failed its check (the message says why). */
  error?: string;
}

/** Runs a twin once, measuring its CPU time (the interpreter's and its children's, once exited). */
export async function measureTwin(run: TwinRunner, signal: AbortSignal): Promise<TwinMeasure> {
  const start = cpuSnapshot();
  const outcome = await run({ signal });
  return { ...outcome, cpu: cpuSince(start) };
}

/** A twin's row from its runs; `error` when it could not run or a run failed. */
export function twinRow(program: string, measures: TwinMeasure[], error: string | undefined): TwinRow {
  const seconds = median(measures.map((m) => m.seconds));
  const typical = measures.reduce<TwinMeasure | undefined>(
    (best, m) => (best && Math.abs(best.seconds - seconds) <= Math.abs(m.seconds - seconds) ? best : m),
    undefined,
  );
  return {
    program,
    workers: typical?.workers ?? 0,
    seconds,
    processSeconds: median(measures.map((m) => m.processSeconds)),
    speedup: null,
    ratio: null,
    cpuPercent:
      typical && typical.cpu.wallSeconds > 0 ? (typical.cpu.totalSeconds / typical.cpu.wallSeconds) * 100 : 0,
    failed: typical?.failed ?? 0,
    count: typical?.count ?? 0,
    runs: measures.map((m) => m.seconds),
    check: typical?.check ?? '',
    ...(error !== undefined && { error }),
  };
}

/** Fills each twin's speedup (over sync's twin) and ratio (over its own mode's seconds). */
export function withTwinFigures<R extends { mode: string; seconds: number; python?: TwinRow | undefined }>(
  rows: R[],
): R[] {
  const ok = (t: TwinRow | undefined): t is TwinRow =>
    t !== undefined && t.error === undefined && t.seconds > 0;
  const base = rows.find((r) => r.mode === 'sync')?.python;
  return rows.map((r) => {
    const t = r.python;
    if (!ok(t)) return r;
    const speedup = ok(base) ? base.seconds / t.seconds : null;
    const ratio = Number.isFinite(r.seconds) && r.seconds > 0 ? t.seconds / r.seconds : null;
    return { ...r, python: { ...t, speedup, ratio } };
  });
}
