/**
 * What `conc compare` leaves: report.json and report.html written, then the JSON document or the
 * tables (conc's modes, the article's Python programs beside them with --python) and the advice.
 */
import pc from 'picocolors';
import type { Comparison, ComparisonOptions } from '../lab/compare.ts';
import { comparisonDocument, writeReports } from '../lab/compare.ts';
import { stringifyDocument } from '../lab/report/json.ts';
import { renderPythonTable, renderTable } from '../lab/report/table.ts';
import { safeText } from '../util/safe-text.ts';
import { sayErr, sayOut } from './say.ts';
import { terminalWidth, wrap } from './wrap.ts';
import { describeWriteError } from './write-errors.ts';

/**
 * Writes the reports, then prints the JSON document or the tables. A report that cannot be written
 * is said on stderr, after what is printed; returns whether the reports were written.
 */
export async function output(
  comparison: Comparison,
  options: ComparisonOptions,
  flags: { out: string; json?: boolean | undefined },
): Promise<boolean> {
  let htmlPath: string | undefined;
  let writeError: unknown;
  let text: string;
  try {
    const written = await writeReports(comparison, options, flags.out);
    htmlPath = written.html;
    text = stringifyDocument(written.document);
  } catch (error) {
    writeError = error;
    text = stringifyDocument(comparisonDocument(comparison, options, undefined));
  }
  if (flags.json) process.stdout.write(text);
  else printHuman(comparison, htmlPath);
  if (writeError)
    sayErr(`conc: could not write the report to ${flags.out}: ${describeWriteError(writeError)}`);
  return !writeError;
}

function printHuman(c: Comparison, htmlPath: string | undefined): void {
  // picocolors' rule, as the ecosystem's: NO_COLOR and --no-color turn colour off, FORCE_COLOR on, else a TTY
  const color = pc.isColorSupported;
  const out: string[] = [];
  const m = c.machine;
  out.push(`Machine: ${m.cores} cores (${m.cpuModel}), Node ${m.node}, load ${m.load}`);
  for (const report of [c.io, c.cpu, c.task]) {
    if (!report) continue;
    out.push('', renderTable(report, { color }));
    const python = renderPythonTable(report, { color });
    if (python) out.push('', python);
  }
  // notes name the interpreter the user gave (--python PATH): foreign text
  for (const note of c.python?.notes ?? []) out.push('', safeText(note));
  if (c.interrupted) {
    const by = c.interruptedBy === 'SIGTERM' ? 'SIGTERM' : 'Ctrl-C';
    out.push('', `Interrupted: the figures above are what was measured before ${by}.`);
  }
  const r = c.recommendation;
  // prose wrapped to the terminal (80 columns in a pipe), never inside a URL or a number
  const width = terminalWidth();
  out.push('', ...wrap(`Recommendation: ${r.summary}`, width, '  '));
  for (const a of [r.io, r.cpu, r.task]) if (a) out.push(...wrap(`  ${a.text}`, width, '    '));
  if (r.python) out.push(...wrap(`  ${r.python}`, width, '    '));
  for (const note of r.notes) out.push(...wrap(`  Note: ${note}`, width, '    '));
  if (htmlPath) out.push('', `Report: ${htmlPath}`);
  // the lab made foreign text safe where it entered (a task's error…); plain output is escaped once
  // more, whole, as every command's is (coloured tables carry their own escape sequences)
  if (color) process.stdout.write(`${out.join('\n')}\n`);
  else for (const line of out.join('\n').split('\n')) sayOut(line);
}
