/**
 * `taskSignal()`: inside a running task, the AbortSignal that tells it to stop — in every backend.
 *
 * Whatever runs a task (the inline backend, a pool worker, a conc worker's local backend) makes it the
 * current task around the *synchronous* part of its call. So a task calls `taskSignal()` at its start,
 * before its first `await` (like a hook), keeps the signal and passes it on to what it awaits. No
 * AsyncLocalStorage: on Node 20 it doubles the cost of every promise in the process once enabled.
 *
 * The signal is made on first use: a task that never asks costs nothing. A CPU loop on a thread cannot
 * hear a message while it computes, so there `signal.aborted` and `signal.throwIfAborted()` also read a
 * cancel flag the pool sets in shared memory (`poll`); a loop in a child process must give the event loop
 * a turn now and then (`await new Promise(setImmediate)`) for its signal to change.
 *
 * The current task lives on a `Symbol.for` global: a task module that imports another copy of conc
 * than the worker's own still finds it. Lean: worker entries load this module.
 */
import { OutsideTaskError } from './errors.ts';

interface Current {
  scope: TaskScope | undefined;
}

const KEY = Symbol.for('conc.task.current');
const shared = globalThis as Record<symbol, Current | undefined>;
shared[KEY] ??= { scope: undefined };
const holder: Current = shared[KEY];

/**
 * The running task's AbortSignal: it aborts when the caller's signal aborts, the task's timeout passes,
 * the executor is closed with `{ cancel: true }`, or a fail-fast `map` already failed; its `reason` is the
 * error the caller gets. Call it in the task itself, before its first `await`; anywhere else it throws
 * `OutsideTaskError`. A task that stops within `cancelGraceMs` of the abort keeps its worker.
 *
 * On `threads`, `signal.aborted` and `signal.throwIfAborted()` see a cancel even in a loop that never
 * yields; in a child process (`processes`), such a loop must yield now and then
 * (`await new Promise(setImmediate)`) for the signal to change.
 *
 * @example
 * export async function fetchPage(url: string) {
 *   const signal = taskSignal();               // first line: before any await
 *   const res = await fetch(url, { signal });  // passed on: the request stops with the task
 *   return res.text();
 * }
 *
 * @example
 * export function crunch(n: number) {
 *   const signal = taskSignal();
 *   let sum = 0;
 *   for (let i = 0; i < n; i++) {
 *     if ((i & 0xffff) === 0) signal.throwIfAborted(); // a CPU loop: check now and then
 *     sum += i * i;
 *   }
 *   return sum;
 * }
 */
export function taskSignal(): AbortSignal {
  const scope = holder.scope;
  if (!scope) {
    throw new OutsideTaskError(
      'taskSignal() was called outside a running conc task. Call it in the task function itself, before ' +
        'its first await (e.g. `const signal = taskSignal();` as its first line), and keep the signal.',
    );
  }
  return scope.signal();
}

/** Calls `fn(...args)` with `scope` as the current task during its synchronous part. */
export function callInScope(scope: TaskScope, fn: (...args: unknown[]) => unknown, args: unknown[]): unknown {
  const outer = holder.scope;
  holder.scope = scope;
  try {
    return fn(...args);
  } finally {
    holder.scope = outer;
  }
}

/**
 * One task's cancellation. `abort(reason)` once; the AbortSignal is made when the task first asks.
 * `poll`, when given, is asked synchronously whenever the task reads `signal.aborted` (threads: a
 * flag in shared memory) and returns the reason once the task was cancelled.
 */
export class TaskScope {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  readonly #poll: (() => unknown) | undefined;

  constructor(poll?: () => unknown) {
    this.#poll = poll;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  /** Whether the task asked for its signal (and so can hear an abort). */
  get listening(): boolean {
    return this.#controller !== undefined;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }

  signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    const controller = new AbortController();
    this.#controller = controller;
    if (this.#aborted) controller.abort(this.#reason);
    else if (this.#poll) this.#watch(controller.signal);
    return controller.signal;
  }

  /** A loop that never yields still sees a cancel: reading the signal polls shared memory first. */
  #watch(signal: AbortSignal): void {
    const poll = this.#poll!;
    const check = (): void => {
      if (this.#aborted) return;
      const reason = poll();
      if (reason !== undefined) this.abort(reason);
    };
    const proto = Object.getPrototypeOf(signal) as AbortSignal;
    const aborted = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;
    Object.defineProperty(signal, 'aborted', {
      get: () => {
        check();
        return aborted.call(signal);
      },
    });
    Object.defineProperty(signal, 'throwIfAborted', {
      value: () => {
        check();
        proto.throwIfAborted.call(signal);
      },
    });
  }
}
