import { describe, expect, it } from 'vitest';
import { classify } from '../src/backends/auto/classifier.ts';
import { AbortError, createExecutor, TaskArgumentError, TaskError, TaskTimeoutError } from '../src/index.ts';
import { tasks } from './fixtures/profile-tasks.ts';

describe('classify', () => {
  it('calls work that mostly waits I/O-bound', () => {
    const c = classify({ wallMs: 100, cpuMs: 4, taskMs: 100, elu: 0.05, loopDelayMs: 1, tasks: 4 });
    expect(c.verdict).toBe('io-bound');
    expect(c.cpuRatio).toBeCloseTo(0.04);
    expect(c.reason).toMatch(/I\/O-bound/);
  });
  it('counts CPU per task time, so many overlapping waits stay I/O-bound', () => {
    // 40 downloads in flight for 100 ms, each computing 2 ms: 80 ms of CPU in 100 ms of wall time
    const c = classify({ wallMs: 100, cpuMs: 80, taskMs: 4000, elu: 0.8, loopDelayMs: 3, tasks: 40 });
    expect(c.verdict).toBe('io-bound');
    expect(c.cpuRatio).toBeCloseTo(0.02);
  });
  it('calls work that computes CPU-bound', () => {
    expect(
      classify({ wallMs: 50, cpuMs: 49, taskMs: 50, elu: 0.99, loopDelayMs: 50, tasks: 1 }).verdict,
    ).toBe('cpu-bound');
  });
  it('does not take one stall of a busy machine for tasks holding the loop', () => {
    // 64 downloads of ~92 ms: the loop turned often, typically held 2 ms; once it stalled 74 ms
    const m = { wallMs: 150, cpuMs: 3, taskMs: 13_000, elu: 1, loopDelayMs: 74, tasks: 64, medianTaskMs: 92 };
    expect(classify({ ...m, heldMs: 2 }).verdict).toBe('io-bound');
    expect(classify({ ...m, heldMs: 74 }).verdict).toBe('cpu-bound'); // held that long every time: blocking
  });
  it('calls work that holds the loop without computing CPU-bound', () => {
    const c = classify({ wallMs: 50, cpuMs: 1, taskMs: 50, elu: 0.98, loopDelayMs: 50, tasks: 2 });
    expect(c.verdict).toBe('cpu-bound');
    expect(c.reason).toMatch(/holds the event loop/);
  });
});

describe("mode 'auto'", () => {
  it('runs CPU-bound work on threads, one per core, and says so in stats()', async () => {
    const ex = createExecutor({ mode: 'auto', workers: 2 });
    try {
      const results = await ex.map(
        tasks.spin,
        Array.from({ length: 8 }, () => 25),
      );
      expect(results).toHaveLength(8);
      expect(results.every((r) => typeof r === 'number' && r > 0)).toBe(true);
      const stats = ex.stats();
      expect(stats).toMatchObject({
        mode: 'auto',
        chosen: 'threads',
        verdict: 'cpu-bound',
        width: 2,
        completed: 8,
      });
      expect(stats.workers).toBeGreaterThan(0);
      expect(String(stats.reason)).toMatch(/CPU-bound/);
    } finally {
      await ex.close();
    }
  });

  it('runs I/O-bound work on the event loop with an adaptive width, results in input order', async () => {
    const ex = createExecutor({ mode: 'auto' });
    try {
      const items = Array.from({ length: 60 }, (_, i) => i);
      const results = await ex.map(
        tasks.wait,
        items.map((i) => 15 + (i % 3)),
      );
      expect(results).toEqual(items.map((i) => 15 + (i % 3)));
      const stats = ex.stats();
      expect(stats).toMatchObject({ chosen: 'async', verdict: 'io-bound', workers: 0 });
      expect(stats.width).toBeGreaterThanOrEqual(1);
    } finally {
      await ex.close();
    }
  });

  it('treats a blocking task as needing threads', async () => {
    const ex = createExecutor({ mode: 'auto', workers: 2 });
    try {
      // enough of them that threads pay for their start-up (four would be done here sooner)
      await ex.map(
        tasks.block,
        Array.from({ length: 16 }, () => 15),
      );
      expect(ex.stats()).toMatchObject({ chosen: 'threads', verdict: 'cpu-bound' });
    } finally {
      await ex.close();
    }
  });

  it('keeps the good results when some items fail (settle), and rejects with TaskError otherwise', async () => {
    const ex = createExecutor({ mode: 'auto' });
    try {
      const settled = await ex.map(tasks.evenOnly, [0, 1, 2, 3, 4], { settle: true });
      expect(settled.map((s) => s.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(TaskError);
      await expect(ex.submit(tasks.evenOnly, 7)).rejects.toBeInstanceOf(TaskError);
      expect(await ex.submit(tasks.evenOnly, 8)).toBe(8);
    } finally {
      await ex.close();
    }
  });

  it('aborts: held and running tasks stop, the call rejects with AbortError, close() returns', async () => {
    const ex = createExecutor({ mode: 'auto' });
    const controller = new AbortController();
    let atAbort: { running: number; queued: number } | undefined;
    try {
      // abort at the first result: the blind start has 256 running then, and the rest are held
      const run = (async () => {
        for await (const _ of ex.imap(
          tasks.wait,
          Array.from({ length: 1500 }, () => 200),
          { signal: controller.signal },
        )) {
          atAbort = ex.stats();
          controller.abort();
        }
      })();
      await expect(run).rejects.toBeInstanceOf(AbortError);
      expect(atAbort?.running).toBeGreaterThan(0);
      expect(atAbort?.queued).toBeGreaterThan(0);
      expect(ex.stats().running).toBe(0);
    } finally {
      await ex.close();
    }
  });

  it('close({ cancel: true }) settles everything still held or running', async () => {
    const ex = createExecutor({ mode: 'auto' });
    // once a first result is back the sample is under way: new tasks start at once, up to the limit
    expect(await ex.submit(tasks.wait, 0, 'first')).toBe('first');
    const pending = Array.from({ length: 30 }, () => ex.submit(tasks.wait, 5_000));
    const before = ex.stats();
    expect(before.running).toBeGreaterThan(0);
    expect(before.queued).toBeGreaterThan(0);
    await ex.close({ cancel: true });
    const outcomes = await Promise.allSettled(pending);
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof AbortError)).toBe(true);
  });

  it('passes chunks and per-task timeouts on to the backend it chose', async () => {
    const ex = createExecutor({ mode: 'auto', workers: 2 });
    try {
      const sums = await ex.map(tasks.spin, [20, 20, 20, 20, 20, 20], { chunkSize: 2 });
      expect(sums).toHaveLength(6);
      expect(ex.stats().chosen).toBe('threads');
      await expect(ex.run(tasks.spin, [2_000], { timeoutMs: 100 })).rejects.toBeInstanceOf(TaskTimeoutError);
    } finally {
      await ex.close();
    }
    const io = createExecutor({ mode: 'auto' });
    try {
      expect(await io.map(tasks.wait, [30, 30, 30, 30, 30, 30], { chunkSize: 3 })).toEqual([
        30, 30, 30, 30, 30, 30,
      ]);
      await expect(io.run(tasks.wait, [5_000], { timeoutMs: 50 })).rejects.toBeInstanceOf(TaskTimeoutError);
    } finally {
      await io.close({ cancel: true });
    }
  });

  it('passes arguments the same way in every phase: uncloneable ones fail alike before and after the verdict', async () => {
    const ex = createExecutor({ mode: 'auto', workers: 2 });
    try {
      const fn = () => 1;
      // 100 calls: the first 65 are the sample (on the event loop), the rest run where auto chose
      const out = await ex.map(tasks.spin, Array.from({ length: 100 }, () => fn) as never[], {
        settle: true,
      });
      expect(ex.stats().chosen).toBeDefined();
      for (const r of out) {
        expect(r.status).toBe('rejected');
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(TaskArgumentError);
      }
      await expect(ex.submit(tasks.spin, fn as never)).rejects.toBeInstanceOf(TaskArgumentError);
    } finally {
      await ex.close();
    }
    const fresh = createExecutor({ mode: 'auto' });
    try {
      // the very first call, while loading and cold, crosses the same way
      await expect(fresh.submit(tasks.spin, (() => 1) as never)).rejects.toBeInstanceOf(TaskArgumentError);
    } finally {
      await fresh.close();
    }
  });

  it('runs a lone task without a verdict and reports what it measured at close', async () => {
    const ex = createExecutor({ mode: 'auto' });
    expect(await ex.submit(tasks.wait, 40, 'x')).toBe('x');
    await ex.close();
    const stats = ex.stats();
    expect(stats.chosen).toBeUndefined(); // one task: nothing left to run elsewhere
    expect(stats.verdict).toBe('io-bound'); // measured on the warm-up task alone
  });
});
