/**
 * Reading a BullMQ job as a request a `conc worker` may run: its task through the allow-list, its
 * argument lists, timeout and initializer checked. Anything else is refused with an outcome the caller
 * understands, and never run: a job cannot make the worker import a path, nor feed it malformed data.
 */
import { decode, type JobData, parseJobName } from '../backends/distributed/wire.ts';
import type { Failure } from '../core/outcome.ts';
import { type TaskRef, taskRef } from '../tasks.ts';

/** A job, read. */
export interface Request {
  ref: TaskRef;
  /** One argument list per call. */
  calls: unknown[][];
  timeoutMs: number | undefined;
  /** The initializer as "module-id#name" and its encoded arguments, if any. */
  init: string | undefined;
  initArgs: string | undefined;
  /** Which local backend runs it: one per initializer configuration. */
  initKey: string;
}

/** Thrown (and caught by the processor) when a job is refused: `outcome` says why. */
export class Refusal extends Error {
  constructor(readonly outcome: Failure) {
    super('refused');
  }
}

const MAX_REFS = 10_000;

export class RequestReader {
  readonly #modules: ReadonlyMap<string, string>;
  readonly #host: string;
  readonly #refs = new Map<string, TaskRef>();

  constructor(modules: ReadonlyMap<string, string>, host: string) {
    this.#modules = modules;
    this.#host = host;
  }

  read(name: string, data: unknown): Request {
    const ref = this.resolve(name);
    const d = data as Partial<JobData> | undefined;
    if (typeof d?.a !== 'string') this.#malformed('the job has no conc arguments; was it added by conc?');
    const calls = this.#decode(d.a, 'arguments');
    const t = d.t;
    const timeoutOk = t === undefined || (typeof t === 'number' && t > 0 && Number.isFinite(t));
    const init = typeof d.i === 'string' ? d.i : undefined;
    const initOk =
      (d.i === undefined || init !== undefined) && (d.ia === undefined || typeof d.ia === 'string');
    if (!isCallList(calls) || !timeoutOk || !initOk) {
      this.#malformed('the job data is malformed (arguments, timeout or initializer); was it added by conc?');
    }
    const initKey = init === undefined ? '' : `${init}\u0000${d.ia ?? ''}`;
    return { ref, calls, timeoutMs: t, init, initArgs: d.ia, initKey };
  }

  /** The request's initializer and its arguments, read (only when a local backend is made for it). */
  initializer(request: Request): { initializer: TaskRef | undefined; initArgs: unknown[] } {
    if (request.init === undefined) return { initializer: undefined, initArgs: [] };
    const initializer = this.resolve(request.init);
    const initArgs =
      request.initArgs === undefined ? [] : this.#decode(request.initArgs, 'initializer arguments');
    if (!Array.isArray(initArgs)) this.#malformed("the job's initializer arguments are not a list");
    return { initializer, initArgs };
  }

  /** The task a job name stands for, among the allowed modules only. */
  resolve(name: string): TaskRef {
    const known = this.#refs.get(name);
    if (known) return known;
    const parsed = parseJobName(name);
    const moduleUrl = parsed && this.#modules.get(parsed.id);
    if (!parsed || moduleUrl === undefined) {
      const what = parsed
        ? `Task module "${parsed.id}" (task "${parsed.task}")`
        : `Job name "${name.slice(0, 100)}"`;
      const allowed = [...this.#modules.keys()].join(', ') || 'none';
      throw new Refusal({
        kind: 'not-found',
        message:
          `${what} not found among the task modules of conc worker ${this.#host}: it runs only ${allowed}. ` +
          'Start the worker with --tasks <module file> to allow more.',
      });
    }
    const ref = taskRef(moduleUrl, parsed.task);
    if (this.#refs.size >= MAX_REFS) this.#refs.clear();
    this.#refs.set(name, ref);
    return ref;
  }

  #decode(text: string, what: string): unknown {
    try {
      return decode(text);
    } catch (error) {
      throw new Refusal({
        kind: 'bad-argument',
        message: `conc worker ${this.#host} could not read the job's ${what}: ${(error as Error).message}`,
        cause: error,
      });
    }
  }

  #malformed(detail: string): never {
    throw new Refusal({ kind: 'bad-argument', message: `conc worker ${this.#host}: ${detail}` });
  }
}

function isCallList(value: unknown): value is unknown[][] {
  return Array.isArray(value) && value.length > 0 && value.every(Array.isArray);
}
