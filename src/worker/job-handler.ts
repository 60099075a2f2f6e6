/**
 * What a `conc worker` does with each BullMQ job around the job processor: counts it (metrics), logs
 * it, reports it to BullMQ — or, once a stop is forced, hands it back to the queue instead.
 *
 *   BullMQ job ─▶ active ─▶ JobProcessor.process ─┬─▶ completed: return the outcomes
 *                                                 ├─▶ none succeeded: UnrecoverableError(outcomes)
 *                 forced stop ────────────────────┴─▶ moveToWait (or left for recovery) + WaitingError
 *                                                     (BullMQ then leaves the job alone)
 */
import { performance } from 'node:perf_hooks';
import type { Job as BullJob } from 'bullmq';
import { LARGE_RESULT, LARGE_RESULT_BYTES, readableFailure } from '../backends/distributed/wire.ts';
import type { LogLevel, WorkerLog } from './log.ts';
import type { CallResult, WorkerMetrics } from './metrics.ts';
import type { JobProcessor, Processed } from './processor.ts';
import type { ActiveJobs, Shutdown } from './shutdown.ts';

export interface JobHandlerParts {
  processor: JobProcessor;
  metrics: WorkerMetrics;
  log: WorkerLog;
  active: ActiveJobs;
  shutdown: Shutdown;
  redisUp: () => boolean;
  /** Stores a large result beside the job (see LARGE_RESULT in wire.ts). */
  storeLarge: (id: string, text: string) => Promise<void>;
  /** bullmq's error classes (bullmq is loaded on first use). */
  errors: { UnrecoverableError: new (message: string) => Error; WaitingError: new () => Error };
}

const LEVEL: Record<CallResult, LogLevel> = {
  completed: 'debug',
  failed: 'debug',
  cancelled: 'debug',
  refused: 'warn',
};

/** The function BullMQ calls for each job. */
export function jobHandler(parts: JobHandlerParts) {
  const { processor, active, shutdown } = parts;
  const forced = shutdown.whenForced.then(() => undefined);
  return async (job: BullJob, token: string | undefined, signal?: AbortSignal): Promise<string> => {
    active.add(job, token);
    const start = performance.now();
    const done = await Promise.race([processor.process(job.name, job.data, signal), forced]);
    if (done === undefined || shutdown.forced) {
      const back = await active.handBack(job, parts.redisUp());
      parts.log.info(
        back ? 'job.returned' : 'job.left',
        back
          ? `job ${job.id} ${job.name} stopped and put back in the queue`
          : `job ${job.id} ${job.name} stopped; Redis is unreachable, so it is left to stalled-job recovery`,
        { job: job.id, task: job.name },
      );
      throw new parts.errors.WaitingError(); // BullMQ leaves a job alone after this error
    }
    record(parts, job, done, (performance.now() - start) / 1000);
    if (done.ok) return returned(parts, job.id!, done.text);
    throw new parts.errors.UnrecoverableError(done.text);
  };
}

/**
 * The job's return value: its text, or for a large one the mark that says where it was stored (BullMQ
 * would also copy it into the queue's event stream). If it cannot be stored, it goes as it is.
 */
async function returned(parts: JobHandlerParts, id: string, text: string): Promise<string> {
  if (text.length <= LARGE_RESULT_BYTES) return text;
  try {
    await parts.storeLarge(id, text);
    return LARGE_RESULT;
  } catch {
    return text;
  }
}

/** Counts and logs a job that ended here. */
function record(parts: JobHandlerParts, job: BullJob, done: Processed, seconds: number): void {
  const results = callResults(done);
  const calls = results.length;
  parts.metrics.started(job.name, calls, job.attemptsStarted > 1);
  parts.metrics.ended(job.name, results, seconds);
  const result = jobResult(done, results);
  if (!parts.log.enabled(LEVEL[result])) return;
  const durationMs = Math.round(seconds * 1e6) / 1000;
  const why = result === 'completed' ? '' : `: ${readableFailure(done.text).slice(0, 500)}`;
  const what = calls > 1 ? ` (${calls} calls)` : '';
  const message =
    result === 'refused'
      ? `refused job ${job.id} "${job.name.slice(0, 200)}"${why}`
      : `job ${job.id} ${job.name}${what} ${result} in ${durationMs} ms${why}`;
  parts.log.write(LEVEL[result], `job.${result}`, message, {
    job: job.id,
    task: job.name.slice(0, 200),
    durationMs,
    calls,
  });
}

/** Each call's result for an operator; a refused job counts once (its calls were never read). */
export function callResults(done: Processed): CallResult[] {
  if (done.refused) return ['refused'];
  return done.outcomes.map(([kind]) =>
    kind === 'ok'
      ? 'completed'
      : kind === 'aborted'
        ? 'cancelled'
        : kind === 'not-found'
          ? 'refused'
          : 'failed',
  );
}

function jobResult(done: Processed, results: CallResult[]): CallResult {
  if (done.ok) return 'completed';
  if (results.includes('refused')) return 'refused';
  return results.every((r) => r === 'cancelled') ? 'cancelled' : 'failed';
}
