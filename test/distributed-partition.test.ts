/**
 * Faults on real parts, on the distributed backend: network partitions (a loopback TCP proxy that
 * cuts, silences, delays and heals) between a worker and Redis and between the caller and Redis;
 * Redis paused (CLIENT PAUSE, on a redis-server of the test's own — never the shared one). Each time:
 * exactly one result per item, in order, no hang; a clear error only when the fault outlasts its bound;
 * a cut-off worker's late completions never reported twice. No key of the test's queues is left.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createExecutor, RedisError } from '../src/index.ts';
import { startWorker } from '../src/worker/index.ts';
import {
  freePort,
  PrivateRedis,
  REDIS,
  redisAvailable,
  removeQueue,
  spawnWorker,
  stopWorker,
  TASKS,
  uniqueQueue,
  usedQueues,
} from './fixtures/distributed-redis.ts';
import { tasks } from './fixtures/distributed-tasks.ts';
import { leftoverKeys } from './helpers/redis-keys.ts';
import { startRedisProxy } from './helpers/redis-proxy.ts';

const available = await redisAvailable('distributed partitions');

/** Polls `check` (a bounded wait on a condition the test cannot be told of by a message). */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const squares = (items: number[]) => items.map((i) => i * i);

describe.runIf(available)('distributed: partitions and a paused Redis', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  }, 30_000);
  afterAll(async () => {
    expect(await leftoverKeys(REDIS, usedQueues())).toEqual([]);
  });

  function queueOf(label: string): string {
    const queue = uniqueQueue(label);
    cleanups.push(() => removeQueue(queue));
    return queue;
  }

  async function proxy() {
    const p = await startRedisProxy();
    cleanups.push(() => p.close());
    return p;
  }

  async function inProcessWorker(redis: string, queue: string) {
    const worker = await startWorker({
      redis,
      queue,
      tasks: [TASKS],
      builtins: false,
      mode: 'async',
      concurrency: 4,
      stallMs: 1500,
      log: () => {},
    });
    cleanups.push(() => worker.close({ force: true }));
    return worker;
  }

  it('worker ⟂ Redis: its jobs re-run on the other worker; one result per item; its late completions not counted', async () => {
    const queue = queueOf('part-worker');
    const cut = await proxy();
    const dir = mkdtempSync(join(tmpdir(), 'conc-part-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const args = [
      '--queue',
      queue,
      '--tasks',
      TASKS,
      '--no-builtins',
      '--mode',
      'async',
      '--stall-ms',
      '1500',
    ];
    const cutOff = await spawnWorker(['--redis', cut.url, ...args, '--concurrency', '2']);
    cleanups.push(() => stopWorker(cutOff));
    const ex = createExecutor({ mode: 'distributed', redis: REDIS, queue });
    cleanups.push(() => ex.close({ cancel: true }));
    const items = Array.from({ length: 16 }, (_, i) => i);
    const run = ex.map(
      tasks.recordRun,
      items.map((item) => ({ dir, item, ms: 600 })),
    );
    run.catch(() => {});
    const victim = cutOff.child.pid!;
    await until(
      () => readdirSync(dir).some((f) => f.endsWith(`-${victim}`)),
      'the cut-off worker starts a job',
    );
    cut.cut('blackhole'); // silence: nothing closes, nothing answers
    await inProcessWorker(REDIS, queue); // the other worker recovers its stalled jobs
    const results = await run;
    expect(results.map((r) => r.item)).toEqual(items);
    // at least once: a job the cut-off worker was running ran again on the other one
    const ran = readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n');
    const twice = items.filter((i) => ran.includes(`${i} ${victim}`) && ran.includes(`${i} ${process.pid}`));
    expect(twice.length).toBeGreaterThan(0);
    for (const i of twice) expect(results[i]!.pid).toBe(process.pid);
    // healed: the cut-off worker's completions reach Redis late, and are refused (their locks are gone)
    cut.heal();
    await until(() => cutOff.stderr().includes('is back after'), 'the cut-off worker reconnects');
    expect(await ex.map(tasks.squareSlowly, [2, 3])).toEqual([4, 9]);
    expect(ex.stats()).toMatchObject({ completed: items.length + 2, failed: 0 });
  }, 90_000);

  it('caller ⟂ Redis (silent) for a few seconds, then healed: every result arrives once, in order', async () => {
    const queue = queueOf('part-caller');
    const cut = await proxy();
    await inProcessWorker(REDIS, queue);
    const ex = createExecutor({ mode: 'distributed', redis: cut.url, queue });
    cleanups.push(() => ex.close({ cancel: true }));
    const items = Array.from({ length: 60 }, (_, i) => i);
    const results: number[] = [];
    for await (const value of ex.imap(tasks.squareSlowly, items)) {
      results.push(value);
      if (results.length === 10) {
        cut.cut('blackhole');
        // the worker goes on finishing jobs the caller cannot hear of
        await until(async () => (await completedCount(queue)) >= 20, 'jobs finish during the cut');
        cut.heal();
      }
    }
    expect(results).toEqual(squares(items));
    expect(ex.stats()).toMatchObject({ completed: 60, failed: 0 });
  }, 60_000);

  it('caller ⟂ Redis longer than its bound (10 s): a clear RedisError, no hang; healed, it serves again', async () => {
    const queue = queueOf('part-long');
    const cut = await proxy();
    const ex = createExecutor({ mode: 'distributed', redis: cut.url, queue });
    cleanups.push(() => ex.close({ cancel: true }));
    await inProcessWorker(REDIS, queue);
    expect(await ex.submit(tasks.squareSlowly, 2)).toBe(4);
    cut.cut('blackhole');
    const error = (await ex.map(tasks.squareSlowly, [1, 2, 3]).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(RedisError);
    expect(error.message).toContain(`Lost the connection to Redis at ${cut.url} for more than 10 s`);
    cut.heal();
    expect(await ex.map(tasks.squareSlowly, [4, 5])).toEqual([16, 25]);
  }, 60_000);

  it('a 200 ms delay on both links (worker and caller): every result once, in order', async () => {
    const queue = queueOf('delay');
    const [toWorker, toCaller] = [await proxy(), await proxy()];
    await inProcessWorker(toWorker.url, queue);
    const ex = createExecutor({ mode: 'distributed', redis: toCaller.url, queue });
    cleanups.push(() => ex.close({ cancel: true }));
    toWorker.delay(200);
    toCaller.delay(200);
    const items = Array.from({ length: 30 }, (_, i) => i);
    expect(await ex.map(tasks.squareSlowly, items)).toEqual(squares(items));
    expect(ex.stats()).toMatchObject({ completed: 30, failed: 0 });
  }, 60_000);

  it('Redis paused (CLIENT PAUSE 3 s) mid-run, on a redis-server of its own: every result once, in order', async () => {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    cleanups.push(() => redis.kill());
    await inProcessWorker(redis.url, 'paused');
    const ex = createExecutor({ mode: 'distributed', redis: redis.url, queue: 'paused' });
    cleanups.push(() => ex.close({ cancel: true }));
    const items = Array.from({ length: 60 }, (_, i) => i);
    const results: number[] = [];
    for await (const value of ex.imap(tasks.squareSlowly, items)) {
      results.push(value);
      if (results.length === 10) await redis.command('CLIENT', 'PAUSE', '3000', 'ALL');
    }
    expect(results).toEqual(squares(items));
    expect(ex.stats()).toMatchObject({ completed: 60, failed: 0 });
  }, 60_000);
});

async function completedCount(queue: string): Promise<number> {
  const raw = new Queue(queue, { connection: { url: REDIS, maxRetriesPerRequest: 1 } });
  try {
    return await raw.getCompletedCount();
  } finally {
    await raw.close();
  }
}
