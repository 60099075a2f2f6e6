/**
 * conc's error tree. Every error conc raises extends {@link ConcError} and carries a stable `code`;
 * the message says what happened and what to do about it.
 *
 * `instanceof` works across copies of conc (two versions installed side by side, or a worker's own
 * copy): each error carries a `Symbol.for` brand listing the codes of its class chain, and every class
 * recognises an object whose brand names its code. Kept free of imports: worker entries load it.
 */
const BRAND: unique symbol = Symbol.for('conc.error.codes') as never;

interface Branded {
  [BRAND]?: readonly string[];
}

/**
 * The base of every error conc raises. Catch it to catch them all; tell them apart with `instanceof` or
 * the stable `code` (`error.code === 'CONC_ERR_TASK'`). `instanceof` works across two installed copies
 * of conc.
 *
 * @example
 * try {
 *   await ex.submit(tasks.parse, text);
 * } catch (error) {
 *   if (error instanceof TaskError) console.error(error.task, error.cause); // the task's own error
 *   else if (error instanceof ConcError) console.error(error.code, error.message);
 *   else throw error;
 * }
 */
export class ConcError extends Error {
  /** The stable code of this class; instances carry it as `code`. */
  static readonly code: string = 'CONC_ERR';
  /** The stable code of this error's class, e.g. `CONC_ERR_TASK_TIMEOUT`. */
  readonly code: string;
  /** @internal the codes of the class chain, for `instanceof` across copies of conc */
  declare readonly [BRAND]: readonly string[];

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = (new.target as typeof ConcError).code;
    const codes: string[] = [];
    for (let c = new.target as typeof ConcError; c && c !== (Error as unknown); c = Object.getPrototypeOf(c))
      if (Object.hasOwn(c, 'code')) codes.push(c.code);
    Object.defineProperty(this, BRAND, { value: Object.freeze(codes) });
  }

  /** `this` is the class `instanceof` asks about (a subclass too): its code must be in the brand. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass that `instanceof` asks about
    const cls = this as typeof ConcError;
    try {
      if (Function.prototype[Symbol.hasInstance].call(cls, value)) return true;
      const codes = (value as Branded)[BRAND];
      return Array.isArray(codes) && codes.includes(cls.code);
    } catch {
      return false; // a revoked Proxy, or traps that throw: not one of ours
    }
  }
}

/**
 * An option or argument is missing, unknown or out of range: raised at once by `createExecutor`, by a
 * call (`submit`, `run`, `map`, `imap`) given a bad task reference or options, by `defineTasks`,
 * `taskRef` and `startWorker`. The message names the option and echoes the value.
 */
export class InvalidOptionsError extends ConcError {
  /** `CONC_ERR_INVALID_OPTIONS` */
  static override readonly code = 'CONC_ERR_INVALID_OPTIONS';
}

/**
 * A task reference could not be resolved where it runs: the module cannot be imported, or it has no
 * such export or registered function. Raised for that call only; check the module URL and the name.
 */
export class TaskNotFoundError extends ConcError {
  /** `CONC_ERR_TASK_NOT_FOUND` */
  static override readonly code = 'CONC_ERR_TASK_NOT_FOUND';
}

/**
 * A task's arguments (or its result) cannot cross to the worker and back: they are not
 * structured-cloneable (a function, a class instance with methods, a socket…). Raised for that call
 * only; pass plain data (`BigInt`, `Map`, typed arrays are fine).
 */
export class TaskArgumentError extends ConcError {
  /** `CONC_ERR_TASK_ARGUMENT` */
  static override readonly code = 'CONC_ERR_TASK_ARGUMENT';
}

/** An error about one task call: it names the task. */
abstract class TaskCallError extends ConcError {
  /** The task's name, as in its reference. */
  readonly task: string;
  constructor(task: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.task = task;
  }
}

/**
 * The task itself threw (or rejected), and `task` names the task. Raised for that call only; the other
 * calls go on. `cause` is always an Error, the same in every mode:
 * - an Error the task threw, kept as it is inline (sync, async) and rebuilt with its name, message,
 *   stack, `code`, own properties and whole cause chain when it crossed to a worker (even on another
 *   machine) and back;
 * - for a thrown value that is not an Error (a string, a number, null, a symbol…), an Error named
 *   `NonErrorThrown` whose message describes the value and whose `thrown` property holds it (inline:
 *   the value itself; from a worker: a copy, absent when it cannot be copied, e.g. a symbol);
 * - for an error that cannot be read (getters or Proxy traps that throw), an Error that says as much
 *   as could be read.
 *
 * @example
 * const error = await ex.submit(tasks.parse, 'not json').catch((e) => e);
 * error instanceof TaskError;  // true
 * error.cause.name;            // 'SyntaxError', as thrown inside the worker
 */
export class TaskError extends TaskCallError {
  /** `CONC_ERR_TASK` */
  static override readonly code = 'CONC_ERR_TASK';
  constructor(task: string, cause: unknown) {
    super(task, `Task "${task}" failed: ${describe(cause)}`, { cause });
    let remote: unknown;
    try {
      remote = cause instanceof Error ? cause.stack : undefined;
    } catch {
      remote = undefined;
    }
    if (typeof remote === 'string' && this.stack) this.stack += `\nCaused by: ${remote}`;
  }
}

/**
 * The executor's `initializer` threw. Like Python's `BrokenProcessPool`, the
 * executor is broken: every queued and later task of it fails with this error. `cause` is the
 * initializer's error. Fix the initializer and create a new executor.
 */
export class InitializerError extends ConcError {
  /** `CONC_ERR_INITIALIZER` */
  static override readonly code = 'CONC_ERR_INITIALIZER';
}

/**
 * The worker running a task died before the task settled: `process.exit`, a signal, running out of
 * memory, an uncaught error in a timer; in `distributed`, a `conc worker` that kept dying on the job.
 * Only the running task fails (the calls queued behind it run on a new worker); `retries` re-runs it.
 */
export class WorkerCrashedError extends TaskCallError {
  /** `CONC_ERR_WORKER_CRASHED` */
  static override readonly code = 'CONC_ERR_WORKER_CRASHED';
  constructor(task: string, detail: string, options?: { cause?: unknown }) {
    const message =
      `The worker running task "${task}" died (${detail}). Other tasks are unaffected; ` +
      'set `retries` to re-run a task whose worker crashed.';
    super(task, message, options);
  }
}

/**
 * The pool cannot start workers: they fail to spawn, or three in a row die before they are ready (a
 * broken entry, bad `node` flags). Like Python's `BrokenProcessPool`: every queued and later task of this
 * executor fails with it, instead of the pool spinning.
 */
export class BrokenPoolError extends ConcError {
  /** `CONC_ERR_POOL_BROKEN` */
  static override readonly code = 'CONC_ERR_POOL_BROKEN';
}

/**
 * `distributed` only: Redis cannot be used — unreachable when the executor starts, refused the password,
 * lost for too long mid-run (waiting calls fail), or lost a job. The message shows the URL with the
 * password masked.
 */
export class RedisError extends ConcError {
  /** `CONC_ERR_REDIS` */
  static override readonly code = 'CONC_ERR_REDIS';
}

/**
 * A task ran longer than its timeout (`taskTimeoutMs`, or a call's `timeoutMs`), counted from when it
 * started. Its `taskSignal()` aborts with this error; a pool worker still running it after
 * `cancelGraceMs` is terminated and replaced. A late result is dropped, never reported as a success.
 */
export class TaskTimeoutError extends TaskCallError {
  /** `CONC_ERR_TASK_TIMEOUT` */
  static override readonly code = 'CONC_ERR_TASK_TIMEOUT';
  /** The timeout that ran out, in ms. */
  readonly timeoutMs: number;
  constructor(task: string, timeoutMs: number, message?: string) {
    const text = `Task "${task}" did not finish within ${timeoutMs} ms (timeout counted from when it started).`;
    super(task, message ?? text);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The call was aborted: its `signal` aborted, or `close({ cancel: true })` stopped it. `name` is
 * `'AbortError'`, like the platform's. Counted in `stats().cancelled`, not `failed`.
 */
export class AbortError extends ConcError {
  /** `CONC_ERR_ABORTED` */
  static override readonly code = 'CONC_ERR_ABORTED';
  constructor(message = 'The operation was aborted.', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}

/**
 * `taskSignal()` was called outside a running task — at module level, in the caller, or after the
 * task's first `await`. Call it on the task's first line and keep the signal.
 */
export class OutsideTaskError extends ConcError {
  /** `CONC_ERR_OUTSIDE_TASK` */
  static override readonly code = 'CONC_ERR_OUTSIDE_TASK';
}

/**
 * A call (`submit`, `run`, `map`, `imap`) was made after `close()`; the executor takes no new work.
 * Create a new executor.
 */
export class ExecutorClosedError extends ConcError {
  /** `CONC_ERR_EXECUTOR_CLOSED` */
  static override readonly code = 'CONC_ERR_EXECUTOR_CLOSED';
  constructor(what = 'submit') {
    super(`Cannot ${what}: the executor is closed. Create a new executor with createExecutor().`);
  }
}

/** What a task threw, in words; never throws (the value may be a Proxy or have throwing getters). */
function describe(error: unknown): string {
  try {
    if (error instanceof Error) {
      if (error.name === 'NonErrorThrown') return `non-Error value thrown: ${String(error.message)}`;
      return `${String(error.name)}: ${String(error.message)}`;
    }
    return `non-Error value thrown: ${typeof error === 'string' ? JSON.stringify(error) : String(error)}`;
  } catch {
    return 'it threw a value that cannot be read';
  }
}
