/**
 * The two jobs of the article as the lab's runners: the I/O job (download the sites) and the CPU job
 * (sums of squares), each run in a given mode with the comparison's settings. Loaded lazily.
 */

import { subscribeAuto } from '../backends/auto/channel.ts';
import type { AutoChoice } from '../backends/auto.ts';
import type { Mode } from '../executor.ts';
import type { JobOutcome, JobRunner, RunContext } from './experiment.ts';

export interface IoSettings {
  latencyMs?: number | undefined;
  repeat?: number | undefined;
  urls?: string[] | undefined;
  redis?: string | undefined;
  queue?: string | undefined;
}

export interface CpuSettings {
  start?: number | undefined;
  count?: number | undefined;
  redis?: string | undefined;
  queue?: string | undefined;
}

/** The I/O job as a runner: the embedded sites (started per run) or the given URLs. */
export function ioRunner(settings: IoSettings): JobRunner {
  return (mode, ctx) =>
    withAutoChoice(async () => {
      const { runIoJob } = await import('../workloads/io-job.ts');
      const report = await runIoJob({
        mode,
        urls: settings.urls,
        repeat: settings.repeat,
        latencyMs: settings.urls ? undefined : settings.latencyMs,
        ...distributed(mode, settings),
        signal: ctx.signal,
        onProgress: (done, total) => ctx.onProgress(done, total),
      });
      return { seconds: report.seconds, workers: report.workers, count: report.count, failed: report.failed };
    });
}

/** The CPU job as a runner. */
export function cpuRunner(settings: CpuSettings): JobRunner {
  return (mode, ctx: RunContext) =>
    withAutoChoice(async () => {
      const { runCpuJob } = await import('../workloads/cpu-job.ts');
      const report = await runCpuJob({
        mode,
        start: settings.start,
        count: settings.count,
        ...distributed(mode, settings),
        signal: ctx.signal,
        onProgress: (done: number, total: number) => ctx.onProgress(done, total),
      });
      return { seconds: report.seconds, workers: report.workers, count: report.results.length, failed: 0 };
    });
}

function distributed(mode: Mode, s: { redis?: string | undefined; queue?: string | undefined }) {
  return mode === 'distributed' ? { redis: s.redis, queue: s.queue } : {};
}

/** Runs `fn`, noting what an auto executor inside it chose (its last announcement). */
async function withAutoChoice(fn: () => Promise<JobOutcome>): Promise<JobOutcome> {
  let choice: AutoChoice | undefined;
  const stop = subscribeAuto((event) => {
    if (event.chosen !== undefined || choice === undefined) choice = event;
  });
  try {
    const outcome = await fn();
    return choice
      ? { ...outcome, auto: { chosen: choice.chosen, verdict: choice.verdict, width: choice.width } }
      : outcome;
  } finally {
    stop();
  }
}
