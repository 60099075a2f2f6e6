/**
 * Conformance cases for cooperative cancellation (issue 10), run by `executorSuite` on every backend:
 * a task that honours its `taskSignal()` stops by itself and keeps its worker; one that ignores it is
 * abandoned (inline) or stopped with its worker after `cancelGraceMs` (pools); nothing runs twice; every
 * call is counted once in `stats()`.
 *
 * The tasks (test/fixtures/cooperative.ts) report their start and their stop as lines to a loopback
 * start listener, and what they saw (where they ran, the reason they were stopped with) as lines in a
 * file: the tests wait on the lines and read the file, never sleep, and count runs through the file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  AbortError,
  type Executor,
  type ExecutorOptions,
  type ExecutorStats,
  TaskTimeoutError,
} from '../../src/index.ts';
import { tasks as basic } from '../fixtures/basic.ts';
import {
  type CountedItem,
  tasks as coop,
  type Place,
  readEvents,
  type TaskEvent,
} from '../fixtures/cooperative.ts';
import { listenForStarts, type StartListener } from '../helpers/started.ts';

/** What a backend does with cooperative cancellation, beyond what every backend does. */
export interface CooperativeCaps {
  /** A pool worker is stopped (terminated) when its task ignores its signal past the grace. */
  stopsRunning: boolean;
  /** With `workers: 1`, the next task after a cooperative cancel runs in the same thread and process. */
  keepsWorkerOnCancel: boolean;
  /** A CPU loop that never yields sees `signal.aborted` turn true (threads: a flag in shared memory). */
  seesSpinningCancel: boolean;
  /** With `workers: 1`, a second call waits behind the running one (queued or prefetched), unstarted. */
  queuesBehindOne: boolean;
}

type Options = Omit<ExecutorOptions, 'mode'>;
type Make = (options?: Options) => Executor;

/** So long that a worker replaced during a test was not replaced for being slow to stop. */
const LONG_GRACE_MS = 600_000;
/** Short enough that a pool replaces a worker whose task ignores its signal within the test. */
const SHORT_GRACE_MS = 100;

interface Setup {
  ex: Executor;
  starts: StartListener;
  /** The tasks' file: what they saw, one JSON line each. */
  file: string;
}

const place = (event: TaskEvent | undefined): Place => {
  if (event?.event !== 'start' && event?.event !== 'run')
    throw new Error(`not a start: ${JSON.stringify(event)}`);
  return { pid: event.pid, threadId: event.threadId };
};
const stops = (file: string) => readEvents(file).filter((e) => e.event === 'stopped');
/** How many times each id ran, from the file. */
const runsById = (file: string) => {
  const runs = new Map<number, number>();
  for (const e of readEvents(file)) if (e.event === 'run') runs.set(e.id!, (runs.get(e.id!) ?? 0) + 1);
  return runs;
};
const accounted = (s: ExecutorStats) => s.completed + s.failed + s.cancelled + s.running + s.queued;
/** A call's result or its error: awaited later, it never goes unhandled when a test fails before that. */
const caught = <T>(call: Promise<T>): Promise<T | unknown> => call.catch((error: unknown) => error);
/** Tiny tasks first, so a pool has measured them and prefetches calls behind a running one. */
const warmUp = (ex: Executor) =>
  ex.map(
    basic.square,
    Array.from({ length: 64 }, (_, i) => i),
  );

type WithSetup = (options: Options, body: (setup: Setup) => Promise<void>) => Promise<void>;

/** Every cooperative case, on executors from `make`; which ones run depends on `caps`. */
export function cooperativeCases(make: Make, caps: CooperativeCaps): void {
  /** An executor, a start listener and a file for the tasks; all three gone afterwards. */
  const withSetup: WithSetup = async (options, body) => {
    const dir = await mkdtemp(join(tmpdir(), 'conc-coop-'));
    const starts = await listenForStarts();
    const ex = make(options);
    try {
      await body({ ex, starts, file: join(dir, 'events.jsonl') });
    } finally {
      await ex.close({ cancel: true });
      await starts.close();
      await rm(dir, { recursive: true, force: true });
    }
  };
  selfStopCases(withSetup, caps);
  ignoredSignalCases(withSetup, caps);
  neighbourAndCloseCases(withSetup, caps);
  countCases(withSetup);
}

/** Tasks that honour their signal stop by themselves, with the caller's error as the reason. */
function selfStopCases(withSetup: WithSetup, caps: CooperativeCaps): void {
  it('cooperative abort mid-run: the task sees the caller’s AbortError as its reason and its worker serves the next task', () =>
    withSetup({ workers: 1, cancelGraceMs: LONG_GRACE_MS }, async ({ ex, starts, file }) => {
      const controller = new AbortController();
      const run = caught(ex.run(coop.waitForAbort, [starts.port, file], { signal: controller.signal }));
      await starts.started(1);
      controller.abort(new Error('user gave up'));
      const error = (await run) as AbortError;
      expect(error).toBeInstanceOf(AbortError);
      await starts.started(2); // the task said it stopped
      const [start, stopped] = readEvents(file);
      expect(stopped).toEqual({ event: 'stopped', reason: { name: 'AbortError', message: error.message } });
      const next = await ex.submit(coop.whoAmI);
      if (caps.keepsWorkerOnCancel) expect(next).toEqual(place(start));
      expect(ex.stats()).toMatchObject({ completed: 1, failed: 0, cancelled: 1, running: 0, queued: 0 });
    }));

  it('cooperative timeout: the task sees the TaskTimeoutError the caller gets, and its worker is kept', () =>
    withSetup({ workers: 1, cancelGraceMs: LONG_GRACE_MS }, async ({ ex, starts, file }) => {
      const error = (await ex
        .run(coop.waitForAbort, [starts.port, file], { timeoutMs: 200 })
        .catch((e: unknown) => e)) as TaskTimeoutError;
      expect(error).toBeInstanceOf(TaskTimeoutError);
      await starts.started(2);
      const [start, stopped] = readEvents(file);
      expect(stopped).toEqual({
        event: 'stopped',
        reason: { name: 'TaskTimeoutError', message: error.message },
      });
      const next = await ex.submit(coop.whoAmI);
      if (caps.keepsWorkerOnCancel) expect(next).toEqual(place(start));
      expect(ex.stats()).toMatchObject({ completed: 1, failed: 1, cancelled: 0, running: 0 });
    }));

  it.runIf(caps.seesSpinningCancel)(
    'a CPU loop that never yields sees its signal abort (abort, then timeout) and keeps its worker',
    () =>
      withSetup({ workers: 1, cancelGraceMs: LONG_GRACE_MS }, async ({ ex, starts, file }) => {
        const controller = new AbortController();
        const run = caught(ex.run(coop.spinUntilAborted, [starts.port, file], { signal: controller.signal }));
        await starts.started(1);
        controller.abort();
        expect(await run).toBeInstanceOf(AbortError);
        await starts.started(2);
        const timedOut = caught(ex.run(coop.spinUntilAborted, [starts.port, file], { timeoutMs: 200 }));
        expect(await timedOut).toBeInstanceOf(TaskTimeoutError);
        await starts.started(4);
        const events = readEvents(file);
        expect(stops(file).map((e) => e.event === 'stopped' && e.reason.name)).toEqual([
          'AbortError',
          'TaskTimeoutError',
        ]);
        const next = await ex.submit(coop.whoAmI);
        if (caps.keepsWorkerOnCancel) {
          expect(place(events[2])).toEqual(place(events[0]));
          expect(next).toEqual(place(events[0]));
        }
      }),
  );
}

/** A task that ignores its signal: abandoned inline, stopped with its worker after the grace on pools. */
function ignoredSignalCases(withSetup: WithSetup, caps: CooperativeCaps): void {
  it('a task that ignores its signal: the caller settles at once, not after the grace', () =>
    withSetup({ workers: 1, cancelGraceMs: LONG_GRACE_MS }, async ({ ex, starts, file }) => {
      const controller = new AbortController();
      const run = caught(ex.run(coop.ignoreSignal, [starts.port, file], { signal: controller.signal }));
      await starts.started(1);
      controller.abort();
      // were the caller held until the grace (10 minutes) ran out, this would exceed the test's bound
      expect(await run).toBeInstanceOf(AbortError);
      await starts.close(); // lets the task end by itself, well within its grace
      const next = await ex.submit(coop.whoAmI);
      if (caps.keepsWorkerOnCancel) expect(next).toEqual(place(readEvents(file)[0]));
    }));

  it(`a task that ignores its signal is stopped after cancelGraceMs${caps.stopsRunning ? ' with its worker' : ''}; the calls behind it run once`, () =>
    withSetup({ workers: 1, cancelGraceMs: SHORT_GRACE_MS }, async ({ ex, starts, file }) => {
      await warmUp(ex);
      const controller = new AbortController();
      const run = caught(ex.run(coop.ignoreSignal, [starts.port, file], { signal: controller.signal }));
      await starts.started(1);
      const behind = [0, 1, 2, 3, 4].map((id) => caught(ex.submit(coop.countedRun, { file, id })));
      controller.abort();
      expect(await run).toBeInstanceOf(AbortError);
      expect(await Promise.all(behind)).toEqual([0, 1, 2, 3, 4]);
      const next = await ex.submit(coop.whoAmI);
      const first = place(readEvents(file)[0]);
      if (caps.keepsWorkerOnCancel && caps.stopsRunning) expect(next).not.toEqual(first);
      if (caps.keepsWorkerOnCancel && !caps.stopsRunning) expect(next).toEqual(first);
      expect([...runsById(file)].sort((a, b) => a[0] - b[0])).toEqual([0, 1, 2, 3, 4].map((id) => [id, 1]));
    }));
}

/** Cancelling one call leaves its neighbours alone; closing with cancel reaches every running task. */
function neighbourAndCloseCases(withSetup: WithSetup, caps: CooperativeCaps): void {
  it.runIf(caps.queuesBehindOne)(
    'abort of a queued or prefetched neighbour: it never runs; the running task and the others are undisturbed',
    () =>
      withSetup({ workers: 1, cancelGraceMs: LONG_GRACE_MS }, async ({ ex, starts, file }) => {
        await warmUp(ex);
        const running = caught(ex.submit(coop.ignoreSignal, starts.port, file));
        await starts.started(1);
        const controllers = [0, 1, 2, 3, 4].map(() => new AbortController());
        const behind = controllers.map((c, id) =>
          caught(ex.run(coop.countedRun, [{ file, id }], { signal: c.signal })),
        );
        controllers[2]!.abort();
        expect(await behind[2]).toBeInstanceOf(AbortError);
        await starts.close(); // the running task ends by itself now; the calls behind it follow
        expect(await running).toBe('ended on its own');
        expect(await Promise.all(behind.filter((_, i) => i !== 2))).toEqual([0, 1, 3, 4]);
        expect([...runsById(file)].sort((a, b) => a[0] - b[0])).toEqual([0, 1, 3, 4].map((id) => [id, 1]));
        expect(await ex.submit(coop.whoAmI)).toEqual(place(readEvents(file)[0]));
        expect(ex.stats()).toMatchObject({ submitted: 71, completed: 70, cancelled: 1, failed: 0 });
      }),
  );

  it('close({ cancel: true }) with cooperative tasks: every call rejects with AbortError; each started task saw its signal abort', () =>
    withSetup({ cancelGraceMs: LONG_GRACE_MS }, async ({ ex, starts, file }) => {
      const pending = Promise.allSettled(
        [0, 1, 2].map(() => ex.submit(coop.waitForAbort, starts.port, file)),
      );
      await starts.started(1);
      await ex.close({ cancel: true });
      for (const r of await pending) {
        expect(r.status).toBe('rejected');
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(AbortError);
      }
      const started = readEvents(file).filter((e) => e.event === 'start').length;
      expect(started).toBeGreaterThanOrEqual(1);
      await starts.started(2 * started); // each started task says so, and then that it stopped
      expect(stops(file).map((e) => e.event === 'stopped' && e.reason.name)).toEqual(
        Array.from({ length: started }, () => 'AbortError'),
      );
    }));
}

/** Nothing runs twice, and every call is counted once. */
function countCases(withSetup: WithSetup): void {
  it('exactly once: in a map where one item times out, every item runs once (counted through a file)', () =>
    withSetup({ cancelGraceMs: LONG_GRACE_MS }, async ({ ex, starts, file }) => {
      const items: CountedItem[] = Array.from({ length: 20 }, (_, id) => ({ file, id }));
      items[7] = { file, id: 7, port: starts.port, wait: true };
      // a bound for the waiting item only: the others return at once
      const out = await ex.map(coop.countedRun, items, { timeoutMs: 1000, settle: true });
      expect(out.map((r) => r.status)).toEqual(items.map((i) => (i.wait ? 'rejected' : 'fulfilled')));
      expect((out[7] as PromiseRejectedResult).reason).toBeInstanceOf(TaskTimeoutError);
      await starts.started(2);
      await ex.close(); // drained: nothing more can run
      expect([...runsById(file)].sort((a, b) => a[0] - b[0])).toEqual(items.map((i) => [i.id, 1]));
      expect(stops(file)).toEqual([
        { event: 'stopped', id: 7, reason: expect.objectContaining({ name: 'TaskTimeoutError' }) },
      ]);
      expect(ex.stats()).toMatchObject({ submitted: 20, completed: 19, failed: 1, cancelled: 0 });
    }));

  it('stats after an aborted map: submitted = completed + failed + cancelled + running + queued; started items ran once', () =>
    withSetup({ cancelGraceMs: LONG_GRACE_MS }, async ({ ex, starts, file }) => {
      const controller = new AbortController();
      function* items(): Generator<CountedItem> {
        for (let id = 0; id < 100; id++) yield { file, id, port: starts.port, wait: true };
      }
      const run = caught(ex.map(coop.countedRun, items(), { signal: controller.signal, window: 4 }));
      await starts.started(1);
      controller.abort();
      expect(await run).toBeInstanceOf(AbortError);
      const now = ex.stats();
      expect(now.submitted).toBe(accounted(now));
      expect(now.cancelled).toBeGreaterThanOrEqual(1);
      await ex.close();
      const end = ex.stats();
      expect(end).toMatchObject({ completed: 0, failed: 0, running: 0, queued: 0 });
      expect(end.cancelled).toBe(end.submitted);
      const runs = runsById(file);
      expect(runs.size).toBeLessThanOrEqual(end.submitted);
      for (const count of runs.values()) expect(count).toBe(1);
    }));
}
