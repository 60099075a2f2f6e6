/** The distributed wire format and Redis URL handling: no Redis needed. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DistributedBackend } from '../src/backends/distributed/client.ts';
import { failedJobError } from '../src/backends/distributed/outcome.ts';
import { checkQueueName, checkRedisUrl, redact, scrub } from '../src/backends/distributed/redis.ts';
import { Runners } from '../src/backends/distributed/runners.ts';
import {
  builtinUrl,
  decode,
  encode,
  failureText,
  jobName,
  moduleId,
  parseFailure,
  parseJobName,
} from '../src/backends/distributed/wire.ts';
import {
  createExecutor,
  InvalidOptionsError,
  TaskError,
  TaskNotFoundError,
  type TaskRef,
  TaskTimeoutError,
  taskRef,
  WorkerCrashedError,
} from '../src/index.ts';
import { toWireError } from '../src/internal/error-wire.ts';
import { Job } from '../src/internal/job.ts';
import { tasks } from './fixtures/basic.ts';

describe('distributed wire format', () => {
  it('values survive as structured clones: BigInt, Map, Set, Date, typed arrays', () => {
    const value = {
      big: 2n ** 70n,
      map: new Map([['a', 1]]),
      set: new Set([1]),
      when: new Date(0),
      bytes: new Uint8Array([1, 2]),
    };
    expect(decode(encode(value))).toEqual(value);
    expect(() => encode(() => 1)).toThrow();
  });

  it('takes a JSON shortcut only where JSON round-trips exactly', () => {
    for (const value of [1, 'a', true, null, [1, [2, 'x']], { a: 1, b: [null] }]) {
      expect(encode(value).startsWith('j')).toBe(true);
      expect(decode(encode(value))).toEqual(value);
    }
    const special = [
      -0,
      Number.NaN,
      [1, undefined],
      { a: undefined },
      [1, 2n],
      new Date(0),
      Object.create(null),
      new Array(2).fill(1, 1), // a hole at 0
      { m: new Map() },
    ];
    for (const value of special) {
      expect(encode(value).startsWith('j')).toBe(false);
      expect(decode(encode(value))).toEqual(value);
    }
    expect(Object.is(decode(encode(-0)), -0)).toBe(true);
    expect(1 in (decode(encode([1, undefined])) as unknown[])).toBe(true);
  });

  it('names a module by a machine-independent id: conc built-ins, else the file name', () => {
    expect(moduleId(builtinUrl('conc/cpu')!)).toBe('conc/cpu');
    expect(moduleId(builtinUrl('conc/io')!.replace(/\.ts$/, '.js'))).toBe('conc/io');
    expect(moduleId(pathToFileURL('/home/me/project/lib/my-tasks.ts').href)).toBe('my-tasks');
    expect(moduleId(pathToFileURL('/srv/other/dist/my-tasks.mjs').href)).toBe('my-tasks');
    expect(jobName(tasks.square)).toBe('basic#square');
    expect(parseJobName('conc/cpu#sumOfSquares')).toEqual({ id: 'conc/cpu', task: 'sumOfSquares' });
    expect(parseJobName('no-hash')).toBeUndefined();
    expect(parseJobName('#x')).toBeUndefined();
  });

  it('failures travel as readable text with the error as data at the end', () => {
    const error = new RangeError('odd: 1\nsecond line');
    const text = failureText('threw', toWireError(error));
    expect(text.startsWith('RangeError: odd: 1 second line [conc:threw:')).toBe(true);
    const parsed = parseFailure(text)!;
    expect(parsed.status).toBe('threw');
    expect(parsed.error.stack).toBe(error.stack);
    expect(parseFailure('job stalled more than allowable limit')).toBeUndefined();
  });

  it('maps reported failures to conc errors, with the remote stack kept', () => {
    const job = new Job(tasks.square as TaskRef, [1], false, 250, 0, () => {});
    const remote = new TypeError('bad input');
    const threw = failedJobError(job, failureText('threw', toWireError(remote)));
    expect(threw).toBeInstanceOf(TaskError);
    expect((threw as TaskError).cause).toBeInstanceOf(TypeError);
    expect(threw.stack).toContain('Caused by: TypeError: bad input');
    expect(failedJobError(job, failureText('timeout', toWireError(new Error('t'))))).toMatchObject({
      timeoutMs: 250,
    });
    expect(failedJobError(job, failureText('timeout', toWireError(new Error('t'))))).toBeInstanceOf(
      TaskTimeoutError,
    );
    expect(failedJobError(job, failureText('refused', toWireError(new Error('nope'))))).toBeInstanceOf(
      TaskNotFoundError,
    );
    const stalled = failedJobError(job, 'job stalled more than allowable limit');
    expect(stalled).toBeInstanceOf(WorkerCrashedError);
    expect(stalled.message).toContain('job stalled more than allowable limit');
  });
});

describe('distributed options', () => {
  it('accepts redis:// and rediss:// URLs, with or without a password', () => {
    expect(checkRedisUrl('redis://127.0.0.1:6379', 'x')).toBe('redis://127.0.0.1:6379');
    expect(checkRedisUrl('rediss://user:pw@cache.example:6380/2', 'x')).toContain('rediss://');
    expect(() => checkRedisUrl('http://127.0.0.1', 'x')).toThrow(InvalidOptionsError);
    expect(() => checkRedisUrl('127.0.0.1:6379', 'x')).toThrow(/redis:\/\/127\.0\.0\.1:6379/);
    expect(() => checkQueueName('a:b', 'x')).toThrow(/without ":"/);
  });

  it('never shows a password', () => {
    expect(redact('redis://:hunter2secret@10.0.0.1:6379')).toBe('redis://:***@10.0.0.1:6379');
    expect(redact('rediss://alice:hunter2secret@10.0.0.1:6379/1')).toBe('rediss://alice:***@10.0.0.1:6379/1');
    expect(scrub('AUTH failed for hunter2secret', 'redis://:hunter2secret@h:1')).toBe('AUTH failed for ***');
    try {
      createExecutor({ mode: 'distributed', redis: 'http://:hunter2secret@10.0.0.1' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidOptionsError);
      expect((error as Error).message).not.toContain('hunter2secret');
    }
  });

  it('validates redis and queue when the executor is created, without connecting', async () => {
    expect(() => createExecutor({ mode: 'distributed', queue: 'bad:name' })).toThrow(InvalidOptionsError);
    const ex = createExecutor({ mode: 'distributed', redis: 'redis://127.0.0.1:1', queue: 'never-used' });
    await ex.close(); // nothing was started: closes without touching Redis
  });

  it('refuses tasks that no remote worker could load, and uncloneable arguments, before Redis is touched', async () => {
    const backend = new DistributedBackend({
      redis: 'redis://127.0.0.1:1',
      queue: 'q',
      workers: 1,
      initArgs: [],
    });
    const outcome = (job: Job) =>
      new Promise<unknown>((resolve) => {
        const settle = job.settle.bind(job);
        job.settle = (error, value) => {
          settle(error, value);
          resolve(error ?? value);
        };
        backend.start(job);
      });
    const dataRef = taskRef('data:text/javascript,export const f = () => 1', 'f');
    expect(await outcome(new Job(dataRef, [], false, undefined, 0, () => {}))).toBeInstanceOf(
      TaskNotFoundError,
    );
    const bad = await outcome(new Job(tasks.identity as TaskRef, [() => 1], false, undefined, 0, () => {}));
    expect((bad as Error).name).toBe('TaskArgumentError');
    await backend.close(true);
  });
});

describe("a worker's local executors", () => {
  const fake = (closed: string[], name: string) => ({ close: async () => void closed.push(name) }) as never;

  it('one per initializer configuration; the least recently used idle one makes room; all busy → none', async () => {
    const closed: string[] = [];
    const runners = new Runners(2);
    const a = runners.acquire('a', () => fake(closed, 'a'))!;
    const b = runners.acquire('b', () => fake(closed, 'b'))!;
    expect(runners.acquire('a', () => fake(closed, 'a2'))!.ex).toBe(a.ex); // reused, now most recent
    expect(runners.acquire('c', () => fake(closed, 'c'))).toBeUndefined(); // a and b busy
    runners.release(a);
    runners.release(a);
    runners.release(b);
    expect(runners.acquire('c', () => fake(closed, 'c'))).toBeDefined(); // b was the least recently used
    expect(closed).toEqual(['b']);
    await runners.close(false);
    expect(closed.sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('the import graph', () => {
  it('bullmq and ioredis load only when mode distributed connects', () => {
    const script = `
      import { createRequire } from 'node:module';
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).filter((k) => /[\\/](bullmq|ioredis)[\\/]/.test(k)).length;
      const { createExecutor } = await import('./src/index.ts');
      const ex = createExecutor({ mode: 'async' });
      await ex.close();
      createExecutor({ mode: 'distributed', queue: 'never-used' });
      const before = loaded();
      await import('./src/backends/distributed/link.ts');
      console.log(JSON.stringify({ before, after: loaded() }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../', import.meta.url)),
      encoding: 'utf8',
      timeout: 20_000,
    });
    const { before, after } = JSON.parse(out.trim().split('\n').pop()!);
    expect(before).toBe(0);
    expect(after).toBeGreaterThan(0);
  });
});
