import { describe, expect, it } from 'vitest';
import { describeAutoChoice, watchAuto } from '../src/backends/auto/channel.ts';
import { createExecutor } from '../src/index.ts';
import { tasks } from './fixtures/profile-tasks.ts';

describe('auto announces its choice', () => {
  it('watchAuto sees the choice of an executor it does not hold; describeAutoChoice words it', async () => {
    const auto = watchAuto();
    try {
      const ex = createExecutor({ mode: 'auto' });
      await ex.map(
        tasks.wait,
        Array.from({ length: 40 }, () => 20),
      );
      await ex.close();
    } finally {
      auto.stop();
    }
    const last = auto.last();
    expect(last).toMatchObject({ event: 'closed', chosen: 'async', verdict: 'io-bound' });
    expect(describeAutoChoice(last!)).toMatch(
      /^auto chose async, width \d+ at the end — I\/O-bound: the task mostly waits/,
    );
  });

  it('words an undecided run, a threads choice and a sync choice', () => {
    const none = { decisions: [], widths: [], pool: 'none' as const, poolWarmMs: undefined };
    expect(
      describeAutoChoice({
        chosen: undefined,
        verdict: undefined,
        width: 10,
        reason: undefined,
        sample: undefined,
        ...none,
      }),
    ).toBe('auto ran every task while still measuring (too few to decide)');
    expect(
      describeAutoChoice({
        chosen: 'threads',
        verdict: 'cpu-bound',
        width: 4,
        reason: 'CPU-bound: x',
        sample: undefined,
        ...none,
      }),
    ).toBe('auto chose threads, 4 threads — CPU-bound: x');
    expect(
      describeAutoChoice({
        chosen: 'sync',
        verdict: 'cpu-bound',
        width: 1,
        reason: 'CPU-bound: tiny',
        sample: undefined,
        ...none,
      }),
    ).toBe('auto chose sync, one task at a time on this thread — CPU-bound: tiny');
  });
});
