import { describe, expect, it } from 'vitest';
import { AutoBackend } from '../src/backends/auto/auto.ts';
import type { ProbeClocks } from '../src/backends/auto/classifier.ts';
import { HeldJobs } from '../src/backends/auto/held.ts';
import { AdaptiveLimiter } from '../src/backends/auto/limiter.ts';
import { plan, TINY_TASK_MS, threadsWorthStarting } from '../src/backends/auto/plan.ts';
import { type Admission, admit } from '../src/backends/auto/routes.ts';
import { Job } from '../src/core/job.ts';
import type { Outcome } from '../src/core/outcome.ts';
import type { TaskRef } from '../src/index.ts';
import { resolveOptions } from '../src/options.ts';
import { tasks as basic } from './fixtures/basic.ts';
import { tasks } from './fixtures/profile-tasks.ts';

/**
 * Clocks whose CPU time and loop utilization the test decides: `share` of every wall millisecond is
 * "CPU" (times a large factor, so that any number of tasks in flight reads as computing), and the loop is
 * as busy as `share`. Wall time is real: the tasks really run.
 */
function fakeClocks(initial: number): ProbeClocks & { share: number } {
  let cpu = 0;
  let last = performance.now();
  const clocks = {
    share: initial,
    now: () => performance.now(),
    cpuMs: () => {
      const now = performance.now();
      cpu += (now - last) * clocks.share * 1000;
      last = now;
      return cpu;
    },
    eluMark: () => undefined,
    eluSince: () => clocks.share,
  };
  return clocks;
}

/** An auto backend driven directly (its tuning knobs are not executor options). */
function autoBackend(
  clocks: ProbeClocks,
  extra: { monitorWindowMs?: number; workers?: number } = {},
): AutoBackend {
  const { workers = 2, ...rest } = extra;
  return new AutoBackend({ ...resolveOptions({ mode: 'auto', workers }), clocks, ...rest });
}

/** Starts one job per item, all at once (held by auto); resolves to their outcomes in order. */
function runAll(backend: AutoBackend, ref: TaskRef, items: unknown[][]): Promise<Outcome[]> {
  return Promise.all(
    items.map(
      (args) => new Promise<Outcome>((resolve) => backend.start([new Job(ref, args, undefined, resolve)])),
    ),
  );
}

describe('plan: from a verdict to a route', () => {
  const base = { perTaskMs: 5, held: 100, workers: 2, poolStarted: false };
  it('I/O-bound work stays on the event loop', () => {
    expect(plan({ ...base, verdict: 'io-bound' })).toMatchObject({ route: 'async', batch: 1 });
  });
  it('tiny CPU tasks stay on this thread, whatever their number', () => {
    const p = plan({ ...base, verdict: 'cpu-bound', perTaskMs: TINY_TASK_MS / 2, held: 100_000 });
    expect(p.route).toBe('sync');
    expect(p.why).toMatch(/tiny/);
  });
  it('too little CPU work left to pay for starting threads stays here; once the pool runs, threads', () => {
    const little = { ...base, verdict: 'cpu-bound' as const, perTaskMs: 4, held: 16 };
    expect(plan(little)).toMatchObject({ route: 'sync' });
    expect(plan(little).why).toMatch(/too little work left/);
    expect(plan({ ...little, poolStarted: true })).toMatchObject({ route: 'threads' });
  });
  it('enough CPU work goes to threads, short tasks batched but every thread kept busy', () => {
    expect(plan({ ...base, verdict: 'cpu-bound', perTaskMs: 80, held: 19 })).toMatchObject({
      route: 'threads',
      batch: 1,
    });
    // 0.1 ms tasks: 50 make a 5 ms message; 10,000 held leave plenty of batches per thread
    expect(plan({ ...base, verdict: 'cpu-bound', perTaskMs: 0.1, held: 10_000 }).batch).toBe(50);
    // only 80 held (the pool already running): batches of 10, so that each of 2 threads gets 4
    expect(plan({ ...base, verdict: 'cpu-bound', perTaskMs: 0.1, held: 80, poolStarted: true }).batch).toBe(
      10,
    );
  });
  it('one worker allowed: never threads', () => {
    expect(plan({ ...base, verdict: 'cpu-bound', perTaskMs: 100, held: 1000, workers: 1 }).route).toBe(
      'sync',
    );
  });
  it('starts threads speculatively only when what is held would pay for them', () => {
    expect(threadsWorthStarting(80, 19, 2)).toBe(true);
    expect(threadsWorthStarting(4, 19, 2)).toBe(false);
    expect(threadsWorthStarting(0.1, 100_000, 2)).toBe(false); // tiny: let the sample say
  });
});

describe('admit: where the next task may start', () => {
  const a: Admission = {
    route: 'sample',
    loading: false,
    yielded: false,
    loopInflight: 0,
    limitRoom: true,
    poolStarted: false,
    poolReady: false,
    units: 0,
    workers: 2,
    perTaskMs: 1,
    check: false,
  };
  it('samples one at a time until the loop turns, then up to the limit', () => {
    expect(admit({ ...a, loading: true })).toBeUndefined();
    expect(admit(a)).toBe('loop');
    expect(admit({ ...a, loopInflight: 1 })).toBeUndefined();
    expect(admit({ ...a, loopInflight: 1, yielded: true })).toBe('loop');
    expect(admit({ ...a, loopInflight: 10, yielded: true, limitRoom: false })).toBeUndefined();
  });
  it('sync runs one at a time unless the tasks give the loop back', () => {
    expect(admit({ ...a, route: 'sync', loopInflight: 1 })).toBeUndefined();
    expect(admit({ ...a, route: 'sync', loopInflight: 1, yielded: true })).toBe('loop');
  });
  it('threads: two messages per thread; while the pool starts, short tasks run here, long ones queue there', () => {
    const t = { ...a, route: 'threads' as const, poolStarted: true };
    expect(admit({ ...t, poolReady: true, units: 3 })).toBe('pool');
    expect(admit({ ...t, poolReady: true, units: 4 })).toBeUndefined();
    expect(admit({ ...t, units: 0 })).toBe('loop'); // warming, short task: here
    expect(admit({ ...t, units: 0, loopInflight: 1 })).toBeUndefined();
    expect(admit({ ...t, units: 0, perTaskMs: 50 })).toBe('pool'); // warming, long task: queued for a thread
    expect(admit({ ...t, units: 4, perTaskMs: 50 })).toBeUndefined();
    // the monitor suspects the tasks now wait: the next one runs here, alone, to see
    expect(admit({ ...t, poolReady: true, check: true })).toBe('loop');
    expect(admit({ ...t, poolReady: true, check: true, loopInflight: 1 })).toBeUndefined();
  });
});

describe('HeldJobs.takeBatch', () => {
  const job = (timeoutMs?: number) => new Job(basic.square as TaskRef, [1], timeoutMs, () => {});
  it('batches single jobs up to the size, keeps a caller’s chunk whole, sends a timed job alone', () => {
    const held = new HeldJobs();
    const singles = [job(), job(), job()];
    const chunk = [job(), job()];
    const timed = job(100);
    for (const j of singles) held.add([j]);
    held.add(chunk);
    held.add([timed]);
    held.add([job()]);
    expect(held.takeBatch(2)).toEqual(singles.slice(0, 2));
    expect(held.takeBatch(5)).toEqual(singles.slice(2)); // stops before the caller's chunk
    expect(held.takeBatch(5)).toEqual(chunk);
    expect(held.takeBatch(5)).toEqual([timed]);
    expect(held.takeBatch(5)).toHaveLength(1);
    expect(held.takeBatch(5)).toBeUndefined();
    expect(held.size).toBe(0);
  });
});

describe('AdaptiveLimiter blind start', () => {
  it('doubles a full limit at each idle turn before any task ended, up to blindMax, then stops', () => {
    const limiter = new AdaptiveLimiter({ initial: 10, blindMax: 64 });
    expect(limiter.onIdle()).toBe(false); // not full: nothing to learn
    const fill = () => {
      while (limiter.canStart()) limiter.onStart();
    };
    const limits: number[] = [];
    for (let i = 0; i < 5; i++) {
      fill();
      limiter.onIdle();
      limits.push(limiter.limit);
    }
    expect(limits).toEqual([20, 40, 64, 64, 64]);
    expect(limiter.history.map((h) => h.why)).toEqual(['blind', 'blind', 'blind']);
    limiter.onSample(5, true);
    fill();
    expect(limiter.onIdle()).toBe(false); // a task ended: the limit follows measurements from now on
  });
});

describe('auto decides from what it measures (figures injected)', () => {
  it('a task that only waits runs on the event loop', async () => {
    const backend = autoBackend(fakeClocks(0));
    try {
      const out = await runAll(
        backend,
        tasks.wait as TaskRef,
        Array.from({ length: 40 }, (_, i) => [5, i]),
      );
      expect(out.map((o) => (o.kind === 'ok' ? o.value : o.kind))).toEqual(
        Array.from({ length: 40 }, (_, i) => i),
      );
      expect(backend.choice()).toMatchObject({ chosen: 'async', verdict: 'io-bound', pool: 'none' });
    } finally {
      await backend.close();
    }
  });

  it('a task that only computes goes to threads, and the sampled results are kept', async () => {
    const backend = autoBackend(fakeClocks(1));
    try {
      const out = await runAll(
        backend,
        tasks.spin as TaskRef,
        Array.from({ length: 40 }, () => [5]),
      );
      expect(out.every((o) => o.kind === 'ok' && typeof o.value === 'number')).toBe(true);
      const choice = backend.choice();
      expect(choice).toMatchObject({ chosen: 'threads', verdict: 'cpu-bound', width: 2 });
      expect(choice.decisions).toHaveLength(1);
      expect(choice.reason).toMatch(/CPU-bound.*So: tasks compute/);
      expect(choice.pool).not.toBe('none');
    } finally {
      await backend.close();
    }
  });

  it('tiny tasks stay on this thread or go to threads in batches, never one message each', async () => {
    const backend = autoBackend(fakeClocks(1));
    try {
      const items = Array.from({ length: 3000 }, (_, i) => i);
      const out = await runAll(
        backend,
        basic.square as TaskRef,
        items.map((i) => [i]),
      );
      expect(out.map((o) => (o.kind === 'ok' ? o.value : o.kind))).toEqual(items.map((i) => i * i));
      const first = backend.choice().decisions[0]!;
      expect(first.verdict).toBe('cpu-bound');
      expect(first.chosen === 'sync' || (first.chosen === 'threads' && first.batch > 1)).toBe(true);
    } finally {
      await backend.close();
    }
  });

  it('moves the work when it changes mid-stream: waiting, then computing', async () => {
    const { out, decisions } = await switchMidway(tasks.wait as TaskRef, 10, 0, 1);
    expect(out.every((o, i) => o.kind === 'ok' && o.value === i)).toBe(true);
    expect(decisions[0]).toMatchObject({ chosen: 'async', verdict: 'io-bound' });
    expect(decisions[1]).toMatchObject({ verdict: 'cpu-bound' });
    expect(decisions[1]!.reason).toMatch(/^The work changed\. CPU-bound/);
  });

  /**
   * 2,000 jobs of `ref`, each given [arg, i], held at once (more than the width reaches while sampling);
   * 20 results after the first decision, the clocks' CPU share turns from `first` to `then`.
   */
  async function switchMidway(ref: TaskRef, arg: number, first: number, then: number) {
    const clocks = fakeClocks(first);
    const backend = autoBackend(clocks, { monitorWindowMs: 10, workers: 8 });
    let done = 0;
    const items = Array.from({ length: 2000 }, (_, i) => i);
    try {
      const out = await Promise.all(
        items.map(
          (i) =>
            new Promise<Outcome>((resolve) =>
              backend.start([
                new Job(ref, [arg, i], undefined, (o) => {
                  if (backend.choice().decisions.length > 0 && ++done === 20) clocks.share = then;
                  resolve(o);
                }),
              ]),
            ),
        ),
      );
      return { out, decisions: backend.choice().decisions };
    } finally {
      await backend.close();
    }
  }

  it('on threads, "now waiting" is checked on the event loop: tasks that wait move there', async () => {
    const { out, decisions } = await switchMidway(tasks.wait as TaskRef, 20, 1, 0);
    expect(out.every((o, i) => o.kind === 'ok' && o.value === i)).toBe(true);
    expect(decisions.map((d) => d.chosen)).toEqual(['threads', 'async']);
    expect(decisions[1]!.reason).toMatch(/^The work changed\. I\/O-bound/);
  });

  it('on threads, tasks that compute stay there even when the CPU figures read low (a busy machine)', async () => {
    const { out, decisions } = await switchMidway(tasks.spin as TaskRef, 2, 1, 0);
    expect(out.every((o) => o.kind === 'ok')).toBe(true);
    expect(decisions.map((d) => d.chosen)).toEqual(['threads']);
  });
});
