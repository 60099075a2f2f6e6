/**
 * Pool-only behaviour (threads and processes): crashes, kills, retries, recycling, idle shrink, exit,
 * chunks that crash, and pools whose workers cannot start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Pool } from '../src/backends/pool/pool.ts';
import { Job } from '../src/core/job.ts';
import type { Failure, Outcome } from '../src/core/outcome.ts';
import { publicError } from '../src/core/public-error.ts';
import { BrokenPoolError, createExecutor, type Executor, WorkerCrashedError } from '../src/index.ts';
import type { TaskRef } from '../src/tasks.ts';
import { tasks as basic } from './fixtures/basic.ts';
import { tasks as faults } from './fixtures/faults.ts';
import { tasks as crash } from './fixtures/pool-crash.ts';
import { tasks as unreadable } from './fixtures/unreadable.ts';

const scratch = () => mkdtempSync(join(tmpdir(), 'conc-test-'));

describe.each(['threads', 'processes'] as const)('pool faults: %s', (mode) => {
  const withEx = async (
    options: { workers?: number; retries?: number; maxTasksPerWorker?: number; idleTimeoutMs?: number },
    body: (ex: Executor) => Promise<void>,
  ) => {
    const ex = createExecutor({ mode, workers: 2, ...options });
    try {
      await body(ex);
    } finally {
      await ex.close({ cancel: true });
    }
  };

  it('a worker that exits mid-task fails that task only; the pool replaces it', () =>
    withEx({}, async (ex) => {
      const results = await Promise.allSettled([
        ex.submit(basic.square, 2),
        ex.submit(faults.exitWorker, 7),
        ex.submit(basic.square, 3),
        ex.submit(basic.sleep, 20, 'late'),
      ]);
      expect(results[0]).toEqual({ status: 'fulfilled', value: 4 });
      expect(results[2]).toEqual({ status: 'fulfilled', value: 9 });
      expect(results[3]).toEqual({ status: 'fulfilled', value: 'late' });
      const crash = (results[1] as PromiseRejectedResult).reason as WorkerCrashedError;
      expect(crash).toBeInstanceOf(WorkerCrashedError);
      expect(crash.task).toBe('exitWorker');
      expect(crash.message).toContain('exit code 7');
      expect(await ex.map(basic.square, [1, 2, 3, 4])).toEqual([1, 4, 9, 16]);
    }));

  it('an uncaught error in a timer kills the worker: WorkerCrashedError with that error as cause', () =>
    withEx({}, async (ex) => {
      const error = (await ex.submit(faults.crashInTimer).catch((e: unknown) => e)) as WorkerCrashedError;
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(error.message).toContain('boom from a timer');
      expect((error.cause as Error).message).toBe('boom from a timer');
      expect(await ex.submit(basic.add, 20, 22)).toBe(42);
    }));

  it('an unreadable value thrown from a timer kills the worker: WorkerCrashedError, the pool goes on', () =>
    withEx({}, async (ex) => {
      for (const kind of ['messageGetter', 'proxyTraps', 'revokedProxy', 'symbol', 'cyclicCause', 'null']) {
        const error = await ex.submit(unreadable.crashUnreadableInTimer, kind).catch((e: unknown) => e);
        expect(error, kind).toBeInstanceOf(WorkerCrashedError);
        expect((error as Error).message, kind).toContain('crashUnreadableInTimer');
      }
      expect(await ex.submit(basic.add, 20, 22)).toBe(42);
    }));

  it('retries re-run a task whose worker crashed', () =>
    withEx({ retries: 1 }, async (ex) => {
      const marker = join(scratch(), 'crashed-once');
      expect(await ex.submit(faults.crashOnce, marker)).toBe('second time lucky');
      expect(existsSync(marker)).toBe(true);
    }));

  it('many crashes among many good items: every good item completes, each crash is blamed once', () =>
    withEx({}, async (ex) => {
      const submitted = Array.from({ length: 40 }, (_, i) =>
        i % 10 === 3 ? ex.submit(faults.exitWorker, 1) : ex.submit(basic.square, i),
      );
      const results = await Promise.allSettled(submitted);
      results.forEach((r, i) => {
        if (i % 10 === 3) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(WorkerCrashedError);
        else expect(r).toEqual({ status: 'fulfilled', value: i * i });
      });
    }));

  it('maxTasksPerWorker replaces a worker after that many tasks', () =>
    withEx({ workers: 1, maxTasksPerWorker: 2 }, async (ex) => {
      const places = await ex.map(faults.whereAmI, [1, 2, 3, 4, 5, 6] as never[], { window: 1 });
      const ids = places.map((p) => `${p.pid}:${p.threadId}`);
      expect(new Set(ids).size).toBe(3);
      expect(ids[0]).toBe(ids[1]);
      expect(ids[1]).not.toBe(ids[2]);
    }));

  it('idleTimeoutMs stops idle workers; the pool grows again on demand', () =>
    withEx({ idleTimeoutMs: 50 }, async (ex) => {
      await ex.map(basic.square, [1, 2, 3, 4]);
      await vi.waitFor(() => expect(ex.stats().workers).toBe(0), { timeout: 5000, interval: 20 });
      expect(await ex.submit(basic.square, 5)).toBe(25);
    }));

  it('a chunk whose one item crashes its worker fails only that item (retries: 0)', () =>
    withEx({ retries: 0 }, async (ex) => {
      const out = await ex.map(crash.exitIfNegative, [1, 2, -1, 4, 5], { chunkSize: 5, settle: true });
      expect(out.map((r) => r.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      expect(out.filter((r) => r.status === 'fulfilled').map((r) => r.value)).toEqual([2, 4, 8, 10]);
      const error = (out[2] as PromiseRejectedResult).reason as WorkerCrashedError;
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(error.task).toBe('exitIfNegative');
      expect(error.message).toContain('exit code 9');
      expect(ex.stats()).toMatchObject({ completed: 4, failed: 1 });
    }));

  it('workers that cannot start: every task fails with BrokenPoolError, saying so', () => {
    // every worker this parent starts dies while loading, before it can say it is ready
    const dieInWorkers =
      'import{isMainThread}from"node:worker_threads";if(!isMainThread||process.send)process.exit(9);';
    const script = `
      import { createExecutor } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)};
      import { tasks } from ${JSON.stringify(new URL('./fixtures/basic.ts', import.meta.url).href)};
      const ex = createExecutor({ mode: '${mode}', workers: 2 });
      const describe = (e) => ({ name: e.name, message: e.message });
      const first = await Promise.all([ex.submit(tasks.square, 2), ex.submit(tasks.square, 3)].map((p) => p.catch(describe)));
      const later = await ex.submit(tasks.square, 4).catch(describe);
      await ex.close();
      console.log(JSON.stringify([...first, later]));
    `;
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--import', `data:text/javascript,${encodeURIComponent(dieInWorkers)}`],
      { input: script, encoding: 'utf8', timeout: 30_000, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
    const errors = JSON.parse(child.stdout.trim()) as { name: string; message: string }[];
    expect(errors).toHaveLength(3);
    for (const error of errors) {
      expect(error.name).toBe('BrokenPoolError');
      expect(error.message).toContain('No worker of this pool can start');
      expect(error.message).toContain('died before they were ready');
      expect(error.message).toContain('exit code 9');
    }
  });
});

describe('pool that cannot spawn a worker', () => {
  const square = basic.square as unknown as TaskRef;
  it('fails every queued and later job as broken, which becomes a BrokenPoolError', async () => {
    const pool = new Pool({
      mode: 'threads',
      workers: 2,
      initArgs: [],
      maxTasksPerWorker: Number.POSITIVE_INFINITY,
      idleTimeoutMs: Number.POSITIVE_INFINITY,
      cancelGraceMs: 1000,
      initTimeoutMs: 60_000,
      transport: () => {
        throw Object.assign(new Error('spawn EAGAIN'), { code: 'EAGAIN' });
      },
    });
    const outcomes: Outcome[] = [];
    const job = () => new Job(square, [2], undefined, (o) => outcomes.push(o));
    pool.start([job()]);
    pool.start([job(), job()]);
    await new Promise<void>((resolve) => setImmediate(resolve));
    pool.start([job()]);
    expect(outcomes.map((o) => o.kind)).toEqual(['broken', 'broken', 'broken', 'broken']);
    const error = publicError(outcomes[0] as Failure, 'square');
    expect(error).toBeInstanceOf(BrokenPoolError);
    expect(error.message).toContain('No worker of this pool can start');
    expect(error.message).toContain('spawn EAGAIN');
    expect((error.cause as Error).message).toBe('spawn EAGAIN');
    await pool.close();
  });
});

describe('process pool: SIGKILL', () => {
  it('a child process killed mid-task fails that task with WorkerCrashedError; the rest complete', async () => {
    const ex = createExecutor({ mode: 'processes', workers: 2 });
    try {
      const pidFile = join(scratch(), 'pid');
      const victim = ex.submit(faults.pidThenWait, pidFile).catch((e: unknown) => e);
      const others = ex.map(basic.sleep, [30, 10, 20, 5]);
      await vi.waitFor(() => expect(existsSync(pidFile)).toBe(true), { timeout: 10_000, interval: 10 });
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      const error = (await victim) as WorkerCrashedError;
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(error.message).toContain('SIGKILL');
      expect(await others).toEqual([30, 10, 20, 5]);
      expect(await ex.submit(basic.square, 9)).toBe(81);
    } finally {
      await ex.close({ cancel: true });
    }
  });
});

describe('no leaks: the process exits by itself', () => {
  const script = (mode: string, close: boolean) => `
    import { createExecutor } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)};
    import { tasks } from ${JSON.stringify(new URL('./fixtures/basic.ts', import.meta.url).href)};
    const ex = createExecutor({ mode: '${mode}', workers: 2 });
    const out = await ex.map(tasks.square, [1, 2, 3]);
    ${close ? 'await ex.close();' : ''}
    console.log(JSON.stringify(out));
  `;
  it.each([
    ['threads', true],
    ['processes', true],
    ['threads', false],
    ['processes', false],
  ])('%s, close() called: %s', (mode, close) => {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script(mode, close)],
      {
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(child.error).toBeUndefined();
    expect(child.signal).toBeNull();
    expect(child.stdout.trim()).toBe('[1,4,9]');
    expect(child.status).toBe(0);
  });
});
