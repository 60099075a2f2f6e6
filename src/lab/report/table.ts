/** The comparison as terminal tables: one per job (cli-table3; plain text when not on a TTY). */
import Table from 'cli-table3';
import type { JobReport, ModeRow } from '../experiment.ts';
import { times } from './text.ts';

export interface TableOptions {
  /** Borders and header in color (a TTY). Default: plain. */
  color?: boolean | undefined;
}

const TITLES = {
  io: 'I/O-bound job (download the sites)',
  cpu: 'CPU-bound job (sum of squares)',
  task: 'Your task',
} as const;

/** Renders one job's rows: mode, workers, seconds, speedup over sync, floor (I/O), CPU use. */
export function renderTable(report: JobReport, options: TableOptions = {}): string {
  const io = report.job === 'io';
  const head = ['mode', 'workers', 'seconds', 'speedup', ...(io ? ['floor'] : []), 'CPU use'];
  const table = new Table({
    head,
    colAligns: ['left', 'right', 'right', 'right', ...(io ? (['right'] as const) : []), 'right'],
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: options.color ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] },
  });
  for (const row of report.rows) table.push(cells(row, io));
  const title = `${TITLES[report.job]}${report.interrupted ? ' — interrupted, partial' : ''}`;
  const notes = footnotes(report);
  return [title, table.toString(), ...notes].join('\n');
}

/**
 * The article's Python programs beside conc's modes (`--python`): each program's own time, its speedup
 * over the article's loop, its CPU use, and how many times conc's time it took. Undefined without any.
 */
export function renderPythonTable(report: JobReport, options: TableOptions = {}): string | undefined {
  const rows = report.rows.filter((r) => r.python !== undefined);
  if (rows.length === 0) return undefined;
  const table = new Table({
    head: [
      'conc mode',
      'conc s',
      'Python program',
      'workers',
      'Python s',
      'speedup',
      'CPU use',
      'Python ÷ conc',
    ],
    colAligns: ['left', 'right', 'left', 'right', 'right', 'right', 'right', 'right'],
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: options.color ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] },
  });
  for (const row of rows) table.push(pythonCells(row));
  const title = `${TITLES[report.job]}: the article's Python programs beside conc`;
  const notes = [
    "Python s: the program's own time, measured as the article does (after the interpreter started and imported its modules); a fresh interpreter per run, alternating with conc's runs.",
    "speedup: over the article's loop (the _sync.py program). Python ÷ conc: how many times conc's time the program took.",
    `Checked: ${[...new Set(rows.map((r) => r.python?.check).filter((c) => c))].join('; ') || '–'}.`,
    ...rows
      .filter((r) => r.python?.error !== undefined)
      .map((r) => `${r.python!.program}: ${r.python!.error}`),
  ];
  return [title, table.toString(), ...notes].join('\n');
}

function pythonCells(row: ModeRow): string[] {
  const t = row.python!;
  const conc = row.error === undefined ? row.seconds.toFixed(2) : 'failed';
  if (t.error !== undefined) {
    // the reason is a footnote: a path and a module name do not fit a column
    return [
      row.mode,
      conc,
      t.program,
      '–',
      '–',
      '–',
      '–',
      t.error.startsWith('not run') ? 'not run' : 'failed',
    ];
  }
  return [
    row.mode,
    conc,
    t.program,
    String(t.workers),
    t.seconds.toFixed(2),
    t.speedup === null ? '–' : `${t.speedup.toFixed(1)}×`,
    `${Math.round(t.cpuPercent)}%`,
    t.ratio === null ? '–' : times(t.ratio),
  ];
}

function cells(row: ModeRow, io: boolean): string[] {
  if (row.error !== undefined) {
    return [row.mode, '–', 'failed', '–', ...(io ? ['–'] : []), short(row.error)];
  }
  const mode = row.auto?.chosen ? `auto → ${row.auto.chosen}` : row.mode;
  return [
    mode,
    Number.isFinite(row.workers) ? String(row.workers) : '∞',
    row.seconds.toFixed(2),
    row.speedup === null ? '–' : `${row.speedup.toFixed(1)}×`,
    ...(io ? [row.floorSeconds === null ? '–' : row.floorSeconds.toFixed(2)] : []),
    `${Math.round(row.cpuPercent)}%${row.failed > 0 ? ` (${row.failed} failed)` : ''}`,
  ];
}

function footnotes(report: JobReport): string[] {
  const notes: string[] = [];
  if (report.job === 'io')
    notes.push("floor: the least time the sites' latency allows at that width (rounds × latency).");
  notes.push(
    'CPU use: CPU time over wall time, % of one core; worker threads included' +
      (report.rows.some((r) => r.mode === 'processes')
        ? report.rows.find((r) => r.mode === 'processes')?.childCpuCounted
          ? ', child processes included once exited.'
          : ', child processes NOT included (not measurable here).'
        : '.'),
  );
  return notes;
}

function short(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
