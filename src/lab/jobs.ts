/**
 * The two jobs of the article as the lab's runners: the I/O job (download the sites) and the CPU job
 * (sums of squares), each run in a given mode with the comparison's settings. Loaded lazily.
 */

import { randomUUID } from 'node:crypto';
import { defaultMaxListeners, setMaxListeners } from 'node:events';
import { fileURLToPath } from 'node:url';
import { subscribeAuto } from '../backends/auto/channel.ts';
import type { AutoChoice } from '../backends/auto/choice.ts';
import type { Mode } from '../executor.ts';
import type { JobOutcome, JobRunner, RunContext } from './experiment.ts';
import { removeQueue } from './private-queue.ts';

export interface DistributedSettings {
  redis?: string | undefined;
  /**
   * The queue your `conc worker`s take jobs from. Without one, the lab starts a worker of its own in
   * this process, on a private queue, for each distributed run — so the comparison runs anywhere.
   */
  queue?: string | undefined;
}

export interface IoSettings extends DistributedSettings {
  latencyMs?: number | undefined;
  repeat?: number | undefined;
  urls?: string[] | undefined;
}

export interface CpuSettings extends DistributedSettings {
  start?: number | undefined;
  count?: number | undefined;
}

/** Your own task: where it is (as `conc profile` loads it) and the calls a run makes. */
export interface TaskSettings extends DistributedSettings {
  module: string;
  name: string;
  /** One argument list per call. */
  calls: unknown[][];
  /** Longest one call may take (ms); a call that takes longer fails with TaskTimeoutError. */
  timeoutMs?: number | undefined;
  /** Told of each call that failed (the run goes on: failures are counted). */
  onCallError?: ((mode: Mode, error: unknown) => void) | undefined;
}

/** The I/O job as a runner: the embedded sites (started per run) or the given URLs. */
export function ioRunner(settings: IoSettings): JobRunner {
  return workloadRunner('io', settings, async () => {
    const { runIoJob } = await import('../workloads/io-job.ts');
    return async (common) => {
      const report = await runIoJob({
        ...common,
        urls: settings.urls,
        repeat: settings.repeat,
        latencyMs: settings.urls ? undefined : settings.latencyMs,
      });
      return { seconds: report.seconds, workers: report.workers, count: report.count, failed: report.failed };
    };
  });
}

/** The CPU job as a runner. */
export function cpuRunner(settings: CpuSettings): JobRunner {
  return workloadRunner('cpu', settings, async () => {
    const { runCpuJob } = await import('../workloads/cpu-job.ts');
    return async (common) => {
      const report = await runCpuJob({ ...common, start: settings.start, count: settings.count });
      return { seconds: report.seconds, workers: report.workers, count: report.results.length, failed: 0 };
    };
  });
}

/** The options every workload job takes from a run: its mode, where it runs distributed, stop, progress. */
interface RunOptions {
  mode: Mode;
  redis?: string | undefined;
  queue?: string | undefined;
  signal: AbortSignal;
  onProgress: (done: number, total: number) => void;
}

/**
 * One of the article's jobs as a runner: `load` imports the job (lazily, before any queue is set up)
 * and gives back how to run it with a run's options; the auto choice is noted and a private
 * distributed queue released, whatever happens.
 */
function workloadRunner(
  job: 'io' | 'cpu',
  settings: DistributedSettings,
  load: () => Promise<(options: RunOptions) => Promise<JobOutcome>>,
): JobRunner {
  return (mode, ctx: RunContext) =>
    withAutoChoice(async () => {
      const run = await load();
      // try/finally, not `await using`: tsc (5.9) then leaves the `.ts` of dynamic imports unrewritten
      const queue = await distributedQueue(mode, settings, job);
      try {
        return await run({
          mode,
          ...(mode === 'distributed' && { redis: settings.redis, queue: queue.name }),
          signal: ctx.signal,
          onProgress: (done, total) => ctx.onProgress(done, total),
        });
      } finally {
        await queue.release();
      }
    });
}

/**
 * Your task as a runner: every call through an executor of the mode, failures counted (never fatal).
 * Calls are queued at once; the executor runs as many at a time as its mode allows.
 */
export function taskRunner(settings: TaskSettings): JobRunner {
  return (mode, ctx) =>
    withAutoChoice(async () => {
      const { createExecutor } = await import('../executor.ts');
      const { taskRef } = await import('../tasks.ts');
      const queue = await distributedQueue(mode, settings, { module: settings.module });
      const t0 = performance.now();
      const ex = createExecutor({
        mode,
        ...(mode === 'distributed' && { redis: settings.redis, queue: queue.name }),
      });
      let done = 0;
      let failed = 0;
      let finished = false;
      try {
        const ref = taskRef(settings.module, settings.name);
        const total = settings.calls.length;
        // every call listens to the run's one signal: that many listeners are expected, not a leak
        setMaxListeners(Math.max(defaultMaxListeners, total + defaultMaxListeners), ctx.signal);
        await Promise.all(
          settings.calls.map((args) =>
            ex.run(ref, args, { signal: ctx.signal, timeoutMs: settings.timeoutMs }).then(
              () => ctx.onProgress(++done, total),
              (error: unknown) => {
                if (ctx.signal.aborted) throw error;
                failed++;
                settings.onCallError?.(mode, error);
                ctx.onProgress(++done, total);
              },
            ),
          ),
        );
        finished = true;
      } finally {
        await ex.close({ cancel: !finished });
        await queue.release();
      }
      const seconds = (performance.now() - t0) / 1000;
      const workers = Number.isFinite(ex.workers) ? ex.workers : settings.calls.length;
      return { seconds, workers, count: settings.calls.length, failed };
    });
}

interface QueueLease {
  name: string | undefined;
  release(): Promise<void>;
}

/**
 * The queue a distributed run uses: the user's (their workers run it), or a private one served by a
 * worker started here for this run — async downloads for the I/O job, a thread per core for the CPU job.
 */
async function distributedQueue(
  mode: Mode,
  s: DistributedSettings,
  job: 'io' | 'cpu' | { module: string },
): Promise<QueueLease> {
  if (mode !== 'distributed' || s.queue !== undefined || s.redis === undefined) {
    return { name: s.queue, release: async () => {} };
  }
  const { startWorker } = await import('../worker/index.ts');
  const name = `conc-compare-${randomUUID().slice(0, 8)}`;
  const worker = await startWorker({
    redis: s.redis,
    queue: name,
    ...(job === 'io' ? { mode: 'async', concurrency: 64 } : { mode: 'threads' }),
    ...(typeof job === 'object' && { tasks: [fileURLToPath(job.module)] }),
  });
  const redis = s.redis;
  return {
    name,
    release: async () => {
      try {
        await worker.close({ force: true });
      } finally {
        await removeQueue(redis, name);
      }
    },
  };
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
      ? {
          ...outcome,
          auto: {
            chosen: choice.chosen,
            verdict: choice.verdict,
            width: choice.width,
            reason: choice.reason,
          },
        }
      : outcome;
  } finally {
    stop();
  }
}

/**
 * Runs each job once, tiny and unmeasured, so that loading modules and compiling hot code is not
 * billed to whichever mode runs first (sync, the baseline). Never touches the user's own URLs.
 */
export async function warmUp(job: 'io' | 'cpu', settings: IoSettings): Promise<void> {
  if (job === 'io') {
    if (settings.urls) return;
    const { runIoJob } = await import('../workloads/io-job.ts');
    await runIoJob({ mode: 'async', repeat: 2, latencyMs: 0 });
  } else {
    const { runCpuJob } = await import('../workloads/cpu-job.ts');
    await runCpuJob({ mode: 'sync', start: 100_000, count: 3 });
  }
}
