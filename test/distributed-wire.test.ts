/** The distributed wire format and Redis URL handling: no Redis needed. */

import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DistributedBackend } from '../src/backends/distributed/client.ts';
import { completedOutcomes, failedOutcomes } from '../src/backends/distributed/outcome.ts';
import { checkQueueName, checkRedisUrl, redact, scrub } from '../src/backends/distributed/redis.ts';
import {
  decode,
  encode,
  failureText,
  jobName,
  moduleId,
  parseFailure,
  parseJobName,
  readableFailure,
} from '../src/backends/distributed/wire.ts';
import { cancelOnClose } from '../src/core/backend.ts';
import { Job } from '../src/core/job.ts';
import type { Failure, Outcome, OutcomeKind } from '../src/core/outcome.ts';
import { outcomeToWire, type WireFailure } from '../src/core/outcome-wire.ts';
import { publicError } from '../src/core/public-error.ts';
import {
  ConcError,
  createExecutor,
  InvalidOptionsError,
  RedisError,
  TaskArgumentError,
  TaskError,
  TaskNotFoundError,
  type TaskRef,
  TaskTimeoutError,
  taskRef,
  WorkerCrashedError,
} from '../src/index.ts';
import { BUILTIN_MODULES } from '../src/worker/allow-list.ts';
import { Runners } from '../src/worker/runners.ts';
import { tasks } from './fixtures/basic.ts';
import { sampleOutcomes } from './helpers/outcomes.ts';

/** What the executor makes of a failure a worker reported for one call. */
const reported = (o: Failure): Error =>
  publicError(failedOutcomes(failureText([outcomeToWire(o)]), 1, 'square')[0] as Failure, 'square');

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

  it('names a module by a machine-independent id: conc/<path> inside conc, else the file name', () => {
    expect(moduleId(new URL('../src/workloads/cpu.ts', import.meta.url).href)).toBe('conc/workloads/cpu');
    expect(moduleId(new URL('../src/workloads/io.js', import.meta.url).href)).toBe('conc/workloads/io');
    expect(BUILTIN_MODULES.map(moduleId)).toEqual(['conc/workloads/cpu', 'conc/workloads/io']);
    expect(moduleId(pathToFileURL('/home/me/project/lib/my-tasks.ts').href)).toBe('my-tasks');
    expect(moduleId(pathToFileURL('/srv/other/dist/my-tasks.mjs').href)).toBe('my-tasks');
    expect(jobName(tasks.square)).toBe('basic#square');
    expect(parseJobName('conc/workloads/cpu#sumOfSquares')).toEqual({
      id: 'conc/workloads/cpu',
      task: 'sumOfSquares',
    });
    expect(parseJobName('no-hash')).toBeUndefined();
    expect(parseJobName('#x')).toBeUndefined();
  });

  it('failures travel as readable text with the outcomes as data at the end', () => {
    const error = new RangeError('odd: 1\nsecond line');
    const text = failureText([outcomeToWire({ kind: 'threw', error })]);
    expect(text.startsWith('RangeError: odd: 1 second line [conc:threw:')).toBe(true);
    expect(readableFailure(text)).toBe('RangeError: odd: 1 second line');
    const [[kind, payload]] = parseFailure(text) as [[OutcomeKind, WireFailure]];
    expect(kind).toBe('threw');
    expect(payload.e!.stack).toBe(error.stack);
    expect(parseFailure('job stalled more than allowable limit')).toBeUndefined();
  });

  it('every outcome kind survives a completed job and a failed one', () => {
    const samples = Object.values(sampleOutcomes());
    const completed = completedOutcomes(encode(samples.map(outcomeToWire)), samples.length, 'fake');
    const failures = samples.filter((o): o is Failure => o.kind !== 'ok');
    const failed = failedOutcomes(failureText(failures.map(outcomeToWire)), failures.length, 'fake');
    expect(completed.map((o) => o.kind)).toEqual(samples.map((o) => o.kind));
    expect(failed.map((o) => o.kind)).toEqual(failures.map((o) => o.kind));
    expect(completed[0]).toEqual(samples[0]);
    const threw = failed[0] as Extract<Outcome, { kind: 'threw' }>;
    expect((threw.error as Error).message).toBe('over quota');
    expect((threw.error as { code?: string }).code).toBe('E_QUOTA');
    expect(failed.find((o) => o.kind === 'timeout')).toEqual({
      kind: 'timeout',
      ms: 150,
      message: 'took too long',
    });
  });

  it('a job answers for every call it carried: one outcome each, or one that stands for all', () => {
    const wire = [
      outcomeToWire({ kind: 'ok', value: 1 }),
      outcomeToWire({ kind: 'threw', error: new Error('x') }),
    ];
    expect(completedOutcomes(encode(wire), 2, 'f').map((o) => o.kind)).toEqual(['ok', 'threw']);
    const refused = failureText([outcomeToWire({ kind: 'not-found', message: 'nope' })]);
    expect(failedOutcomes(refused, 3, 'f').map((o) => o.kind)).toEqual([
      'not-found',
      'not-found',
      'not-found',
    ]);
    for (const odd of [encode(wire), 42, encode('not outcomes')]) {
      const outcomes = completedOutcomes(odd, 3, 'f');
      expect(outcomes).toHaveLength(3);
      expect(publicError(outcomes[0] as Failure, 'f')).toBeInstanceOf(TaskArgumentError);
      expect((outcomes[0] as { message: string }).message).toContain('cannot read');
    }
  });

  it('maps reported failures to conc errors, with the remote stack kept', () => {
    const threw = reported({ kind: 'threw', error: new TypeError('bad input') });
    expect(threw).toBeInstanceOf(TaskError);
    expect((threw as TaskError).cause).toBeInstanceOf(TypeError);
    expect(threw.stack).toContain('Caused by: TypeError: bad input');
    expect(reported({ kind: 'timeout', ms: 250 })).toMatchObject({ timeoutMs: 250 });
    expect(reported({ kind: 'timeout', ms: 250 })).toBeInstanceOf(TaskTimeoutError);
    expect(reported({ kind: 'not-found', message: 'nope' })).toBeInstanceOf(TaskNotFoundError);
    const lost = reported({ kind: 'unreachable', message: 'Redis lost the job' });
    expect(lost).toBeInstanceOf(RedisError);
    expect(lost).toBeInstanceOf(ConcError);
    const stalled = publicError(
      failedOutcomes('job stalled more than allowable limit', 1, 'square')[0] as Failure,
      'square',
    );
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
    const job = (ref: TaskRef, args: unknown[], done: (o: Outcome) => void) =>
      new Job(ref, args, undefined, done);
    const outcome = (ref: TaskRef, args: unknown[]) =>
      new Promise<Outcome>((resolve) => backend.start([job(ref, args, resolve)]));
    const dataRef = taskRef('data:text/javascript,export const f = () => 1', 'f');
    expect(publicError((await outcome(dataRef, [])) as Failure, 'f')).toBeInstanceOf(TaskNotFoundError);
    const bad = publicError((await outcome(tasks.identity as TaskRef, [() => 1])) as Failure, 'identity');
    expect(bad.name).toBe('TaskArgumentError');
    // in a chunk, the uncloneable call fails alone; the others go on (and find Redis unreachable)
    const chunk = await new Promise<Outcome[]>((resolve) => {
      const outcomes: Outcome[] = [];
      const done = (i: number) => (o: Outcome) => {
        outcomes[i] = o;
        if (Object.keys(outcomes).length === 3) resolve(outcomes);
      };
      const args = [[1], [() => 1], [2]];
      backend.start(args.map((a, i) => job(tasks.identity as TaskRef, a, done(i))));
    });
    expect(chunk.map((o) => o.kind)).toEqual(['unreachable', 'bad-argument', 'unreachable']);
    const redis = publicError(chunk[0] as Failure, 'identity');
    expect(redis).toBeInstanceOf(RedisError);
    expect(redis.message).toContain('Cannot use Redis at redis://127.0.0.1:1');
    await backend.close(cancelOnClose());
  });
});

describe("a worker's local backends", () => {
  const fake = (closed: string[], name: string) => ({ close: async () => void closed.push(name) }) as never;

  it('one per initializer configuration; the least recently used idle one makes room; all busy → none', async () => {
    const closed: string[] = [];
    const runners = new Runners(2);
    const a = runners.acquire('a', () => fake(closed, 'a'))!;
    const b = runners.acquire('b', () => fake(closed, 'b'))!;
    expect(runners.acquire('a', () => fake(closed, 'a2'))!.backend).toBe(a.backend); // reused, now most recent
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
