/**
 * Turning what a `conc worker` reported through BullMQ back into results and conc errors, on the
 * executor's side. One place for single jobs, batch items and the watchdog's late discoveries.
 */
import {
  AbortError,
  ConcError,
  InitializerError,
  TaskArgumentError,
  TaskError,
  TaskNotFoundError,
  TaskTimeoutError,
  WorkerCrashedError,
} from '../../errors.ts';
import { fromWireError, type WireError } from '../../internal/error-wire.ts';
import type { Job } from '../../internal/job.ts';
import { type BatchItem, decode, type FailStatus, parseFailure } from './wire.ts';

/** The conc error for a failure a worker reported (or BullMQ wrote, e.g. for a job that stalled too often). */
export function failureError(
  job: Job,
  status: FailStatus | undefined,
  error: WireError | undefined,
  reason: string,
): Error {
  const task = job.ref.name;
  if (status === undefined || error === undefined) {
    return new WorkerCrashedError(task, `BullMQ failed the job: ${reason}`);
  }
  switch (status) {
    case 'threw':
      return new TaskError(task, fromWireError(error));
    case 'timeout':
      return new TaskTimeoutError(task, job.timeoutMs ?? Number(error.props?.timeoutMs ?? 0));
    case 'crashed':
      return new WorkerCrashedError(task, `on a conc worker: ${error.message}`);
    case 'refused':
      return new TaskNotFoundError(error.message);
    case 'init':
      return new InitializerError(
        error.message,
        error.cause ? { cause: fromWireError(error.cause) } : undefined,
      );
    case 'clone':
      return new TaskArgumentError(error.message);
    case 'aborted':
      return new AbortError(error.message);
    default:
      return new ConcError(`Task "${task}" failed on a conc worker: ${error.message}`);
  }
}

/** A job's failedReason as a conc error. */
export function failedJobError(job: Job, failedReason: string): Error {
  const parsed = parseFailure(failedReason);
  return failureError(job, parsed?.status, parsed?.error, failedReason);
}

/** A completed job's return value as what the caller gets: the result, or one settled outcome per item. */
export function completedValue(job: Job, returnvalue: unknown): unknown {
  if (typeof returnvalue !== 'string') throw unreadable(job, typeof returnvalue);
  let value: unknown;
  try {
    value = decode(returnvalue);
  } catch (error) {
    throw unreadable(job, (error as Error).message);
  }
  if (!job.batch) return value;
  return (value as BatchItem[]).map((item): PromiseSettledResult<unknown> => {
    if (item[0] === 'ok') return { status: 'fulfilled', value: item[1] };
    return { status: 'rejected', reason: failureError(job, item[0], item[1], item[1].message) };
  });
}

function unreadable(job: Job, detail: string): ConcError {
  return new ConcError(
    `The result of task "${job.ref.name}" came back from Redis in a form conc cannot read (${detail}). ` +
      'Is another program, or another version of conc, working on the same queue? Use a queue of your own.',
  );
}
