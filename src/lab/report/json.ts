/** The comparison as one JSON document (DESIGN.md's `conc compare --json` shape, plus details). */

import { escapeJsonControls } from '../../util/safe-text.ts';
import type { Recommendation } from '../advice.ts';
import type { JobReport, ModeRow } from '../experiment.ts';
import type { Machine } from '../machine.ts';
import type { PythonInfo } from '../python/interpreter.ts';
import type { TwinRow } from '../twin.ts';

export interface CompareSettings {
  runs: number;
  modes: string[];
  /** I/O job: the sites' latency (undefined for the user's own URLs) and how often the list repeats. */
  latencyMs: number | undefined;
  repeat: number;
  /** CPU job: the first number and how many. */
  cpuStart: number;
  cpuCount: number;
  /** Your task, when compared: its MODULE#EXPORT and how many calls a run makes. */
  task?: { target: string; calls: number } | undefined;
}

export interface CompareDocument {
  machine: Machine;
  settings: CompareSettings;
  io: JsonRow[] | null;
  cpu: JsonRow[] | null;
  /** Your own task's rows (`--task`), or null. */
  task: JsonRow[] | null;
  recommendation: Recommendation;
  interrupted: boolean;
  /** The same as `interrupted`: the figures are what was measured before the run was stopped. */
  partial: boolean;
  /** What stopped the run early (SIGINT, SIGTERM), or null. */
  interruptedBy: string | null;
  /** Path of report.html (undefined if it could not be written). */
  report: string | undefined;
  /** With `--python`: the interpreter the article's programs ran on (null when none), and the notes. */
  python: JsonPython | null;
}

export interface JsonPython {
  /** The interpreter used, e.g. /usr/bin/python3.11; null when no usable Python 3 was found. */
  interpreter: string | null;
  version: string | null;
  /** Module name → version, for the interpreter used. */
  modules: Record<string, string>;
  /** Which interpreter, or which programs could not run and how to install what they lack. */
  notes: string[];
  /** Every interpreter asked, with what it had. */
  tried: { candidate: string; executable?: string; version?: string; missing: string[]; error?: string }[];
}

/** The article's Python program beside a mode: its own time, and how many times conc's. */
export interface JsonTwin {
  program: string;
  workers: number | null;
  seconds: number | null;
  /** Over the Python program of sync (the article's loop). */
  speedup: number | null;
  /** Python's seconds ÷ conc's seconds for this mode. */
  ratio: number | null;
  /** From starting the interpreter to its exit, start-up and imports included. */
  processSeconds: number | null;
  cpuPercent: number;
  failed: number;
  count: number;
  runs: number[];
  /** What every run was checked for. */
  check: string;
  error?: string;
}

/** One mode's figures; null where a figure does not apply (floor of CPU work, speedup without sync). */
export interface JsonRow {
  mode: string;
  workers: number | null;
  seconds: number | null;
  speedup: number | null;
  floorSeconds: number | null;
  cpuPercent: number;
  failed: number;
  count: number;
  runs: number[];
  auto?: ModeRow['auto'];
  error?: string;
  /** With `--python`: the article's program for this mode, where it has one. */
  python?: JsonTwin;
}

export function toDocument(args: {
  machine: Machine;
  settings: CompareSettings;
  io?: JobReport | undefined;
  cpu?: JobReport | undefined;
  task?: JobReport | undefined;
  recommendation: Recommendation;
  report: string | undefined;
  python?: PythonInfo | undefined;
  interruptedBy?: string | undefined;
}): CompareDocument {
  const interrupted = Boolean(
    args.interruptedBy || args.io?.interrupted || args.cpu?.interrupted || args.task?.interrupted,
  );
  return {
    machine: args.machine,
    settings: args.settings,
    io: args.io?.rows.map(jsonRow) ?? null,
    cpu: args.cpu?.rows.map(jsonRow) ?? null,
    task: args.task?.rows.map(jsonRow) ?? null,
    recommendation: args.recommendation,
    interrupted,
    partial: interrupted,
    interruptedBy: args.interruptedBy ?? null,
    report: args.report,
    python: args.python ? jsonPython(args.python) : null,
  };
}

function jsonPython(info: PythonInfo): JsonPython {
  const chosen = info.setup.chosen;
  return {
    interpreter: chosen ? (chosen.executable ?? chosen.candidate) : null,
    version: chosen?.version ?? null,
    modules: { ...(chosen?.modules ?? {}) },
    notes: info.notes,
    tried: info.setup.probes.map((p) => ({
      candidate: p.candidate,
      ...(p.executable !== undefined && { executable: p.executable }),
      ...(p.version !== undefined && { version: p.version }),
      missing: Object.keys(p.missing),
      ...(p.error !== undefined && { error: p.error }),
    })),
  };
}

function jsonTwin(t: TwinRow): JsonTwin {
  return {
    program: t.program,
    workers: t.runs.length > 0 ? t.workers : null,
    seconds: finite(t.seconds),
    speedup: t.speedup === null ? null : round(t.speedup),
    ratio: t.ratio === null ? null : round(t.ratio),
    processSeconds: finite(t.processSeconds),
    cpuPercent: Math.round(t.cpuPercent),
    failed: t.failed,
    count: t.count,
    runs: t.runs.map(round),
    check: t.check,
    ...(t.error !== undefined && { error: t.error }),
  };
}

function finite(n: number): number | null {
  return Number.isFinite(n) ? round(n) : null;
}

function jsonRow(row: ModeRow): JsonRow {
  return {
    mode: row.mode,
    workers: Number.isFinite(row.workers) ? row.workers : null,
    seconds: Number.isFinite(row.seconds) ? round(row.seconds) : null,
    speedup: row.speedup === null ? null : round(row.speedup),
    floorSeconds: row.floorSeconds === null ? null : round(row.floorSeconds),
    cpuPercent: Math.round(row.cpuPercent),
    failed: row.failed,
    count: row.count,
    runs: row.runs.map(round),
    ...(row.auto && { auto: row.auto }),
    ...(row.error !== undefined && { error: row.error }),
    ...(row.python && { python: jsonTwin(row.python) }),
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** The document as text (what `--json` prints and report.json holds), every control escaped. */
export function stringifyDocument(doc: CompareDocument): string {
  return `${escapeJsonControls(JSON.stringify(doc, null, 2))}\n`;
}
