/**
 * Conformance cases for warm-up on request (issue 13, item 2), run by `executorSuite` on every backend:
 * `ready()` resolves once the executor can take work (and may be called again), `minWorkers` starts pool
 * workers at creation with no task run, an initializer that throws or never lets a worker start makes
 * `ready()` reject with the error every task would get (never a hang), and after `close()` it rejects
 * with ExecutorClosedError.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  BrokenPoolError,
  createExecutor,
  type Executor,
  ExecutorClosedError,
  type ExecutorOptions,
  InitializerError,
  InvalidOptionsError,
} from '../../src/index.ts';
import { tasks as badInit } from '../fixtures/bad-init.ts';
import { tasks as basic } from '../fixtures/basic.ts';
import { tasks as state } from '../fixtures/state.ts';

type Make = (options?: Omit<ExecutorOptions, 'mode'>) => Executor;
type Mode = ExecutorOptions['mode'];

const isPool = (mode: Mode) => mode === 'threads' || mode === 'processes';

/** Runs `body` with an executor made by `make`, closing it (cancelling) whatever happens. */
async function using<T>(ex: Executor, body: (ex: Executor) => Promise<T>): Promise<T> {
  try {
    return await body(ex);
  } finally {
    await ex.close({ cancel: true });
  }
}

export function readyCases(mode: Mode, make: Make): void {
  it('ready() resolves, twice, before any task; then tasks run', () =>
    using(make(), async (ex) => {
      await ex.ready();
      await ex.ready();
      expect(ex.stats()).toMatchObject({ submitted: 0, completed: 0, running: 0, queued: 0 });
      if (isPool(mode)) expect(ex.stats().workers).toBe(1); // none ran: ready() started one
      expect(await ex.submit(basic.square, 6)).toBe(36);
    }));

  it.runIf(isPool(mode))(
    'minWorkers: 2 starts both workers at creation; ready() waits for them, no task ran',
    () =>
      using(make({ workers: 2, minWorkers: 2 }), async (ex) => {
        expect(ex.stats().workers).toBe(2); // started (still starting) before anything was asked
        await Promise.all([ex.ready(), ex.ready()]);
        expect(ex.stats()).toMatchObject({ workers: 2, submitted: 0, completed: 0, running: 0, queued: 0 });
        expect(await ex.map(basic.square, [1, 2, 3])).toEqual([1, 4, 9]);
        expect(ex.stats().workers).toBe(2);
      }),
  );

  it.runIf(isPool(mode))(
    'minWorkers: 1 of workers: 2 starts one; the pool still grows to two on demand',
    () =>
      using(make({ workers: 2, minWorkers: 1 }), async (ex) => {
        await ex.ready();
        expect(ex.stats().workers).toBe(1);
        expect(await ex.map(basic.sleep, [30, 30, 30, 30])).toEqual([30, 30, 30, 30]);
        expect(ex.stats().workers).toBe(2);
      }),
  );

  it.runIf(mode === 'sync' || mode === 'async' || mode === 'auto')(
    'minWorkers is accepted and starts nothing (no pool to warm); ready() resolves',
    () =>
      using(make({ minWorkers: 1 }), async (ex) => {
        const before = ex.stats().workers;
        await ex.ready();
        expect(ex.stats().workers).toBe(before);
        expect(await ex.submit(basic.add, 1, 2)).toBe(3);
      }),
  );

  it.runIf(mode === 'distributed')('minWorkers above 0 is refused: remote workers start elsewhere', () => {
    expect(() => make({ minWorkers: 1 })).toThrow(InvalidOptionsError);
    expect(() => make({ minWorkers: 1 })).toThrow(/minWorkers applies to the pool modes.*conc worker/);
  });

  it.runIf(mode !== 'distributed')(
    'an initializer that throws makes ready() reject with InitializerError',
    () =>
      using(
        make({ initializer: state.failingInit, ...(isPool(mode) ? { minWorkers: 1 } : {}) }),
        async (ex) => {
          const error = await ex.ready().catch((e: unknown) => e);
          expect(error).toBeInstanceOf(InitializerError);
          expect((error as Error).message).toContain('cannot open session');
          await expect(ex.ready()).rejects.toBeInstanceOf(InitializerError); // again: the same verdict
          await expect(ex.submit(basic.square, 2)).rejects.toBeInstanceOf(InitializerError);
        },
      ),
  );

  it.runIf(isPool(mode))(
    'workers that cannot start make ready() reject with BrokenPoolError (bounded by initTimeoutMs)',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'conc-ready-'));
      try {
        for (const [init, says] of [
          [badInit.hangInit, 'initTimeoutMs (200 ms)'],
          [badInit.exitInit, 'died before they were ready'],
        ] as const) {
          const options = {
            initializer: init,
            initArgs: [join(dir, `${init.name}.log`)],
            initTimeoutMs: 200,
          };
          await using(make(options), async (ex) => {
            const error = await ex.ready().catch((e: unknown) => e);
            expect(error, init.name).toBeInstanceOf(BrokenPoolError);
            expect((error as Error).message, init.name).toContain(says);
            await expect(ex.submit(basic.square, 2)).rejects.toBeInstanceOf(BrokenPoolError);
          });
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('ready() after close() rejects with ExecutorClosedError', async () => {
    const ex = make();
    await ex.ready();
    await ex.close();
    const error = await ex.ready().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutorClosedError);
    expect((error as Error).message).toContain('Cannot wait for ready(): the executor is closed');
  });

  it.runIf(isPool(mode))(
    'close() while ready() waits for a worker still starting rejects it, not a hang',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'conc-ready-'));
      try {
        const ex = make({
          initializer: badInit.hangInit,
          initArgs: [join(dir, 'log')],
          initTimeoutMs: 60_000,
        });
        const waiting = ex.ready().catch((e: unknown) => e);
        await ex.close();
        expect(await waiting).toBeInstanceOf(ExecutorClosedError);
        expect(ex.stats().workers).toBe(0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('minWorkers is bounded like workers: an integer 0..workers, the error naming both', () => {
    for (const bad of [-1, 1.5, '2', Number.NaN]) {
      expect(() => createExecutor({ mode, workers: 2, minWorkers: bad as number })).toThrow(
        InvalidOptionsError,
      );
    }
    expect(() => createExecutor({ mode, workers: 2, minWorkers: 3 })).toThrow(
      'createExecutor: minWorkers (3) must be at most workers (2).',
    );
  });
}
