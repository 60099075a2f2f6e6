/**
 * src/task-signal.ts on its own: `taskSignal()` outside and inside a task, the lazily made signal, an
 * abort before and after the task asked, nesting, and `poll` — the synchronous check a CPU loop on a
 * thread relies on. The backends' use of it is in the conformance suite (cooperative-cases.ts).
 */
import { describe, expect, it, vi } from 'vitest';
import { ConcError, OutsideTaskError, taskSignal } from '../src/index.ts';
import { callInScope, TaskScope } from '../src/task-signal.ts';

/** Runs `fn` as the task of `scope` and returns what it returned. */
const inTask = <T>(scope: TaskScope, fn: () => T): T => callInScope(scope, fn, []) as T;

describe('taskSignal()', () => {
  it('outside a task throws OutsideTaskError, saying where to call it instead', () => {
    const error = (() => {
      try {
        taskSignal();
      } catch (e) {
        return e;
      }
    })() as OutsideTaskError;
    expect(error).toBeInstanceOf(OutsideTaskError);
    expect(error).toBeInstanceOf(ConcError);
    expect(error.code).toBe('CONC_ERR_OUTSIDE_TASK');
    expect(error.message).toContain('outside a running conc task');
    expect(error.message).toContain('before its first await');
  });

  it('inside a task returns one AbortSignal, the same on every call', () => {
    const scope = new TaskScope();
    const [a, b] = inTask(scope, () => [taskSignal(), taskSignal()]);
    expect(a).toBeInstanceOf(AbortSignal);
    expect(b).toBe(a);
    expect(a!.aborted).toBe(false);
  });

  it('is current only during the synchronous part: after an await it throws', async () => {
    const scope = new TaskScope();
    const late = inTask(scope, async () => {
      await Promise.resolve();
      return taskSignal();
    });
    await expect(late).rejects.toBeInstanceOf(OutsideTaskError);
  });

  it('a nested task has its own signal; the outer one is current again after it, even if it threw', () => {
    const outer = new TaskScope();
    const inner = new TaskScope();
    inTask(outer, () => {
      const mine = taskSignal();
      expect(inTask(inner, () => taskSignal())).not.toBe(mine);
      expect(() =>
        inTask(inner, () => {
          throw new Error('inner failed');
        }),
      ).toThrow('inner failed');
      expect(taskSignal()).toBe(mine);
    });
    expect(() => taskSignal()).toThrow(OutsideTaskError);
  });
});

describe('callInScope', () => {
  it('another copy of conc (a task module with its own install) finds the same running task', async () => {
    const copy: typeof import('../src/task-signal.ts') = await import(
      /* @vite-ignore */ new URL('../src/task-signal.ts?copy=2', import.meta.url).href
    );
    expect(copy.taskSignal).not.toBe(taskSignal);
    const scope = new TaskScope();
    const [mine, theirs] = inTask(scope, () => [taskSignal(), copy.taskSignal()]);
    expect(theirs).toBe(mine);
  });

  it('passes the arguments and returns the result', () => {
    const add = (...args: unknown[]) => (args[0] as number) + (args[1] as number);
    expect(callInScope(new TaskScope(), add, [2, 3])).toBe(5);
  });
});

describe('TaskScope', () => {
  it('makes no signal until the task asks for one', () => {
    const scope = new TaskScope();
    expect(scope.listening).toBe(false);
    inTask(scope, () => 'never asks');
    expect(scope.listening).toBe(false);
    scope.abort(new Error('cancelled')); // nothing to tell: no signal was made
    expect(scope.aborted).toBe(true);
    expect(scope.listening).toBe(false);
  });

  it('aborted before the task asked: the signal it gets is already aborted, with the reason', () => {
    const scope = new TaskScope();
    const reason = new Error('timed out while queued');
    scope.abort(reason);
    const signal = inTask(scope, () => taskSignal());
    expect(scope.listening).toBe(true);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    expect(() => signal.throwIfAborted()).toThrow(reason);
  });

  it('aborted after the task asked: the signal fires once, with the first reason only', () => {
    const scope = new TaskScope();
    const signal = inTask(scope, () => taskSignal());
    const onAbort = vi.fn();
    signal.addEventListener('abort', onAbort);
    const first = new Error('first');
    scope.abort(first);
    scope.abort(new Error('second'));
    expect(onAbort).toHaveBeenCalledTimes(1);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(first);
    expect(scope.aborted).toBe(true);
  });
});

describe('TaskScope poll (threads: a cancel flag in shared memory)', () => {
  /** A poll over a flag the test sets, as the pool sets one in shared memory. */
  const flag = () => {
    const state = { reason: undefined as unknown, asked: 0 };
    const poll = () => {
      state.asked++;
      return state.reason;
    };
    return { state, poll };
  };

  it('is not asked until the task reads its signal, and a task that never asks is never polled', () => {
    const { state, poll } = flag();
    inTask(new TaskScope(poll), () => 'never asks');
    expect(state.asked).toBe(0);
    inTask(new TaskScope(poll), () => taskSignal());
    expect(state.asked).toBe(0);
  });

  it('reading signal.aborted asks the poll: a loop that never yields sees the cancel', () => {
    const { state, poll } = flag();
    const scope = new TaskScope(poll);
    const reason = new Error('cancelled from the parent');
    const onAbort = vi.fn();
    const spins = inTask(scope, () => {
      const signal = taskSignal();
      signal.addEventListener('abort', onAbort);
      let n = 0;
      // no await anywhere: only the synchronous check can end this loop
      while (!signal.aborted) if (++n === 1000) state.reason = reason;
      return n;
    });
    expect(spins).toBe(1000);
    expect(scope.aborted).toBe(true);
    expect(onAbort).toHaveBeenCalledTimes(1);
    const signal = inTask(scope, () => taskSignal());
    expect(signal.reason).toBe(reason);
  });

  it('throwIfAborted() asks the poll too, and throws the reason', () => {
    const { state, poll } = flag();
    const scope = new TaskScope(poll);
    const signal = inTask(scope, () => taskSignal());
    expect(() => signal.throwIfAborted()).not.toThrow();
    state.reason = new Error('stop now');
    expect(() => signal.throwIfAborted()).toThrow('stop now');
  });

  it('is not asked once the scope was aborted: the first reason stays', () => {
    const { state, poll } = flag();
    const scope = new TaskScope(poll);
    const signal = inTask(scope, () => taskSignal());
    const first = new Error('aborted by the scope');
    scope.abort(first);
    state.reason = new Error('a later flag');
    const asked = state.asked;
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(first);
    expect(state.asked).toBe(asked);
  });
});
