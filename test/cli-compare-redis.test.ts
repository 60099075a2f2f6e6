/**
 * `conc compare --redis` runs mode distributed on a private queue served by a worker of its own: the
 * queue's keys are gone when it ends, however it ends (done, or stopped by SIGTERM). Needs Redis at
 * 127.0.0.1:6379; skipped loudly without it unless CI is set (then it must run).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnConc } from './helpers/spawn-cli.ts';

const REDIS = 'redis://127.0.0.1:6379';

async function redisUp(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port: 6379 });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** The keys of compare's private queues now in Redis (SCAN, never KEYS on a shared server). */
async function privateKeys(): Promise<Set<string>> {
  const redis = new Redis(REDIS, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    const keys = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', 'bull:conc-compare-*', 'COUNT', 1000);
      cursor = next;
      for (const key of batch) keys.add(key);
    } while (cursor !== '0');
    return keys;
  } finally {
    redis.disconnect();
  }
}

const available = await redisUp();
if (!available && !process.env.CI) {
  process.stderr.write(
    '\n⚠ test/cli-compare-redis.test.ts SKIPPED: no Redis at 127.0.0.1:6379. Start one with\n' +
      '  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\n',
  );
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'conc-compare-redis-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!available && !process.env.CI)('conc compare --redis leaves no private queue behind', () => {
  const cpu = ['compare', '--job', 'cpu', '--start', '1000', '--count', '4', '--redis', REDIS];

  it('after a finished run', async () => {
    const before = await privateKeys();
    const r = await spawnConc([...cpu, '--modes', 'sync,distributed', '--out', join(dir, 'done'), '--json'], {
      killAfterMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).cpu.map((row: { mode: string; failed: number }) => row)).toMatchObject([
      { mode: 'sync', failed: 0 },
      { mode: 'distributed', failed: 0, count: 4 },
    ]);
    const left = [...(await privateKeys())].filter((k) => !before.has(k));
    expect(left).toEqual([]);
  }, 90_000);

  it('after SIGTERM during the distributed run', async () => {
    const before = await privateKeys();
    let child: ChildProcess | undefined;
    // sums near 2^32 take seconds: the signal comes while the private worker runs them
    const run = spawnConc(
      [
        ...cpu.slice(0, 3),
        '--start',
        '4294967000',
        '--count',
        '2',
        '--redis',
        REDIS,
        '--modes',
        'distributed',
      ],
      { onSpawn: (c) => (child = c), killAfterMs: 60_000 },
    );
    // the run has begun once its private queue holds a job (bounded: the child is killed at 60 s)
    for (;;) {
      const fresh = [...(await privateKeys())].filter((k) => !before.has(k));
      if (fresh.some((k) => k.endsWith(':active'))) break;
      if (child && (child.exitCode !== null || child.signalCode !== null)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child!.kill('SIGTERM');
    const r = await run;
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain(
      'conc: stopping — closing workers and servers (SIGTERM again to quit at once)',
    );
    const left = [...(await privateKeys())].filter((k) => !before.has(k));
    expect(left).toEqual([]);
  }, 90_000);
});
