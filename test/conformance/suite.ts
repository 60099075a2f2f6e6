/**
 * One conformance suite for every backend: results, order, errors, abort, timeouts and cleanup.
 * Each backend file calls `executorSuite` once with its factory and what it can do.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  ConcError,
  createExecutor,
  type Executor,
  ExecutorClosedError,
  type ExecutorOptions,
  InitializerError,
  TaskError,
  TaskNotFoundError,
  TaskTimeoutError,
  taskRef,
} from '../../src/index.ts';
import { tasks as basic } from '../fixtures/basic.ts';
import { tasks as faults, probes } from '../fixtures/faults.ts';
import { overlap, tasks as state } from '../fixtures/state.ts';
import { listenForStarts, type StartListener } from '../helpers/started.ts';
import { type CooperativeCaps, cooperativeCases } from './cooperative-cases.ts';
import { hardeningCases } from './hardening-cases.ts';
import { readyCases } from './ready-cases.ts';

export interface Capabilities {
  /** Arguments and results are cloned across a boundary (pools, distributed). */
  clones: boolean;
  /** A running task can be stopped (its worker terminated). */
  stopsRunning: boolean;
  /** Tasks run in more than one place, each with its own initializer run. */
  perWorkerInit: boolean;
  /** Default width when `workers` is not given. */
  parallel: boolean;
  /** Cooperative cancellation (issue 10); each defaults by mode (see COOPERATIVE). */
  keepsWorkerOnCancel?: boolean;
  seesSpinningCancel?: boolean;
  queuesBehindOne?: boolean;
}

/**
 * What each backend does with cooperative cancellation, unless its file says otherwise. Inline modes
 * have no workers to lose (the "worker" is this thread); a CPU loop there would block the test itself,
 * and a child process only hears its signal when its loop yields. auto samples on an unbounded event
 * loop before it picks, and distributed spreads calls over several remote workers: neither has one
 * worker to come back to, nor a queue behind a single running call.
 */
const COOPERATIVE: Record<ExecutorOptions['mode'], Omit<CooperativeCaps, 'stopsRunning'>> = {
  sync: { keepsWorkerOnCancel: true, seesSpinningCancel: false, queuesBehindOne: true },
  async: { keepsWorkerOnCancel: true, seesSpinningCancel: false, queuesBehindOne: true },
  threads: { keepsWorkerOnCancel: true, seesSpinningCancel: true, queuesBehindOne: true },
  processes: { keepsWorkerOnCancel: true, seesSpinningCancel: false, queuesBehindOne: true },
  auto: { keepsWorkerOnCancel: false, seesSpinningCancel: false, queuesBehindOne: false },
  distributed: { keepsWorkerOnCancel: false, seesSpinningCancel: true, queuesBehindOne: false },
};

type Make = (options?: Omit<ExecutorOptions, 'mode'>) => Executor;

export function executorSuite(mode: ExecutorOptions['mode'], caps: Capabilities): void {
  const make: Make = (options = {}) =>
    createExecutor({ mode, ...(mode === 'sync' ? {} : { workers: 2 }), ...options });
  const withEx = async <T>(
    options: Omit<ExecutorOptions, 'mode'> | undefined,
    body: (ex: Executor) => Promise<T>,
  ) => {
    const ex = make(options);
    try {
      return await body(ex);
    } finally {
      await ex.close({ cancel: true });
    }
  };
  /** An executor and a start listener: tasks report that they started instead of the test sleeping. */
  const withStarts = async (
    options: Omit<ExecutorOptions, 'mode'> | undefined,
    body: (ex: Executor, starts: StartListener) => Promise<void>,
  ) => {
    const starts = await listenForStarts();
    try {
      await withEx(options, (ex) => body(ex, starts));
    } finally {
      await starts.close();
    }
  };

  describe(`executor conformance: ${mode}`, () => {
    it('submit resolves to the result; BigInt and Map survive the trip', () =>
      withEx(undefined, async (ex) => {
        expect(await ex.submit(basic.add, 2, 3)).toBe(5);
        expect(await ex.submit(basic.bigSquare, 2n ** 70n)).toBe(2n ** 140n);
        expect(await ex.submit(basic.mapSize, new Map([['a', 1]]))).toEqual(new Map([['a', 2]]));
      }));

    it('map returns results in input order whatever the completion order', () =>
      withEx(undefined, async (ex) => {
        const delays = [40, 0, 25, 5, 0, 15, 30, 1];
        expect(await ex.map(basic.sleep, delays)).toEqual(delays);
      }));

    it('imap ordered yields in input order; unordered in completion order', () =>
      withEx(undefined, async (ex) => {
        const ordered: number[] = [];
        for await (const r of ex.imap(basic.square, [1, 2, 3, 4, 5])) ordered.push(r);
        expect(ordered).toEqual([1, 4, 9, 16, 25]);
        const unordered: unknown[] = [];
        for await (const r of ex.imap(basic.sleep, [300, 0], { ordered: false })) unordered.push(r);
        expect(unordered).toEqual(mode === 'sync' ? [300, 0] : [0, 300]);
      }));

    it('accepts an AsyncIterable input', () =>
      withEx(undefined, async (ex) => {
        async function* gen() {
          for (let i = 0; i < 20; i++) yield i;
        }
        expect(await ex.map(basic.square, gen())).toEqual(Array.from({ length: 20 }, (_, i) => i * i));
      }));

    it('consumes an infinite generator lazily: a consumer that stops after 1,000 results stops the pull', () =>
      withEx(undefined, async (ex) => {
        let pulled = 0;
        function* naturals() {
          for (let i = 0; ; i++) {
            pulled++;
            yield i;
          }
        }
        let seen = 0;
        for await (const r of ex.imap(basic.identity, naturals(), { window: 64 })) {
          expect(r).toBe(seen);
          if (++seen === 1000) break;
        }
        expect(pulled).toBeLessThanOrEqual(1000 + 64);
        expect(ex.stats().running).toBe(0);
      }));

    it('settle: one settled result per input, in order, good results kept', () =>
      withEx(undefined, async (ex) => {
        const out = await ex.map(faults.failOdd, [0, 1, 2, 3, 4], { settle: true });
        expect(out.map((r) => r.status)).toEqual([
          'fulfilled',
          'rejected',
          'fulfilled',
          'rejected',
          'fulfilled',
        ]);
        expect(out[0]).toEqual({ status: 'fulfilled', value: 0 });
        expect(out[4]).toEqual({ status: 'fulfilled', value: 40 });
        const reason = (out[1] as PromiseRejectedResult).reason;
        expect(reason).toBeInstanceOf(TaskError);
        expect(reason.cause).toBeInstanceOf(RangeError);
        expect(reason.cause.message).toBe('odd: 1');
      }));

    it('map without settle rejects with the first failure; the executor keeps working', () =>
      withEx(undefined, async (ex) => {
        await expect(ex.map(faults.failOdd, [0, 2, 3, 4])).rejects.toBeInstanceOf(TaskError);
        expect(await ex.map(basic.square, [3])).toEqual([9]);
      }));

    it('TaskError keeps the name, message, stack, code, own properties and cause chain', () =>
      withEx(undefined, async (ex) => {
        const error = await ex.submit(faults.throwRich, 'over quota').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TaskError);
        expect(error).toBeInstanceOf(ConcError);
        const e = error as TaskError & { cause: Error & { code: string; limit: number } };
        expect(e.task).toBe('throwRich');
        expect(e.message).toContain('QuotaError: over quota');
        expect(e.cause.name).toBe('QuotaError');
        expect(e.cause.message).toBe('over quota');
        expect(e.cause.code).toBe('E_QUOTA');
        expect(e.cause.limit).toBe(3);
        expect(e.cause.stack).toContain('faults.ts');
        expect(e.stack).toContain('faults.ts');
        const middle = e.cause.cause as Error;
        expect(middle.message).toBe('middle');
        expect(middle.cause).toBeInstanceOf(TypeError);
        expect((middle.cause as Error).message).toBe('root cause');
      }));

    it('a thrown non-Error value still arrives as a TaskError', () =>
      withEx(undefined, async (ex) => {
        const e = (await ex.submit(faults.throwString).catch((x: unknown) => x)) as TaskError;
        expect(e).toBeInstanceOf(TaskError);
        expect(e.message).toContain('a plain string');
      }));

    it('chunkSize gives the same results, and a failing item fails only itself', () =>
      withEx(undefined, async (ex) => {
        const items = Array.from({ length: 103 }, (_, i) => i);
        expect(await ex.map(basic.square, items, { chunkSize: 10 })).toEqual(items.map((i) => i * i));
        const settled = await ex.map(faults.failOdd, [0, 1, 2, 3], { chunkSize: 4, settle: true });
        expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
        expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(TaskError);
      }));

    it('an already-aborted signal rejects at once with AbortError', () =>
      withEx(undefined, async (ex) => {
        const signal = AbortSignal.abort(new Error('user gave up'));
        const error = await ex.map(basic.square, [1, 2], { signal }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AbortError);
        expect((error as Error).name).toBe('AbortError');
        await expect(ex.run(basic.square, [1], { signal })).rejects.toBeInstanceOf(AbortError);
      }));

    it('abort mid-map: the call rejects with AbortError, unstarted items never start, the executor still works', () =>
      withStarts(undefined, async (ex, starts) => {
        const controller = new AbortController();
        let pulled = 0;
        function* items() {
          for (let i = 0; i < 1000; i++) {
            pulled++;
            yield starts.port;
          }
        }
        const run = ex.map(probes.notifyThenHang, items(), { signal: controller.signal, window: 4 });
        await starts.started(1);
        controller.abort();
        await expect(run).rejects.toBeInstanceOf(AbortError);
        expect(pulled).toBeLessThanOrEqual(4);
        expect(await ex.submit(basic.add, 1, 1)).toBe(2);
        expect(ex.stats().running).toBe(0);
      }));

    it('timeout: a task that never settles rejects with TaskTimeoutError; later calls still work', () =>
      withEx(undefined, async (ex) => {
        const error = await ex.run(faults.hangAsync, [], { timeoutMs: 150 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TaskTimeoutError);
        expect((error as TaskTimeoutError).timeoutMs).toBe(150);
        expect(await ex.submit(basic.square, 4)).toBe(16);
      }));

    it('taskTimeoutMs applies to every task; the clock starts when the task starts, not while queued', () =>
      withEx({ taskTimeoutMs: 500, ...(mode === 'sync' ? {} : { workers: 1 }) }, async (ex) => {
        // four 200 ms tasks through one worker: 800 ms in all, yet none exceeds its own 500 ms
        expect(await ex.map(basic.sleep, [200, 200, 200, 200])).toEqual([200, 200, 200, 200]);
      }));

    it.runIf(caps.stopsRunning)('timeout stops a task that blocks its thread, and replaces the worker', () =>
      withEx(undefined, async (ex) => {
        await expect(ex.run(faults.hangCpu, [], { timeoutMs: 200 })).rejects.toBeInstanceOf(TaskTimeoutError);
        expect(await ex.map(basic.square, [1, 2, 3])).toEqual([1, 4, 9]);
      }),
    );

    it.runIf(caps.stopsRunning)('abort stops a running task that blocks its thread', () =>
      withStarts(undefined, async (ex, starts) => {
        const controller = new AbortController();
        const run = ex.run(probes.notifyThenHang, [starts.port, 'cpu'], { signal: controller.signal });
        await starts.started(1);
        controller.abort();
        await expect(run).rejects.toBeInstanceOf(AbortError);
        expect(await ex.submit(basic.square, 5)).toBe(25);
      }),
    );

    it('the initializer runs before the first task (once per worker, once in total inline)', () =>
      withEx({ initializer: state.initSession, initArgs: ['s1'] }, async (ex) => {
        const sessions = await ex.map(state.readSession, [1, 2, 3, 4, 5, 6, 7, 8] as never[]);
        for (const s of sessions) expect(s).toMatchObject({ label: 's1', inits: 1 });
        if (!caps.perWorkerInit) expect(new Set(sessions.map((s) => s?.id)).size).toBe(1);
      }));

    it('an initializer that throws fails every task with InitializerError', () =>
      withEx({ initializer: state.failingInit }, async (ex) => {
        const settled = await ex.map(basic.square, [1, 2, 3], { settle: true });
        for (const r of settled) {
          expect(r.status).toBe('rejected');
          const reason = (r as PromiseRejectedResult).reason;
          expect(reason).toBeInstanceOf(InitializerError);
          expect(reason.message).toContain('cannot open session');
        }
        await expect(ex.submit(basic.square, 1)).rejects.toBeInstanceOf(InitializerError);
      }));

    it('task module missing, export missing, export not a function → TaskNotFoundError', () =>
      withEx(undefined, async (ex) => {
        const missing = new URL('../fixtures/no-such-module.ts', import.meta.url).href;
        const e1 = await ex.submit(taskRef(missing, 'x')).catch((e: unknown) => e);
        expect(e1).toBeInstanceOf(TaskNotFoundError);
        expect((e1 as Error).message).toContain('not found');
        const faultsUrl = new URL('../fixtures/faults.ts', import.meta.url).href;
        const e2 = await ex.submit(taskRef(faultsUrl, 'noSuchExport')).catch((e: unknown) => e);
        expect(e2).toBeInstanceOf(TaskNotFoundError);
        expect((e2 as Error).message).toContain('noSuchExport');
        const e3 = await ex.submit(taskRef(faultsUrl, 'notAFunction')).catch((e: unknown) => e);
        expect(e3).toBeInstanceOf(TaskNotFoundError);
        expect((e3 as Error).message).toContain('not a function');
        expect(await ex.submit(basic.square, 2)).toBe(4);
      }));

    it('submit after close → ExecutorClosedError', async () => {
      const ex = make();
      await ex.close();
      await expect(ex.submit(basic.square, 1)).rejects.toBeInstanceOf(ExecutorClosedError);
      await expect(ex.map(basic.square, [1])).rejects.toBeInstanceOf(ExecutorClosedError);
    });

    it('close() drains: running and queued tasks finish first', async () => {
      const ex = make();
      const pending = [
        ex.submit(basic.sleep, 50, 'a'),
        ex.submit(basic.sleep, 10, 'b'),
        ex.submit(basic.sleep, 30, 'c'),
      ];
      await ex.close();
      expect(await Promise.all(pending)).toEqual(['a', 'b', 'c']);
    });

    it('close() finishes when the only queued work was aborted', async () => {
      const ex = make({ workers: 1 } as never);
      const controller = new AbortController();
      const running = ex.run(basic.sleep, [50, 'ran']);
      const queued = ex
        .run(basic.sleep, [10, 'never'], { signal: controller.signal })
        .catch((e: unknown) => e);
      controller.abort();
      expect(await queued).toBeInstanceOf(AbortError);
      await ex.close();
      expect(await running).toBe('ran');
    });

    it('close({ cancel: true }) rejects what has not finished with AbortError', async () => {
      const starts = await listenForStarts();
      const ex = make();
      let closed = false;
      try {
        const pending = Promise.allSettled([
          ex.submit(probes.notifyThenHang, starts.port),
          ex.submit(probes.notifyThenHang, starts.port),
          ex.submit(probes.notifyThenHang, starts.port),
        ]);
        // at least one is running (sync runs one at a time): close must stop running work, not only queued
        await starts.started(1);
        await ex.close({ cancel: true });
        closed = true;
        for (const r of await pending) {
          expect(r.status).toBe('rejected');
          expect((r as PromiseRejectedResult).reason).toBeInstanceOf(AbortError);
        }
      } finally {
        if (!closed) await ex.close({ cancel: true });
        await starts.close();
      }
    });

    it('Symbol.asyncDispose closes the executor', async () => {
      let outer: Executor;
      {
        await using ex = make();
        outer = ex;
        expect(await ex.submit(basic.square, 3)).toBe(9);
      }
      await expect(outer.submit(basic.square, 1)).rejects.toBeInstanceOf(ExecutorClosedError);
    });

    it('stats counts submitted, completed and failed tasks', () =>
      withEx(undefined, async (ex) => {
        await ex.map(faults.failOdd, [0, 1, 2], { settle: true });
        await ex.submit(basic.square, 2);
        expect(ex.stats()).toMatchObject({
          mode,
          submitted: 4,
          completed: 3,
          failed: 1,
          running: 0,
          queued: 0,
        });
      }));

    it.runIf(mode === 'sync')(
      'sync accepts { workers: 4 } yet runs one task at a time, and stats says so',
      () =>
        withStarts({ workers: 4 }, async (ex, starts) => {
          expect(ex.workers).toBe(1);
          expect(await ex.map(overlap.activeAtStart, [5, 5, 5, 5])).toEqual([1, 1, 1, 1]);
          const pending = [1, 2, 3].map(() => ex.submit(probes.notifyThenHang, starts.port).catch((e) => e));
          await starts.started(1);
          expect(ex.stats()).toMatchObject({ workers: 1, running: 1, queued: 2 });
          expect(starts.count).toBe(1);
          await ex.close({ cancel: true });
          for (const reason of await Promise.all(pending)) expect(reason).toBeInstanceOf(AbortError);
        }),
    );

    it('chunkSize 3 with retries 1: an item that fails its first attempt is retried alone and succeeds', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'conc-retry-'));
      try {
        await withEx({ retries: 1 }, async (ex) => {
          const paths = Array.from({ length: 7 }, (_, i) => join(dir, `item-${i}`));
          // each item's file counts its attempts: exactly two each, whichever process ran them
          expect(await ex.map(probes.failFirstAttempt, paths, { chunkSize: 3 })).toEqual(paths.map(() => 2));
          expect(ex.stats()).toMatchObject({ submitted: 7, completed: 7, failed: 0, running: 0, queued: 0 });
          expect((await readdir(dir)).sort()).toEqual(paths.map((p) => p.slice(dir.length + 1)).sort());
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('chunkSize 3 with retries 1 over items that always fail: each call counts once in stats', () =>
      withEx({ retries: 1 }, async (ex) => {
        const odd = [1, 3, 5, 7, 9, 11, 13];
        const out = await ex.map(faults.failOdd, odd, { chunkSize: 3, settle: true });
        expect(out.map((r) => r.status)).toEqual(odd.map(() => 'rejected'));
        const reasons = out.map((r) => (r as PromiseRejectedResult).reason as TaskError);
        for (const [i, reason] of reasons.entries()) {
          expect(reason).toBeInstanceOf(TaskError);
          expect((reason.cause as Error).message).toBe(`odd: ${odd[i]}`);
        }
        expect(ex.stats()).toMatchObject({ submitted: 7, completed: 0, failed: 7, running: 0, queued: 0 });
      }));

    it.runIf(caps.clones)('arguments that cannot be cloned fail that item only, with TaskArgumentError', () =>
      withEx(undefined, async (ex) => {
        const out = await ex.map(basic.identity, [1, () => 2, 3, Symbol('s')] as never[], { settle: true });
        expect(out.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
        const reason = (out[1] as PromiseRejectedResult).reason as Error;
        expect(reason.name).toBe('TaskArgumentError');
        expect(reason.message).toContain('cloneable');
        const result = await ex.submit(faults.returnFunction).catch((e: unknown) => e);
        expect((result as Error).name).toBe('TaskArgumentError');
      }),
    );

    it.runIf(!caps.clones)('inline modes pass arguments by reference (functions allowed)', () =>
      withEx(undefined, async (ex) => {
        const fn = () => 2;
        expect(await ex.submit(basic.identity, fn)).toBe(fn);
      }),
    );

    describe('hardening (issue 14)', () => {
      hardeningCases(withEx, { clones: caps.clones });
    });

    describe('warm-up: minWorkers and ready() (issue 13)', () => {
      readyCases(mode, make);
    });

    describe('cooperative cancellation', () => {
      const byMode = COOPERATIVE[mode];
      cooperativeCases(make, {
        stopsRunning: caps.stopsRunning,
        keepsWorkerOnCancel: caps.keepsWorkerOnCancel ?? byMode.keepsWorkerOnCancel,
        seesSpinningCancel: caps.seesSpinningCancel ?? byMode.seesSpinningCancel,
        queuesBehindOne: caps.queuesBehindOne ?? byMode.queuesBehindOne,
      });
    });
  });
}
