/** `conc compare` end to end, as a user runs it: a child process, its stdout, stderr and exit code. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSites } from '../src/workloads/sites.ts';

const BIN = new URL('../src/cli/bin.ts', import.meta.url).pathname;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function conc(args: string[], onStderr?: (text: string, child: ChildProcess) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'conc-compare-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('conc compare: bad input is a usage error (exit 2) with a clear message', () => {
  it('rejects an unknown mode in --modes', async () => {
    const r = await conc(['compare', '--modes', 'sync,warp', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--modes must be one of sync, async, threads, processes, distributed, auto; got "warp"/,
    );
  });

  it('rejects --runs 0', async () => {
    const r = await conc(['compare', '--runs', '0', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--runs must be between 1 and/);
  });

  it('rejects an --out it cannot write to, before running anything', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const r = await conc(['compare', '--out', join(file, 'sub')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--out .*a-file\/sub: .* (is not a directory|cannot be created).* Pick a directory you can write to/,
    );
    expect(r.stdout).toBe('');
  });

  it('rejects a bad URL of your own', async () => {
    const r = await conc(['compare', '--job', 'io', 'ftp://example.org/x', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/argument 1: unsupported scheme "ftp:"/);
  });

  it('refuses a --task that is not a function, and --args without --task', async () => {
    const r = await conc(['compare', '--task', 'test/fixtures/profile-tasks.ts#notAFunction', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--task: Task "notAFunction" .* is not a function/);
    const r2 = await conc(['compare', '--args', '[1]', '--out', dir]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/--args goes with --task/);
  });

  it('asks for --redis when mode distributed is listed', async () => {
    const r = await conc(['compare', '--modes', 'sync,distributed', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mode distributed needs a Redis: add --redis/);
  });
});

describe('conc compare: a small real comparison', () => {
  it('--json prints the document; report.html and report.json are written', async () => {
    const out = join(dir, 'json');
    const r = await conc([
      'compare',
      '--job',
      'io',
      '--modes',
      'sync,async,auto',
      '--repeat',
      '10',
      '--latency',
      '40',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.io.map((row: { mode: string }) => row.mode)).toEqual(['sync', 'async', 'auto']);
    expect(doc.cpu).toBeNull();
    expect(doc.io[0]).toMatchObject({ workers: 1, speedup: 1, failed: 0, count: 20 });
    // the same fields as `conc io --json`'s auto, its reason included
    expect(doc.io[2].auto).toMatchObject({
      chosen: 'async',
      verdict: 'io-bound',
      reason: expect.stringMatching(/^I\/O-bound: /),
    });
    expect(doc.recommendation.io.verdict).toBe('io-bound');
    expect(doc.report).toBe(join(out, 'report.html'));
    expect(existsSync(doc.report)).toBe(true);
    expect(JSON.parse(await readFile(join(out, 'report.json'), 'utf8'))).toEqual(doc);
  });

  it('prints a table per job and the recommendation', async () => {
    const out = join(dir, 'human');
    const r = await conc([
      'compare',
      '--modes',
      'sync,threads',
      '--repeat',
      '2',
      '--latency',
      '1',
      '--count',
      '2',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/I\/O-bound job \(download the sites\)/);
    expect(r.stdout).toMatch(/CPU-bound job \(sum of squares\)/);
    expect(r.stdout).toMatch(/│ mode\s+│ workers │ seconds │ speedup │ floor │\s+CPU use │/);
    expect(r.stdout).toMatch(/Recommendation: /);
    expect(r.stdout).toContain(`Report: ${join(out, 'report.html')}`);
    expect(r.stderr).toMatch(/cpu · threads: \d+\.\d\d s/); // not a TTY: one line per run
  });

  it('compares on your own URLs (arguments), without a floor', async () => {
    const sites = await startSites({ latencyMs: 20 });
    try {
      const out = join(dir, 'own');
      const r = await conc([
        'compare',
        sites.pages.jython,
        sites.pages.dice,
        '--job',
        'io',
        '--modes',
        'sync,async',
        '--repeat',
        '3',
        '--out',
        out,
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.io.map((row: { count: number }) => row.count)).toEqual([6, 6]);
      expect(doc.io[0].floorSeconds).toBeNull();
      expect(sites.stats().requests).toBeGreaterThanOrEqual(12);
    } finally {
      await sites.close();
    }
  });

  it('compares your own task (--task MODULE#EXPORT --args …)', async () => {
    const out = join(dir, 'task');
    const r = await conc([
      'compare',
      '--task',
      'test/fixtures/profile-tasks.ts#wait',
      '--args',
      '[40]',
      '--repeat',
      '6',
      '--modes',
      'sync,async',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.io).toBeNull();
    expect(doc.cpu).toBeNull();
    expect(doc.task.map((row: { mode: string; count: number }) => [row.mode, row.count])).toEqual([
      ['sync', 6],
      ['async', 6],
    ]);
    expect(doc.recommendation.task).toMatchObject({ verdict: 'io-bound', use: 'async' });
    expect(doc.settings.task).toEqual({ target: 'test/fixtures/profile-tasks.ts#wait', calls: 6 });
  });

  it('Ctrl-C stops cleanly: prints what was measured, writes the report, exits 130', async () => {
    const out = join(dir, 'interrupted');
    let sent = false;
    const r = await conc(
      ['compare', '--job', 'io', '--modes', 'async,sync', '--repeat', '400', '--latency', '20', '--out', out],
      (stderr, child) => {
        if (!sent && /io · async: /.test(stderr)) {
          sent = true;
          setTimeout(() => child.kill('SIGINT'), 300); // well into the slow sync run
        }
      },
    );
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/stopping — closing workers and servers/);
    expect(r.stdout).toMatch(/interrupted, partial/);
    expect(r.stdout).toMatch(/│ async/);
    expect(r.stdout).not.toMatch(/│ sync/);
    const doc = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(doc.interrupted).toBe(true);
  });
});
