/** The comparison as one JSON document (DESIGN.md's `conc compare --json` shape, plus details). */
import type { Recommendation } from '../advice.ts';
import type { JobReport, ModeRow } from '../experiment.ts';
import type { Machine } from '../machine.ts';

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
  /** Path of report.html (undefined if it could not be written). */
  report: string | undefined;
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
}

export function toDocument(args: {
  machine: Machine;
  settings: CompareSettings;
  io?: JobReport | undefined;
  cpu?: JobReport | undefined;
  task?: JobReport | undefined;
  recommendation: Recommendation;
  report: string | undefined;
}): CompareDocument {
  return {
    machine: args.machine,
    settings: args.settings,
    io: args.io?.rows.map(jsonRow) ?? null,
    cpu: args.cpu?.rows.map(jsonRow) ?? null,
    task: args.task?.rows.map(jsonRow) ?? null,
    recommendation: args.recommendation,
    interrupted: Boolean(args.io?.interrupted || args.cpu?.interrupted || args.task?.interrupted),
    report: args.report,
  };
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
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** The document as text (what `--json` prints and report.json holds). */
export function stringifyDocument(doc: CompareDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
