/**
 * The lab's runner: one job × the chosen modes × N runs, each run timed and its CPU time measured; the
 * median run stands for the mode. Named scenarios × modes with a serial baseline (sync), as undici's
 * benchmarks; the jobs themselves are plugged in (`JobRunner`), so tests can run it on fakes.
 *
 *   for mode in modes: for run in 1..N: snapshot CPU ─▶ runner(mode) ─▶ CPU spent, seconds ─▶ row
 *   rows ─▶ median per mode ─▶ speedup over sync, floor, CPU use
 */
import type { Mode } from '../executor.ts';
import { type CpuSpent, cpuSince, cpuSnapshot } from './cpu-time.ts';

/** The article's two jobs, and the user's own task (`conc compare --task`). */
export type JobName = 'io' | 'cpu' | 'task';

/** What a job run reports back (a subset of runIoJob's / runCpuJob's result). */
export interface JobOutcome {
  seconds: number;
  workers: number;
  /** Items the job handled (URLs, numbers). */
  count: number;
  /** Items that failed (their results still reported). */
  failed: number;
  /** For mode auto: what it chose. */
  auto?: { chosen: string | undefined; verdict: string | undefined; width: number } | undefined;
}

export interface RunContext {
  signal: AbortSignal;
  onProgress: (done: number, total: number) => void;
}

export type JobRunner = (mode: Mode, ctx: RunContext) => Promise<JobOutcome>;

export interface RunMeasure extends JobOutcome {
  cpu: CpuSpent;
}

/** One mode of one job: the median of its runs. */
export interface ModeRow {
  mode: Mode;
  workers: number;
  /** Median seconds over the runs. */
  seconds: number;
  /** sync's median seconds / this mode's (null without a sync row). */
  speedup: number | null;
  /** I/O: the least time the latency allows at this width (null for CPU work or unknown latency). */
  floorSeconds: number | null;
  /** CPU time over wall time in the median run, in % of one core (200% = two cores busy). */
  cpuPercent: number;
  /** Whether child processes' CPU time is in cpuPercent (processes mode; Linux only). */
  childCpuCounted: boolean;
  /**
   * Share of the wall time the main thread waited for a CPU because other programs had it, in %
   * (null where not measurable). A busy machine lowers CPU use without the work waiting on I/O.
   */
  cpuWaitPercent: number | null;
  failed: number;
  count: number;
  runs: number[];
  auto?: JobOutcome['auto'];
  /** Set when every run of this mode failed to run at all (e.g. Redis unreachable). */
  error?: string;
}

export interface JobReport {
  job: JobName;
  rows: ModeRow[];
  /** Stopped before every mode ran (Ctrl-C). */
  interrupted: boolean;
}

export interface ExperimentOptions {
  job: JobName;
  modes: readonly Mode[];
  runs: number;
  runner: JobRunner;
  signal?: AbortSignal | undefined;
  /** I/O only: the sites' latency, for the floor column. */
  latencyMs?: number | undefined;
  /** Told when a run starts and ends, and of each item done (progress display). */
  onRunStart?: ((job: JobName, mode: Mode, run: number, runs: number) => void) | undefined;
  onProgress?: ((job: JobName, mode: Mode, done: number, total: number) => void) | undefined;
  onRunEnd?:
    | ((job: JobName, mode: Mode, measure: RunMeasure | undefined, error?: unknown) => void)
    | undefined;
}

/** Runs the experiment; on abort, resolves with the rows measured so far (`interrupted: true`). */
export async function runExperiment(options: ExperimentOptions): Promise<JobReport> {
  const { job, modes, runs, runner, signal } = options;
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const rows: ModeRow[] = [];
  let interrupted = false;
  try {
    outer: for (const mode of modes) {
      const measures: RunMeasure[] = [];
      let error: unknown;
      for (let run = 1; run <= runs; run++) {
        if (controller.signal.aborted) {
          interrupted = true;
          break outer;
        }
        options.onRunStart?.(job, mode, run, runs);
        const start = cpuSnapshot();
        try {
          const outcome = await runner(mode, {
            signal: controller.signal,
            onProgress: (done, total) => options.onProgress?.(job, mode, done, total),
          });
          const measure = { ...outcome, cpu: cpuSince(start) };
          measures.push(measure);
          options.onRunEnd?.(job, mode, measure);
        } catch (thrown) {
          options.onRunEnd?.(job, mode, undefined, thrown);
          if (controller.signal.aborted) {
            interrupted = true;
            if (measures.length > 0) rows.push(toRow(mode, measures, options.latencyMs));
            break outer;
          }
          error = thrown;
          break; // a mode that cannot run (bad Redis URL…) will not run better the second time
        }
      }
      if (measures.length > 0) rows.push(toRow(mode, measures, options.latencyMs));
      else if (error !== undefined) rows.push(failedRow(mode, error));
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return { job, rows: withSpeedups(rows), interrupted };
}

/** The median of a list of numbers (the lower middle for an even count is not used: the mean of both). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The least time `count` requests can take at `width` at once when each waits `latencyMs`:
 * ⌈count / width⌉ rounds of one latency each.
 */
export function ioFloorSeconds(count: number, width: number, latencyMs: number): number {
  const w = Math.max(1, Math.min(width, count));
  return (Math.ceil(count / w) * latencyMs) / 1000;
}

function toRow(mode: Mode, measures: RunMeasure[], latencyMs: number | undefined): ModeRow {
  const seconds = median(measures.map((m) => m.seconds));
  // the run closest to the median speaks for the mode's CPU use and width
  const typical = measures.reduce((best, m) =>
    Math.abs(m.seconds - seconds) < Math.abs(best.seconds - seconds) ? m : best,
  );
  const width = mode === 'auto' && typical.auto?.chosen === 'async' ? typical.auto.width : typical.workers;
  return {
    mode,
    workers: width,
    seconds,
    speedup: null,
    floorSeconds: latencyMs === undefined ? null : ioFloorSeconds(typical.count, width, latencyMs),
    cpuPercent: typical.cpu.wallSeconds > 0 ? (typical.cpu.totalSeconds / typical.cpu.wallSeconds) * 100 : 0,
    childCpuCounted: typical.cpu.childSeconds !== undefined,
    cpuWaitPercent:
      typical.cpu.waitSeconds === undefined || typical.cpu.wallSeconds <= 0
        ? null
        : Math.min(100, (typical.cpu.waitSeconds / typical.cpu.wallSeconds) * 100),
    failed: typical.failed,
    count: typical.count,
    runs: measures.map((m) => m.seconds),
    ...(typical.auto && { auto: typical.auto }),
  };
}

function failedRow(mode: Mode, error: unknown): ModeRow {
  return {
    mode,
    workers: 0,
    seconds: Number.NaN,
    speedup: null,
    floorSeconds: null,
    cpuPercent: 0,
    childCpuCounted: false,
    cpuWaitPercent: null,
    failed: 0,
    count: 0,
    runs: [],
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  };
}

function withSpeedups(rows: ModeRow[]): ModeRow[] {
  const sync = rows.find((r) => r.mode === 'sync' && r.error === undefined);
  if (!sync) return rows;
  return rows.map((r) =>
    r.error === undefined && r.seconds > 0 ? { ...r, speedup: sync.seconds / r.seconds } : r,
  );
}
