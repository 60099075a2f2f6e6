/**
 * The executor conformance suite, run on mode 'distributed' against the real Redis: two in-process
 * `conc worker`s (threads) on a queue of this file's own. The suite builds its executors with
 * createExecutor({ mode }); the mock below only adds this test's Redis URL and queue name.
 */
import { afterAll, beforeAll, describe, expect, vi } from 'vitest';
import { type DistributedWorker, startWorker } from '../src/worker/index.ts';
import { executorSuite } from './conformance/suite.ts';
import { REDIS, redisAvailable, removeQueue } from './fixtures/distributed-redis.ts';
import { leftoverKeys } from './helpers/redis-keys.ts';

const { queue } = vi.hoisted(() => ({
  queue: `conc-test-conformance-${process.pid}-${Date.now().toString(36)}`,
}));

vi.mock('../src/index.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/index.ts')>();
  const redis = process.env.CONC_TEST_REDIS ?? 'redis://127.0.0.1:6379';
  return {
    ...real,
    createExecutor: (options: Parameters<typeof real.createExecutor>[0]) =>
      real.createExecutor(options.mode === 'distributed' ? { ...options, redis, queue } : options),
  };
});

const available = await redisAvailable('distributed conformance');

describe.runIf(available)('distributed (BullMQ on Redis)', () => {
  const workers: DistributedWorker[] = [];
  beforeAll(async () => {
    const fixtures = ['basic', 'faults', 'state', 'cooperative', 'unreadable'].map(
      (name) => new URL(`./fixtures/${name}.ts`, import.meta.url).href,
    );
    for (let i = 0; i < 2; i++) {
      workers.push(
        await startWorker({
          redis: REDIS,
          queue,
          tasks: fixtures,
          concurrency: 4,
          workers: 2,
          stallMs: 3000,
          log: () => {},
        }),
      );
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close({ force: true })));
    await removeQueue(queue);
    expect(await leftoverKeys(REDIS, [queue])).toEqual([]); // Redis as we found it
  }, 30_000);

  executorSuite('distributed', { clones: true, stopsRunning: true, perWorkerInit: true, parallel: true });
});
