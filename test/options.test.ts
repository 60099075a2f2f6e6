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

describe('bounds (issue 14): timers Node cannot set, absurd sizes, non-integers', () => {
  const MAX = 2 ** 31 - 1;
  it.each([
    [
      'taskTimeoutMs',
      { mode: 'threads', taskTimeoutMs: 3_000_000_000 },
      /taskTimeoutMs must be at most 2147483647 ms/,
    ],
    [
      'cancelGraceMs',
      { mode: 'threads', cancelGraceMs: MAX + 1 },
      /cancelGraceMs must be at most 2147483647 ms/,
    ],
    [
      'idleTimeoutMs',
      { mode: 'processes', idleTimeoutMs: 1e12 },
      /idleTimeoutMs must be at most 2147483647 ms.*Infinity/,
    ],
    [
      'initTimeoutMs',
      { mode: 'threads', initTimeoutMs: 2 ** 31 },
      /initTimeoutMs must be at most 2147483647 ms/,
    ],
    [
      'initTimeoutMs 0',
      { mode: 'threads', initTimeoutMs: 0 },
      /initTimeoutMs must be a positive number of milliseconds/,
    ],
    [
      'initTimeoutMs NaN',
      { mode: 'threads', initTimeoutMs: Number.NaN },
      /initTimeoutMs must be a positive number/,
    ],
    [
      'taskTimeoutMs Infinity',
      { mode: 'async', taskTimeoutMs: Number.POSITIVE_INFINITY },
      /taskTimeoutMs must be a positive number/,
    ],
    [
      'cancelGraceMs -1',
      { mode: 'threads', cancelGraceMs: -1 },
      /cancelGraceMs must be a number of milliseconds ≥ 0/,
    ],
    [
      'workers 10000 threads',
      { mode: 'threads', workers: 10_000 },
      /workers must be at most 256; got `10000`.*distributed/,
    ],
    ['workers 300 processes', { mode: 'processes', workers: 300 }, /workers must be at most 256/],
    ['workers 1000 auto', { mode: 'auto', workers: 1000 }, /workers must be at most 256/],
    ['workers async', { mode: 'async', workers: 1e7 }, /workers must be at most 100000/],
    [
      'workers NaN',
      { mode: 'async', workers: Number.NaN },
      /workers must be an integer ≥ 1 or Infinity; got `NaN`/,
    ],
    ['retries', { mode: 'threads', retries: 1e6 }, /retries must be at most 100/],
    ['retries 0.5', { mode: 'threads', retries: 0.5 }, /retries must be an integer ≥ 0/],
    [
      'maxTasksPerWorker',
      { mode: 'threads', maxTasksPerWorker: 1e15 },
      /maxTasksPerWorker must be at most 1000000000/,
    ],
    [
      'maxTasksPerWorker -1',
      { mode: 'threads', maxTasksPerWorker: -1 },
      /maxTasksPerWorker must be an integer ≥ 1 or Infinity/,
    ],
    ['maxMemoryMb small', { mode: 'threads', maxMemoryMb: 4 }, /maxMemoryMb must be an integer ≥ 16/],
    ['maxMemoryMb 1.5', { mode: 'processes', maxMemoryMb: 64.5 }, /maxMemoryMb must be an integer ≥ 16/],
    [
      'maxMemoryMb sync',
      { mode: 'sync', maxMemoryMb: 64 },
      /maxMemoryMb applies to the pool modes.*--max-old-space-size/,
    ],
    ['maxMemoryMb async', { mode: 'async', maxMemoryMb: 64 }, /maxMemoryMb applies to the pool modes/],
    [
      'maxMemoryMb distributed',
      { mode: 'distributed', maxMemoryMb: 64 },
      /maxMemoryMb applies to the pool modes.*conc worker/,
    ],
    ['minWorkers -1', { mode: 'threads', minWorkers: -1 }, /minWorkers must be an integer ≥ 0; got `-1`/],
    [
      'minWorkers 0.5',
      { mode: 'processes', minWorkers: 0.5 },
      /minWorkers must be an integer ≥ 0; got `0.5`/,
    ],
    ['minWorkers "2"', { mode: 'threads', minWorkers: '2' }, /minWorkers must be an integer ≥ 0; got "2"/],
    [
      'minWorkers above workers',
      { mode: 'threads', workers: 2, minWorkers: 4 },
      /minWorkers \(4\) must be at most workers \(2\)\./,
    ],
    [
      'minWorkers above the default workers',
      { mode: 'processes', minWorkers: 256 },
      /minWorkers \(256\) must be at most workers \(\d+, the default: the cores\)/,
    ],
    ['minWorkers 300', { mode: 'threads', minWorkers: 300 }, /minWorkers must be at most 256; got `300`/],
    [
      'minWorkers distributed',
      { mode: 'distributed', workers: 4, minWorkers: 1 },
      /minWorkers applies to the pool modes; mode 'distributed' cannot start its workers/,
    ],
  ])('%s', (_, options, message) => {
    expect(bad(options)).toThrow(InvalidOptionsError);
    expect(bad(options)).toThrow(message);
  });

  it('the largest values allowed are accepted', async () => {
    const ex = createExecutor({
      mode: 'threads',
      workers: 256,
      taskTimeoutMs: MAX,
      cancelGraceMs: MAX,
      idleTimeoutMs: MAX,
      initTimeoutMs: MAX,
      retries: 100,
      maxTasksPerWorker: 1_000_000_000,
      maxMemoryMb: 64,
    });
    expect(ex.workers).toBe(256);
    await ex.close();
  });

  it('map, imap and run refuse a timeout above 2^31−1 ms and absurd window or chunkSize', async () => {
    const ex = createExecutor({ mode: 'async' });
    try {
      await expect(ex.map(tasks.square, [1], { timeoutMs: 3_000_000_000 })).rejects.toThrow(
        /map: timeoutMs must be at most 2147483647 ms/,
      );
      await expect(ex.run(tasks.square, [1], { timeoutMs: MAX + 1 })).rejects.toThrow(
        /run: timeoutMs must be at most 2147483647 ms/,
      );
      await expect(ex.map(tasks.square, [1], { window: 1e9 })).rejects.toThrow(
        /window must be at most 1000000/,
      );
      await expect(ex.map(tasks.square, [1], { chunkSize: 1e7 })).rejects.toThrow(
        /chunkSize must be at most 100000/,
      );
      await expect(ex.map(tasks.square, [1], { window: 2.5 })).rejects.toThrow(
        /window must be an integer ≥ 1/,
      );
      const gen = ex.imap(tasks.square, [1], { timeoutMs: 1e10 });
      await expect(gen.next()).rejects.toBeInstanceOf(InvalidOptionsError);
      expect(await ex.run(tasks.square, [3], { timeoutMs: MAX })).toBe(9);
    } finally {
      await ex.close();
    }
  });
});
