/**
 * The pool's cooperative cancellation, on real threads and processes: a task that honours its
 * `taskSignal()` stops by itself and keeps its worker (same threadId/pid afterwards), nothing is
 * terminated or re-run; one that ignores it is stopped with its worker after `cancelGraceMs`; a cancelled
 * call that was prefetched behind a running one never runs and disturbs nobody.
 *
 * Tasks (test/fixtures/cancel-pool.ts) report starts and stops as lines to a loopback listener, and
 * runs and reasons as files: the tests wait on lines, count files, and never sleep.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  createExecutor,
  type Executor,
  type ExecutorOptions,
  TaskTimeoutError,
} from '../src/index.ts';
import { type Item, reasonsSeen, release, runCounts, spinning, tasks as t } from './fixtures/cancel-pool.ts';
import { listenForStarts, type StartListener } from './helpers/started.ts';

/** So long that a worker replaced during a test was not replaced for being slow to stop. */
const LONG_GRACE_MS = 600_000;
const SHORT_GRACE_MS = 100;

interface Setup {
  ex: Executor;
  starts: StartListener;
  dir: string;
}

const caught = <T>(call: Promise<T>): Promise<T | unknown> => call.catch((error: unknown) => error);
/** Tiny tasks first: the pool measures them and then prefetches calls behind a running one. */
const warmUp = (ex: Executor) => ex.map(t.whereAmI, Array.from({ length: 64 }, () => undefined) as never[]);

describe.each(['threads', 'processes'] as const)('pool cancellation: %s', (mode) => {
  const withSetup = async (options: Omit<ExecutorOptions, 'mode'>, body: (setup: Setup) => Promise<void>) => {
    const dir = await mkdtemp(join(tmpdir(), 'conc-cancel-'));
    const starts = await listenForStarts();
    const ex = createExecutor({ mode, workers: 1, ...options });
    try {
      await body({ ex, starts, dir });
    } finally {
      release(dir);
      await ex.close({ cancel: true });
      await starts.close();
      await rm(dir, { recursive: true, force: true });
    }
  };

  it('cooperative abort mid-run: the task sees the AbortError its caller got; the same worker serves the next task', () =>
    withSetup({ cancelGraceMs: LONG_GRACE_MS }, async ({ ex, starts, dir }) => {
      const before = await ex.submit(t.whereAmI);
      const controller = new AbortController();
      const run = caught(ex.run(t.waitForAbort, [starts.port, dir], { signal: controller.signal }));
      await starts.started(1);
      controller.abort(new Error('user gave up'));
      const error = (await run) as AbortError;
      expect(error).toBeInstanceOf(AbortError);
      await starts.started(2);
      expect(reasonsSeen(dir)).toEqual([
        { name: 'AbortError', message: error.message, isAbortError: true, isTimeoutError: false },
      ]);
      expect(await ex.submit(t.whereAmI)).toEqual(before);
      expect(ex.stats()).toMatchObject({ completed: 2, cancelled: 1, failed: 0, workers: 1 });
    }));

  it('cooperative timeout: the caller gets TaskTimeoutError at once, the task sees it as its reason, the worker stays', () =>
    withSetup({ cancelGraceMs: LONG_GRACE_MS }, async ({ ex, starts, dir }) => {
      const before = await ex.submit(t.whereAmI);
      const error = (await caught(ex.run(t.waitForAbort, [starts.port, dir], { timeoutMs: 150 }))) as Error;
      expect(error).toBeInstanceOf(TaskTimeoutError);
      await starts.started(2);
      expect(reasonsSeen(dir)).toEqual([
        {
          name: 'TaskTimeoutError',
          message: error.message,
          isAbortError: false,
          isTimeoutError: true,
          timeoutMs: 150,
        },
      ]);
      expect(await ex.submit(t.whereAmI)).toEqual(before);
    }));

  const loop = mode === 'threads' ? t.spinChecking : t.spinYielding;
  it(`a CPU loop ${mode === 'threads' ? 'that never yields, reading signal.aborted,' : 'that yields now and then'} stops cooperatively (abort, then timeout)`, () =>
    withSetup({ cancelGraceMs: LONG_GRACE_MS }, async ({ ex, starts, dir }) => {
      const before = await ex.submit(t.whereAmI);
      const controller = new AbortController();
      const aborted = caught(ex.run(loop, [starts.port, dir], { signal: controller.signal }));
      await starts.started(1);
      controller.abort();
      expect(await aborted).toBeInstanceOf(AbortError);
      await starts.started(2);
      expect(await caught(ex.run(loop, [starts.port, dir], { timeoutMs: 150 }))).toBeInstanceOf(
        TaskTimeoutError,
      );
      await starts.started(4);
      expect(
        reasonsSeen(dir)
          .map((r) => r.name)
          .sort(),
      ).toEqual(['AbortError', 'TaskTimeoutError']);
      expect(await ex.submit(t.whereAmI)).toEqual(before);
    }));

  it('a task that ignores its signal is stopped after the grace: its worker is replaced; calls behind it run once', () =>
    withSetup({ cancelGraceMs: SHORT_GRACE_MS }, async ({ ex, starts, dir }) => {
      const before = (await warmUp(ex))[0];
      const controller = new AbortController();
      const run = caught(ex.run(t.ignoreForever, [starts.port], { signal: controller.signal }));
      await starts.started(1);
      const behind = [0, 1, 2].map((id) => ex.submit(t.countRun, dir, id));
      controller.abort();
      expect(await run).toBeInstanceOf(AbortError);
      expect(await Promise.all(behind)).toEqual([0, 1, 2]);
      expect(await ex.submit(t.whereAmI)).not.toEqual(before);
      expect(runCounts(dir)).toEqual([
        [0, 1],
        [1, 1],
        [2, 1],
      ]);
    }));

  it('cancelGraceMs: 0 terminates the running task’s worker at once, as before cooperative cancellation', () =>
    withSetup({ cancelGraceMs: 0 }, async ({ ex, starts, dir }) => {
      const before = await ex.submit(t.whereAmI);
      const controller = new AbortController();
      const run = caught(ex.run(t.waitForAbort, [starts.port, dir], { signal: controller.signal }));
      await starts.started(1);
      controller.abort();
      expect(await run).toBeInstanceOf(AbortError);
      expect(await ex.submit(t.whereAmI)).not.toEqual(before);
      expect(reasonsSeen(dir)).toEqual([]); // it had no time to stop by itself
    }));

  it('abort of a prefetched neighbour: it never runs; the running task and the others are undisturbed', () =>
    withSetup({ cancelGraceMs: LONG_GRACE_MS }, async ({ ex, dir }) => {
      const before = await ex.submit(t.whereAmI);
      const warm = join(dir, 'warm');
      await mkdir(warm);
      // the task loaded first (its next calls do not yield to load it); then tiny calls measured, so
      // that the pool prefetches calls behind a running one
      await ex.submit(t.countedItem, { dir: warm, id: 0 });
      await warmUp(ex);
      // the running task spins without yielding: the worker can hear the cancel only between calls
      const running = caught(ex.submit(t.holdCpu, dir));
      const controllers = [0, 1, 2, 3].map(() => new AbortController());
      const behind = controllers.map((c, id) =>
        caught(ex.run(t.countedItem, [{ dir, id }], { signal: c.signal })),
      );
      await vi.waitFor(() => expect(spinning(dir)).toBe(true), { timeout: 20_000, interval: 5 });
      // the first call behind it was sent to the worker with it (prefetched), maybe more
      expect(ex.stats().running).toBeGreaterThanOrEqual(2);
      controllers[0]!.abort();
      expect(await behind[0]).toBeInstanceOf(AbortError);
      release(dir);
      expect(await running).toEqual(before);
      expect(await Promise.all(behind.slice(1))).toEqual([1, 2, 3]);
      expect(runCounts(dir)).toEqual([
        [1, 1],
        [2, 1],
        [3, 1],
      ]);
      expect(await ex.submit(t.whereAmI)).toEqual(before);
    }));

  it('exactly once: a map on two workers where one item times out runs every other item once; no worker is replaced', () =>
    withSetup({ workers: 2, cancelGraceMs: LONG_GRACE_MS }, async ({ ex, starts, dir }) => {
      const where = async () => (await warmUp(ex)).map((p) => `${p.pid}:${p.threadId}`);
      const before = await where();
      const items: Item[] = Array.from({ length: 40 }, (_, id) => ({ dir, id }));
      items[13] = { dir, id: 13, port: starts.port, wait: true };
      const out = await ex.map(t.countedItem, items, { timeoutMs: 1000, settle: true });
      expect(out.map((r) => r.status)).toEqual(items.map((i) => (i.wait ? 'rejected' : 'fulfilled')));
      expect((out[13] as PromiseRejectedResult).reason).toBeInstanceOf(TaskTimeoutError);
      await starts.started(2); // the waiting item started, then stopped by itself
      const after = await where();
      expect(new Set([...before, ...after]).size).toBeLessThanOrEqual(2); // a replaced worker would be a third
      await ex.close();
      expect(runCounts(dir)).toEqual(items.map((i) => [i.id, 1]));
      expect(ex.stats()).toMatchObject({
        submitted: 64 + 40 + 64,
        completed: 64 + 39 + 64,
        failed: 1,
        cancelled: 0,
      });
    }));

  it('close({ cancel: true }) waits for cooperative tasks to stop by themselves, then closes the workers', () =>
    withSetup({ workers: 2, cancelGraceMs: LONG_GRACE_MS }, async ({ ex, starts, dir }) => {
      const pending = [0, 1].map(() => caught(ex.submit(t.waitForAbort, starts.port, dir)));
      await starts.started(2);
      await ex.close({ cancel: true });
      // both wrote what they saw before their workers closed: close waited for them
      expect(reasonsSeen(dir).map((r) => r.isAbortError)).toEqual([true, true]);
      for (const error of await Promise.all(pending)) expect(error).toBeInstanceOf(AbortError);
      expect(ex.stats()).toMatchObject({ cancelled: 2, running: 0, workers: 0 });
    }));

  it('close({ cancel: true }) with a task that ignores its signal ends after the grace', () =>
    withSetup({ cancelGraceMs: SHORT_GRACE_MS }, async ({ ex, starts }) => {
      const run = caught(ex.submit(t.ignoreForever, starts.port));
      await starts.started(1);
      await ex.close({ cancel: true });
      expect(await run).toBeInstanceOf(AbortError);
      expect(ex.stats()).toMatchObject({ workers: 0 });
    }));
});
