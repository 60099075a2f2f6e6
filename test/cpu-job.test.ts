/** runCpuJob: the same exact sums in every local mode, progress, abort, and bad sizes. */
import { describe, expect, it } from 'vitest';
import type { Mode } from '../src/executor.ts';
import { AbortError, InvalidOptionsError } from '../src/index.ts';
import { checkJob, runCpuJob } from '../src/workloads/cpu-job.ts';

function closed(n: number): bigint {
  const b = BigInt(n);
  return (b * (b - 1n) * (2n * b - 1n)) / 6n;
}

const expected = (start: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ n: start + i, sum: closed(start + i) }));

describe('runCpuJob', () => {
  it('defaults to the article’s job: 20 numbers from 5 000 000', async () => {
    const report = await runCpuJob({ mode: 'sync' });
    expect(report).toMatchObject({ job: 'cpu', mode: 'sync', workers: 1 });
    expect(report.results).toEqual(expected(5_000_000, 20));
    expect(report.results[0]!.sum).toBe(41666654166667500000n);
    expect(report.seconds).toBeGreaterThan(0);
  });

  for (const mode of ['sync', 'async', 'threads', 'processes'] satisfies Mode[]) {
    it(`gives the exact sums in input order in mode ${mode}`, async () => {
      const workers = mode === 'sync' ? undefined : 2;
      const report = await runCpuJob({
        mode,
        workers,
        start: 2_000_000,
        count: 7,
        chunkSize: mode === 'processes' ? 2 : undefined,
      });
      expect(report.mode).toBe(mode);
      expect(report.workers).toBe(mode === 'sync' ? 1 : 2);
      expect(report.results).toEqual(expected(2_000_000, 7));
    });
  }

  it('reports progress once per sum, in order', async () => {
    const seen: [number, number][] = [];
    await runCpuJob({
      mode: 'async',
      start: 10,
      count: 4,
      onProgress: (done, total) => seen.push([done, total]),
    });
    expect(seen).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
  });

  it('stops on abort and closes its executor', async () => {
    const controller = new AbortController();
    const job = runCpuJob({
      mode: 'threads',
      workers: 1,
      start: 1_000_000,
      count: 50,
      signal: controller.signal,
      onProgress: (done) => {
        if (done === 1) controller.abort();
      },
    });
    await expect(job).rejects.toBeInstanceOf(AbortError);
  });

  it('rejects an already aborted signal', async () => {
    await expect(runCpuJob({ mode: 'sync', count: 2, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      AbortError,
    );
  });

  it('rejects bad sizes with a message naming the bound', async () => {
    await expect(runCpuJob({ mode: 'sync', start: -1 })).rejects.toThrow(
      /start must be a whole number from 0 to 4294967296; got `-1`/,
    );
    await expect(runCpuJob({ mode: 'sync', count: 0 })).rejects.toThrow(
      /count must be a whole number from 1 to 1000000/,
    );
    await expect(runCpuJob({ mode: 'sync', count: 2.5 })).rejects.toBeInstanceOf(InvalidOptionsError);
    expect(() => checkJob(2 ** 32 - 1, 3)).toThrow(
      /start \+ count − 1 = 4294967297\) must be at most 4294967296/,
    );
    expect(checkJob(2 ** 32 - 1, 2)).toEqual({ start: 2 ** 32 - 1, count: 2 });
  });

  it('passes executor options through (redis is for distributed only)', async () => {
    await expect(runCpuJob({ mode: 'threads', redis: 'redis://127.0.0.1:6379', count: 1 })).rejects.toThrow(
      /"redis" applies to mode 'distributed' only/,
    );
    await expect(runCpuJob({ mode: 'threads', workers: 0, count: 1 })).rejects.toBeInstanceOf(
      InvalidOptionsError,
    );
    // workers is a bound every mode accepts: sync still runs one task at a time
    expect(await runCpuJob({ mode: 'sync', workers: 2, count: 1 })).toMatchObject({
      mode: 'sync',
      workers: 1,
    });
  });
});
