/**
 * Conformance cases for issue 14 (hardening), run by `executorSuite` on every backend: whatever a task
 * throws settles its call with a TaskError that describes it (never a hang, never an unhandled
 * rejection); a thrown non-Error follows one rule everywhere; many calls sharing one AbortSignal add one
 * listener to it; an input still waiting when the call ends is closed (its `finally` runs).
 */
import { getEventListeners } from 'node:events';
import { expect, it } from 'vitest';
import {
  AbortError,
  type Executor,
  ExecutorClosedError,
  type ExecutorOptions,
  TaskError,
} from '../../src/index.ts';
import { tasks as basic } from '../fixtures/basic.ts';
import { tasks as faults } from '../fixtures/faults.ts';
import { KINDS, THROWN, tasks as unreadable } from '../fixtures/unreadable.ts';

type WithEx = <T>(
  options: Omit<ExecutorOptions, 'mode'> | undefined,
  body: (ex: Executor) => Promise<T>,
) => Promise<T>;

export interface HardeningCaps {
  /** Errors cross a boundary (rebuilt on this side): a thrown value comes back as a copy. */
  clones: boolean;
}

const expectDescribed = (error: unknown, kind: string) => {
  expect(error, kind).toBeInstanceOf(TaskError);
  const e = error as TaskError;
  expect(e.message, kind).toContain(THROWN[kind]!.says);
  expect(e.cause, kind).toBeInstanceOf(Error);
  // everything the caller may read is readable
  expect(typeof (e.cause as Error).message, kind).toBe('string');
  expect(typeof String((e.cause as Error).stack ?? ''), kind).toBe('string');
};

export function hardeningCases(withEx: WithEx, caps: HardeningCaps): void {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  it('whatever a task throws (unreadable getters, Proxies, non-Errors, cycles), the call settles with a TaskError', () =>
    withEx(undefined, async (ex) => {
      process.on('unhandledRejection', onRejection);
      try {
        for (const kind of KINDS) {
          expectDescribed(
            await ex.submit(unreadable.throwUnreadableSync, kind).catch((e: unknown) => e),
            kind,
          );
          const item = { kind, async: true };
          expectDescribed(await ex.submit(unreadable.throwUnreadable, item).catch((e: unknown) => e), kind);
          const timed = await ex
            .run(unreadable.throwUnreadable, [{ kind, async: false }], { timeoutMs: 10_000 })
            .catch((e: unknown) => e);
          expectDescribed(timed, kind);
        }
        const settled = await ex.map(
          unreadable.throwUnreadable,
          KINDS.map((kind) => ({ kind, async: true })),
          { settle: true, chunkSize: 3 },
        );
        settled.forEach((r, i) => {
          expectDescribed((r as PromiseRejectedResult).reason, KINDS[i]!);
        });
        const trap = await ex.submit(unreadable.returnTrap).catch((e: unknown) => e);
        expect(trap).toBeInstanceOf(TaskError);
        expect((trap as TaskError).message).toContain('getter says no');
        expect(await ex.submit(basic.add, 1, 2)).toBe(3);
        await new Promise((resolve) => setImmediate(resolve));
        expect(rejections).toEqual([]);
      } finally {
        process.off('unhandledRejection', onRejection);
      }
    }));

  it('with taskTimeoutMs set on the executor, unreadable throws still settle at once as TaskError', () =>
    withEx({ taskTimeoutMs: 20_000 }, async (ex) => {
      const kinds = ['proxyTraps', 'revokedProxy', 'messageGetter', 'cyclicCause', 'undefined'];
      const settled = await ex.map(
        unreadable.throwUnreadable,
        kinds.map((kind) => ({ kind, async: true })),
        { settle: true },
      );
      settled.forEach((r, i) => {
        expectDescribed((r as PromiseRejectedResult).reason, kinds[i]!);
      });
    }));

  it('a thrown non-Error: cause is an Error named NonErrorThrown that describes it and carries it as `thrown`', () =>
    withEx(undefined, async (ex) => {
      const values: unknown[] = ['a plain string', 42, null, { code: 7, label: 'plain object' }, 5n, [1, 2]];
      for (const value of values) {
        const e = (await ex.submit(unreadable.throwValue, value).catch((x: unknown) => x)) as TaskError;
        expect(e).toBeInstanceOf(TaskError);
        expect(e.message).toContain('non-Error value thrown');
        const cause = e.cause as Error & { thrown: unknown };
        expect(cause).toBeInstanceOf(Error);
        expect(cause.name).toBe('NonErrorThrown');
        expect(cause.thrown).toEqual(value);
        if (!caps.clones && typeof value === 'object' && value !== null) expect(cause.thrown).toBe(value);
      }
      const e = (await ex.submit(faults.throwString).catch((x: unknown) => x)) as TaskError;
      expect(e.message).toBe('Task "throwString" failed: non-Error value thrown: a plain string');
      expect((e.cause as Error).message).toBe('a plain string');
      // a symbol cannot be copied: inline it is carried, from a worker only described
      const s = (await ex
        .submit(unreadable.throwUnreadableSync, 'symbol')
        .catch((x: unknown) => x)) as TaskError;
      const cause = s.cause as Error & { thrown?: unknown };
      expect(cause.name).toBe('NonErrorThrown');
      expect(cause.message).toBe('Symbol(tag)');
      if (caps.clones) expect('thrown' in cause).toBe(false);
      else expect(typeof cause.thrown).toBe('symbol');
    }));

  it('twenty calls sharing one AbortSignal add one listener to it, and all abort', () =>
    withEx(undefined, async (ex) => {
      const warnings: Error[] = [];
      const onWarning = (w: Error) => warnings.push(w);
      process.on('warning', onWarning);
      try {
        const controller = new AbortController();
        const { signal } = controller;
        const calls = Array.from({ length: 20 }, () =>
          ex.run(faults.hangAsync, [], { signal }).catch((e: unknown) => e),
        );
        const maps = Array.from({ length: 5 }, () =>
          ex.map(faults.hangAsync, [1, 2] as never[], { signal }).catch((e: unknown) => e),
        );
        expect(getEventListeners(signal, 'abort').length).toBeLessThanOrEqual(1);
        controller.abort();
        for (const e of await Promise.all([...calls, ...maps])) expect(e).toBeInstanceOf(AbortError);
        expect(getEventListeners(signal, 'abort')).toHaveLength(0);
        // a signal that never aborts keeps no listener once its calls have ended
        const quiet = new AbortController();
        await Promise.all([1, 2, 3].map((n) => ex.run(basic.square, [n], { signal: quiet.signal })));
        expect(getEventListeners(quiet.signal, 'abort')).toHaveLength(0);
        await new Promise((resolve) => setImmediate(resolve));
        expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
      } finally {
        process.off('warning', onWarning);
      }
    }));

  const closedInputCases: [string, (ex: Executor, items: AsyncIterable<number>) => Promise<unknown>][] = [
    [
      'abort',
      async (ex, items) => {
        const controller = new AbortController();
        const run = ex.map(basic.square, items, { signal: controller.signal });
        await firstPull;
        controller.abort();
        return run;
      },
    ],
    [
      'break out of imap',
      async (ex, items) => {
        for await (const r of ex.imap(basic.square, items)) if (r === 0) break;
      },
    ],
    ['a failure with settle off', (ex, items) => ex.map(faults.failOdd, items)],
    [
      'close',
      async (ex, items) => {
        const run = ex.map(basic.square, items).catch((e: unknown) => e);
        await firstPull;
        await ex.close({ cancel: true });
        return run;
      },
    ],
  ];
  let firstPull: Promise<void>;
  for (const [how, end] of closedInputCases) {
    it(`an async input waiting when the call ends (${how}) is closed: its finally runs`, () =>
      withEx(undefined, async (ex) => {
        let pulled!: () => void;
        firstPull = new Promise((resolve) => (pulled = resolve));
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let closed = false;
        async function* items() {
          try {
            yield 0;
            yield 1;
            pulled();
            await gate; // waiting here when the call ends
            yield 2;
          } finally {
            closed = true;
          }
        }
        const ended = end(ex, items()).catch((e: unknown) => e);
        await firstPull;
        await ended;
        release();
        await vitestWait(() => closed);
        expect(closed).toBe(true);
      }));
  }

  it('a sync input is closed when the call fails part-way (its finally runs)', () =>
    withEx(undefined, async (ex) => {
      let closed = false;
      function* items() {
        try {
          for (let i = 0; ; i++) yield i;
        } finally {
          closed = true;
        }
      }
      await expect(ex.map(faults.failOdd, items(), { window: 4 })).rejects.toBeInstanceOf(TaskError);
      expect(closed).toBe(true);
    }));

  it('a plain close() while a map still has items to start: the map rejects with ExecutorClosedError, nothing starts after it, what started drains', () =>
    withEx(undefined, async (ex) => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      async function* items() {
        yield 1;
        yield 2;
        await gate; // paused here when close() is called
        for (let i = 3; i <= 6; i++) yield i;
      }
      const mapped = ex.map(basic.square, items()).catch((e: unknown) => e);
      await vitestWait(() => ex.stats().submitted === 2);
      const closing = ex.close();
      release();
      const error = await mapped;
      await closing;
      expect(error).toBeInstanceOf(ExecutorClosedError);
      expect((error as Error).message).toContain('await the map before closing');
      const stats = ex.stats();
      expect([stats.submitted, stats.completed + stats.failed + stats.cancelled]).toEqual([2, 2]);
    }));
}

/** Waits for `ok()` turn by turn (bounded): the input's return() runs once its pending pull ends. */
async function vitestWait(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !ok(); i++) await new Promise((resolve) => setImmediate(resolve));
}
