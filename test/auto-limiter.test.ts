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
  limiter?: AdaptiveLimiter;
  rejectAbove?: boolean;
}): { ms: number; errors: number } {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const serverFree: number[] = Array.from({ length: opts.capacity }, () => 0);
  const pending: { done: number; started: number; at: number; ok: boolean }[] = [];
  let now = 0;
  let started = 0;
  let inflight = 0;
  let errors = 0;
  let finished = 0;
  const canStart = () => (opts.limiter ? opts.limiter.canStart() : inflight < (opts.width ?? 1));
  const launch = () => {
    while (started < opts.items && canStart()) {
      started++;
      inflight++;
      const at = opts.limiter ? opts.limiter.onStart() : inflight;
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
    inflight--;
    if (next.ok) finished++;
    else {
      errors++;
      started--; // retried later
    }
    opts.limiter?.onSample(now - next.started, next.ok, next.at);
    launch();
  }
  return { ms: now, errors };
}

describe('AdaptiveLimiter', () => {
  it('starts at its initial limit and stays within min/max', () => {
    const limiter = new AdaptiveLimiter({ initial: 4, max: 6 });
    expect(limiter.limit).toBe(4);
    for (let i = 0; i < 4; i++) limiter.onStart();
    expect(limiter.canStart()).toBe(false);
    for (let i = 0; i < 4; i++) limiter.onSample(10, true, 4);
    expect(limiter.limit).toBe(6);
  });

  it('does not grow when the limit is not used (too few tasks to fill it)', () => {
    const limiter = new AdaptiveLimiter({ initial: 8 });
    for (let i = 0; i < 20; i++) {
      limiter.onStart();
      limiter.onSample(10, true, 1);
    }
    expect(limiter.limit).toBe(8);
  });

  it('shrinks on errors, at most once per round trip', () => {
    const limiter = new AdaptiveLimiter({ initial: 20 });
    for (let i = 0; i < 20; i++) limiter.onStart();
    limiter.onSample(5, false, 20);
    expect(limiter.limit).toBe(14);
    limiter.onSample(5, false, 20);
    expect(limiter.limit).toBe(14);
    expect(limiter.history.map((h) => h.why)).toEqual(['error']);
  });

  for (const capacity of [8, 32, 100]) {
    it(`finds a queueing server's capacity (${capacity}) and reaches ≥ 90% of the best fixed width`, () => {
      const items = 3000;
      const best = Math.min(
        ...[capacity / 2, capacity, capacity * 2, capacity * 4].map(
          (width) => simulate({ items, capacity, latencyMs: 50, width }).ms,
        ),
      );
      const limiter = new AdaptiveLimiter();
      const adaptive = simulate({ items, capacity, latencyMs: 50, limiter }).ms;
      expect(best / adaptive).toBeGreaterThanOrEqual(0.9);
      // it does not sit far above the capacity (latency would climb for nothing)
      expect(limiter.limit).toBeLessThanOrEqual(capacity * 2);
      expect(limiter.limit).toBeGreaterThanOrEqual(capacity * 0.8);
    });
  }

  it('backs off a server that rejects above its capacity', () => {
    const limiter = new AdaptiveLimiter();
    const capacity = 16;
    const result = simulate({ items: 2000, capacity, latencyMs: 50, limiter, rejectAbove: true });
    const best = simulate({ items: 2000, capacity, latencyMs: 50, width: capacity }).ms;
    expect(best / result.ms).toBeGreaterThanOrEqual(0.75);
    expect(limiter.limit).toBeLessThanOrEqual(capacity * 2);
  });
});
