/**
 * The comparison as one self-contained HTML page: chart.js inlined (no CDN, works offline), the data
 * inlined as JSON, bar charts of seconds and speedup per mode for each job, the machine, the article's
 * comparison beside what we measured, and the recommendation in plain words.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Mode } from '../../executor.ts';
import type { JobAdvice } from '../advice.ts';
import { MODELS } from '../article.ts';
import type { JobName } from '../experiment.ts';
import type { CompareDocument, JsonRow } from './json.ts';
import { ARTICLE_URL, hasPython, pythonCell, pythonFigures } from './python-html.ts';
import { esc, num } from './text.ts';

const JOBS: readonly JobName[] = ['io', 'cpu', 'task'];
const NAMES: Record<JobName, string> = { io: 'I/O job', cpu: 'CPU job', task: 'your task' };

/** One chart of the page: one bar per mode. */
export interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  labels: string[];
  values: (number | null)[];
  colors: string[];
}

const COLORS: Record<Mode, string> = {
  sync: '#8c8c8c',
  async: '#2f7ed8',
  threads: '#e4572e',
  processes: '#a0522d',
  distributed: '#6a4c93',
  auto: '#2a9d4f',
};

let chartJs: string | null | undefined;

/** chart.js's UMD build, without its source-map comment; null when chart.js is not installed. */
export function chartJsSource(): string | null {
  if (chartJs !== undefined) return chartJs;
  try {
    const entry = createRequire(import.meta.url).resolve('chart.js');
    const source = readFileSync(join(dirname(entry), 'chart.umd.min.js'), 'utf8');
    chartJs = source.replace(/^\/\/# sourceMappingURL=.*$/m, '');
  } catch {
    chartJs = null;
  }
  return chartJs;
}

/** The charts for a document: seconds and speedup for each job that ran. */
export function chartSpecs(doc: CompareDocument): ChartSpec[] {
  const specs: ChartSpec[] = [];
  for (const job of JOBS) {
    const rows = (doc[job] ?? []).filter((r) => r.error === undefined && r.seconds !== null);
    if (rows.length === 0) continue;
    const labels = rows.map(label);
    const colors = rows.map((r) => COLORS[r.mode as Mode] ?? '#555');
    const name = NAMES[job];
    specs.push({
      id: `chart-${job}-seconds`,
      title: `${name}: seconds (lower is better)`,
      unit: 'seconds',
      labels,
      values: rows.map((r) => r.seconds),
      colors,
    });
    specs.push({
      id: `chart-${job}-speedup`,
      title: `${name}: speedup over sync (higher is better)`,
      unit: '× sync',
      labels,
      values: rows.map((r) => r.speedup),
      colors,
    });
  }
  return specs;
}

/** Renders the page. */
export function renderHtml(doc: CompareDocument, generatedAt = new Date()): string {
  const specs = chartSpecs(doc);
  const lib = chartJsSource();
  const m = doc.machine;
  const rec = doc.recommendation;
  const jobs = JOBS.filter((job) => doc[job] != null);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>conc compare — which concurrency fits which work</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Which concurrency fits which work</h1>
<p class="meta">The lab of <a href="${ARTICLE_URL}">Speed Up Your Python Program With Concurrency</a> (Real Python), its two jobs run in every mode of conc.</p>
<p class="meta">Measured by <code>conc compare</code> on ${esc(generatedAt.toISOString().replace('T', ' ').slice(0, 16))} UTC ·
${m.cores} core${m.cores === 1 ? '' : 's'} (${esc(m.cpuModel)}) · Node ${esc(m.node)} · ${esc(m.platform)} · ${m.memoryGiB} GiB ·
load ${m.load} at start · median of ${doc.settings.runs} run${doc.settings.runs === 1 ? '' : 's'} per mode${doc.interrupted ? ' · <strong>interrupted: partial results</strong>' : ''}</p>
</header>
<section id="recommendation" class="recommendation">
<h2>Recommendation</h2>
<p class="summary">${esc(rec.summary)}</p>
${[rec.io, rec.cpu, rec.task]
  .filter((a): a is JobAdvice => a !== undefined)
  .map(
    (a) =>
      `<p><strong>${a.verdict === 'io-bound' ? 'I/O-bound' : 'CPU-bound'} (${NAMES[a.job]}):</strong> ${esc(a.text)}</p>`,
  )
  .join('\n')}
${rec.python ? `<p><strong>The article's programs:</strong> ${esc(rec.python)}</p>` : ''}
${rec.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('\n')}
</section>
${jobs.map((job) => jobSection(job, doc, specs)).join('\n')}
<section>
<h2>The article's comparison, and what we measured</h2>
${articleTable(doc)}
</section>
<footer>
<p><strong>CPU use</strong> is CPU time over wall time, in % of one core (200% = two cores busy): the CPU time of this process's threads — worker threads included —${doc.io?.some((r) => r.mode === 'processes') || doc.cpu?.some((r) => r.mode === 'processes') ? ' plus that of child processes once they exited (Linux);' : ''} the demo sites run in the same process, so their CPU time is in the I/O figures. Redis workers' CPU time (distributed) is not counted. <strong>Floor</strong>: the least time the sites' latency allows at that width.</p>
</footer>
<script type="application/json" id="conc-data">${jsonForScript({ charts: specs, document: doc })}</script>
${lib === null ? '' : `<script>${lib}</script>`}
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

function jobSection(job: JobName, doc: CompareDocument, specs: ChartSpec[]): string {
  const rows = doc[job] ?? [];
  const st = doc.settings;
  const title = {
    io: 'I/O-bound job: download the sites',
    cpu: 'CPU-bound job: sum of squares',
    task: 'Your task',
  }[job];
  const what = {
    io: `${rows[0]?.count ?? '?'} downloads${st.latencyMs === undefined ? ' of your URLs' : ` from the embedded demo sites, each answered after ${st.latencyMs} ms`}.`,
    cpu: `the sum of i² for i below each of ${st.cpuCount} numbers from ${st.cpuStart.toLocaleString('en-US')}.`,
    task: `${st.task?.calls ?? '?'} calls of ${st.task?.target ?? 'your task'}.`,
  }[job];
  const charts = specs.filter((s) => s.id.startsWith(`chart-${job}-`));
  return `<section id="job-${job}">
<h2>${title}</h2>
<p class="note">The job: ${esc(what)}</p>
<div class="charts">
${charts.map((c) => `<figure><div class="chart-box"><canvas id="${c.id}" role="img" aria-label="${esc(c.title)}"></canvas></div></figure>`).join('\n')}
</div>
<table class="figures">
<thead><tr><th>mode</th><th>workers</th><th>seconds</th><th>speedup</th>${job === 'io' ? '<th>floor</th>' : ''}<th>CPU use</th><th>runs (s)</th></tr></thead>
<tbody>
${rows.map((r) => figureRow(r, job === 'io')).join('\n')}
</tbody>
</table>
${pythonFigures(rows)}
</section>`;
}

function figureRow(r: JsonRow, io: boolean): string {
  if (r.error !== undefined) {
    return `<tr><td>${esc(r.mode)}</td><td colspan="${io ? 6 : 5}" class="error">did not run: ${esc(r.error)}</td></tr>`;
  }
  return `<tr><td>${esc(label(r))}</td><td>${r.workers ?? '∞'}</td><td>${num(r.seconds, 2)}</td><td>${r.speedup === null ? '–' : `${num(r.speedup, 1)}×`}</td>${io ? `<td>${r.floorSeconds === null ? '–' : num(r.floorSeconds, 2)}</td>` : ''}<td>${r.cpuPercent}%${r.failed > 0 ? ` <span class="error">(${r.failed} failed)</span>` : ''}</td><td>${r.runs.map((s) => num(s, 2)).join(', ')}</td></tr>`;
}

function articleTable(doc: CompareDocument): string {
  const ran = JOBS.filter((job) => doc[job] != null);
  const python = ran.filter((job) => hasPython(doc[job]));
  const pythonJobs = python.map((job) => ({ name: NAMES[job], rows: doc[job] }));
  const measured = (job: JobName, mode: Mode): string => {
    const row = doc[job]?.find((r) => r.mode === mode && r.error === undefined);
    if (!row) return '<td class="na">not run</td>';
    return `<td>${row.speedup === null ? `${num(row.seconds, 2)} s` : `${num(row.speedup, 1)}×`}</td>`;
  };
  return `<table class="article">
<thead><tr><th>conc mode</th><th>in the article</th><th>switching decision</th><th>processors</th><th>fits (article)</th>${python.length > 0 ? "<th>measured: the article's Python programs</th>" : ''}${ran.map((job) => `<th>measured: ${NAMES[job]}</th>`).join('')}</tr></thead>
<tbody>
${MODELS.map((f) => `<tr><td><code>${f.mode}</code></td><td>${esc(f.python)}</td><td>${esc(f.switching)}</td><td>${esc(f.processors)}</td><td>${esc(f.fits)}</td>${python.length > 0 ? pythonCell(pythonJobs, f.mode) : ''}${ran.map((job) => measured(job, f.mode)).join('')}</tr>`).join('\n')}
</tbody>
</table>
<p class="note">Measured columns: speedup over sync (or seconds when sync was not run)${python.length > 0 ? `; Python: the <a href="${ARTICLE_URL}">article's</a> programs run here, speedup over its loop and seconds` : ''}.</p>
${(doc.python?.notes ?? []).map((n) => `<p class="note">${esc(n)}</p>`).join('\n')}`;
}

function label(r: JsonRow): string {
  return r.auto?.chosen ? `auto → ${r.auto.chosen}` : r.mode;
}

/** JSON safe inside <script>: no `</script>`, no `<!--`. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const PAGE_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('conc-data').textContent);
  data.charts.forEach(function (spec) {
    var canvas = document.getElementById(spec.id);
    if (typeof Chart === 'undefined') {
      canvas.parentNode.innerHTML = '<p class="note">Charts need chart.js, which was not installed when this report was written; the figures are in the table below.</p>';
      return;
    }
    new Chart(canvas, {
      type: 'bar',
      data: { labels: spec.labels, datasets: [{ label: spec.unit, data: spec.values, backgroundColor: spec.colors }] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: false }, title: { display: true, text: spec.title, font: { size: 14 } } },
        scales: { y: { beginAtZero: true, title: { display: true, text: spec.unit } } }
      }
    });
  });
})();
`;

const CSS = `
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f; margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 28px 0 10px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta { color: #555; margin: 0; }
.recommendation { background: #eef6ee; border-left: 5px solid #2a9d4f; padding: 4px 18px 10px; margin-top: 18px; }
.recommendation h2 { border: 0; margin-top: 10px; }
.summary { font-size: 17px; font-weight: 600; }
.note { color: #666; font-size: 13px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure { flex: 1 1 420px; margin: 0; }
.chart-box { position: relative; height: 260px; }
table { border-collapse: collapse; width: 100%; margin-top: 12px; font-size: 14px; }
th, td { border: 1px solid #ddd; padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f5f5f7; }
.figures td:not(:first-child) { text-align: right; font-variant-numeric: tabular-nums; }
.figures td.text { text-align: left; }
h3 { font-size: 16px; margin: 20px 0 6px; }
.error { color: #b00020; }
.na { color: #999; }
footer { margin-top: 28px; color: #555; font-size: 13px; }
`;
