/**
 * Warm-up on request beyond the conformance cases: minWorkers outlive idleTimeoutMs (only the workers
 * beyond them idle out), and a distributed ready() says when Redis does not answer.
 */
import { describe, expect, it, vi } from 'vitest';
import { createExecutor, RedisError, WorkerCrashedError } from '../src/index.ts';
import { tasks } from './fixtures/basic.ts';
import { tasks as faults } from './fixtures/faults.ts';

describe('ready() and minWorkers', () => {
  it('threads: idleTimeoutMs stops the workers beyond minWorkers, never below it', async () => {
    const ex = createExecutor({ mode: 'threads', workers: 2, minWorkers: 1, idleTimeoutMs: 30 });
    try {
      await ex.ready();
      // a call with a timeout runs alone on its worker: two of them need the second worker
      const calls = [1, 2].map(() => ex.run(tasks.sleep, [300], { timeoutMs: 60_000 }));
      await vi.waitFor(() => expect(ex.stats()).toMatchObject({ workers: 2, running: 2 }), {
        timeout: 10_000,
        interval: 5,
      });
      expect(await Promise.all(calls)).toEqual([300, 300]);
      await vi.waitFor(() => expect(ex.stats().workers).toBe(1), { timeout: 10_000, interval: 10 });
      // several idle timeouts later the kept worker is still there (a check that something did not happen)
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(ex.stats().workers).toBe(1);
      await ex.ready(); // it is ready at once: nothing to start
      expect(await ex.submit(tasks.square, 9)).toBe(81);
    } finally {
      await ex.close();
    }
  });

  it('threads: the worker ready() started with minWorkers 0 idles out like any other, and is not restarted', async () => {
    const ex = createExecutor({ mode: 'threads', workers: 2, idleTimeoutMs: 30 });
    try {
      await ex.ready();
      expect(ex.stats().workers).toBe(1);
      await vi.waitFor(() => expect(ex.stats().workers).toBe(0), { timeout: 10_000, interval: 10 });
      await new Promise((resolve) => setTimeout(resolve, 150)); // nothing respawned it meanwhile
      expect(ex.stats().workers).toBe(0);
      expect(await ex.submit(tasks.square, 3)).toBe(9);
    } finally {
      await ex.close();
    }
  });

  it('processes: a worker that crashes is replaced to keep minWorkers', async () => {
    const ex = createExecutor({ mode: 'processes', workers: 1, minWorkers: 1 });
    try {
      await ex.ready();
      await expect(ex.submit(faults.exitWorker, 7)).rejects.toBeInstanceOf(WorkerCrashedError);
      await ex.ready();
      expect(ex.stats().workers).toBe(1);
      expect(await ex.submit(tasks.square, 4)).toBe(16);
    } finally {
      await ex.close();
    }
  });

  it('distributed: ready() rejects with RedisError when nothing listens (loopback port 1)', async () => {
    const ex = createExecutor({
      mode: 'distributed',
      redis: 'redis://127.0.0.1:1',
      queue: 'conc-ready-none',
    });
    try {
      const error = await ex.ready().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisError);
      expect((error as Error).message).toContain('127.0.0.1:1');
    } finally {
      await ex.close();
    }
  });
});
