/**
 * A soak on the distributed backend: a 1,000-task map while two `conc worker` processes are killed
 * (SIGKILL) at random moments and restarted. Every item is accounted for exactly once, in order; the
 * executor keeps serving; afterwards no worker process and no key of the queue is left.
 */
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { createExecutor } from '../src/index.ts';
import {
  REDIS,
  redisAvailable,
  removeQueue,
  spawnWorker,
  stopWorker,
  TASKS,
  uniqueQueue,
  usedQueues,
  type WorkerProcess,
} from './fixtures/distributed-redis.ts';
import { tasks } from './fixtures/distributed-tasks.ts';
import { leftoverKeys } from './helpers/redis-keys.ts';

const available = await redisAvailable('distributed soak');

/** A small seeded generator (mulberry32): the kills are random, and the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.runIf(available)('distributed soak', () => {
  const queue = uniqueQueue('soak');
  const every: WorkerProcess[] = [];
  afterAll(async () => {
    await Promise.all(every.map(stopWorker));
    await removeQueue(queue);
    expect(await leftoverKeys(REDIS, usedQueues())).toEqual([]);
  }, 30_000);

  it('1,000 tasks, 2 workers SIGKILLed at random and restarted: every item once, in order; nothing left', async () => {
    const args = ['--redis', REDIS, '--queue', queue, '--tasks', TASKS, '--no-builtins'];
    const start = async () => {
      const worker = await spawnWorker([
        ...args,
        '--mode',
        'async',
        '--concurrency',
        '4',
        '--stall-ms',
        '1000',
      ]);
      every.push(worker);
      return worker;
    };
    const slots: (WorkerProcess | Promise<WorkerProcess>)[] = await Promise.all([start(), start()]);
    const ex = createExecutor({ mode: 'distributed', redis: REDIS, queue });
    const next = random(14);
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const results: number[] = [];
    let kills = 0;
    let killAt = 50 + Math.floor(next() * 100);
    try {
      for await (const value of ex.imap(tasks.squareSlowly, items)) {
        results.push(value);
        if (results.length < killAt) continue;
        // kill one that is up, at random (both may be down a while: their jobs wait in Redis)
        const up = [0, 1].filter((i) => !(slots[i] instanceof Promise));
        if (up.length === 0) continue; // try again at the next result
        killAt += 50 + Math.floor(next() * 100);
        const i = up[Math.floor(next() * up.length)]!;
        const victim = slots[i] as WorkerProcess;
        victim.child.kill('SIGKILL');
        kills++;
        slots[i] = victim.exited.then(start).then((worker) => {
          slots[i] = worker;
          return worker;
        });
      }
      expect(results).toEqual(items.map((i) => i * i));
      expect(kills).toBeGreaterThanOrEqual(3);
      expect(ex.stats()).toMatchObject({ completed: 1000, failed: 0 });
      // the executor keeps serving
      await Promise.all(slots);
      expect(await ex.map(tasks.squareSlowly, [7, 8])).toEqual([49, 64]);
    } finally {
      await ex.close({ cancel: true });
    }
    // no job left in Redis (results were removed once read), then no process left
    const raw = new Queue(queue, { connection: { url: REDIS } });
    try {
      const counts = await raw.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
      expect(counts).toEqual({ completed: 0, failed: 0, waiting: 0, active: 0, delayed: 0 });
    } finally {
      await raw.close();
    }
    await Promise.all(every.map(stopWorker));
    expect(every.every((w) => w.child.exitCode !== null || w.child.signalCode !== null)).toBe(true);
  }, 180_000);
});
