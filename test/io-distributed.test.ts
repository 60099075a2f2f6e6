/**
 * runIoJob in mode distributed: the io tasks reach a `conc worker` through Redis. Needs Redis at
 * 127.0.0.1:6379; skipped loudly without it unless CI is set (then it must run).
 */
import { createConnection } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startWorker } from '../src/worker/index.ts';
import { runIoJob } from '../src/workloads/io-job.ts';
import { PAGE_BYTES, startSites } from '../src/workloads/sites.ts';
import { removeQueue, uniqueQueue, usedQueues } from './fixtures/distributed-redis.ts';
import { leftoverKeys } from './helpers/redis-keys.ts';

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

const available = await redisUp();
if (!available && !process.env.CI) {
  console.warn(
    '\n⚠ test/io-distributed.test.ts SKIPPED: no Redis at 127.0.0.1:6379. Start one with\n' +
      '  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\n',
  );
}

describe.skipIf(!available && !process.env.CI)('runIoJob in mode distributed', () => {
  afterAll(async () => {
    expect(await leftoverKeys(REDIS, usedQueues())).toEqual([]); // Redis as we found it
  });

  it('downloads through a worker, results in list order; jobs with the same options share its session', async () => {
    await using sites = await startSites({ latencyMs: 0 });
    const queue = uniqueQueue('io');
    const worker = await startWorker({ redis: REDIS, queue, mode: 'async', concurrency: 8, log: () => {} });
    try {
      const urls = [sites.pages.jython, 'notaurl', sites.pages.dice];
      for (let run = 0; run < 2; run++) {
        const report = await runIoJob({
          mode: 'distributed',
          redis: REDIS,
          queue,
          urls,
          repeat: 2,
          retries: 0,
        });
        expect(report).toMatchObject({ job: 'io', mode: 'distributed', count: 6, ok: 4, failed: 2 });
        expect(report.results.map((r) => r.bytes)).toEqual([
          PAGE_BYTES.jython,
          0,
          PAGE_BYTES.dice,
          PAGE_BYTES.jython,
          0,
          PAGE_BYTES.dice,
        ]);
        expect(report.results[1]!.error).toContain('not a valid URL');
      }
      const { requests, connections } = sites.stats();
      expect(requests).toBe(8);
      expect(connections).toBeLessThan(requests); // the second job reused the first one's connections
    } finally {
      await worker.close({ force: true });
      await removeQueue(queue, REDIS);
    }
  });

  it('fails each URL clearly, instead of waiting forever, when no worker listens', async () => {
    await using sites = await startSites({ latencyMs: 0 });
    const queue = uniqueQueue('io-nobody');
    try {
      const report = await runIoJob({
        mode: 'distributed',
        redis: REDIS,
        queue,
        urls: [sites.pages.dice],
        timeoutMs: 200,
        retries: 0,
      });
      expect(report).toMatchObject({ count: 1, ok: 0, failed: 1 });
      expect(report.results[0]!.error).toContain(`no conc worker listens on queue "${queue}"`);
    } finally {
      await removeQueue(queue, REDIS);
    }
  });
});
