/**
 * The pool's message format, without a real worker: `runWorker` over an in-memory channel (the
 * worker's side), the pool over a fake transport (the parent's side), and crash blame.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runningIndex, standingAt } from '../src/backends/pool/crash-blame.ts';
import { Pool } from '../src/backends/pool/pool.ts';
import {
  CallFlag,
  type CancelMessage,
  COUNTERS,
  Counter,
  cancelMessage,
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
import { AbortError, TaskTimeoutError } from '../src/index.ts';
import type { TaskRef } from '../src/tasks.ts';
import { tasks as basic } from './fixtures/basic.ts';
import { runCounts } from './fixtures/cancel-pool.ts';

const basicUrl = new URL('./fixtures/basic.ts', import.meta.url).href;
const faultsUrl = new URL('./fixtures/faults.ts', import.meta.url).href;
const stateUrl = new URL('./fixtures/state.ts', import.meta.url).href;
const cancelUrl = new URL('./fixtures/cancel-pool.ts', import.meta.url).href;
const SQUARE = { key: 1, module: basicUrl, name: 'square' };
const { inChunk, chunkEnd, notifyStart, oneArg } = CallFlag;
const square = basic.square as unknown as TaskRef;

/** A worker loop over an in-memory channel that clones what it posts, as postMessage would. */
class FakeWorker {
  readonly posted: FromWorker[] = [];
  #listener: ((message: ToWorker) => void) | undefined;
  #waiters: (() => void)[] = [];

  /** `take`: a thread's synchronous read of a message waiting in its port. */
  constructor(counters?: Int32Array, take?: () => ToWorker | undefined) {
    runWorker({
      post: (message) => {
        this.posted.push(structuredClone(message));
        for (const wake of this.#waiters.splice(0)) wake();
      },
      onMessage: (listener) => {
        this.#listener = listener;
      },
      take,
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

  /** Resolves once a message of type `t` was posted. */
  async untilPosted(t: FromWorker['t']): Promise<void> {
    while (!this.posted.some((m) => m.t === t))
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** The 'cancelled' notices posted so far. */
  get acks(): FromWorker[] {
    return this.posted.filter((m) => m.t === 'cancelled');
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

    const threadLike = new FakeWorker(
      new Int32Array(new SharedArrayBuffer(COUNTERS * Int32Array.BYTES_PER_ELEMENT)),
    );
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

describe('worker side: cancel', () => {
  const COUNT = { key: 2, module: cancelUrl, name: 'countRun' };
  const REASON = { key: 3, module: cancelUrl, name: 'reasonOnAbort' };
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'conc-protocol-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("a cancel for a queued call: it never runs, is answered aborted with the reason, and 'cancelled' says it was not running", async () => {
    const worker = new FakeWorker();
    worker.run([1, 2, [dir, 1], 0, 2, 2, [dir, 2], 0, 3, 2, [dir, 3], 0], [COUNT]); // waits for its module
    worker.send(cancelMessage(2, new AbortError('stop it')));
    await worker.until(3);
    expect(worker.acks).toEqual([{ t: 'cancelled', id: 2, running: false }]);
    expect(worker.results.map(([id, kind]) => [id, kind])).toEqual([
      [1, 'ok'],
      [2, 'aborted'],
      [3, 'ok'],
    ]);
    expect((outcomeOf(worker, 2) as { reason: Error }).reason.message).toBe('stop it');
    expect(runCounts(dir)).toEqual([
      [1, 1],
      [3, 1],
    ]);
  });

  it.each([
    [
      'AbortError',
      new AbortError('The operation was aborted: user gave up.', { cause: new Error('user gave up') }),
    ],
    ['TaskTimeoutError', new TaskTimeoutError('reasonOnAbort', 250)],
  ])(
    "a cancel for the running call aborts its taskSignal() with a real %s; 'cancelled' says it was running",
    async (name, reason) => {
      const worker = new FakeWorker();
      worker.run([5, 3, [], notifyStart], [REASON]);
      await worker.untilPosted('started');
      worker.send(cancelMessage(5, reason));
      await worker.until(1);
      expect(worker.acks).toEqual([{ t: 'cancelled', id: 5, running: true }]);
      expect(outcomeOf(worker, 5)).toEqual({
        kind: 'ok',
        value: {
          name,
          message: reason.message,
          isAbortError: name === 'AbortError',
          isTimeoutError: name === 'TaskTimeoutError',
          timeoutMs: name === 'TaskTimeoutError' ? 250 : undefined,
        },
      });
    },
  );

  it('a cancel for a call that has ended is only acknowledged', async () => {
    const worker = new FakeWorker();
    worker.run([1, 1, [2], 0]);
    await worker.until(1);
    worker.send(cancelMessage(1, new AbortError()));
    expect(worker.acks).toEqual([{ t: 'cancelled', id: 1, running: false }]);
    expect(worker.results).toHaveLength(1);
  });

  it('a thread reads a cancel waiting in its port before its next call, without a turn of the event loop', async () => {
    const counters = new Int32Array(new SharedArrayBuffer(COUNTERS * Int32Array.BYTES_PER_ELEMENT));
    const port: ToWorker[] = []; // messages posted to the thread and not yet delivered
    const worker = new FakeWorker(counters, () => port.shift());
    worker.run([1, 1, [1], 0]); // loaded
    await worker.until(1);
    port.push(cancelMessage(3, new AbortError('not this one')));
    Atomics.add(counters, Counter.cancels, 1); // the parent counts the cancel after posting it
    worker.run([2, 1, [2], 0, 3, 1, [3], 0, 4, 1, [4], 0]);
    await worker.until(4);
    expect(port).toEqual([]);
    expect(worker.results.map(([id, kind]) => [id, kind])).toEqual([
      [1, 'ok'],
      [2, 'ok'],
      [3, 'aborted'],
      [4, 'ok'],
    ]);
    expect([Atomics.load(counters, Counter.started), Atomics.load(counters, Counter.completed)]).toEqual([
      4, 4,
    ]);
  });
});

/**
 * A pool of one worker over a fake transport: what it sends is recorded, its answers are given by the
 * test. `counters`: a thread's shared counters (else the worker is process-like).
 */
const makeParentPool = (options: { cancelGraceMs?: number; counters?: Int32Array } = {}) => {
  const sent: RunMessage[] = [];
  const cancels: CancelMessage[] = [];
  const life = { spawned: 0, terminated: 0 };
  let events: TransportEvents | undefined;
  const pool = new Pool({
    mode: 'threads',
    workers: 1,
    initArgs: [],
    maxTasksPerWorker: Number.POSITIVE_INFINITY,
    idleTimeoutMs: Number.POSITIVE_INFINITY,
    cancelGraceMs: options.cancelGraceMs ?? 1000,
    initTimeoutMs: 60_000,
    transport: (e) => {
      events = e;
      life.spawned++;
      let alive = true;
      queueMicrotask(() => e.message({ t: 'ready' }));
      return {
        counters: options.counters,
        get alive() {
          return alive;
        },
        send: (message) => {
          if (message.t === 'run') sent.push(message);
          if (message.t === 'cancel') cancels.push(message);
        },
        ref: () => {},
        unref: () => {},
        terminate: async () => {
          life.terminated++;
          alive = false;
          e.exit('terminated');
        },
      };
    },
  });
  const reply = (results: unknown[], busyMs = 1) => events?.message({ t: 'done', results, busyMs });
  const notice = (message: FromWorker) => events?.message(message);
  return { pool, sent, cancels, life, reply, notice };
};

describe('parent side: the pool over a fake transport', () => {
  const makePool = makeParentPool;
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
    const { pool, sent, reply } = makePool({ cancelGraceMs: 0 });
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

describe('parent side: cancel — cooperative first, forceful second', () => {
  const GRACE = 1000;
  type Fake = ReturnType<typeof makeFake>;
  const makeFake = (options: { cancelGraceMs?: number; counters?: Int32Array } = {}) => {
    const fake = makeParentPool(options);
    const outcomes = new Map<Job, Outcome>();
    const job = (n: number, timeoutMs?: number): Job => {
      const j: Job = new Job(square, [n], timeoutMs, (o) => outcomes.set(j, o));
      return j;
    };
    return { ...fake, outcomes, job };
  };
  const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
  /** One tiny call measured: the worker may hold many calls now (prefetch). */
  const warm = async (f: Fake) => {
    const j = f.job(0);
    f.pool.start([j]);
    await flush();
    f.reply([j.id, 'ok', 0], 0.001);
  };
  /** Jobs started one by one in one tick: prefetched to the one worker in one message. */
  const startAll = async (f: Fake, jobs: Job[]) => {
    for (const j of jobs) f.pool.start([j]);
    await flush();
  };
  const abort = (message: string) => new AbortError(message);

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a prefetched job that has not started costs nothing: one cancel sent, no termination, results line up', async () => {
    const f = makeFake();
    await warm(f);
    const [a, b, c] = [1, 2, 3].map((n) => f.job(n)) as [Job, Job, Job];
    await startAll(f, [a, b, c]);
    expect(f.sent.at(-1)!.calls.length / 4).toBe(3);
    f.pool.cancel(b, abort('b'));
    expect(f.outcomes.get(b)).toEqual({ kind: 'aborted', reason: abort('b') });
    expect(f.cancels).toEqual([
      { t: 'cancel', id: b.id, reason: expect.objectContaining({ name: 'AbortError', message: 'b' }) },
    ]);
    vi.advanceTimersByTime(10 * GRACE); // a is running long and b's cancel is not heard yet: nobody is killed
    f.notice({ t: 'cancelled', id: b.id, running: false });
    f.reply([a.id, 'ok', 1, b.id, 'aborted', { e: { name: 'AbortError', message: 'b' } }, c.id, 'ok', 9]);
    expect([a, b, c].map((j) => f.outcomes.get(j)?.kind)).toEqual(['ok', 'aborted', 'ok']);
    expect(f.outcomes.get(c)).toEqual({ kind: 'ok', value: 9 });
    expect(f.life).toEqual({ spawned: 1, terminated: 0 });
  });

  it('a running job that answers within its grace keeps its worker: the next job goes to the same one', async () => {
    const f = makeFake();
    const a = f.job(1);
    await startAll(f, [a]);
    f.pool.cancel(a, abort('a'));
    f.notice({ t: 'cancelled', id: a.id, running: true });
    vi.advanceTimersByTime(GRACE - 1);
    f.reply([a.id, 'threw', { e: { name: 'AbortError', message: 'a' } }]); // the task stopped itself
    vi.advanceTimersByTime(3 * GRACE);
    const d = f.job(4);
    await startAll(f, [d]);
    expect(f.sent.at(-1)!.calls[0]).toBe(d.id);
    expect(f.outcomes.get(a)?.kind).toBe('aborted'); // its own answer is dropped: it was settled at once
    expect(f.life).toEqual({ spawned: 1, terminated: 0 });
  });

  it('a running job that does not answer within its grace: its worker is terminated and replaced; the job behind it runs again', async () => {
    const f = makeFake();
    await warm(f);
    const [a, b] = [1, 2].map((n) => f.job(n)) as [Job, Job];
    await startAll(f, [a, b]);
    f.pool.cancel(a, abort('a'));
    f.notice({ t: 'cancelled', id: a.id, running: true });
    vi.advanceTimersByTime(GRACE - 1);
    expect(f.life.terminated).toBe(0);
    vi.advanceTimersByTime(1);
    expect(f.life.terminated).toBe(1);
    await flush();
    expect(f.life.spawned).toBe(2);
    expect(f.sent.at(-1)!.calls[0]).toBe(b.id); // b never started: it runs on the new worker
    expect(f.outcomes.get(a)?.kind).toBe('aborted');
    expect(f.outcomes.has(b)).toBe(false);
  });

  it('a running job that never hears its cancel (a loop that never yields) is terminated after the grace', async () => {
    const f = makeFake();
    const a = f.job(1);
    await startAll(f, [a]);
    f.pool.cancel(a, abort('a'));
    vi.advanceTimersByTime(GRACE);
    expect(f.life.terminated).toBe(1);
  });

  it.each([
    ['process-like (its first unanswered job runs)', undefined],
    ['thread-like (shared counters: 1 started)', new Int32Array([1, 0, 0])],
  ])('%s: a job waiting behind a busy neighbour is never a reason to terminate', async (_, counters) => {
    const f = makeFake({ counters });
    await warm(f);
    if (counters) counters[0] = 2; // the warm-up call and a: started
    if (counters) counters[1] = 1;
    const [a, b] = [1, 2].map((n) => f.job(n)) as [Job, Job];
    await startAll(f, [a, b]);
    f.pool.cancel(b, abort('b'));
    vi.advanceTimersByTime(20 * GRACE);
    expect(f.life.terminated).toBe(0);
    f.reply([a.id, 'ok', 1, b.id, 'aborted', { e: { name: 'AbortError', message: 'b' } }]);
    vi.advanceTimersByTime(20 * GRACE);
    expect(f.life.terminated).toBe(0);
    expect(f.outcomes.get(a)).toEqual({ kind: 'ok', value: 1 });
  });

  it('cancelGraceMs: 0 — a running job’s worker is terminated at once; a prefetched one is only skipped', async () => {
    const f = makeFake({ cancelGraceMs: 0 });
    await warm(f);
    const [a, b] = [1, 2].map((n) => f.job(n)) as [Job, Job];
    await startAll(f, [a, b]);
    f.pool.cancel(b, abort('b'));
    expect(f.cancels.map((m) => m.id)).toEqual([b.id]);
    expect(f.life.terminated).toBe(0);
    f.pool.cancel(a, abort('a'));
    expect(f.life.terminated).toBe(1);
    expect(f.cancels.map((m) => m.id)).toEqual([b.id]); // no cancel for a: no grace to give it
  });

  it('a timeout settles the job at once; the worker gets a cancel with a TaskTimeoutError; terminated only after the grace', async () => {
    const f = makeFake();
    const a = f.job(1, 500);
    await startAll(f, [a]);
    f.notice({ t: 'started', id: a.id });
    vi.advanceTimersByTime(500);
    expect(f.outcomes.get(a)).toEqual({ kind: 'timeout', ms: 500 });
    expect(f.cancels).toEqual([
      {
        t: 'cancel',
        id: a.id,
        reason: expect.objectContaining({
          name: 'TaskTimeoutError',
          props: expect.objectContaining({ code: 'CONC_ERR_TASK_TIMEOUT', timeoutMs: 500 }),
        }),
      },
    ]);
    expect(f.life.terminated).toBe(0);
    vi.advanceTimersByTime(GRACE);
    expect(f.life.terminated).toBe(1);
  });

  it('close({ cancel: true }) cancels cooperatively: it waits for the answers, then closes the worker', async () => {
    const f = makeFake();
    await warm(f);
    const [a, b] = [1, 2].map((n) => f.job(n)) as [Job, Job];
    await startAll(f, [a, b]);
    let closed = false;
    const closing = f.pool.close(cancelOnClose()).then(() => {
      closed = true;
    });
    expect([a, b].map((j) => f.outcomes.get(j)?.kind)).toEqual(['aborted', 'aborted']);
    expect(f.cancels.map((m) => m.id)).toEqual([a.id, b.id]);
    await flush();
    expect(closed).toBe(false);
    f.reply([a.id, 'threw', { e: { name: 'AbortError', message: 'x' } }, b.id, 'aborted', {}]);
    await closing;
    expect(f.life).toEqual({ spawned: 1, terminated: 1 }); // closed, never for a cancel
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

  it('a live worker: where a cancelled job stands (threads exactly; processes by what was answered)', () => {
    // threads: 3 answered, 5 started, 4 completed → ordinal 4 runs, 3 is done, 5 not started (it will be skipped)
    expect(standingAt(1, 3, counters(5, 4), undefined)).toBe('running');
    expect(standingAt(0, 3, counters(5, 4), undefined)).toBe('done');
    expect(standingAt(2, 3, counters(5, 4), undefined)).toBe('done');
    // processes: the first unanswered job runs; one behind it waits — unless both are in an unanswered chunk
    expect(standingAt(0, 10, undefined, undefined)).toBe('running');
    expect(standingAt(1, 10, undefined, undefined)).toBe('waiting');
    expect(standingAt(2, 10, undefined, [8, 13])).toBe('running');
    expect(standingAt(3, 10, undefined, [8, 13])).toBe('waiting');
  });
});
