/**
 * The HTML report in a real browser: headless Debian Chromium via playwright-core. Each chart must have
 * rendered one bar per mode, the recommendation must be visible, nothing may be fetched from the network,
 * and a screenshot is saved under test-results/.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advise } from '../src/lab/advice.ts';
import { runComparison, writeReports } from '../src/lab/compare.ts';
import type { JobReport, ModeRow } from '../src/lab/experiment.ts';
import type { Machine } from '../src/lab/machine.ts';
import { chartJsSource, chartSpecs, renderHtml } from '../src/lab/report/html.ts';
import { toDocument } from '../src/lab/report/json.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && !process.env.CI) {
  console.warn(
    `\n⚠ SKIPPED report-html browser test: ${CHROMIUM} not found. Install it with \`apt-get install -y chromium\` (never \`playwright install\`) to run it.\n`,
  );
}

const machine: Machine = {
  cores: 2,
  cpuModel: 'Test CPU',
  node: 'v20.20.2',
  platform: 'linux test x64',
  memoryGiB: 8,
  load: 0.5,
};

function row(
  mode: ModeRow['mode'],
  seconds: number,
  workers: number,
  cpuPercent: number,
  extra: Partial<ModeRow> = {},
): ModeRow {
  return {
    mode,
    workers,
    seconds,
    speedup: null,
    floorSeconds: null,
    cpuPercent,
    childCpuCounted: true,
    cpuWaitPercent: null,
    failed: 0,
    count: 160,
    runs: [seconds],
    ...extra,
  };
}

function withSpeedup(rows: ModeRow[]): ModeRow[] {
  const sync = rows.find((r) => r.mode === 'sync')!;
  return rows.map((r) => ({ ...r, speedup: sync.seconds / r.seconds }));
}

function sampleDocument(htmlPath: string) {
  const io: JobReport = {
    job: 'io',
    interrupted: false,
    rows: withSpeedup([
      row('sync', 8.4, 1, 9, { floorSeconds: 8 }),
      row('async', 0.31, 160, 60, { floorSeconds: 0.05 }),
      row('threads', 1.9, 5, 35, { floorSeconds: 1.6 }),
      row('processes', 4.6, 2, 30, { floorSeconds: 4 }),
      row('auto', 0.42, 80, 55, {
        floorSeconds: 0.1,
        auto: { chosen: 'async', verdict: 'io-bound', width: 80 },
      }),
    ]),
  };
  const cpu: JobReport = {
    job: 'cpu',
    interrupted: false,
    rows: withSpeedup([
      row('sync', 4.1, 1, 99),
      row('async', 4.2, 2, 99),
      row('threads', 2.2, 2, 190),
      row('processes', 2.4, 2, 185),
      row('auto', 2.3, 2, 188, { auto: { chosen: 'threads', verdict: 'cpu-bound', width: 2 } }),
    ]),
  };
  const recommendation = advise(machine, { io, cpu });
  return toDocument({
    machine,
    settings: {
      runs: 1,
      modes: ['sync', 'async', 'threads', 'processes', 'auto'],
      latencyMs: 50,
      repeat: 80,
      cpuStart: 100_000_000,
      cpuCount: 20,
    },
    io,
    cpu,
    recommendation,
    report: htmlPath,
  });
}

describe('report.html (static)', () => {
  it('is self-contained: chart.js inlined, no external script, style or source map', () => {
    const html = renderHtml(sampleDocument('/x/report.html'));
    expect(chartJsSource()).not.toBeNull();
    expect(html).toContain('Chart');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).not.toMatch(/https?:\/\/cdn/);
    expect(html).not.toContain('sourceMappingURL');
    expect(html).toContain('id="recommendation"');
  });

  it('escapes text and keeps the inlined data from closing its script', () => {
    const doc = sampleDocument('/x/report.html');
    doc.machine = { ...doc.machine, cpuModel: '</script><b>evil</b>' };
    const html = renderHtml(doc);
    expect(html).not.toContain('</script><b>');
    expect(html).toContain('&#60;/script&#62;&#60;b&#62;evil');
  });

  it('has two charts per job, one bar per mode that ran', () => {
    const specs = chartSpecs(sampleDocument('/x/report.html'));
    expect(specs.map((s) => s.id)).toEqual([
      'chart-io-seconds',
      'chart-io-speedup',
      'chart-cpu-seconds',
      'chart-cpu-speedup',
    ]);
    for (const s of specs) expect(s.values).toHaveLength(5);
  });
});

describe.skipIf(!hasChromium && !process.env.CI)('report.html in headless Chromium', () => {
  let dir: string;
  let browser: import('playwright-core').Browser | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'conc-report-'));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('renders every chart with one bar per mode, shows the recommendation, fetches nothing', async () => {
    const file = join(dir, 'report.html');
    const doc = sampleDocument(file);
    await writeFile(file, renderHtml(doc));
    const page = await browser!.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    try {
      await page.goto(pathToFileURL(file).href);
      // runs in the page (a string: this project's types have no DOM)
      const charts = (await page.evaluate(`[...document.querySelectorAll('canvas')].map((canvas) => {
        const chart = Chart.getChart(canvas);
        return { id: canvas.id, bars: chart ? chart.getDatasetMeta(0).data.length : -1, width: canvas.width };
      })`)) as { id: string; bars: number; width: number }[];
      expect(charts.map((c) => c.id)).toEqual([
        'chart-io-seconds',
        'chart-io-speedup',
        'chart-cpu-seconds',
        'chart-cpu-speedup',
      ]);
      for (const c of charts) {
        expect(c.bars).toBe(doc.io!.length);
        expect(c.width).toBeGreaterThan(0);
      }
      const recommendation = page.locator('#recommendation');
      expect(await recommendation.isVisible()).toBe(true);
      expect(await recommendation.textContent()).toContain(doc.recommendation.summary);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      await mkdir('test-results', { recursive: true });
      await page.screenshot({ path: 'test-results/report.png', fullPage: true });
    } finally {
      await page.close();
    }
  });
  it('end to end: the report `conc compare` writes renders one bar per mode that ran', async () => {
    const out = join(dir, 'e2e');
    const options = {
      jobs: ['io', 'cpu'] as const,
      modes: ['sync', 'async', 'threads', 'auto'] as const,
      runs: 1,
      latencyMs: 50,
      repeat: 5,
      start: 50_000_000,
      count: 3,
    };
    const comparison = await runComparison({
      ...options,
      jobs: [...options.jobs],
      modes: [...options.modes],
    });
    const { html, document: doc } = await writeReports(
      comparison,
      { ...options, jobs: [...options.jobs], modes: [...options.modes] },
      out,
    );
    const page = await browser!.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(pathToFileURL(html).href);
      const bars = (await page.evaluate(
        `[...document.querySelectorAll('canvas')].map((c) => [c.id, Chart.getChart(c)?.getDatasetMeta(0).data.length ?? -1])`,
      )) as [string, number][];
      expect(bars.map(([id]) => id)).toEqual([
        'chart-io-seconds',
        'chart-io-speedup',
        'chart-cpu-seconds',
        'chart-cpu-speedup',
      ]);
      for (const [id, n] of bars)
        expect(n, id).toBe(
          (id.includes('-io-') ? doc.io : doc.cpu)!.filter((r) => r.error === undefined).length,
        );
      expect(await page.locator('#recommendation').textContent()).toContain(doc.recommendation.summary);
      expect(errors).toEqual([]);
      await mkdir('test-results', { recursive: true });
      await page.screenshot({ path: 'test-results/report-e2e.png', fullPage: true });
    } finally {
      await page.close();
    }
  });
});
