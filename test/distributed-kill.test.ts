/**
 * A `conc worker` process killed with SIGKILL mid-job: BullMQ's stalled-job recovery (tuned with
 * --stall-ms to take seconds) re-runs the job on the other worker, and the caller gets exactly one
 * result per item. Also the CLI's own failures: bad options and an unreachable Redis.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

const available = await redisAvailable('distributed kill');

describe.runIf(available)('conc worker processes', () => {
  const workers: WorkerProcess[] = [];
  const dirs: string[] = [];
  const queues: string[] = [];
  afterAll(async () => {
    await Promise.all(workers.map(stopWorker));
    for (const queue of queues) await removeQueue(queue);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    expect(await leftoverKeys(REDIS, usedQueues())).toEqual([]); // Redis as we found it
  }, 30_000);

  it('a worker killed mid-job: the job re-runs on the other worker; one result per item', async () => {
    const queue = uniqueQueue('kill');
    queues.push(queue);
    const dir = mkdtempSync(join(tmpdir(), 'conc-kill-'));
    dirs.push(dir);
    const args = [
      '--redis',
      REDIS,
      '--queue',
      queue,
      '--tasks',
      TASKS,
      '--no-builtins',
      '--concurrency',
      '1',
      '--mode',
      'async',
      '--stall-ms',
      '1500',
    ];
    workers.push(...(await Promise.all([spawnWorker(args), spawnWorker(args)])));
    const ex = createExecutor({ mode: 'distributed', redis: REDIS, queue });
    try {
      const items = [0, 1, 2, 3];
      const run = ex.map(
        tasks.recordRun,
        items.map((item) => ({ dir, item, ms: 2000 })),
      );
      run.catch(() => {}); // awaited below
      // wait for the first job to start, then kill the process running it
      let started: string | undefined;
      for (let i = 0; i < 300 && !started; i++) {
        started = readdirSync(dir).find((f) => f.startsWith('started-'));
        if (!started) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(started).toBeDefined();
      const [, item, pid] = started!.split('-');
      const victim = workers.find((w) => w.child.pid === Number(pid))!;
      expect(victim).toBeDefined();
      victim.child.kill('SIGKILL');
      await victim.exited;

      const results = await run;
      expect(results.map((r) => r.item)).toEqual(items);
      const survivor = workers.find((w) => w !== victim)!.child.pid;
      expect(results[Number(item)]!.pid).toBe(survivor);
      const runs = readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n');
      expect(runs).toContain(`${item} ${pid}`);
      expect(runs).toContain(`${item} ${survivor}`);
    } finally {
      await ex.close({ cancel: true });
    }
  }, 90_000);

  it('conc worker: bad options exit 2; an unreachable Redis exits 1 with a clear message, password hidden', async () => {
    const bad = await spawnWorker(['--tasks', join(tmpdir(), 'no-such-tasks.ts')]).catch((e: Error) => e);
    expect(bad).toBeInstanceOf(Error);
    expect((bad as Error).message).toContain('exited with 2');
    expect((bad as Error).message).toContain('Task module not found');
    const down = await spawnWorker(['--redis', 'redis://:hunter2secret@127.0.0.1:1']).catch((e: Error) => e);
    expect((down as Error).message).toContain('exited with 1');
    expect((down as Error).message).toContain('Cannot use Redis at redis://:***@127.0.0.1:1');
    expect((down as Error).message).not.toContain('hunter2secret');
    expect(existsSync(join(tmpdir(), 'no-such-tasks.ts'))).toBe(false);
  }, 60_000);
});
