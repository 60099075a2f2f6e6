/**
 * SIGINT and SIGTERM end every command the same way: stop the work, print what was measured (a partial
 * summary), write what can be written (--out, --json with `partial`), exit 130 / 143.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conc } from './helpers/cli.ts';
import { startSilentServer } from './helpers/silent-server.ts';
import { signalWhen, spawnConc } from './helpers/spawn-cli.ts';

const HOSTILE = 'test/fixtures/hostile-tasks.ts';
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'conc-signals-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The listener a command added for `signal` (in-process runs: calling it is what the signal does). */
async function listenerFor(signal: 'SIGINT' | 'SIGTERM', before: Set<unknown>): Promise<() => void> {
  for (let i = 0; i < 10_000; i++) {
    const added = process.listeners(signal).filter((l) => !before.has(l));
    if (added.length > 0) return () => (added[0] as (s: string) => void)(signal);
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`no ${signal} listener was added`);
}

describe('conc io', () => {
  it('SIGTERM: stops the downloads, prints the partial summary, exits 143', async () => {
    await using silent = await startSilentServer();
    let child: ChildProcess | undefined;
    const run = spawnConc(['io', silent.url('a'), silent.url('b'), '--retries', '0'], {
      onSpawn: (c) => {
        child = c;
      },
    });
    await silent.requesting(2);
    child!.kill('SIGTERM');
    const r = await run;
    expect(r.code).toBe(143);
    expect(r.stderr).toBe('conc: stopping the downloads (SIGTERM again to quit at once)\n');
    expect(r.stdout).toMatch(
      /^Downloaded 0 of 2 sites in \d+\.\d\d seconds \(interrupted by SIGTERM: 2 not downloaded\)\n$/,
    );
    await silent.allClosed();
  });

  it('SIGINT with --json: one document marked partial, with the results so far', async () => {
    await using silent = await startSilentServer();
    const before = new Set<unknown>(process.listeners('SIGINT'));
    const run = conc('io', silent.url('a'), '--retries', '0', '--json');
    await silent.requesting(1);
    (await listenerFor('SIGINT', before))();
    const { code, out } = await run;
    expect(code).toBe(130);
    expect(JSON.parse(out)).toMatchObject({
      job: 'io',
      partial: true,
      interruptedBy: 'SIGINT',
      count: 1,
      done: 0,
      ok: 0,
      results: [],
    });
  });
});

describe('conc cpu', () => {
  it('SIGTERM: stops the sums, prints the duration so far, exits 143', async () => {
    const before = new Set<unknown>(process.listeners('SIGTERM'));
    // four sums near 2^32: seconds each on a thread, so the signal comes while they run
    const run = conc('cpu', '--mode', 'threads', '--workers', '1', '--start', '4294967000', '--count', '4');
    (await listenerFor('SIGTERM', before))();
    const { code, out, err } = await run;
    expect(code).toBe(143);
    expect(err).toBe('conc: stopping the sums (SIGTERM again to quit at once)\n');
    expect(out).toMatch(/^Duration \d+\.\d\d seconds \(interrupted by SIGTERM: 0 of 4 sums done\)\n$/);
    expect(process.listeners('SIGTERM').filter((l) => !before.has(l))).toEqual([]);
  });
});

describe('conc profile', () => {
  it('SIGTERM after some calls: prints the profile of the calls measured, marked partial, exits 143', async () => {
    const ticks = (s: string) => s.split('tick\n').length - 1;
    const r = await spawnConc(['profile', `${HOSTILE}#tick`, '--args', '[20]', '--runs', '1000', '--json'], {
      until: signalWhen((out) => ticks(out.stderr) >= 4, 'SIGTERM'),
    });
    expect(r.code).toBe(143);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ partial: true, interruptedBy: 'SIGTERM', target: { name: 'tick' } });
    // the warm-up call is not measured; every measured call finished before the stop
    expect(doc.calls.length).toBeGreaterThanOrEqual(3);
    expect(doc.calls.length).toBeLessThan(1000);
    expect(r.stderr).toContain('conc: stopping the profile (SIGTERM again to quit at once)\n');
  });
});

describe('conc compare', () => {
  it('SIGTERM: prints the rows measured, writes the report marked partial, exits 143', async () => {
    const out = join(dir, 'term');
    const r = await spawnConc(
      [
        'compare',
        '--task',
        `${HOSTILE}#tick`,
        '--args',
        '[5]',
        '--modes',
        'sync,async,threads',
        '--out',
        out,
      ],
      { until: signalWhen((o) => /task · sync: \d/.test(o.stderr), 'SIGTERM'), killAfterMs: 60_000 },
    );
    expect(r.code).toBe(143);
    expect(r.stderr).toContain(
      'conc: stopping — closing workers and servers (SIGTERM again to quit at once)',
    );
    expect(r.stdout).toContain('Interrupted: the figures above are what was measured before SIGTERM.');
    const doc = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(doc).toMatchObject({ partial: true, interrupted: true, interruptedBy: 'SIGTERM' });
    expect(doc.task[0]).toMatchObject({ mode: 'sync', count: 1, failed: 0 });
    expect(await readFile(join(out, 'report.html'), 'utf8')).toContain('interrupted: partial results');
  });
});
