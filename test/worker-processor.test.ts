/**
 * The job processor of `conc worker`, without Redis or BullMQ: a job's name and data in, one wire
 * outcome per call out, and the text the BullMQ job completes or fails with.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  decode,
  encode,
  moduleId,
  parseFailure,
  type WireOutcome,
} from '../src/backends/distributed/wire.ts';
import type { Failure } from '../src/core/outcome.ts';
import { outcomeFromWire } from '../src/core/outcome-wire.ts';
import { publicError } from '../src/core/public-error.ts';
import {
  InitializerError,
  TaskArgumentError,
  TaskError,
  TaskNotFoundError,
  TaskTimeoutError,
} from '../src/index.ts';
import { JobProcessor } from '../src/worker/processor.ts';

const fixtures = ['basic', 'faults', 'state', 'hostile'].map(
  (name) => new URL(`./fixtures/${name}.ts`, import.meta.url).href,
);
const modules = new Map(fixtures.map((url) => [moduleId(url), url]));

const kinds = (outcomes: WireOutcome[]) => outcomes.map(([kind]) => kind);
const error = ([kind, payload]: WireOutcome, task = 'task') =>
  publicError(outcomeFromWire(kind, payload) as Failure, task);

describe('the job processor of conc worker', () => {
  const processors: JobProcessor[] = [];
  afterEach(async () => {
    await Promise.all(processors.splice(0).map((p) => p.close(true)));
  });
  const make = () => {
    const processor = new JobProcessor({ modules, mode: 'async', workers: 4, host: 'test-host:1' });
    processors.push(processor);
    return processor;
  };

  it('runs a chunk: one outcome per call, in order; the job completes with them', async () => {
    const done = await make().process('basic#square', { a: encode([[2], [3], [4]]) });
    expect(done.outcomes).toEqual([
      ['ok', 4],
      ['ok', 9],
      ['ok', 16],
    ]);
    expect(done.ok).toBe(true);
    expect(decode(done.text)).toEqual(done.outcomes);
  });

  it('a failing call of a chunk fails alone; a job none of whose calls succeeded fails, readable first', async () => {
    const processor = make();
    const mixed = await processor.process('faults#failOdd', { a: encode([[0], [1], [2]]) });
    expect(kinds(mixed.outcomes)).toEqual(['ok', 'threw', 'ok']);
    expect(mixed.ok).toBe(true);
    expect(error(mixed.outcomes[1]!, 'failOdd')).toBeInstanceOf(TaskError);
    const failed = await processor.process('faults#failOdd', { a: encode([[1], [3]]) });
    expect(failed.ok).toBe(false);
    expect(failed.text).toMatch(/^RangeError: odd: 1 \(and 1 more calls failed\) \[conc:threw:/);
    expect(kinds(parseFailure(failed.text)!)).toEqual(['threw', 'threw']);
  });

  it('refuses a module outside its allow-list, and never imports a path named by a job', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conc-processor-'));
    try {
      const marker = join(dir, 'imported');
      const evil = join(dir, 'evil.mjs');
      writeFileSync(
        evil,
        `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'x');`,
      );
      const processor = make();
      for (const name of ['not-allowed#run', `${pathToFileURL(evil).href}#run`, `${evil}#run`, 'garbage']) {
        const done = await processor.process(name, { a: encode([[]]) });
        expect(done.ok).toBe(false);
        expect(kinds(done.outcomes)).toEqual(['not-found']);
        expect(done.text).toContain('not found among the task modules of conc worker test-host:1');
        expect(done.text).toContain('[conc:not-found:');
        expect(error(done.outcomes[0]!)).toBeInstanceOf(TaskNotFoundError);
      }
      const missing = await processor.process('basic#noSuchTask', { a: encode([[]]) });
      expect(kinds(missing.outcomes)).toEqual(['not-found']);
      expect(existsSync(marker)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses malformed data as such, without running anything', async () => {
    const processor = make();
    const bad: [unknown, RegExp][] = [
      [undefined, /has no conc arguments/],
      [{}, /has no conc arguments/],
      [{ a: encode('not a list') }, /malformed/],
      [{ a: encode([2]) }, /malformed/],
      [{ a: encode([]) }, /malformed/],
      [{ a: encode([[2]]), t: 'soon' }, /malformed/],
      [{ a: encode([[2]]), t: -1 }, /malformed/],
      [{ a: encode([[2]]), i: 7 }, /malformed/],
      [{ a: 'not base64 v8' }, /could not read the job's arguments/],
      [
        { a: encode([[2]]), i: 'state#initSession', ia: encode('no list') },
        /initializer arguments are not a list/,
      ],
    ];
    for (const [data, message] of bad) {
      const done = await processor.process('basic#square', data);
      expect(done.ok).toBe(false);
      expect(kinds(done.outcomes)).toEqual(['bad-argument']);
      expect(done.text).toMatch(message);
      expect(done.text).toContain('[conc:bad-argument:');
      expect(error(done.outcomes[0]!)).toBeInstanceOf(TaskArgumentError);
    }
  });

  it('runs the initializer of the job; one that throws fails every call with init-failed', async () => {
    const processor = make();
    const good = await processor.process('state#readSession', {
      a: encode([[], []]),
      i: 'state#initSession',
      ia: encode(['s1']),
    });
    expect(good.outcomes.map(([, value]) => value)).toMatchObject([{ label: 's1' }, { label: 's1' }]);
    const broken = await processor.process('basic#square', { a: encode([[1], [2]]), i: 'state#failingInit' });
    expect(broken.ok).toBe(false);
    expect(kinds(broken.outcomes)).toEqual(['init-failed', 'init-failed']);
    const e = error(broken.outcomes[0]!);
    expect(e).toBeInstanceOf(InitializerError);
    expect(e.message).toContain('cannot open session');
  });

  it('times a call out after the job’s timeout', async () => {
    const done = await make().process('faults#hangAsync', { a: encode([[]]), t: 100 });
    expect(kinds(done.outcomes)).toEqual(['timeout']);
    const e = error(done.outcomes[0]!, 'hangAsync');
    expect(e).toBeInstanceOf(TaskTimeoutError);
    expect((e as TaskTimeoutError).timeoutMs).toBe(100);
  });

  it('stops the calls of a job when its signal aborts (a cancel from the caller)', async () => {
    const controller = new AbortController();
    const done = make().process('faults#hangAsync', { a: encode([[], []]) }, controller.signal);
    controller.abort(new Error('cancelled by the caller'));
    expect(kinds((await done).outcomes)).toEqual(['aborted', 'aborted']);
  });

  it('a result that cannot be sent back fails as bad-argument', async () => {
    const done = await make().process('basic#identity', { a: encode([[1], ['x']]) });
    expect(done.ok).toBe(true);
    const fn = await make().process('faults#returnFunction', { a: encode([[]]) });
    expect(kinds(fn.outcomes)).toEqual(['bad-argument']);
    expect(fn.text).toContain('cannot be sent back from the worker');
  });

  it('a task that throws an unreadable error (a throwing message getter, a Proxy) → a readable threw outcome', async () => {
    const processor = make();
    for (const task of ['throwUnreadableMessage', 'throwProxy']) {
      const done = await processor.process(`hostile#${task}`, { a: encode([[], []]) });
      expect(kinds(done.outcomes)).toEqual(['threw', 'threw']);
      expect(done.ok).toBe(false);
      const e = error(parseFailure(done.text)![0]!, task);
      expect(e).toBeInstanceOf(TaskError);
      expect(e.message).toContain(`Task "${task}"`);
      // described as far as it can be read (the codec's words, or the worker's fallback's)
      expect(e.message).toMatch(/could not be read|cannot (be )?read/);
    }
    // and the processor serves the next job as ever
    const good = await processor.process('hostile#double', { a: encode([[4]]) });
    expect(good.outcomes).toEqual([['ok', 8]]);
  });

  it('runs only tasks registered with defineTasks: another export of an allowed module is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conc-unregistered-'));
    try {
      const marker = join(dir, 'marker');
      const done = await make().process('hostile#notATask', { a: encode([[marker]]) });
      expect(done.refused).toBe(true);
      const e = error(done.outcomes[0]!, 'notATask');
      expect(e).toBeInstanceOf(TaskNotFoundError);
      expect(e.message).toContain('Task "notATask" is not registered in task module "hostile"');
      expect(e.message).toContain('defineTasks(import.meta.url');
      expect(e.message).toContain(
        'registered in "hostile": throwUnreadableMessage, throwProxy, returnFunction, double',
      );
      expect(existsSync(marker)).toBe(false); // never ran
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("conc's own workloads: their registered tasks run, their other exports (conc/workloads/io#releaseSession) do not", async () => {
    const { BUILTIN_MODULES } = await import('../src/worker/allow-list.ts');
    const builtins = new Map(BUILTIN_MODULES.map((url) => [moduleId(url), url]));
    const processor = new JobProcessor({ modules: builtins, mode: 'async', workers: 2, host: 'test-host:2' });
    processors.push(processor);
    const sum = await processor.process('conc/workloads/cpu#sumOfSquares', { a: encode([[10]]) });
    expect(kinds(sum.outcomes)).toEqual(['ok']);
    const release = await processor.process('conc/workloads/io#releaseSession', { a: encode([[]]) });
    expect(release.refused).toBe(true);
    expect(error(release.outcomes[0]!).message).toContain(
      'Task "releaseSession" is not registered in task module "conc/workloads/io"',
    );
  });
});
