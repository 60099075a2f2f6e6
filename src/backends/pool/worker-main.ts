/**
 * Inside a pool worker (thread or process): run calls one at a time, in arrival order, and send
 * results back in batches. A thread counts started/completed tasks in shared memory, so the pool knows
 * exactly which task was running if the worker dies and may batch results freely; a process has no
 * shared memory, so it sends each result before starting the next task.
 *
 *   run ──▶ queue ──▶ [initializer once] ──▶ resolve(key) ──▶ fn(...args) ──▶ out ──flush──▶ done
 */
import { toWireError } from '../../internal/error-wire.ts';
import { resolveTask } from '../../internal/resolve-task.ts';
import {
  type BatchItem,
  CALL_WIDTH,
  type FromWorker,
  type InitMessage,
  RESULT_WIDTH,
  Status,
  type StatusCode,
  type ToWorker,
} from './protocol.ts';

export interface Channel {
  post(message: FromWorker | WorkerNotice): void;
  onMessage(listener: (message: ToWorker) => void): void;
}

/** Sent outside the result stream: a timed call started, or the worker is about to die of an uncaught error. */
export type WorkerNotice =
  | { t: 'ready' }
  | { t: 'started'; id: number }
  | { t: 'fatal'; error: ReturnType<typeof toWireError> };

/** Flags in a call's 4th slot. */
export const CallFlag = { batch: 1, notifyStart: 2 } as const;

const FLUSH_EVERY = 32 * RESULT_WIDTH;
type Fn = (...args: unknown[]) => unknown;

export function runWorker(channel: Channel): void {
  const defs = new Map<number, { module: string; name: string }>();
  const fns = new Map<number, Fn>();
  let init: InitMessage | undefined;
  let initDone = false;
  let initError: unknown;
  let counters: Int32Array | undefined;
  let queue: unknown[] = [];
  let head = 0;
  let running = false;
  let out: unknown[] = [];
  let busyMs = 0;

  const flush = (): void => {
    if (out.length === 0) return;
    const message: FromWorker = { t: 'done', results: out, busyMs };
    out = [];
    busyMs = 0;
    try {
      channel.post(message);
    } catch {
      channel.post({ t: 'done', results: cloneableResults(message.results), busyMs: message.busyMs });
    }
  };

  const runInit = async (): Promise<void> => {
    initDone = true;
    if (!init?.initializer) return;
    try {
      const fn = await resolveTask(init.initializer.module, init.initializer.name);
      await fn(...(init.initArgs ?? []));
    } catch (error) {
      initError = toWireError(error);
    }
  };

  const call = async (
    id: number,
    key: number,
    args: unknown,
    flags: number,
  ): Promise<[StatusCode, unknown]> => {
    if (initError !== undefined) return [Status.initFailed, initError];
    let fn = fns.get(key);
    if (!fn) {
      const def = defs.get(key);
      try {
        if (!def) throw new Error(`conc internal error: task key ${key} was never defined`);
        fn = await resolveTask(def.module, def.name);
        fns.set(key, fn);
      } catch (error) {
        return [Status.notFound, toWireError(error)];
      }
    }
    // a timed call's clock starts now: after its module loaded, right before its code runs
    if (flags & CallFlag.notifyStart) channel.post({ t: 'started', id });
    if (flags & CallFlag.batch) return [Status.ok, await runBatch(fn, args as unknown[][], flush)];
    try {
      let result = fn(...(args as unknown[]));
      if (isThenable(result)) {
        flush(); // don't hold finished results hostage while this one awaits
        result = await result;
      }
      return [Status.ok, result];
    } catch (error) {
      return [Status.threw, toWireError(error)];
    }
  };

  const drain = async (): Promise<void> => {
    running = true;
    if (!initDone) await runInit();
    while (head < queue.length) {
      const id = queue[head] as number;
      const key = queue[head + 1] as number;
      const args = queue[head + 2];
      const flags = queue[head + 3] as number;
      queue[head + 2] = undefined;
      head += CALL_WIDTH;
      if (counters) Atomics.add(counters, 0, 1);
      const t0 = performance.now();
      const [status, value] = await call(id, key, args, flags);
      busyMs += performance.now() - t0;
      if (counters) Atomics.add(counters, 1, 1);
      out.push(id, status, value);
      if (!counters || out.length >= FLUSH_EVERY) flush();
    }
    queue = [];
    head = 0;
    running = false;
    flush();
  };

  channel.onMessage((message) => {
    if (message.t === 'init') {
      init = message;
      counters = message.counters;
      return;
    }
    if (message.defs) for (const def of message.defs) defs.set(def.key, def);
    const calls = message.calls;
    for (let i = 0; i < calls.length; i++) queue.push(calls[i]);
    if (!running) void drain();
  });
  channel.post({ t: 'ready' });
}

async function runBatch(fn: Fn, items: unknown[][], flush: () => void): Promise<BatchItem[]> {
  const results: BatchItem[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    try {
      let value = fn(...(items[i] as unknown[]));
      if (isThenable(value)) {
        flush();
        value = await value;
      }
      results[i] = [Status.ok, value];
    } catch (error) {
      results[i] = [Status.threw, toWireError(error)];
    }
  }
  return results;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/** Replaces each result that cannot be cloned by an error saying so; batch items one by one. */
function cloneableResults(results: unknown[]): unknown[] {
  const fixed = results.slice();
  for (let i = 0; i < fixed.length; i += RESULT_WIDTH) {
    if (fixed[i + 1] !== Status.ok) continue;
    const value = fixed[i + 2];
    if (canClone(value)) continue;
    if (Array.isArray(value) && value.every((item) => Array.isArray(item) && item.length === 2)) {
      fixed[i + 2] = (value as BatchItem[]).map((item) => (canClone(item[1]) ? item : uncloneable(item[1])));
    } else {
      const [status, error] = uncloneable(value);
      fixed[i + 1] = status;
      fixed[i + 2] = error;
    }
  }
  return fixed;
}

function uncloneable(value: unknown): BatchItem {
  const kind = typeof value === 'object' && value !== null ? value.constructor?.name : typeof value;
  return [
    Status.uncloneable,
    toWireError(new Error(`the task returned a value that cannot be cloned (${kind})`)),
  ];
}

function canClone(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
