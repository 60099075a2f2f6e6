/**
 * `conc compare --python` end to end, as a user runs it (a child process): the article's seven programs
 * beside conc's modes, each run checked; without python3 or its modules, a message saying which is
 * missing and how to install it, and the rest of the comparison still runs. Runs for real in CI
 * (`.ci/run` installs python3-requests and python3-aiohttp); elsewhere it skips, loudly, without them.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPython } from '../src/lab/python/interpreter.ts';

const BIN = new URL('../src/cli/bin.ts', import.meta.url).pathname;
const found = await findPython(['requests', 'aiohttp']);
const ready = Boolean(found.chosen?.modules.requests && found.chosen?.modules.aiohttp);
if (!ready && !process.env.CI) {
  console.warn(
    '\n⚠ SKIPPED conc compare --python (real run): no python3 with requests and aiohttp. Install them with `apt-get install -y python3-requests python3-aiohttp` to run it.\n',
  );
}
/** A small job: 10 downloads at 5 ms, 3 sums from 200 000 — every program still runs and is checked. */
const SMALL = ['--repeat', '5', '--latency', '5', '--start', '200000', '--count', '3', '--json'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function conc(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface Row {
  mode: string;
  seconds: number | null;
  python?: { program: string; seconds: number | null; ratio: number | null; check: string; error?: string };
}

const CHROMIUM = '/usr/bin/chromium';

/** The report in headless Chromium: no error, nothing fetched, the Python tables shown (7 programs). */
async function inChromium(file: string): Promise<void> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
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
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(file).href);
    expect(await page.locator('table.python tbody tr').count()).toBe(7);
    expect(await page.locator('table.python').first().isVisible()).toBe(true);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  } finally {
    await browser.close();
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'conc-compare-python-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!ready && !process.env.CI)('conc compare --python, for real', () => {
  it('runs the seven programs beside their modes, each checked, in the JSON and the report', async () => {
    const out = join(dir, 'real');
    const r = await conc(['compare', '--python', ...SMALL, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      io: Row[];
      cpu: Row[];
      python: { interpreter: string; notes: string[] };
    };
    expect(doc.python.interpreter).toMatch(/python/);
    expect(doc.python.notes[0]).toMatch(/^Python: the article's programs run on /);
    const programs = (rows: Row[]) => Object.fromEntries(rows.map((row) => [row.mode, row.python?.program]));
    expect(programs(doc.io)).toEqual({
      sync: 'io_bound_sync.py',
      async: 'io_bound_asyncio.py',
      threads: 'io_bound_threading.py',
      processes: 'io_bound_multiprocessing.py',
      auto: undefined,
    });
    expect(programs(doc.cpu)).toEqual({
      sync: 'cpu_bound_sync.py',
      async: undefined,
      threads: 'cpu_bound_threading.py',
      processes: 'cpu_bound_multiprocessing.py',
      auto: undefined,
    });
    for (const row of [...doc.io, ...doc.cpu].filter((x) => x.python)) {
      expect(row.python!.error, row.python!.program).toBeUndefined();
      expect(row.python!.seconds).toBeGreaterThan(0);
      expect(row.python!.ratio).toBeGreaterThan(0); // its arithmetic: test/lab-python-experiment.test.ts
    }
    for (const row of doc.io.filter((x) => x.python)) {
      expect(row.python!.check).toBe(`the demo sites counted 10 requests; ${5 * (40_960 + 2048)} bytes read`);
    }
    for (const row of doc.cpu.filter((x) => x.python)) expect(row.python!.check).toBe('all 3 sums exact');
    // alternating: each Python run is told right after its mode's run
    expect(r.stderr).toMatch(
      /io · sync: [\d.]+ s\nio · sync · io_bound_sync\.py: [\d.]+ s \(the demo sites counted 10 requests/,
    );
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain("<th>measured: the article's Python programs</th>");
    expect(html).toMatch(
      /<div title="io_bound_asyncio\.py">I\/O job: [\d.]+× · [\d.]+ s<\/div><div class="na">CPU job: no such program<\/div>/,
    );
    if (existsSync(CHROMIUM) || process.env.CI) await inChromium(join(out, 'report.html'));
  });

  it('prints the programs beside conc in a table of their own', async () => {
    const r = await conc([
      'compare',
      '--python',
      '--job',
      'cpu',
      '--modes',
      'sync,threads',
      ...SMALL.filter((a) => a !== '--json'),
      '--out',
      join(dir, 'table'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("CPU-bound job (sum of squares): the article's Python programs beside conc");
    expect(r.stdout).toMatch(
      /│ sync +│ +[\d.]+ │ cpu_bound_sync\.py +│ +1 │ +[\d.]+ │ +1\.0× │ +\d+% │ +[\d.]+× │/,
    );
    expect(r.stdout).toMatch(/│ threads +│ +[\d.]+ │ cpu_bound_threading\.py +│ +5 │/);
    expect(r.stdout).toContain('Checked: all 3 sums exact.');
  });
});

describe('conc compare --python without what it needs', () => {
  it('no python3: says so and how to install it; the rest of the comparison runs (exit 1)', async () => {
    const r = await conc([
      'compare',
      '--python',
      join(dir, 'no-python3'),
      '--modes',
      'sync,async',
      ...SMALL,
      '--out',
      join(dir, 'none'),
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /Python: no usable Python 3 \(.*no-python3: not found\)\. Install it — Debian\/Ubuntu: apt-get install python3 python3-requests python3-aiohttp/,
    );
    const doc = JSON.parse(r.stdout) as { io: Row[]; cpu: Row[]; python: { interpreter: null } };
    expect(doc.python.interpreter).toBeNull();
    expect(doc.io.map((row) => [row.mode, row.seconds !== null])).toEqual([
      ['sync', true],
      ['async', true],
    ]);
    expect(doc.io[0]!.python).toMatchObject({
      program: 'io_bound_sync.py',
      error: 'not run: no usable Python 3',
      seconds: null,
    });
    expect(doc.cpu[1]!.python).toBeUndefined(); // no asyncio CPU program in the article
  });

  it.skipIf(!found.chosen)(
    'a python3 without requests and aiohttp: names them; the CPU programs still run',
    async () => {
      const bare = join(dir, 'python3-bare');
      await writeFile(bare, `#!/bin/sh\nexec ${found.chosen!.executable} -S "$@"\n`);
      await chmod(bare, 0o755);
      const r = await conc([
        'compare',
        '--python',
        bare,
        '--modes',
        'sync,async',
        ...SMALL,
        '--out',
        join(dir, 'bare'),
      ]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(
        /has no requests and no aiohttp, so io_bound_sync\.py, io_bound_asyncio\.py will not run\. Install them — Debian\/Ubuntu: apt-get install python3-requests python3-aiohttp/,
      );
      const doc = JSON.parse(r.stdout) as { io: Row[]; cpu: Row[] };
      expect(doc.io[0]!.python!.error).toMatch(/^not run: .* has no requests$/);
      expect(doc.io[1]!.python!.error).toMatch(/^not run: .* has no aiohttp$/);
      expect(doc.cpu[0]!.python).toMatchObject({ program: 'cpu_bound_sync.py', check: 'all 3 sums exact' });
      expect(doc.cpu[0]!.python!.error).toBeUndefined();
    },
  );

  it('--python with only your own task is a usage error', async () => {
    const r = await conc([
      'compare',
      '--python',
      '--task',
      'test/fixtures/profile-tasks.ts#spin',
      '--args',
      '[1]',
      '--out',
      dir,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--python runs the article's programs, which do its I\/O and CPU jobs/);
  });
});
