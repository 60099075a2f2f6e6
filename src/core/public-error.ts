/** The one place where an outcome becomes the error a caller sees. */
import {
  AbortError,
  BrokenPoolError,
  InitializerError,
  RedisError,
  TaskArgumentError,
  TaskError,
  TaskNotFoundError,
  TaskTimeoutError,
  WorkerCrashedError,
} from '../errors.ts';
import { asReadableError, isError } from '../internal/error-wire.ts';
import type { Failure } from './outcome.ts';

/**
 * The public error for a failed job of task `task`. Never throws, whatever the task threw: what it
 * threw passes through asReadableError (internal/error-wire.ts), one rule for every backend.
 */
export function publicError(o: Failure, task: string): Error {
  switch (o.kind) {
    case 'threw':
      return new TaskError(task, asReadableError(o.error));
    case 'crashed':
      return new WorkerCrashedError(task, o.detail, { cause: o.cause });
    case 'timeout':
      return new TaskTimeoutError(task, o.ms, o.message);
    case 'aborted':
      return abortError(o.reason);
    case 'not-found':
      return new TaskNotFoundError(o.message, { cause: o.cause });
    case 'bad-argument':
      return new TaskArgumentError(o.message, { cause: o.cause });
    case 'init-failed': {
      const cause = asReadableError(o.error);
      return new InitializerError(
        `The worker initializer "${o.initializer}" threw ${cause.name}: ${cause.message}. ` +
          'No task can run in this executor; fix the initializer and create a new executor.',
        { cause },
      );
    }
    case 'broken':
      return new BrokenPoolError(
        `No worker of this pool can start: ${o.detail}. Every task of this executor fails; ` +
          'check the Node.js flags and resource limits the workers inherit, then create a new executor.',
        { cause: o.cause },
      );
    case 'unreachable':
      return new RedisError(o.message, { cause: o.cause });
  }
}

/** An AbortError for a cancellation reason (a signal's reason, a closing executor…). */
export function abortError(reason: unknown): AbortError {
  if (reason instanceof AbortError) return reason;
  let detail = '';
  if (isError(reason)) {
    const readable = asReadableError(reason);
    detail = `: ${readable.message}`;
    if (readable !== reason)
      return new AbortError(`The operation was aborted${detail}.`, { cause: readable });
  }
  return new AbortError(`The operation was aborted${detail}.`, { cause: reason });
}
