import { describe, expect, it } from 'vitest';
import type { Mode } from '../src/executor.ts';
import { ioFloorSeconds, type JobRunner, median, runExperiment } from '../src/lab/experiment.ts';

/** A fake job: takes `seconds[mode]` (reported, not waited), optionally throws. */
function fakeRunner(
  seconds: Partial<Record<Mode, number[]>>,
  opts: { fail?: Mode[] } = {},
): JobRunner & { calls: Mode[] } {
  const calls: Mode[] = [];
  const runner = async (mode: Mode, ctx: Parameters<JobRunner>[1]) => {
    calls.push(mode);
    if (opts.fail?.includes(mode)) throw new Error(`cannot run ${mode}`);
    const list = seconds[mode]!;
    const s = list[calls.filter((m) => m === mode).length - 1]!;
    ctx.onProgress(1, 2);
    ctx.onProgress(2, 2);
    return { seconds: s, workers: mode === 'sync' ? 1 : 4, count: 2, failed: 0 };
  };
  return Object.assign(runner, { calls });
}

describe('median and floor', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
  it('counts rounds of one latency each', () => {
    expect(ioFloorSeconds(160, 1, 50)).toBe(8);
    expect(ioFloorSeconds(160, 5, 50)).toBe(1.6);
    expect(ioFloorSeconds(160, 7, 50)).toBeCloseTo(1.15);
    expect(ioFloorSeconds(160, Number.POSITIVE_INFINITY, 50)).toBe(0.05);
  });
});

describe('runExperiment', () => {
  it('runs every mode N times, shows the median, speedup over sync, floor and progress', async () => {
    const runner = fakeRunner({ sync: [8, 9, 10], async: [0.5, 0.4, 0.6] });
    const progress: string[] = [];
    const report = await runExperiment({
      job: 'io',
      modes: ['sync', 'async'],
      runs: 3,
      runner,
      latencyMs: 50,
      onProgress: (job, mode, done, total) => progress.push(`${job}/${mode}/${done}/${total}`),
    });
    expect(runner.calls).toEqual(['sync', 'sync', 'sync', 'async', 'async', 'async']);
    expect(report.interrupted).toBe(false);
    const [sync, async] = report.rows;
    expect(sync).toMatchObject({ mode: 'sync', seconds: 9, speedup: 1, runs: [8, 9, 10], floorSeconds: 0.1 });
    expect(async).toMatchObject({ mode: 'async', seconds: 0.5, workers: 4 });
    expect(async!.speedup).toBeCloseTo(18);
    expect(progress).toContain('io/async/2/2');
    expect(sync!.cpuPercent).toBeGreaterThanOrEqual(0);
  });

  it('has no speedup without a sync row, and no floor for CPU work', async () => {
    const report = await runExperiment({
      job: 'cpu',
      modes: ['threads'],
      runs: 1,
      runner: fakeRunner({ threads: [2] }),
    });
    expect(report.rows[0]).toMatchObject({ speedup: null, floorSeconds: null });
  });

  it('keeps going when a mode cannot run, with the error in its row', async () => {
    const runner = fakeRunner({ sync: [1], async: [0.5] }, { fail: ['distributed'] });
    const report = await runExperiment({
      job: 'io',
      modes: ['sync', 'distributed', 'async'],
      runs: 2,
      runner: Object.assign(runner, {}),
    });
    expect(report.rows.map((r) => r.mode)).toEqual(['sync', 'distributed', 'async']);
    expect(report.rows[1]!.error).toMatch(/cannot run distributed/);
    expect(runner.calls.filter((m) => m === 'distributed')).toHaveLength(1);
  });

  it('stops at abort and returns what was measured so far', async () => {
    const controller = new AbortController();
    const runner: JobRunner = async (mode, ctx) => {
      if (mode === 'sync') return { seconds: 1, workers: 1, count: 1, failed: 0 };
      controller.abort();
      ctx.signal.throwIfAborted();
      return { seconds: 1, workers: 1, count: 1, failed: 0 };
    };
    const report = await runExperiment({
      job: 'io',
      modes: ['sync', 'async', 'threads'],
      runs: 1,
      runner,
      signal: controller.signal,
    });
    expect(report.interrupted).toBe(true);
    expect(report.rows.map((r) => r.mode)).toEqual(['sync']);
  });

  it('reports auto’s chosen width for I/O', async () => {
    const runner: JobRunner = async () => ({
      seconds: 1,
      workers: 2,
      count: 100,
      failed: 0,
      auto: { chosen: 'async', verdict: 'io-bound', width: 25 },
    });
    const report = await runExperiment({ job: 'io', modes: ['auto'], runs: 1, runner, latencyMs: 50 });
    expect(report.rows[0]).toMatchObject({ workers: 25, floorSeconds: 0.2, auto: { chosen: 'async' } });
  });
});
