/**
 * The public error tree: every class has its stable `code`, extends ConcError, and is recognised with
 * `instanceof` even across two copies of conc (a second copy of src/errors.ts, loaded under another URL,
 * stands for a second installed version). Also: the one mapping from outcome to public error.
 */
import { describe, expect, it } from 'vitest';
import type { Failure } from '../src/core/outcome.ts';
import { abortError, publicError } from '../src/core/public-error.ts';
import * as errorsModule from '../src/errors.ts';
import { BrokenPoolError, RedisError } from '../src/errors.ts';
import {
  AbortError,
  ConcError,
  ExecutorClosedError,
  InitializerError,
  InvalidOptionsError,
  TaskArgumentError,
  TaskError,
  TaskNotFoundError,
  TaskTimeoutError,
  WorkerCrashedError,
} from '../src/index.ts';
import { sampleOutcomes } from './helpers/outcomes.ts';

type Errors = typeof errorsModule;
/** This copy's classes, as a plain object to index by name. */
const errors: Errors = { ...errorsModule };
type Name = Exclude<keyof Errors, 'ConcError'>;

/** Each public subclass, its code, and how to make one (the constructors differ). */
const CASES: { name: Name; code: string; make: (e: Errors) => InstanceType<Errors['ConcError']> }[] = [
  {
    name: 'InvalidOptionsError',
    code: 'CONC_ERR_INVALID_OPTIONS',
    make: (e) => new e.InvalidOptionsError('bad'),
  },
  {
    name: 'TaskNotFoundError',
    code: 'CONC_ERR_TASK_NOT_FOUND',
    make: (e) => new e.TaskNotFoundError('gone'),
  },
  {
    name: 'TaskArgumentError',
    code: 'CONC_ERR_TASK_ARGUMENT',
    make: (e) => new e.TaskArgumentError('clone'),
  },
  { name: 'TaskError', code: 'CONC_ERR_TASK', make: (e) => new e.TaskError('t', new Error('x')) },
  { name: 'InitializerError', code: 'CONC_ERR_INITIALIZER', make: (e) => new e.InitializerError('init') },
  {
    name: 'WorkerCrashedError',
    code: 'CONC_ERR_WORKER_CRASHED',
    make: (e) => new e.WorkerCrashedError('t', 'exit code 1'),
  },
  { name: 'BrokenPoolError', code: 'CONC_ERR_POOL_BROKEN', make: (e) => new e.BrokenPoolError('no spawn') },
  { name: 'RedisError', code: 'CONC_ERR_REDIS', make: (e) => new e.RedisError('refused') },
  { name: 'TaskTimeoutError', code: 'CONC_ERR_TASK_TIMEOUT', make: (e) => new e.TaskTimeoutError('t', 100) },
  { name: 'AbortError', code: 'CONC_ERR_ABORTED', make: (e) => new e.AbortError() },
  { name: 'ExecutorClosedError', code: 'CONC_ERR_EXECUTOR_CLOSED', make: (e) => new e.ExecutorClosedError() },
  { name: 'OutsideTaskError', code: 'CONC_ERR_OUTSIDE_TASK', make: (e) => new e.OutsideTaskError('outside') },
];

const copy: Errors = await import(
  /* @vite-ignore */ new URL('../src/errors.ts?copy=2', import.meta.url).href
);

describe('public errors', () => {
  it('src/index.ts exports the classes of src/errors.ts themselves', () => {
    const fromIndex = {
      AbortError,
      ConcError,
      ExecutorClosedError,
      InitializerError,
      InvalidOptionsError,
      TaskArgumentError,
      TaskError,
      TaskNotFoundError,
      TaskTimeoutError,
      WorkerCrashedError,
    };
    for (const [name, cls] of Object.entries(fromIndex)) expect(cls).toBe(errors[name as keyof Errors]);
  });

  it('ConcError has the code CONC_ERR', () => {
    expect(ConcError.code).toBe('CONC_ERR');
    const e = new ConcError('base');
    expect(e.code).toBe('CONC_ERR');
    expect(e.name).toBe('ConcError');
    expect(e).toBeInstanceOf(Error);
  });

  it.each(CASES)('$name has the stable code $code and extends ConcError', ({ name, code, make }) => {
    const cls = errors[name];
    expect(cls.code).toBe(code);
    expect(cls.prototype).toBeInstanceOf(ConcError);
    const e = make(errors);
    expect(e.code).toBe(code);
    expect(e.name).toBe(name);
    expect(e).toBeInstanceOf(cls);
    expect(e).toBeInstanceOf(ConcError);
    expect(e).toBeInstanceOf(Error);
    expect(e.message.length).toBeGreaterThan(0);
  });

  it('every error class of src/errors.ts is in the table above', () => {
    expect(
      Object.keys(errors)
        .filter((k) => k !== 'ConcError')
        .sort(),
    ).toEqual(CASES.map((c) => c.name).sort());
  });

  it('the cause passes through', () => {
    const cause = new Error('root');
    expect(new RedisError('down', { cause }).cause).toBe(cause);
    expect(new BrokenPoolError('no spawn', { cause }).cause).toBe(cause);
    expect(new TaskError('t', cause).cause).toBe(cause);
  });
});

describe('instanceof across two copies of conc', () => {
  it('the second copy really is a distinct module with distinct classes', () => {
    expect(copy.ConcError).not.toBe(ConcError);
    expect(copy.TaskError).not.toBe(TaskError);
    expect(
      Function.prototype[Symbol.hasInstance].call(TaskError, new copy.TaskError('t', new Error('x'))),
    ).toBe(false);
  });

  it('an error of one copy is an instance of the same class, and of ConcError, in the other', () => {
    expect(new copy.TaskError('t', new Error('x'))).toBeInstanceOf(TaskError);
    expect(new TaskError('t', new Error('x'))).toBeInstanceOf(copy.TaskError);
    for (const { name, make } of CASES) {
      expect(make(copy)).toBeInstanceOf(errors[name]);
      expect(make(copy)).toBeInstanceOf(ConcError);
      expect(make(errors)).toBeInstanceOf(copy[name]);
      expect(make(errors)).toBeInstanceOf(copy.ConcError);
    }
  });

  it('and of no other class: a TaskError is not a TaskTimeoutError of the other copy', () => {
    expect(new TaskError('t', new Error('x')) instanceof copy.TaskTimeoutError).toBe(false);
    expect(new copy.TaskError('t', new Error('x')) instanceof TaskTimeoutError).toBe(false);
    for (const a of CASES) {
      for (const b of CASES) {
        expect(a.make(copy) instanceof errors[b.name]).toBe(a.name === b.name);
        expect(a.make(errors) instanceof copy[b.name]).toBe(a.name === b.name);
      }
    }
    expect(new copy.ConcError('base') instanceof TaskError).toBe(false);
    expect(new copy.ConcError('base')).toBeInstanceOf(ConcError);
  });

  it('things that are not conc errors are not recognised', () => {
    for (const value of [null, undefined, 'TaskError', 42, new Error('plain'), { code: 'CONC_ERR_TASK' }]) {
      expect(value instanceof ConcError).toBe(false);
      expect(value instanceof TaskError).toBe(false);
    }
  });
});

describe('publicError: the one mapping from outcome to public error', () => {
  const expected: Record<Failure['kind'], Errors[Name]> = {
    threw: TaskError,
    crashed: WorkerCrashedError,
    timeout: TaskTimeoutError,
    aborted: AbortError,
    'not-found': TaskNotFoundError,
    'bad-argument': TaskArgumentError,
    'init-failed': InitializerError,
    broken: BrokenPoolError,
    unreachable: RedisError,
  };

  it.each(Object.keys(expected) as Failure['kind'][])('%s becomes its public error', (kind) => {
    const outcome = sampleOutcomes()[kind] as Failure;
    const error = publicError(outcome, 'fake');
    expect(error).toBeInstanceOf(expected[kind]);
    expect(error.constructor).toBe(expected[kind]);
  });

  it('keeps what the outcome says: task name, timeout, cause, initializer name', () => {
    const o = sampleOutcomes();
    const threw = publicError(o.threw as Failure, 'fake') as TaskError;
    expect(threw.task).toBe('fake');
    expect(threw.cause).toBe((o.threw as { error: unknown }).error);
    expect((publicError(o.timeout as Failure, 'fake') as TaskTimeoutError).timeoutMs).toBe(150);
    expect(publicError(o['init-failed'] as Failure, 'fake').message).toContain('"initSession"');
    expect(publicError(o.broken as Failure, 'fake').message).toContain('spawn EAGAIN');
    expect(publicError(o.unreachable as Failure, 'fake').message).toBe('Redis at 127.0.0.1:1 refused');
  });

  it('an AbortError reason stays itself; any other reason becomes the cause of an AbortError', () => {
    const reason = new AbortError('stopped');
    expect(abortError(reason)).toBe(reason);
    const other = new Error('user gave up');
    const e = abortError(other);
    expect(e).toBeInstanceOf(AbortError);
    expect(e.cause).toBe(other);
    expect(e.message).toContain('user gave up');
  });
});
