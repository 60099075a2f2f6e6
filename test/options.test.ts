/** Bad options and bad calls: typed errors whose messages name the option and echo the value. */
import { describe, expect, it } from 'vitest';
import { createExecutor, defineTasks, type ExecutorOptions, InvalidOptionsError } from '../src/index.ts';
import { tasks } from './fixtures/basic.ts';

const bad = (options: unknown) => () => createExecutor(options as ExecutorOptions);

describe('createExecutor validates its options', () => {
  it.each([
    [
      { mode: 'fibers' },
      /mode must be one of sync, async, threads, processes, distributed, auto; got "fibers"/,
    ],
    [{}, /mode must be one of/],
    [{ mode: 'threads', workers: 0 }, /workers must be an integer ≥ 1; got `0`/],
    [{ mode: 'threads', workers: 1.5 }, /workers must be an integer ≥ 1; got `1.5`/],
    [{ mode: 'threads', workers: Number.POSITIVE_INFINITY }, /workers must be an integer ≥ 1/],
    [{ mode: 'threads', wrokers: 2 }, /unknown option "wrokers"/],
    [{ mode: 'threads', taskTimeoutMs: -5 }, /taskTimeoutMs must be a positive number/],
    [{ mode: 'threads', retries: -1 }, /retries must be an integer ≥ 0/],
    [{ mode: 'threads', maxTasksPerWorker: 0 }, /maxTasksPerWorker must be an integer ≥ 1 or Infinity/],
    [{ mode: 'threads', initializer: () => {} }, /initializer must be a task reference/],
    [{ mode: 'threads', initArgs: 'x' }, /initArgs must be an array/],
    [{ mode: 'threads', redis: 'redis://127.0.0.1' }, /"redis" applies to mode 'distributed' only/],
    [null, /options must be an object/],
  ])('%j', (options, message) => {
    expect(bad(options)).toThrow(InvalidOptionsError);
    expect(bad(options)).toThrow(message);
  });

  it('one options object fits every mode: sync takes workers as a bound and runs one task at a time', async () => {
    const options = { workers: 4, maxTasksPerWorker: 10, idleTimeoutMs: 1000 };
    for (const mode of ['sync', 'async', 'threads', 'processes', 'auto'] as const) {
      const ex = createExecutor({ mode, ...options });
      expect(ex.workers).toBe(mode === 'sync' ? 1 : 4);
      await ex.close();
    }
    const ex = createExecutor({ mode: 'sync', workers: 4 });
    try {
      expect(await ex.map(tasks.square, [1, 2, 3])).toEqual([1, 4, 9]);
      expect(ex.stats()).toMatchObject({ workers: 1, running: 0, completed: 3 });
    } finally {
      await ex.close();
    }
  });

  it('options naming another system are refused outside distributed', () => {
    for (const mode of ['sync', 'async', 'threads', 'processes', 'auto'] as const) {
      expect(bad({ mode, queue: 'q' })).toThrow(/"queue" applies to mode 'distributed' only/);
    }
  });

  it('async accepts Infinity workers (its default)', async () => {
    const ex = createExecutor({ mode: 'async', workers: Number.POSITIVE_INFINITY });
    expect(ex.workers).toBe(Number.POSITIVE_INFINITY);
    await ex.close();
  });
});

describe('calls validate their arguments', () => {
  it('a task that is not a reference, bad map options, bad items', async () => {
    const ex = createExecutor({ mode: 'async' });
    try {
      await expect(ex.submit((() => 1) as never)).rejects.toThrow(/task must be a task reference/);
      await expect(ex.map(tasks.square, [1], { chunkSize: 0 })).rejects.toThrow(
        /chunkSize must be an integer ≥ 1; got `0`/,
      );
      await expect(ex.map(tasks.square, [1], { timeoutMs: 0 })).rejects.toThrow(
        /timeoutMs must be a positive number/,
      );
      await expect(ex.map(tasks.square, [1], { speed: 1 } as never)).rejects.toThrow(
        /unknown option "speed"/,
      );
      await expect(ex.map(tasks.square, 42 as never)).rejects.toThrow(
        /items must be an Iterable or an AsyncIterable/,
      );
    } finally {
      await ex.close();
    }
  });

  it('defineTasks rejects a missing module URL and non-functions', () => {
    expect(() => defineTasks('tasks.ts', { a: () => 1 })).toThrow(/pass import.meta.url/);
    expect(() => defineTasks(import.meta.url, { a: 1 as never })).toThrow(/"a" must be a function/);
  });
});
