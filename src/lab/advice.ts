/**
 * The recommendation, from what was measured: is each job I/O- or CPU-bound, which mode fits it, and
 * why — in plain words, with the figures. Pure: the same measurements give the same words.
 */
import type { Mode } from '../executor.ts';
import type { JobName, JobReport, ModeRow } from './experiment.ts';
import { pct, x } from './figures.ts';
import type { Machine } from './machine.ts';
import { pythonLesson } from './python-lesson.ts';

export { pythonLesson } from './python-lesson.ts';

export type JobVerdict = 'io-bound' | 'cpu-bound';

export interface JobAdvice {
  job: JobName;
  verdict: JobVerdict;
  /** The fastest mode measured. */
  fastest: Mode;
  /** The mode to use: the simplest one within 10% of the fastest. */
  use: Mode;
  speedup: number | null;
  /** The advice in a few sentences. */
  text: string;
}

export interface Recommendation {
  /** One sentence for the top of the report. */
  summary: string;
  io?: JobAdvice | undefined;
  cpu?: JobAdvice | undefined;
  task?: JobAdvice | undefined;
  /** Caveats about the measurement (busy machine, one core…). */
  notes: string[];
  /** With `--python`: what the article's programs showed beside conc, in a few sentences. */
  python?: string | undefined;
}

/**
 * Simplest first: with a tie, the mode that costs least (no workers, no copies, no Redis) wins. auto is
 * not a model of its own (it picks one of the others), so it is recommended only when alone.
 */
const SIMPLICITY: readonly Mode[] = ['sync', 'async', 'threads', 'processes', 'distributed', 'auto'];
/** Modes that run tasks on several cores at once. */
const PARALLEL: readonly Mode[] = ['threads', 'processes', 'distributed'];
/** Modes within this factor of the fastest count as equally fast. */
const TIE = 1.1;
/** Above this CPU use (% of one core) in the one-at-a-time run, the work is CPU-bound… */
const CPU_BOUND_PERCENT = 50;
/** …unless async beat sync by this much (overlapping waits) and the CPU use stayed under this. */
const ASYNC_WIN = 1.5;
const CLEARLY_CPU_PERCENT = 80;

export function advise(
  machine: Machine,
  reports: { io?: JobReport | undefined; cpu?: JobReport | undefined; task?: JobReport | undefined },
): Recommendation {
  const io = reports.io && adviseJob(machine, reports.io);
  const cpu = reports.cpu && adviseJob(machine, reports.cpu);
  const task = reports.task && adviseJob(machine, reports.task);
  const notes: string[] = [];
  if (machine.cores === 1)
    notes.push(
      'This machine has one core: nothing could run in parallel, so threads and processes cannot beat sync on CPU work here.',
    );
  if (machine.load > machine.cores) {
    notes.push(
      `The machine was busy (load ${machine.load} on ${machine.cores} cores): other programs took CPU time, so the figures are noisier and speedups lower than on an idle machine.`,
    );
  }
  const parts: string[] = [];
  for (const [report, advice] of [
    [reports.io, io],
    [reports.cpu, cpu],
    [reports.task, task],
  ] as const) {
    if (advice) {
      parts.push(
        `${jobTitle(advice.job)} is ${advice.verdict === 'io-bound' ? 'I/O' : 'CPU'}-bound: use ${advice.use}.`,
      );
    } else if (report && report.rows.length > 0) {
      // measured, yet no mode did the work: there is nothing to recommend, and saying a mode would mislead
      parts.push(
        `${jobTitle(report.job)}: nothing succeeded — every ${report.job === 'task' ? 'call' : 'item'} failed in every mode, so no mode is recommended; fix ${report.job === 'task' ? 'the task or its --args' : 'what failed'} and compare again.`,
      );
    }
  }
  const summary = parts.length === 0 ? 'Nothing was measured.' : parts.join(' ');
  const python = pythonLesson(machine, reports.io, reports.cpu);
  return { summary, io, cpu, task, notes, ...(python && { python }) };
}

function jobTitle(job: JobName): string {
  return job === 'task' ? 'Your task' : `The ${job === 'io' ? 'I/O' : 'CPU'} job`;
}

/** Advice from the modes that did the work: a mode whose every item failed measured nothing useful. */
function adviseJob(machine: Machine, report: JobReport): JobAdvice | undefined {
  const rows = report.rows.filter(
    (r) =>
      r.error === undefined &&
      Number.isFinite(r.seconds) &&
      r.seconds > 0 &&
      !(r.count > 0 && r.failed >= r.count),
  );
  if (rows.length === 0) return undefined;
  const fastest = rows.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const serial = rows.find((r) => r.mode === 'sync') ?? rows.find((r) => r.mode === 'async');
  const verdict = judge(report.job, rows, serial);
  const { use, parallelHelped } =
    verdict === 'io-bound' ? { use: simplestFast(rows), parallelHelped: true } : cpuChoice(machine, rows);
  const text =
    verdict === 'io-bound'
      ? ioText(report.job, rows, use, serial)
      : cpuText(machine, report.job, rows, use, serial, parallelHelped);
  return { job: report.job, verdict, fastest: fastest.mode, use: use.mode, speedup: use.speedup, text };
}

/**
 * I/O- or CPU-bound, from two signs: how busy the one-at-a-time run kept the CPU, and whether async beat
 * sync — async can only win by overlapping waits, so a clear win means the work waits (the CPU figure
 * includes fixed costs, like starting the demo sites, that weigh on small jobs).
 */
function judge(job: JobName, rows: ModeRow[], serial: ModeRow | undefined): JobVerdict {
  if (!serial) return job === 'io' ? 'io-bound' : 'cpu-bound';
  const busy = busyPercent(serial);
  const asyncWin = rows.find((r) => r.mode === 'async')?.speedup ?? 0;
  if (busy < CPU_BOUND_PERCENT) return 'io-bound';
  return asyncWin >= ASYNC_WIN && busy < CLEARLY_CPU_PERCENT ? 'io-bound' : 'cpu-bound';
}

/** The simplest mode within 10% of the fastest (auto only when nothing else ran: it is a chooser). */
function simplestFast(rows: ModeRow[]): ModeRow {
  const models = rows.filter((r) => r.mode !== 'auto');
  const pool = models.length > 0 ? models : rows;
  const best = pool.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  return [...pool]
    .filter((r) => r.seconds <= best.seconds * TIE)
    .sort((a, b) => SIMPLICITY.indexOf(a.mode) - SIMPLICITY.indexOf(b.mode))[0]!;
}

/**
 * CPU-bound work: only modes that run in parallel can beat one thread; async cannot (its figure beside
 * sync is noise). A parallel mode that did not beat sync here still fits the work on a machine with free
 * cores: say so rather than recommend async.
 */
function cpuChoice(machine: Machine, rows: ModeRow[]): { use: ModeRow; parallelHelped: boolean } {
  const parallel = rows.filter((r) => PARALLEL.includes(r.mode));
  const sync = rows.find((r) => r.mode === 'sync');
  const serialSeconds = sync?.seconds ?? rows.find((r) => r.mode === 'async')?.seconds;
  if (parallel.length === 0) return { use: sync ?? simplestFast(rows), parallelHelped: false };
  const helped = serialSeconds === undefined || parallel.some((r) => r.seconds * TIE < serialSeconds);
  if (machine.cores === 1 && sync && !helped) return { use: sync, parallelHelped: false };
  return { use: simplestFast(parallel), parallelHelped: helped };
}

function ioText(job: JobName, rows: ModeRow[], use: ModeRow, serial: ModeRow | undefined): string {
  const what = job === 'io' ? 'Downloading the sites' : job === 'task' ? 'Your task' : 'This job';
  const parts: string[] = [];
  parts.push(
    serial
      ? `${what} is I/O-bound: run one at a time (${serial.mode}), it kept the CPU busy ${busyPercent(serial) < 30 ? 'only ' : ''}${cpuUse(serial)} — the rest was waiting.`
      : `${what} is I/O-bound: most of its time is waiting.`,
  );
  const async = rows.find((r) => r.mode === 'async');
  if (async?.speedup != null) {
    parts.push(
      `Overlapping the waits is what helps: async was ${x(async.speedup)} faster than sync, on one thread, with no workers to start.`,
    );
  }
  const pools = rows.filter((r) => (r.mode === 'threads' || r.mode === 'processes') && r.speedup != null);
  if (pools.length > 0) {
    parts.push(
      `${pools.map((r) => `${r.mode} (${r.workers} workers) ${x(r.speedup!)}`).join(' and ')}: they overlap only as many waits as they have workers, and each worker costs start-up time and memory.`,
    );
  }
  parts.push(`Use ${use.mode}${autoNote(rows)}.`);
  return parts.join(' ');
}

function cpuText(
  machine: Machine,
  job: JobName,
  rows: ModeRow[],
  use: ModeRow,
  serial: ModeRow | undefined,
  parallelHelped: boolean,
): string {
  const what = job === 'cpu' ? 'Summing squares' : job === 'task' ? 'Your task' : 'This job';
  const parts: string[] = [];
  parts.push(
    serial
      ? `${what} is CPU-bound: run one at a time (${serial.mode}), it kept a core busy ${cpuUse(serial)} — there is no waiting to overlap.`
      : `${what} is CPU-bound: it computes all the time.`,
  );
  const async = rows.find((r) => r.mode === 'async');
  if (async?.speedup != null) {
    parts.push(
      async.speedup < 1.3
        ? `So async was ${x(async.speedup)} — no faster than sync: JavaScript runs one function at a time on the event loop.`
        : `async measured ${x(async.speedup)} here, yet it cannot compute two things at once — on one event loop the sums run one after another; the difference is noise from a busy machine.`,
    );
  }
  const pools = rows.filter((r) => PARALLEL.includes(r.mode) && r.speedup != null);
  const cores = `${machine.cores} core${machine.cores === 1 ? '' : 's'}`;
  if (pools.length > 0) {
    const figures = pools.map((r) => `${r.mode} ${x(r.speedup!)}`).join(', ');
    if (parallelHelped) {
      parts.push(`Only more cores help: ${figures} on ${cores}.`);
    } else {
      const used = Math.max(...pools.map((r) => r.cpuPercent));
      const possible = machine.cores * 100;
      parts.push(
        used < possible * 0.75
          ? `Only more cores help — but here ${figures} on ${cores}: the workers used at most ${pct(used)} of the ${possible}% the cores could give, so other programs held the rest. On a machine with free cores they split the work.`
          : `Only more cores help — but here ${figures} on ${cores}, though the workers kept ${pct(used)} of the ${possible}% busy: the job is too small for starting workers (each with its own JavaScript engine) to pay off. Give it more work (or keep one executor for many jobs) and they split it.`,
      );
    }
  }
  if (use.mode === 'sync' && machine.cores === 1)
    parts.push('With one core, nothing runs in parallel: use sync.');
  else parts.push(`Use ${use.mode}${autoNote(rows)}.`);
  return parts.join(' ');
}

/**
 * How much of the time it could run the one-at-a-time run computed, in %: CPU use, corrected for the
 * time the thread waited for a CPU that other programs held (on an idle machine, the CPU use itself).
 */
export function busyPercent(row: ModeRow): number {
  const runnable = 100 - (row.cpuWaitPercent ?? 0);
  return runnable > 5 ? Math.min(100, (row.cpuPercent / runnable) * 100) : row.cpuPercent;
}

/**
 * The CPU use of a run as the table and the JSON show it (rounded alike), and the share of the time it
 * could run when other programs held the CPU enough to change the figure.
 */
function cpuUse(row: ModeRow): string {
  const shown = `${pct(row.cpuPercent)} of the time`;
  const busy = busyPercent(row);
  return Math.round(busy) === Math.round(row.cpuPercent)
    ? shown
    : `${shown} (${pct(busy)} of the time it could run)`;
}

function autoNote(rows: ModeRow[]): string {
  const auto = rows.find((r) => r.mode === 'auto')?.auto;
  if (!auto?.chosen) return ', or let conc choose with mode auto';
  return ` — mode auto measured the work itself and chose ${auto.chosen}${auto.chosen === 'async' ? ` (width ${auto.width})` : ` (${auto.width} threads)`}`;
}
