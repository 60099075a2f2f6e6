/**
 * The pool's message format, without a real worker: `runWorker` over an in-memory channel (the
 * worker's side), the pool over a fake transport (the parent's side), and crash blame.
 */

import { afterEach, describe, expect, it, vi } from 'vitest';
import { runningIndex } from '../src/backends/pool/crash-blame.ts';
import { Pool } from '../src/backends/pool/pool.ts';
import {
  CallFlag,
  type DoneMessage,
  type FromWorker,
  type RunMessage,
  type ToWorker,
} from '../src/backends/pool/protocol.ts';
import type { TransportEvents } from '../src/backends/pool/transport.ts';
import { runWorker } from '../src/backends/pool/worker-main.ts';
import { cancelOnClose } from '../src/core/backend.ts';
import { Job } from '../src/core/job.ts';
import type { Outcome } from '../src/core/outcome.ts';
import { outcomeFromWire } from '../src/core/outcome-wire.ts';
import type { TaskRef } from '../src/tasks.ts';
import { tasks as basic } from './fixtures/basic.ts';

const basicUrl = new URL('./fixtures/basic.ts', import.meta.url).href;
const faultsUrl = new URL('./fixtures/faults.ts', import.meta.url).href;
const stateUrl = new URL('./fixtures/state.ts', import.meta.url).href;
const SQUARE = { key: 1, module: basicUrl, name: 'square' };
const { inChunk, chunkEnd, notifyStart, oneArg } = CallFlag;
const square = basic.square as unknown as TaskRef;

/** A worker loop over an in-memory channel that clones what it posts, as postMessage would. */
class FakeWorker {
  readonly posted: FromWorker[] = [];
  #listener: ((message: ToWorker) => void) | undefined;
  #waiters: (() => void)[] = [];

  constructor(counters?: Int32Array) {
    runWorker({
      post: (message) => {
        this.posted.push(structuredClone(message));
        for (const wake of this.#waiters.splice(0)) wake();
      },
      onMessage: (listener) => {
        this.#listener = listener;
      },
    });
    this.send({ t: 'init', initArgs: [], counters });
  }

  send(message: ToWorker): void {
    this.#listener?.(message);
  }

  run(calls: unknown[], defs: RunMessage['defs'] = [SQUARE]): void {
    this.send({ t: 'run', defs, calls });
  }

  get done(): DoneMessage[] {
    return this.posted.filter((m): m is DoneMessage => m.t === 'done');
  }

  /** Every result so far as [id, kind, payload]. */
  get results(): [number, string, unknown][] {
    const out: [number, string, unknown][] = [];
    for (const { results } of this.done)
      for (let i = 0; i < results.length; i += 3)
        out.push([results[i] as number, results[i + 1] as string, results[i + 2]]);
    return out;
  }

  /** Resolves once `n` results in all came back (a message, not a sleep). */
  async until(n: number): Promise<void> {
    while (this.results.length < n) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }
}

/** The result with `id`, decoded as the pool decodes it. */
function outcomeOf(worker: FakeWorker, id: number): Outcome {
  const found = worker.results.find(([rid]) => rid === id);
  if (!found) throw new Error(`no result for call ${id}`);
  return outcomeFromWire(found[1] as Outcome['kind'], found[2]);
}

/** A clock that stands still (no time-based flush) or moves `step` ms per reading. */
const clock = (step: number) => {
  let now = 1_000;
  vi.spyOn(performance, 'now').mockImplementation(() => (now += step));
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('worker side: runWorker over an in-memory channel', () => {
  it("says 'ready' first, then sends one result per call with its outcome kind", async () => {
    const worker = new FakeWorker();
    expect(worker.posted[0]).toEqual({ t: 'ready' });
    worker.run(
      [1, 1, [3], 0, 2, 2, ['over quota'], 0, 3, 3, [], 0],
      [
        SQUARE,
        { key: 2, module: faultsUrl, name: 'throwRich' },
        { key: 3, module: basicUrl, name: 'noSuchTask' },
      ],
    );
    await worker.until(3);
    expect(worker.results.map(([id, kind]) => [id, kind])).toEqual([
      [1, 'ok'],
      [2, 'threw'],
      [3, 'not-found'],
    ]);
    expect(outcomeOf(worker, 1)).toEqual({ kind: 'ok', value: 9 });
    const missing = outcomeOf(worker, 3);
    expect(missing.kind === 'not-found' && missing.message).toContain('noSuchTask');
  });

  it('a thrown error round-trips as threw, with its name, message, code, own props and cause chain', async () => {
    const worker = new FakeWorker();
    worker.run([7, 2, ['over quota'], 0], [{ key: 2, module: faultsUrl, name: 'throwRich' }]);
    await worker.until(1);
    const outcome = outcomeOf(worker, 7);
    expect(outcome.kind).toBe('threw');
    const error = (outcome as { error: Error & { code: string; limit: number } }).error;
    expect(error.name).toBe('QuotaError');
    expect(error.message).toBe('over quota');
    expect(error.code).toBe('E_QUOTA');
    expect(error.limit).toBe(3);
    expect((error.cause as Error).message).toBe('middle');
    expect(((error.cause as Error).cause as Error).name).toBe('TypeError');
  });

  it('an initializer that throws: every call ends init-failed, naming it', async () => {
    const worker = new FakeWorker();
    worker.send({ t: 'init', initializer: { module: stateUrl, name: 'failingInit' }, initArgs: [] });
    worker.run([1, 1, [2], 0, 2, 1, [3], 0]);
    await worker.until(2);
    for (const id of [1, 2]) {
      const outcome = outcomeOf(worker, id);
      expect(outcome.kind).toBe('init-failed');
      const { initializer, error } = outcome as { initializer: string; error: Error };
      expect(initializer).toBe('failingInit');
      expect(error.message).toBe('cannot open session');
    }
  });

  it('a chunk comes back in one message, at its end', async () => {
    clock(0);
    const worker = new FakeWorker();
    worker.run([1, 1, [1], 0]); // loads the module first
    await worker.until(1);
    // a call's arguments as a list, or (oneArg) its only argument itself
    worker.run([
      2,
      1,
      [2],
      inChunk,
      3,
      1,
      3,
      inChunk | oneArg,
      4,
      1,
      [4],
      inChunk,
      5,
      1,
      5,
      inChunk | chunkEnd | oneArg,
    ]);
    await worker.until(5);
    expect(worker.done).toHaveLength(2);
    expect(worker.done[1]!.results).toEqual([2, 'ok', 4, 3, 'ok', 9, 4, 'ok', 16, 5, 'ok', 25]);
  });

  it('inside a long chunk, results stream once ~2 ms passed since the last message', async () => {
    clock(3); // every call seems to take 3 ms
    const worker = new FakeWorker();
    worker.run([1, 1, [1], inChunk, 2, 1, [2], inChunk, 3, 1, [3], inChunk | chunkEnd]);
    await worker.until(3);
    expect(worker.done.map((m) => m.results.length / 3)).toEqual([1, 1, 1]);
  });

  it('what is done is sent before a thenable is awaited', async () => {
    clock(0);
    const worker = new FakeWorker();
    const sleep = { key: 2, module: basicUrl, name: 'sleep' };
    worker.run([1, 1, [1], 0], [SQUARE, sleep]); // loads both modules first
    worker.run([2, 2, [0], 0], [sleep]);
    await worker.until(2);
    const before = worker.done.length;
    worker.run([3, 1, [3], inChunk, 4, 2, [0, 'slept'], inChunk, 5, 1, [5], inChunk | chunkEnd]);
    await worker.until(5);
    expect(worker.done.slice(before).map((m) => m.results.filter((_, i) => i % 3 === 0))).toEqual([
      [3],
      [4, 5],
    ]);
  });

  it('outside chunks a process sends every result at once; a thread, once its queue is drained', async () => {
    clock(0);
    const processLike = new FakeWorker();
    processLike.run([1, 1, [1], 0, 2, 1, [2], 0, 3, 1, [3], 0]);
    await processLike.until(3);
    expect(processLike.done.map((m) => m.results.length / 3)).toEqual([1, 1, 1]);

    const threadLike = new FakeWorker(new Int32Array(new SharedArrayBuffer(8)));
    threadLike.run([1, 1, [1], 0]);
    await threadLike.until(1);
    threadLike.run([2, 1, [2], 0, 3, 1, [3], 0, 4, 1, [4], 0]);
    await threadLike.until(4);
    expect(threadLike.done.map((m) => m.results.length / 3)).toEqual([1, 3]);
  });

  it('a result that cannot be cloned fails that call only, as bad-argument naming the task', async () => {
    const worker = new FakeWorker();
    const returnFunction = { key: 2, module: faultsUrl, name: 'returnFunction' };
    worker.run([1, 1, [2], inChunk, 2, 2, [], inChunk | chunkEnd], [SQUARE, returnFunction]);
    await worker.until(2);
    expect(outcomeOf(worker, 1)).toEqual({ kind: 'ok', value: 4 });
    const bad = outcomeOf(worker, 2);
    expect(bad.kind).toBe('bad-argument');
    expect((bad as { message: string }).message).toContain('The result of task "returnFunction"');
  });

  it("a timed call says 'started' right before it runs", async () => {
    const worker = new FakeWorker();
    worker.run([9, 1, [4], notifyStart]);
    await worker.until(1);
    expect(worker.posted.map((m) => m.t)).toEqual(['ready', 'started', 'done']);
    expect(worker.posted[1]).toEqual({ t: 'started', id: 9 });
  });
});

describe('parent side: the pool over a fake transport', () => {
  const makePool = () => {
    const sent: RunMessage[] = [];
    let events: TransportEvents | undefined;
    const pool = new Pool({
      mode: 'threads',
      workers: 1,
      initArgs: [],
      maxTasksPerWorker: Number.POSITIVE_INFINITY,
      idleTimeoutMs: Number.POSITIVE_INFINITY,
      transport: (e) => {
        events = e;
        queueMicrotask(() => e.message({ t: 'ready' }));
        return {
          counters: undefined,
          alive: true,
          send: (message) => {
            if (message.t === 'run') sent.push(message);
          },
          ref: () => {},
          unref: () => {},
          terminate: async () => e.exit('terminated'),
        };
      },
    });
    const reply = (results: unknown[]) => events?.message({ t: 'done', results, busyMs: 1 });
    return { pool, sent, reply };
  };
  const job = (n: number, outcomes: Outcome[], timeoutMs?: number) =>
    new Job(square, [n], timeoutMs, (o) => outcomes.push(o));
  const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('a chunk goes to one worker in one message, beyond its prefetch room; results settle per job', async () => {
    const { pool, sent, reply } = makePool();
    const outcomes: Outcome[] = [];
    const jobs = [1, 2, 3].map((n) => job(n, outcomes));
    pool.start(jobs);
    await flush();
    expect(sent).toHaveLength(1);
    const calls = sent[0]!.calls;
    expect(calls.filter((_, i) => i % 4 === 2)).toEqual([1, 2, 3]); // one argument: sent as itself
    expect(calls.filter((_, i) => i % 4 === 3)).toEqual([
      inChunk | oneArg,
      inChunk | oneArg,
      inChunk | chunkEnd | oneArg,
    ]);
    expect(sent[0]!.defs).toEqual([{ key: 1, module: basic.square.module, name: 'square' }]);
    reply([
      jobs[0]!.id,
      'ok',
      1,
      jobs[1]!.id,
      'threw',
      { e: { name: 'Error', message: 'no' } },
      jobs[2]!.id,
      'ok',
      9,
    ]);
    expect(outcomes.map((o) => o.kind)).toEqual(['ok', 'threw', 'ok']);
    await pool.close(cancelOnClose());
  });

  it('timed jobs are never chunked: each runs alone', async () => {
    const { pool, sent, reply } = makePool();
    const outcomes: Outcome[] = [];
    const jobs = [1, 2].map((n) => job(n, outcomes, 5_000));
    pool.start(jobs);
    await flush();
    expect(sent.map((m) => m.calls.length / 4)).toEqual([1]);
    expect(sent[0]!.calls[3]).toBe(notifyStart | oneArg);
    reply([jobs[0]!.id, 'ok', 1]);
    await flush();
    expect(sent.map((m) => m.calls.length / 4)).toEqual([1, 1]);
    await pool.close(cancelOnClose());
    expect(outcomes.map((o) => o.kind)).toEqual(['ok', 'aborted']);
  });
});

describe('crash blame: which job a dead worker was running', () => {
  const counters = (started: number, completed: number) => new Int32Array([started, completed]);

  it('threads: exactly the started, uncompleted call; nobody when it died between calls', () => {
    expect(runningIndex(4, 3, counters(5, 4), undefined)).toBe(1);
    expect(runningIndex(4, 3, counters(5, 5), undefined)).toBe(-1);
  });

  it('processes: the first unreported job, unless it opens an unreported part of a chunk', () => {
    expect(runningIndex(3, 10, undefined, undefined)).toBe(0);
    expect(runningIndex(3, 10, undefined, [12, 20])).toBe(0); // the chunk was not reached yet
    expect(runningIndex(3, 10, undefined, [8, 11])).toBe(0); // one job of the chunk left: that one
    expect(runningIndex(3, 10, undefined, [8, 13])).toBe(-1); // somewhere in three: blame nobody
    expect(runningIndex(0, 10, undefined, undefined)).toBe(-1);
  });
});
