/**
 * Distributed faults against the real Redis: remote errors, retries, no worker, unreachable Redis,
 * refused tasks. Each test uses a queue of its own, removed afterwards.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { encode } from '../src/backends/distributed/wire.ts';
import {
  AbortError,
  ConcError,
  createExecutor,
  TaskError,
  TaskNotFoundError,
  TaskTimeoutError,
  taskRef,
} from '../src/index.ts';
import { type DistributedWorker, startWorker } from '../src/worker/index.ts';
import { tasks as basic } from './fixtures/basic.ts';
import {
  BASIC,
  REDIS,
  redisAvailable,
  removeQueue,
  TASKS,
  uniqueQueue,
  usedQueues,
} from './fixtures/distributed-redis.ts';
import { tasks } from './fixtures/distributed-tasks.ts';
import { leftoverKeys } from './helpers/redis-keys.ts';

const available = await redisAvailable('distributed faults');

describe.runIf(available)('distributed faults', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  }, 30_000);
  afterAll(async () => {
    expect(await leftoverKeys(REDIS, usedQueues())).toEqual([]); // Redis as we found it
  });

  /** A queue, an executor on it and (optionally) in-process workers; all removed after the test. */
  async function setup(label: string, workers: number, options: { retries?: number } = {}) {
    const queue = uniqueQueue(label);
    cleanups.push(() => removeQueue(queue));
    const ex = createExecutor({ mode: 'distributed', redis: REDIS, queue, ...options });
    cleanups.push(() => ex.close({ cancel: true }));
    const logs: string[] = [];
    const started: DistributedWorker[] = [];
    const addWorker = async () => {
      const worker = await startWorker({
        redis: REDIS,
        queue,
        tasks: [BASIC, TASKS],
        concurrency: 2,
        mode: 'async',
        log: (l) => logs.push(l),
      });
      cleanups.push(() => worker.close({ force: true }));
      started.push(worker);
      return worker;
    };
    for (let i = 0; i < workers; i++) await addWorker();
    return { queue, ex, logs, addWorker };
  }

  it('a task that throws → TaskError with the remote stack', async () => {
    const { ex } = await setup('throw', 1);
    const dir = mkdtempSync(join(tmpdir(), 'conc-flaky-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const error = (await ex.submit(tasks.flaky, join(dir, 'count'), 5).catch((e: unknown) => e)) as TaskError;
    expect(error).toBeInstanceOf(TaskError);
    expect(error.task).toBe('flaky');
    expect((error.cause as Error).message).toBe('flaky failure 1');
    expect((error.cause as Error).stack).toContain('distributed-tasks.ts');
    expect(error.stack).toContain('Caused by: Error: flaky failure 1');
  });

  it("retries (the core's, each a new BullMQ job): a task failing twice succeeds on its third attempt", async () => {
    const { ex } = await setup('retries', 1, { retries: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'conc-flaky-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    expect(await ex.submit(tasks.flaky, join(dir, 'a'), 2)).toBe('ok after 2 failures');
    const error = await ex.submit(tasks.flaky, join(dir, 'b'), 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect(((error as TaskError).cause as Error).message).toBe('flaky failure 3');
  });

  it('no worker running → the call waits, and completes when a worker starts', async () => {
    const { ex, queue, addWorker } = await setup('late', 0);
    const raw = new Queue(queue, { connection: { url: REDIS } });
    cleanups.push(() => raw.close());
    let settled = false;
    const result = ex.map(basic.square, [1, 2, 3]).finally(() => {
      settled = true;
    });
    // synchronise on Redis itself: all three jobs wait there, and nothing answered them
    for (let i = 0; i < 200 && (await raw.getWaitingCount()) < 3; i++)
      await new Promise((resolve) => setImmediate(resolve));
    expect(await raw.getWaitingCount()).toBe(3);
    expect(settled).toBe(false);
    expect(ex.stats()).toMatchObject({ queued: 3, running: 0 });
    await addWorker();
    expect(await result).toEqual([1, 4, 9]);
  });

  it('a burst of 5,000 submits: at most 2,000 jobs in Redis at once (no events trimmed unread), every result back', async () => {
    const { ex, queue, addWorker } = await setup('burst', 0);
    const items = Array.from({ length: 5000 }, (_, i) => i);
    const all = Promise.all(items.map((i) => ex.submit(basic.square, i)));
    const raw = new Queue(queue, { connection: { url: REDIS } });
    cleanups.push(() => raw.close());
    let waiting = 0;
    for (let i = 0; i < 100 && waiting < 2000; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      waiting = await raw.getWaitingCount();
    }
    expect(waiting).toBe(2000);
    expect(ex.stats().queued).toBe(5000);
    await addWorker();
    expect(await all).toEqual(items.map((i) => i * i));
  });

  it('abort: the call rejects with AbortError and its waiting jobs are removed from Redis', async () => {
    const { ex, queue } = await setup('abort', 0);
    const raw = new Queue(queue, { connection: { url: REDIS } });
    cleanups.push(() => raw.close());
    const controller = new AbortController();
    const run = ex.map(basic.square, [1, 2, 3, 4, 5], { signal: controller.signal });
    run.catch(() => {});
    while ((await raw.getWaitingCount()) < 5) await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    await expect(run).rejects.toBeInstanceOf(AbortError);
    for (let i = 0; i < 100 && (await raw.getWaitingCount()) > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(await raw.getWaitingCount()).toBe(0);
    expect(ex.stats()).toMatchObject({ queued: 0, running: 0 });
  });

  it('no worker running → a call with a timeout fails with TaskTimeoutError that says so', async () => {
    const { ex, queue } = await setup('none', 0);
    const error = (await ex.run(basic.square, [3], { timeoutMs: 700 }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error.message).toContain(`no conc worker listens on queue "${queue}"`);
    expect(error.message).toContain('conc worker --redis');
  });

  it('Redis unreachable at start → a clear error within the connect timeout, password never shown', async () => {
    const t0 = Date.now();
    const ex = createExecutor({
      mode: 'distributed',
      redis: 'redis://:hunter2secret@127.0.0.1:1',
      queue: 'unreachable',
    });
    cleanups.push(() => ex.close());
    const error = (await ex.submit(basic.square, 2).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ConcError);
    expect(error.message).toContain('Cannot use Redis at redis://:***@127.0.0.1:1');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('Is Redis running');
    expect(error.message).not.toContain('hunter2secret');
    expect(Date.now() - t0).toBeLessThan(5_000 + 2_000);
    // the next call tries again (and fails the same way while Redis is away)
    await expect(ex.submit(basic.square, 2)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('rediss:// to a server without TLS → a clear error, not a hang', async () => {
    const ex = createExecutor({
      mode: 'distributed',
      redis: REDIS.replace(/^redis:/, 'rediss:'),
      queue: 'tls',
    });
    cleanups.push(() => ex.close());
    const error = (await ex.submit(basic.square, 2).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ConcError);
    expect(error.message).toContain('Cannot use Redis at rediss://');
  });

  it('a task of an unregistered module is refused on its job; the others proceed', async () => {
    const { ex, logs } = await setup('refused', 1);
    const stranger = taskRef(pathToFileURL(join(tmpdir(), 'not-allowed.ts')).href, 'run');
    const [bad, good] = await Promise.allSettled([ex.submit(stranger), ex.map(basic.square, [1, 2, 3])]);
    expect(bad.status).toBe('rejected');
    const reason = (bad as PromiseRejectedResult).reason as Error;
    expect(reason).toBeInstanceOf(TaskNotFoundError);
    expect(reason.message).toContain(
      'Task module "not-allowed" (task "run") not found among the task modules',
    );
    expect(reason.message).toContain('--tasks');
    expect(good).toEqual({ status: 'fulfilled', value: [1, 4, 9] });
    expect(logs.some((line) => line.includes('refused job') && line.includes('not-allowed#run'))).toBe(true);
  });

  it('a job naming a module path is refused: the worker never imports a path taken from a job', async () => {
    const { queue } = await setup('rce', 1);
    const dir = mkdtempSync(join(tmpdir(), 'conc-rce-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const marker = join(dir, 'imported');
    const evil = join(dir, 'evil.mjs');
    (await import('node:fs')).writeFileSync(
      evil,
      `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'x'); export const run = () => 1;`,
    );
    const connection = { url: REDIS, maxRetriesPerRequest: null };
    const raw = new Queue(queue, { connection });
    const events = new QueueEvents(queue, { connection });
    cleanups.push(async () => {
      await events.close();
      await raw.close();
    });
    await events.waitUntilReady();
    const names = [
      `${pathToFileURL(evil).href}#run`,
      `${evil}#run`,
      '../../../tmp/evil#run',
      'basic#../../evil',
      'garbage',
    ];
    const failed = Promise.all(
      names.map(
        (_, i) =>
          new Promise<string>((resolve) =>
            events.on(`failed:rce-${i}` as 'failed', ({ failedReason }) => resolve(failedReason)),
          ),
      ),
    );
    await raw.addBulk(
      names.map((name, i) => ({ name, data: { a: encode([[]]) }, opts: { jobId: `rce-${i}` } })),
    );
    const reasons = await failed;
    for (const reason of reasons)
      expect(reason).toMatch(/not found among the task modules|is not registered in task module/);
    expect(existsSync(marker)).toBe(false);

    // malformed data on an allowed task: refused as such, never run
    const bad = [{ a: encode('not a list') }, { a: encode([2]), t: 'soon' }, { a: 'not base64 v8' }, {}];
    const badFailed = Promise.all(
      bad.map(
        (_, i) =>
          new Promise<string>((resolve) =>
            events.on(`failed:bad-${i}` as 'failed', ({ failedReason }) => resolve(failedReason)),
          ),
      ),
    );
    await raw.addBulk(bad.map((data, i) => ({ name: 'basic#square', data, opts: { jobId: `bad-${i}` } })));
    for (const reason of await badFailed) {
      expect(reason).toMatch(/malformed|could not read the job's arguments|has no conc arguments/);
      expect(reason).toContain('[conc:bad-argument:');
    }
  });
});
