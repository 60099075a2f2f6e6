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

export class ConcError extends Error {
  /** The stable code of this class; instances carry it as `code`. */
  static readonly code: string = 'CONC_ERR';
  readonly code: string;
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

/** An option passed to `createExecutor` (or a call) is missing, unknown or out of range. */
export class InvalidOptionsError extends ConcError {
  static override readonly code = 'CONC_ERR_INVALID_OPTIONS';
}

/** A task reference could not be resolved: the module, the export or the function is missing. */
export class TaskNotFoundError extends ConcError {
  static override readonly code = 'CONC_ERR_TASK_NOT_FOUND';
}

/** A task's arguments (or its result) cannot cross the boundary: they are not structured-cloneable. */
export class TaskArgumentError extends ConcError {
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
 * The task itself threw. `cause` is always an Error, the same in every mode:
 * - an Error the task threw, kept as it is inline (sync, async) and rebuilt with its name, message,
 *   stack, `code`, own properties and cause chain when it crossed to a worker and back;
 * - for a thrown value that is not an Error (a string, a number, null, a symbol…), an Error named
 *   `NonErrorThrown` whose message describes the value and whose `thrown` property holds it (inline:
 *   the value itself; from a worker: a copy, absent when it cannot be copied, e.g. a symbol);
 * - for an error that cannot be read (getters or Proxy traps that throw), an Error that says as much
 *   as could be read.
 */
export class TaskError extends TaskCallError {
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

/** The per-worker initializer threw; the executor is broken and rejects every task. */
export class InitializerError extends ConcError {
  static override readonly code = 'CONC_ERR_INITIALIZER';
}

/** The worker running a task died (exit, signal, uncaught error) before the task settled. */
export class WorkerCrashedError extends TaskCallError {
  static override readonly code = 'CONC_ERR_WORKER_CRASHED';
  constructor(task: string, detail: string, options?: { cause?: unknown }) {
    const message =
      `The worker running task "${task}" died (${detail}). Other tasks are unaffected; ` +
      'set `retries` to re-run a task whose worker crashed.';
    super(task, message, options);
  }
}

/**
 * The pool cannot start workers (they fail to spawn, or keep dying before they are ready). Like
 * Python's BrokenProcessPool: every queued and later task of this executor fails with it.
 */
export class BrokenPoolError extends ConcError {
  static override readonly code = 'CONC_ERR_POOL_BROKEN';
}

/** Redis cannot be used: unreachable, refused the password, lost the connection too long, or lost a job. */
export class RedisError extends ConcError {
  static override readonly code = 'CONC_ERR_REDIS';
}

/** A task ran longer than its timeout; a pool worker running it was terminated and replaced. */
export class TaskTimeoutError extends TaskCallError {
  static override readonly code = 'CONC_ERR_TASK_TIMEOUT';
  readonly timeoutMs: number;
  constructor(task: string, timeoutMs: number, message?: string) {
    const text = `Task "${task}" did not finish within ${timeoutMs} ms (timeout counted from when it started).`;
    super(task, message ?? text);
    this.timeoutMs = timeoutMs;
  }
}

/** The call was aborted through its AbortSignal. `name` is 'AbortError', like the platform's. */
export class AbortError extends ConcError {
  static override readonly code = 'CONC_ERR_ABORTED';
  constructor(message = 'The operation was aborted.', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}

/** A call that only makes sense inside a running task (`taskSignal()`) was made outside one. */
export class OutsideTaskError extends ConcError {
  static override readonly code = 'CONC_ERR_OUTSIDE_TASK';
}

/** The executor was closed; it takes no new work. */
export class ExecutorClosedError extends ConcError {
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
