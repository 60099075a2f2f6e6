/**
 * conc's error tree. Every error conc raises extends {@link ConcError} and carries a stable `code`;
 * the message says what happened and what to do about it.
 */
export class ConcError extends Error {
  readonly code: string = 'CONC_ERR';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An option passed to `createExecutor` (or a call) is missing, unknown or out of range. */
export class InvalidOptionsError extends ConcError {
  override readonly code = 'CONC_ERR_INVALID_OPTIONS';
}

/** A task reference could not be resolved: the module, the export or the function is missing. */
export class TaskNotFoundError extends ConcError {
  override readonly code = 'CONC_ERR_TASK_NOT_FOUND';
}

/** A task's arguments (or its result) cannot cross the boundary: they are not structured-cloneable. */
export class TaskArgumentError extends ConcError {
  override readonly code = 'CONC_ERR_TASK_ARGUMENT';
}

/** The task itself threw. `cause` is the original error, rebuilt with its name, stack, code and own props. */
export class TaskError extends ConcError {
  override readonly code = 'CONC_ERR_TASK';
  /** The task's name, as in its reference. */
  readonly task: string;
  constructor(task: string, cause: unknown) {
    super(`Task "${task}" failed: ${describe(cause)}`, { cause });
    this.task = task;
    const remote = cause instanceof Error ? cause.stack : undefined;
    if (remote && this.stack) this.stack += `\nCaused by: ${remote}`;
  }
}

/** The per-worker initializer threw; the executor is broken and rejects every task. */
export class InitializerError extends ConcError {
  override readonly code = 'CONC_ERR_INITIALIZER';
}

/** The worker running a task died (exit, signal, uncaught error) before the task settled. */
export class WorkerCrashedError extends ConcError {
  override readonly code = 'CONC_ERR_WORKER_CRASHED';
  readonly task: string;
  constructor(task: string, detail: string, options?: { cause?: unknown }) {
    super(
      `The worker running task "${task}" died (${detail}). Other tasks are unaffected; ` +
        'set `retries` to re-run a task whose worker crashed.',
      options,
    );
    this.task = task;
  }
}

/** A task ran longer than its timeout; a pool worker running it was terminated and replaced. */
export class TaskTimeoutError extends ConcError {
  override readonly code = 'CONC_ERR_TASK_TIMEOUT';
  readonly task: string;
  readonly timeoutMs: number;
  constructor(task: string, timeoutMs: number) {
    super(`Task "${task}" did not finish within ${timeoutMs} ms (timeout counted from when it started).`);
    this.task = task;
    this.timeoutMs = timeoutMs;
  }
}

/** The call was aborted through its AbortSignal. `name` is 'AbortError', like the platform's. */
export class AbortError extends ConcError {
  override readonly code = 'CONC_ERR_ABORTED';
  constructor(message = 'The operation was aborted.', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}

/** The executor was closed; it takes no new work. */
export class ExecutorClosedError extends ConcError {
  override readonly code = 'CONC_ERR_EXECUTOR_CLOSED';
  constructor(what = 'submit') {
    super(`Cannot ${what}: the executor is closed. Create a new executor with createExecutor().`);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return `non-Error value thrown: ${typeof error === 'string' ? JSON.stringify(error) : String(error)}`;
  } catch {
    return 'non-Error value thrown';
  }
}
