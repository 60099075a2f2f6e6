import { describe, expect, it } from 'vitest';
import { AdaptiveLimiter } from '../src/backends/auto/limiter.ts';

/**
 * A discrete-event model of a server that serves `capacity` requests at a time, each for `latencyMs`
 * (± jitter), and queues the rest. Drives a limiter (or a fixed width) over `items` requests; returns the
 * simulated seconds. Deterministic: no clock, no sockets.
 */
function simulate(opts: {
  items: number;
  capacity: number;
  latencyMs: number;
  width?: number;
  limiter?: (now: () => number) => AdaptiveLimiter;
  rejectAbove?: boolean;
  /** Chance per completion that the client stalls `stallMs` (GC, a busy machine): every pending answer is late. */
  stallP?: number;
  stallMs?: number;
}): { ms: number; errors: number; limiter: AdaptiveLimiter | undefined } {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const serverFree: number[] = Array.from({ length: opts.capacity }, () => 0);
  let pending: { done: number; started: number; at: number; ok: boolean }[] = [];
  let now = 0;
  const limiter = opts.limiter?.(() => now);
  let started = 0;
  let inflight = 0;
  let errors = 0;
  let finished = 0;
  const canStart = () => (limiter ? limiter.canStart() : inflight < (opts.width ?? 1));
  const launch = () => {
    while (started < opts.items && canStart()) {
      started++;
      inflight++;
      const at = limiter ? limiter.onStart() : inflight;
      const service = opts.latencyMs * (0.9 + 0.2 * rand());
      if (opts.rejectAbove && inflight > opts.capacity) {
        pending.push({ done: now + 1, started: now, at, ok: false });
        continue;
      }
      serverFree.sort((a, b) => a - b);
      const begin = Math.max(now, serverFree[0]!);
      serverFree[0] = begin + service;
      pending.push({ done: begin + service, started: now, at, ok: true });
    }
  };
  launch();
  while (finished < opts.items) {
    pending.sort((a, b) => a.done - b.done);
    const next = pending.shift()!;
    now = next.done;
    if (opts.stallP && rand() < opts.stallP) {
      now += opts.stallMs ?? 0;
      pending = pending.map((p) => ({ ...p, done: Math.max(p.done, now) }));
    }
    inflight--;
    if (next.ok) finished++;
    else {
      errors++;
      started--; // retried later
    }
    limiter?.onSample(now - next.started, next.ok, next.at);
    launch();
  }
  return { ms: now, errors, limiter };
}

describe('AdaptiveLimiter', () => {
  it('starts at its initial limit; canStart says whether another task may start', () => {
    const limiter = new AdaptiveLimiter({ initial: 4 });
    expect(limiter.limit).toBe(4);
    for (let i = 0; i < 4; i++) limiter.onStart();
    expect(limiter.canStart()).toBe(false);
    limiter.onDrop();
    expect(limiter.canStart()).toBe(true);
  });

  it('doubles while the rate grows, and not when the limit is not used (too few tasks to fill it)', () => {
    let now = 0;
    const used = new AdaptiveLimiter({ initial: 4 }, () => now);
    for (let i = 0; i < 4; i++) used.onStart();
    now = 10;
    for (let i = 0; i < 4; i++) used.onSample(10, true);
    expect(used.limit).toBe(8);

    now = 0;
    const idle = new AdaptiveLimiter({ initial: 8 }, () => now);
    for (let i = 0; i < 20; i++) {
      idle.onStart();
      now += 10;
      idle.onSample(10, true);
    }
    expect(idle.limit).toBe(8);
  });

  it('shrinks on errors, at most once per round', () => {
    const limiter = new AdaptiveLimiter({ initial: 20 });
    for (let i = 0; i < 20; i++) limiter.onStart();
    limiter.onSample(5, false);
    expect(limiter.limit).toBe(14);
    limiter.onSample(5, false);
    expect(limiter.limit).toBe(14);
    expect(limiter.history.map((h) => h.why)).toEqual(['error']);
  });

  for (const capacity of [8, 32, 100]) {
    it(`finds a queueing server's capacity (${capacity}) and reaches ≥ 90% of the best fixed width`, () => {
      const items = 3000;
      const widths = [capacity / 2, capacity, capacity * 2, capacity * 4];
      const best = Math.min(...widths.map((width) => simulate({ items, capacity, latencyMs: 50, width }).ms));
      const run = simulate({
        items,
        capacity,
        latencyMs: 50,
        limiter: (now) => new AdaptiveLimiter({}, now),
      });
      expect(best / run.ms).toBeGreaterThanOrEqual(0.9);
      // it does not sit far above the capacity (latency would climb for nothing), nor below it
      expect(run.limiter!.limit).toBeLessThanOrEqual(capacity * 2.5); // ×1.5 cruise, ×2.25 in a probe round
      expect(run.limiter!.limit).toBeGreaterThanOrEqual(capacity * 0.8);
    });
  }

  it('keeps its width when the client stalls now and then (GC, a busy machine)', () => {
    const capacity = 32;
    const common = { items: 3000, capacity, latencyMs: 20, stallP: 0.01, stallMs: 50 };
    const best = Math.min(...[capacity, capacity * 2].map((width) => simulate({ ...common, width }).ms));
    const run = simulate({ ...common, limiter: (now) => new AdaptiveLimiter({}, now) });
    expect(best / run.ms).toBeGreaterThanOrEqual(0.8);
    expect(run.limiter!.limit).toBeGreaterThanOrEqual(capacity * 0.8);
  });

  it('backs off a server that rejects above its capacity', () => {
    const capacity = 16;
    const run = simulate({
      items: 2000,
      capacity,
      latencyMs: 50,
      limiter: (now) => new AdaptiveLimiter({}, now),
      rejectAbove: true,
    });
    const best = simulate({ items: 2000, capacity, latencyMs: 50, width: capacity }).ms;
    expect(best / run.ms).toBeGreaterThanOrEqual(0.7);
    expect(run.limiter!.history.some((h) => h.why === 'error')).toBe(true);
  });
});
