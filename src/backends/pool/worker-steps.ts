/**
 * Steps of a pool worker's loop (worker-main.ts) that need none of its state: running the
 * initializer, telling a thenable, giving the event loop a turn. Lean: worker entries load it.
 */
import { failureToWire, type WireFailure } from '../../core/outcome-wire.ts';
import { resolveTask } from '../../internal/resolve-task.ts';
import type { InitMessage } from './protocol.ts';

/** Runs the worker's initializer; what every call then fails with if it threw, else undefined. */
export async function runInitializer(message: InitMessage): Promise<WireFailure | undefined> {
  const init = message.initializer!;
  try {
    const fn = await resolveTask(init.module, init.name);
    await fn(...(message.initArgs ?? []));
    return undefined;
  } catch (error) {
    return failureToWire({ kind: 'init-failed', initializer: init.name, error });
  }
}

/** Whether a task's return value is a thenable; throws what a `then` getter (or a Proxy's trap) throws. */
export function isThenable(value: unknown): boolean {
  return typeof (value as PromiseLike<unknown> | null | undefined)?.then === 'function';
}

/** One whole turn of the event loop: an immediate set now may run before the next I/O poll, the second not. */
export function loopTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));
}
