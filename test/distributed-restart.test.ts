/**
 * Redis restarted mid-run, and Redis gone for good — on a redis-server of this test's own (its own
 * loopback port, no persistence), never the shared one. A restart loses every job: the executor finds
 * out when it reconnects, adds the lost ones again, and the run completes; a Redis that stays away
 * fails the waiting calls clearly instead of hanging.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConcError, createExecutor, type Executor } from '../src/index.ts';
import { type DistributedWorker, startWorker } from '../src/worker/index.ts';
import { freePort, PrivateRedis, redisAvailable, TASKS } from './fixtures/distributed-redis.ts';
import { tasks } from './fixtures/distributed-tasks.ts';
import { probes } from './fixtures/faults.ts';
import { listenForStarts } from './helpers/started.ts';

const FAULTS = new URL('./fixtures/faults.ts', import.meta.url).href;

const available = await redisAvailable('distributed restart');

describe.runIf(available)('Redis restarts', () => {
  let redis: PrivateRedis | undefined;
  let ex: Executor | undefined;
  let worker: DistributedWorker | undefined;
  afterEach(async () => {
    await ex?.close({ cancel: true });
    await worker?.close({ force: true });
    await redis?.kill();
    ex = undefined;
    worker = undefined;
    redis = undefined;
  }, 30_000);

  async function setup(): Promise<{ redis: PrivateRedis; ex: Executor }> {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    worker = await startWorker({
      redis: redis.url,
      queue: 'restart',
      tasks: [TASKS, FAULTS],
      builtins: false,
      mode: 'async',
      concurrency: 4,
      stallMs: 2000,
      log: () => {},
    });
    ex = createExecutor({ mode: 'distributed', redis: redis.url, queue: 'restart' });
    return { redis, ex };
  }

  it('Redis restarted (empty) mid-run: the run completes, one result per item, in order', async () => {
    const { redis, ex } = await setup();
    const items = Array.from({ length: 60 }, (_, i) => i);
    const results: number[] = [];
    // all 60 are in Redis at once; the 10th result in hand, Redis dies (with the rest) and comes back empty
    for await (const value of ex.imap(tasks.squareSlowly, items)) {
      results.push(value);
      if (results.length === 10) {
        await redis.kill();
        await redis.start();
      }
    }
    expect(results).toEqual(items.map((i) => i * i));
    expect(ex.stats().readded).toBeGreaterThan(0); // the restart lost jobs, and they were added again
  }, 60_000);

  it('Redis gone for good: waiting calls fail with a clear error, nothing hangs', async () => {
    const { redis, ex } = await setup();
    expect(await ex.submit(tasks.squareSlowly, 3)).toBe(9);
    await using starts = await listenForStarts();
    const waiting = ex.submit(probes.notifyThenHang, starts.port);
    waiting.catch(() => {});
    await starts.started(1); // a worker runs it: Redis dies under a running job
    await redis.kill();
    const error = (await waiting.catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ConcError);
    expect(error.message).toContain('Lost the connection to Redis at redis://127.0.0.1:');
    expect(error.message).toContain('Check that Redis is running');
  }, 60_000);
});
