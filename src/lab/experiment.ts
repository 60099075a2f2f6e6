/**
 * The lab's runner: one job × the chosen modes × N runs, each run timed and its CPU time measured; the
 * median run stands for the mode. Named scenarios × modes with a serial baseline (sync), as undici's
 * benchmarks; the jobs themselves are plugged in (`JobRunner`), so tests can run it on fakes.
 *
 *   for mode in modes: for run in 1..N: snapshot CPU ─▶ runner(mode) ─▶ CPU spent, seconds ─▶ row
 *                                        └─▶ its twin, if any (the article's program), alternating
 *   rows ─▶ median per mode ─▶ speedup over sync, floor, CPU use; the twin's time over the mode's
 */
import type { Mode } from '../executor.ts';
import { safeText } from '../util/safe-text.ts';
import { type CpuSpent, cpuSince, cpuSnapshot } from './cpu-time.ts';
import { median } from './median.ts';
import {
  measureTwin,
  type Twin,
  type TwinMeasure,
  type TwinRow,
  type TwinRunner,
  twinRow,
  withTwinFigures,
} from './twin.ts';

export { median } from './median.ts';

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
  /** For mode auto: what it chose, and why (the same fields `conc io|cpu --json` give under `auto`). */
  auto?:
    | { chosen: string | undefined; verdict: string | undefined; width: number; reason?: string | undefined }
    | undefined;
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
  /** The article's Python program for this mode (`conc compare --python`), run alternately with it. */
  python?: TwinRow | undefined;
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
  /** The program to run beside a mode, after each of its runs (the article's Python programs). */
  twin?: ((mode: Mode) => Twin | undefined) | undefined;
  /** Told when a twin run ends. */
  onTwinEnd?:
    | ((job: JobName, mode: Mode, program: string, measure: TwinMeasure | undefined, error?: unknown) => void)
    | undefined;
}

/** Runs the experiment; on abort, resolves with the rows measured so far (`interrupted: true`). */
export async function runExperiment(options: ExperimentOptions): Promise<JobReport> {
  const { signal } = options;
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const rows: ModeRow[] = [];
  let interrupted = false;
  try {
    for (const mode of options.modes) {
      if (controller.signal.aborted) {
        interrupted = true;
        break;
      }
      const result = await runMode(mode, options, controller.signal);
      if (result.row) rows.push(result.row);
      if (result.interrupted) {
        interrupted = true;
        break;
      }
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return { job: options.job, rows: withTwinFigures(withSpeedups(rows)), interrupted };
}

/**
 * One mode's runs, each followed by one of its twin's (so both see the machine in the same state);
 * a mode that cannot run stops after its first attempt, as does a twin that failed.
 */
async function runMode(
  mode: Mode,
  options: ExperimentOptions,
  signal: AbortSignal,
): Promise<{ row: ModeRow | undefined; interrupted: boolean }> {
  const measures: RunMeasure[] = [];
  const twin = options.twin?.(mode);
  const twinRuns: TwinMeasure[] = [];
  let twinError = twin && 'skipped' in twin ? twin.skipped : undefined;
  let error: unknown;
  let interrupted = false;
  for (let run = 1; run <= options.runs && !interrupted; run++) {
    if (signal.aborted) break;
    const attempt = await runOnce(mode, run, options, signal);
    if (attempt.measure) measures.push(attempt.measure);
    else if (signal.aborted) interrupted = true;
    else error = attempt.error;
    if (!interrupted && twin && 'run' in twin && twinError === undefined) {
      const done = await runTwinOnce(twin, mode, options, signal);
      if (done.measure) twinRuns.push(done.measure);
      else if (signal.aborted) interrupted = true;
      else twinError = done.error;
    }
    if (error !== undefined) break; // a mode that cannot run (bad Redis URL…) will not run better the second time
  }
  interrupted ||= signal.aborted;
  let row =
    measures.length > 0
      ? toRow(mode, measures, options.latencyMs)
      : error !== undefined
        ? failedRow(mode, error)
        : undefined;
  if (row && twin && (twinRuns.length > 0 || twinError !== undefined)) {
    row = { ...row, python: twinRow(twin.program, twinRuns, twinError) };
  }
  return { row, interrupted };
}

/** One run of a mode's twin, measured; why it failed instead. */
async function runTwinOnce(
  twin: { program: string; run: TwinRunner },
  mode: Mode,
  options: ExperimentOptions,
  signal: AbortSignal,
): Promise<{ measure?: TwinMeasure; error?: string }> {
  try {
    const measure = await measureTwin(twin.run, signal);
    options.onTwinEnd?.(options.job, mode, twin.program, measure);
    return { measure };
  } catch (thrown) {
    options.onTwinEnd?.(options.job, mode, twin.program, undefined, thrown);
    return { error: describeThrown(thrown).replace(/^Error: /, '') };
  }
}

/** One run of the mode, measured; what it threw instead, if it failed. */
async function runOnce(
  mode: Mode,
  run: number,
  options: ExperimentOptions,
  signal: AbortSignal,
): Promise<{ measure?: RunMeasure; error?: unknown }> {
  const { job } = options;
  options.onRunStart?.(job, mode, run, options.runs);
  const start = cpuSnapshot();
  try {
    const outcome = await options.runner(mode, {
      signal,
      onProgress: (done, total) => options.onProgress?.(job, mode, done, total),
    });
    const measure = { ...outcome, cpu: cpuSince(start) };
    options.onRunEnd?.(job, mode, measure);
    return { measure };
  } catch (thrown) {
    options.onRunEnd?.(job, mode, undefined, thrown);
    return { error: thrown };
  }
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
    error: describeThrown(error),
  };
}

/** What a run threw, as one safe line: controls escaped, credentials hidden, unreadable parts named. */
export function describeThrown(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    text = 'an error that cannot be read (its name or message throws)';
  }
  return safeText(text);
}

function withSpeedups(rows: ModeRow[]): ModeRow[] {
  const sync = rows.find((r) => r.mode === 'sync' && r.error === undefined);
  if (!sync) return rows;
  return rows.map((r) =>
    r.error === undefined && r.seconds > 0 ? { ...r, speedup: sync.seconds / r.seconds } : r,
  );
}
