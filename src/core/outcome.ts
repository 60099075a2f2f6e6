/**
 * How a job ended: one vocabulary for every backend and every wire (pool messages, Redis jobs). A
 * backend only reports an outcome; which outcomes retry is decided once (retry.ts), and which public
 * error an outcome becomes is decided once (public-error.ts).
 *
 * | kind         | what happened                                         | retried |
 * |--------------|-------------------------------------------------------|---------|
 * | ok           | the task returned `value`                             |         |
 * | threw        | the task threw `error` (rebuilt when it crossed)      | yes     |
 * | crashed      | the worker running it died (`detail`: how)            | yes     |
 * | timeout      | it ran longer than `ms`                               | yes     |
 * | aborted      | it was cancelled (`reason`: the signal's reason…)     |         |
 * | not-found    | its module, export or function is missing             |         |
 * | bad-argument | its arguments or result cannot cross the boundary     |         |
 * | init-failed  | the worker's initializer threw `error`                |         |
 * | broken       | the pool cannot start workers                         |         |
 * | unreachable  | the queue (Redis) cannot be used, or lost the job     |         |
 */
export type Outcome =
  | { kind: 'ok'; value: unknown }
  | { kind: 'threw'; error: unknown }
  | { kind: 'crashed'; detail: string; cause?: unknown }
  | { kind: 'timeout'; ms: number; message?: string | undefined }
  | { kind: 'aborted'; reason: unknown }
  | { kind: 'not-found'; message: string; cause?: unknown }
  | { kind: 'bad-argument'; message: string; cause?: unknown }
  | { kind: 'init-failed'; initializer: string; error: unknown }
  | { kind: 'broken'; detail: string; cause?: unknown }
  | { kind: 'unreachable'; message: string; cause?: unknown };

export type OutcomeKind = Outcome['kind'];
export type Failure = Exclude<Outcome, { kind: 'ok' }>;

export const KINDS: readonly OutcomeKind[] = [
  'ok',
  'threw',
  'crashed',
  'timeout',
  'aborted',
  'not-found',
  'bad-argument',
  'init-failed',
  'broken',
  'unreachable',
];

/** The reason given to work stopped by `close({ cancel: true })`. */
export const CLOSED_REASON = 'The executor was closed with { cancel: true } before this task finished.';

/** What to say about an argument list that cannot be sent to a worker. */
export function uncloneableArguments(task: string, error: unknown): Outcome {
  const detail = String((error as Error)?.message ?? error).replace(/\.$/, '');
  return {
    kind: 'bad-argument',
    message:
      `Arguments of task "${task}" cannot be sent to a worker: ${detail}. ` +
      'Pass structured-cloneable values (no functions, symbols or class instances with methods), or use mode "async".',
    cause: error,
  };
}

/** What to say about a result that cannot be sent back from a worker. */
export function uncloneableResult(task: string, detail: string): Outcome {
  return {
    kind: 'bad-argument',
    message:
      `The result of task "${task}" cannot be sent back from the worker: ${detail.replace(/\.$/, '')}. ` +
      'Return structured-cloneable values (plain objects, arrays, BigInt, Map, typed arrays).',
  };
}
