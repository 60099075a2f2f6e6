/**
 * The report's Python parts (`conc compare --python`): the article's programs beside conc's modes in
 * each job's section, and the measured Python column of the article's comparison.
 */
import type { JsonRow, JsonTwin } from './json.ts';
import { esc, num, times } from './text.ts';

/** Where the article is (a link only: the report stays offline). */
export const ARTICLE_URL = 'https://realpython.com/python-concurrency/';

/** The table of the article's programs next to their modes, or '' when none ran beside this job. */
export function pythonFigures(rows: readonly JsonRow[]): string {
  const paired = rows.filter((r): r is JsonRow & { python: JsonTwin } => r.python !== undefined);
  if (paired.length === 0) return '';
  const checks = [...new Set(paired.map((r) => r.python.check).filter((c) => c !== ''))];
  return `<h3>The article's Python programs beside conc</h3>
<table class="figures python">
<thead><tr><th>conc mode</th><th>conc s</th><th>Python program</th><th>workers</th><th>Python s</th><th>speedup</th><th>CPU use</th><th>Python ÷ conc</th><th>runs (s)</th></tr></thead>
<tbody>
${paired.map(pythonRow).join('\n')}
</tbody>
</table>
<p class="note">Python s: the program's own time, measured as <a href="${ARTICLE_URL}">the article</a> does (after its interpreter started and imported its modules; with start-up: ${paired.map((r) => `${esc(r.python.program)} ${num(r.python.processSeconds, 2)} s`).join(', ')}). A fresh interpreter per run, alternating with conc's runs. Speedup: over the article's loop (the _sync.py program). Checked: ${esc(checks.join('; ') || '–')}.</p>`;
}

function pythonRow(r: JsonRow & { python: JsonTwin }): string {
  const t = r.python;
  const conc = r.error === undefined ? num(r.seconds, 2) : 'failed';
  if (t.error !== undefined) {
    return `<tr><td>${esc(r.mode)}</td><td>${conc}</td><td class="text">${esc(t.program)}</td><td colspan="6" class="error">${esc(t.error)}</td></tr>`;
  }
  return `<tr><td>${esc(r.mode)}</td><td>${conc}</td><td class="text">${esc(t.program)}</td><td>${t.workers ?? '–'}</td><td>${num(t.seconds, 2)}</td><td>${t.speedup === null ? '–' : `${num(t.speedup, 1)}×`}</td><td>${t.cpuPercent}%</td><td>${t.ratio === null ? '–' : times(t.ratio)}</td><td>${t.runs.map((s) => num(s, 2)).join(', ')}</td></tr>`;
}

/** Whether the article's programs ran beside this job (then the comparison gains their column). */
export function hasPython(rows: readonly JsonRow[] | null): boolean {
  return rows?.some((r) => r.python !== undefined) ?? false;
}

/**
 * The measured Python cell of the article's comparison for one mode, one line per job: the program's
 * speedup over the article's loop and its seconds.
 */
export function pythonCell(
  jobs: readonly { name: string; rows: readonly JsonRow[] | null }[],
  mode: string,
): string {
  const lines = jobs.map(({ name, rows }) => {
    const t = rows?.find((r) => r.mode === mode)?.python;
    if (!t) return `<div class="na">${esc(name)}: no such program</div>`;
    if (t.error !== undefined || t.seconds === null)
      return `<div class="na">${esc(name)}: ${esc(t.error ?? 'not run')}</div>`;
    const speed = t.speedup === null ? '' : `${num(t.speedup, 1)}× · `;
    return `<div title="${esc(t.program)}">${esc(name)}: ${speed}${num(t.seconds, 2)} s</div>`;
  });
  return `<td>${lines.join('')}</td>`;
}
