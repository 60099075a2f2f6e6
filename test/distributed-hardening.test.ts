/**
 * Issue 14 on the distributed side, against a real Redis (private queues, removed afterwards, and a
 * key scan at the end): unreadable errors and results on a worker, tasks that were never registered,
 * a queue no worker listens to, Redis hygiene.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { encode } from '../src/backends/distributed/wire.ts';
import {
  createExecutor,
  RedisError,
  TaskArgumentError,
  TaskError,
  TaskNotFoundError,
  TaskTimeoutError,
  taskRef,
} from '../src/index.ts';
import { type DistributedWorker, startWorker } from '../src/worker/index.ts';
import { tasks as cpu } from '../src/workloads/cpu.ts';
import { tasks as basic } from './fixtures/basic.ts';
import {
  BASIC,
  REDIS,
  redisAvailable,
  removeQueue,
  spawnWorker,
  stopWorker,
  uniqueQueue,
  usedQueues,
} from './fixtures/distributed-redis.ts';
import { tasks as hostile } from './fixtures/hostile.ts';
import { leftoverKeys } from './helpers/redis-keys.ts';

const HOSTILE = new URL('./fixtures/hostile.ts', import.meta.url);
const available = await redisAvailable('distributed hardening');

/** Resolves with the first process warning of `code` (bounded by the test's timeout). */
function nextWarning(code: string): Promise<Error & { code?: string }> {
  return new Promise((resolve) => {
    const onWarning = (warning: Error & { code?: string }) => {
      if (warning.code !== code) return;
      process.off('warning', onWarning);
      resolve(warning);
    };
    process.on('warning', onWarning);
  });
}

describe.runIf(available)('distributed hardening', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  }, 30_000);
  afterAll(async () => {
    expect(await leftoverKeys(REDIS, usedQueues())).toEqual([]);
  });

  async function setup(label: string, options: { retries?: number; noWorkerTimeoutMs?: number } = {}) {
    const queue = uniqueQueue(label);
    cleanups.push(() => removeQueue(queue));
    const ex = createExecutor({ mode: 'distributed', redis: REDIS, queue, ...options });
    cleanups.push(() => ex.close({ cancel: true }));
    const addWorker = async (): Promise<DistributedWorker> => {
      const worker = await startWorker({
        redis: REDIS,
        queue,
        tasks: [BASIC, HOSTILE.href],
        concurrency: 4,
        mode: 'async',
        log: () => {},
      });
      cleanups.push(() => worker.close({ force: true }));
      return worker;
    };
    return { queue, ex, addWorker };
  }

  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'conc-hardening-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  it('a worker (--mode async) given unreadable errors: each caller gets a TaskError; every other job completes', async () => {
    const { ex, addWorker } = await setup('unreadable');
    const worker = await addWorker();
    const items = Array.from({ length: 20 }, (_, i) => i);
    const [doubled, ...bad] = await Promise.allSettled([
      ex.map(hostile.double, items),
      ex.submit(hostile.throwUnreadableMessage),
      ex.submit(hostile.throwProxy),
      ex.submit(hostile.throwUnreadableMessage),
      ex.submit(hostile.throwProxy),
    ]);
    expect(doubled).toEqual({ status: 'fulfilled', value: items.map((i) => i * 2) });
    const names = ['throwUnreadableMessage', 'throwProxy', 'throwUnreadableMessage', 'throwProxy'];
    bad.forEach((result, i) => {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason as TaskError;
      expect(error).toBeInstanceOf(TaskError);
      expect(error.task).toBe(names[i]);
      expect(error.message).toMatch(/could not be read|cannot (be )?read/);
    });
    // the worker is still serving, and counted them as failed calls (not crashes)
    expect(await ex.submit(hostile.double, 21)).toBe(42);
    const counts = worker.stats().byTask;
    expect(counts['hostile#throwProxy']).toMatchObject({ failed: 2 });
    expect(counts['hostile#double']).toMatchObject({ completed: 21 });
  });

  it('conc worker --mode async (a process): unreadable errors are TaskErrors, and it neither dies nor drops its other jobs', async () => {
    const { ex, queue } = await setup('unreadable-cli');
    const worker = await spawnWorker([
      '--redis',
      REDIS,
      '--queue',
      queue,
      '--mode',
      'async',
      '--tasks',
      fileURLToPath(HOSTILE),
    ]);
    cleanups.push(() => stopWorker(worker));
    const results = await Promise.allSettled([
      ex.submit(hostile.throwUnreadableMessage),
      ex.map(hostile.double, [1, 2, 3]),
      ex.submit(hostile.throwProxy),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).name))).toEqual([
      'TaskError',
      [2, 4, 6],
      'TaskError',
    ]);
    expect(await ex.submit(hostile.double, 5)).toBe(10);
    expect(worker.child.exitCode).toBe(null);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  }, 60_000);

  it('a result that cannot be cloned → TaskArgumentError, never retried', async () => {
    const { ex, addWorker } = await setup('uncloneable', { retries: 2 });
    await addWorker();
    const counter = join(tempDir(), 'runs');
    const error = (await ex.submit(hostile.returnFunction, counter).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(TaskArgumentError);
    expect(error.message).toContain(
      'The result of task "returnFunction" cannot be sent back from the worker',
    );
    expect(readFileSync(counter, 'utf8')).toBe('x'); // ran once: retries: 2 did not apply
  });

  it('only tasks registered with defineTasks run: another export is TaskNotFoundError; conc/workloads/* still run', async () => {
    const { ex, addWorker } = await setup('registered');
    await addWorker();
    const marker = join(tempDir(), 'marker');
    const stranger = taskRef<[string], string>(HOSTILE.href, 'notATask');
    const error = (await ex.submit(stranger, marker).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(TaskNotFoundError);
    expect(error.message).toContain('Task "notATask" is not registered in task module "hostile"');
    expect(error.message).toContain('never its other exports');
    expect(() => readFileSync(marker)).toThrow(/ENOENT/);
    const io = taskRef(pathToFileURL(join(process.cwd(), 'src/workloads/io.ts')).href, 'releaseSession');
    const refused = (await ex.submit(io).catch((e: unknown) => e)) as Error;
    expect(refused).toBeInstanceOf(TaskNotFoundError);
    expect(refused.message).toContain('not registered in task module "conc/workloads/io"');
    expect(await ex.submit(cpu.sumOfSquares, 3)).toBe(5n); // 0² + 1² + 2²
  });

  it('no worker listening: a warning (CONC_NO_WORKER) within seconds, then a RedisError naming the queue and the command', async () => {
    const { ex, queue, addWorker } = await setup('nobody', { noWorkerTimeoutMs: 4_000 });
    const warned = nextWarning('CONC_NO_WORKER');
    const run = ex.map(basic.square, [1, 2, 3]);
    run.catch(() => {});
    const warning = await warned;
    expect(warning.name).toBe('ConcWarning');
    expect(warning.message).toContain(`No conc worker has taken a job from queue "${queue}" at ${REDIS}`);
    expect(warning.message).toContain(`conc worker --redis ${REDIS} --queue ${queue}`);
    const error = (await run.catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(RedisError);
    expect(error.message).toContain(`No conc worker listened on queue "${queue}" at ${REDIS} for 4 s`);
    expect(error.message).toContain('noWorkerTimeoutMs');
    expect(error.message).toContain(`Start one: conc worker --redis ${REDIS} --queue ${queue}`);
    // the given-up jobs are removed from Redis, and the executor serves once a worker listens
    const raw = new Queue(queue, { connection: { url: REDIS } });
    cleanups.push(() => raw.close());
    for (let i = 0; i < 100 && (await raw.getWaitingCount()) > 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await raw.getWaitingCount()).toBe(0);
    await addWorker();
    expect(await ex.map(basic.square, [4, 5])).toEqual([16, 25]);
  });

  it('no worker listening: taskTimeoutMs and a signal still end the wait first', async () => {
    const { ex, queue } = await setup('nobody-bounded', { noWorkerTimeoutMs: 60_000 });
    const timedOut = (await ex.run(basic.square, [3], { timeoutMs: 500 }).catch((e: unknown) => e)) as Error;
    expect(timedOut).toBeInstanceOf(TaskTimeoutError);
    expect(timedOut.message).toContain(`no conc worker listens on queue "${queue}"`);
    const controller = new AbortController();
    const aborted = ex.run(basic.square, [4], { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('Redis hygiene: a finished job leaves Redis once its caller read it; unread ones are bounded', async () => {
    const { ex, queue, addWorker } = await setup('hygiene');
    const raw = new Queue(queue, { connection: { url: REDIS } });
    cleanups.push(() => raw.close());
    // jobs waiting for a worker carry the bounds for results nobody reads
    const run = ex.map(
      basic.identity,
      Array.from({ length: 50 }, (_, i) => 'x'.repeat(10_000) + i),
    );
    for (let i = 0; i < 100 && (await raw.getWaitingCount()) < 50; i++)
      await new Promise((r) => setTimeout(r, 20));
    const [job] = await raw.getWaiting(0, 0);
    expect(job!.opts.removeOnComplete).toEqual({ age: 60, count: 10_000 });
    expect(job!.opts.removeOnFail).toEqual({ age: 60, count: 10_000 });
    await addWorker();
    expect((await run).length).toBe(50);
    const failed = await ex.submit(hostile.throwProxy).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(TaskError);
    let counts = await raw.getJobCounts('completed', 'failed', 'waiting', 'active');
    for (let i = 0; i < 100 && (counts.completed ?? 0) + (counts.failed ?? 0) > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      counts = await raw.getJobCounts('completed', 'failed', 'waiting', 'active');
    }
    expect(counts).toEqual({ completed: 0, failed: 0, waiting: 0, active: 0 });
  });

  it('a large result is not copied into the event stream: stored beside its job for 60 s at most, deleted once read', async () => {
    const { ex, queue, addWorker } = await setup('large');
    await addWorker();
    const big = 'y'.repeat(2_000_000);
    const results = await ex.map(basic.identity, [big, 'small', `${big}z`]);
    expect(results.map((r) => (r as string).length)).toEqual([2_000_000, 5, 2_000_001]);
    const redis = new Redis(REDIS);
    cleanups.push(() => redis.disconnect());
    const events = await redis.xrange(`bull:${queue}:events`, '-', '+');
    expect(Math.max(...events.map((e) => JSON.stringify(e).length))).toBeLessThan(10_000);
    let stored = await redis.keys(`bull:${queue}:conc-result:*`);
    for (let i = 0; i < 100 && stored.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      stored = await redis.keys(`bull:${queue}:conc-result:*`);
    }
    expect(stored).toEqual([]);
    // a large result nobody reads (a job added without an executor) expires on its own
    const raw = new Queue(queue, { connection: { url: REDIS, maxRetriesPerRequest: null } });
    const done = new QueueEvents(queue, { connection: { url: REDIS, maxRetriesPerRequest: null } });
    cleanups.push(async () => {
      await done.close();
      await raw.close();
    });
    await done.waitUntilReady();
    const job = await raw.add('basic#identity', { a: encode([[big]]) }, { jobId: 'unread-large' });
    await job.waitUntilFinished(done, 20_000);
    const ttl = await redis.pttl(`bull:${queue}:conc-result:unread-large`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await redis.del(`bull:${queue}:conc-result:unread-large`); // it would expire; the key scan below is now
  });
});
