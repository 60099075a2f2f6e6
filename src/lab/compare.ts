/**
 * The whole comparison: each job in each mode, measured; the recommendation; the report files.
 *
 *   jobs × modes × runs ─▶ experiment rows ─▶ advice ─▶ document ─▶ report.json + report.html (+ tables)
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TaskTimeoutError } from '../errors.ts';
import type { Mode } from '../executor.ts';
import { advise, type Recommendation } from './advice.ts';
import { describeThrown, type JobName, type JobReport, type JobRunner, runExperiment } from './experiment.ts';
import { cpuRunner, ioRunner, taskRunner, warmUp } from './jobs.ts';
import { describeMachine, type Machine } from './machine.ts';
import type { Progress } from './progress.ts';
import { findPython, modulesNeeded, type PythonInfo, setupNotes } from './python/interpreter.ts';
import { twinsFor } from './python/programs.ts';
import { twinsOf } from './python/twins.ts';
import { renderHtml } from './report/html.ts';
import { type CompareDocument, stringifyDocument, toDocument } from './report/json.ts';
import { writeFileReplacing } from './report/write-file.ts';

/** The sites' latency the I/O job uses unless told otherwise (the demo sites' default). */
export const DEFAULT_LATENCY_MS = 50;
/** The I/O job's list: the article's two pages × 80. */
export const DEFAULT_REPEAT = 80;
/**
 * The CPU job's first number. The article's 5 000 000 takes about 10 ms in JavaScript — too little for
 * starting workers to pay off — so the lab sums 20× more per number (≈ 0.1–0.2 s each).
 */
export const DEFAULT_CPU_START = 100_000_000;
export const DEFAULT_CPU_COUNT = 20;
/**
 * The CPU job's first number with `--python`: the article's own 5 000 000 — Python takes seconds for
 * it (about a minute for the lab's usual 100 000 000, per program).
 */
export const ARTICLE_CPU_START = 5_000_000;

export interface ComparisonOptions {
  jobs: readonly JobName[];
  modes: readonly Mode[];
  runs: number;
  latencyMs?: number | undefined;
  repeat?: number | undefined;
  urls?: string[] | undefined;
  start?: number | undefined;
  count?: number | undefined;
  redis?: string | undefined;
  queue?: string | undefined;
  /**
   * Your own task (job 'task'): MODULE#EXPORT loaded, one argument list per call, and the longest one
   * call may take (ms; a call past it fails, counted like any failure).
   */
  task?:
    | { spec: string; module: string; name: string; calls: unknown[][]; timeoutMs?: number | undefined }
    | undefined;
  signal?: AbortSignal | undefined;
  progress?: Progress | undefined;
  /**
   * Also run the article's Python programs beside their modes: on `interpreter`, or the first python3
   * found with the modules they need.
   */
  python?: { interpreter?: string | undefined } | undefined;
  /** Replace the real jobs (tests). */
  runners?: Partial<Record<JobName, JobRunner>> | undefined;
}

export interface Comparison {
  machine: Machine;
  io?: JobReport | undefined;
  cpu?: JobReport | undefined;
  task?: JobReport | undefined;
  recommendation: Recommendation;
  interrupted: boolean;
  /** What stopped it early, when something did (the CLI's signal: SIGINT, SIGTERM). */
  interruptedBy?: string | undefined;
  /** With `python`: the interpreter found (or why none), and the notes about it. */
  python?: PythonInfo | undefined;
}

/** Runs every job in every mode; stops early (keeping what was measured) when `signal` aborts. */
export async function runComparison(o: ComparisonOptions): Promise<Comparison> {
  const machine = describeMachine();
  const reports: Partial<Record<JobName, JobReport>> = {};
  const latencyMs = o.urls ? undefined : (o.latencyMs ?? DEFAULT_LATENCY_MS);
  const python = o.python && (await preparePython(o));
  for (const job of o.jobs) {
    if (o.signal?.aborted) break;
    const runner = o.runners?.[job] ?? realRunner(job, o, latencyMs);
    const progress = o.progress;
    if (!o.runners?.[job] && job !== 'task') await warmUp(job, { urls: o.urls });
    reports[job] = await runExperiment({
      job,
      modes: o.modes,
      runs: o.runs,
      runner,
      signal: o.signal,
      latencyMs: job === 'io' ? latencyMs : undefined,
      onRunStart: progress && ((...a) => progress.runStart(...a)),
      onProgress: progress && ((...a) => progress.item(...a)),
      onRunEnd: progress && ((...a) => progress.runEnd(...a)),
      twin: python && job !== 'task' ? twinsOf(python.setup, job, twinSettings(o, latencyMs)) : undefined,
      onTwinEnd:
        progress &&
        ((job, mode, program, measure, error) =>
          progress.say(
            `${job} · ${mode} · ${program}: ${measure ? `${measure.seconds.toFixed(2)} s (${measure.check})` : `failed: ${error instanceof Error ? error.message : String(error)}`}`,
          )),
    });
  }
  const interrupted = Boolean(
    o.signal?.aborted || reports.io?.interrupted || reports.cpu?.interrupted || reports.task?.interrupted,
  );
  return {
    machine,
    ...reports,
    recommendation: advise(machine, reports),
    interrupted,
    ...(python && { python }),
  };
}

/** Finds the interpreter for the programs these jobs and modes run, and says so (or what is missing). */
async function preparePython(o: ComparisonOptions): Promise<PythonInfo> {
  const programs = twinsFor(o.jobs, o.modes);
  const setup = await findPython(modulesNeeded(programs), o.python?.interpreter);
  const notes = setupNotes(setup, programs);
  for (const note of notes) o.progress?.say(note);
  return { setup, notes };
}

/** The CPU job's first number: as given, or the lab's default (the article's with `python`). */
export function cpuStartOf(o: Pick<ComparisonOptions, 'start' | 'python'>): number {
  return o.start ?? (o.python ? ARTICLE_CPU_START : DEFAULT_CPU_START);
}

function twinSettings(o: ComparisonOptions, latencyMs: number | undefined) {
  return {
    latencyMs,
    urls: o.urls,
    repeat: o.repeat ?? (o.urls ? 1 : DEFAULT_REPEAT),
    start: cpuStartOf(o),
    count: o.count ?? DEFAULT_CPU_COUNT,
  };
}

function realRunner(job: JobName, o: ComparisonOptions, latencyMs: number | undefined): JobRunner {
  const distributed = { redis: o.redis, queue: o.queue };
  switch (job) {
    case 'io':
      return ioRunner({
        latencyMs,
        repeat: o.repeat ?? (o.urls ? 1 : DEFAULT_REPEAT),
        urls: o.urls,
        ...distributed,
      });
    case 'cpu':
      return cpuRunner({
        start: cpuStartOf(o),
        count: o.count ?? DEFAULT_CPU_COUNT,
        ...distributed,
      });
    case 'task':
      if (!o.task) throw new Error("conc internal error: job 'task' without a task");
      return taskRunner({
        module: o.task.module,
        name: o.task.name,
        calls: o.task.calls,
        timeoutMs: o.task.timeoutMs,
        onCallError: callErrorNotes(o),
        ...distributed,
      });
  }
}

/** Distinct call errors said per mode; the rest are only counted (in the row's `failed`). */
const SAID_ERRORS = 3;

/** Says the first few distinct ways your task's calls failed in each mode, on the progress display. */
function callErrorNotes(o: ComparisonOptions): (mode: Mode, error: unknown) => void {
  const said = new Map<Mode, Set<string>>();
  return (mode, error) => {
    const text = describeThrown(error);
    const seen = said.get(mode) ?? new Set<string>();
    said.set(mode, seen);
    if (seen.size >= SAID_ERRORS || seen.has(text)) return;
    seen.add(text);
    const bound =
      error instanceof TaskTimeoutError
        ? ` — the bound is --task-timeout ${error.timeoutMs} ms: raise it if ${o.task?.name} is just slow, or fix it if it hangs`
        : '';
    o.progress?.say(`task · ${mode}: a call of ${o.task?.name} failed: ${text}${bound}`);
  };
}

/** The comparison as the JSON document, naming where the HTML report is (or will be). */
export function comparisonDocument(
  c: Comparison,
  o: ComparisonOptions,
  htmlPath: string | undefined,
): CompareDocument {
  return toDocument({
    machine: c.machine,
    settings: {
      runs: o.runs,
      modes: [...o.modes],
      latencyMs: o.urls ? undefined : (o.latencyMs ?? DEFAULT_LATENCY_MS),
      repeat: o.urls ? (o.repeat ?? 1) : (o.repeat ?? DEFAULT_REPEAT),
      cpuStart: cpuStartOf(o),
      cpuCount: o.count ?? DEFAULT_CPU_COUNT,
      ...(o.task && { task: { target: o.task.spec, calls: o.task.calls.length } }),
    },
    io: c.io,
    cpu: c.cpu,
    task: c.task,
    recommendation: c.recommendation,
    report: htmlPath,
    python: c.python,
    interruptedBy: c.interruptedBy,
  });
}

/** Writes report.json and report.html into `outDir` (created if missing); returns their paths. */
export async function writeReports(
  c: Comparison,
  o: ComparisonOptions,
  outDir: string,
): Promise<{ html: string; json: string; document: CompareDocument }> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const html = join(dir, 'report.html');
  const json = join(dir, 'report.json');
  const document = comparisonDocument(c, o, html);
  await writeFileReplacing(json, stringifyDocument(document));
  await writeFileReplacing(html, renderHtml(document));
  return { html, json, document };
}
