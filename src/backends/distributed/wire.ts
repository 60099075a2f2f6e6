/**
 * What travels through Redis between a distributed executor and `conc worker`s, written once for both.
 *
 *   executor ──BullMQ job──▶ name "module-id#task"   data { a: args, b?: batch, t?: timeoutMs, i?: init }
 *   executor ◀─completed──── returnvalue: the result (a batch: one [status, value] per item)
 *   executor ◀─failed─────── failedReason: "<human text> [conc:<status>:<payload>]"
 *
 * Values cross as V8 structured-clone bytes in base64, so BigInt, Map, Set, Date and typed arrays
 * survive exactly as with the thread and process pools; small plain values take a JSON shortcut. A task is named by a module id
 * the worker looks up in its own allow-list: a job can never make a worker import a path of its choosing.
 */
import { basename } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { WireError } from '../../internal/error-wire.ts';
import type { TaskRef } from '../../tasks.ts';

/** The built-in task modules every `conc worker` allows unless told otherwise: id → path under src/ or dist/. */
export const BUILTIN_MODULES: Readonly<Record<string, string>> = {
  'conc/cpu': 'workloads/cpu',
  'conc/io': 'workloads/io',
};

const EXTENSION = /\.(?:[cm]?[jt]s|tsx|jsx)$/;
/** conc's own root (src/ when running from source, dist/ when built), as a file URL with a trailing slash. */
const ROOT = new URL('../../', import.meta.url).href;

/** Data of one BullMQ job. Short keys: this object is written to Redis once per task. */
export interface JobData {
  /** Arguments (a batch: one argument list per item), encoded with {@link encode}. */
  a: string;
  /** Set for a batch job (map with chunkSize > 1). */
  b?: 1;
  /** Per-task timeout (ms), enforced by the worker from when the task starts. */
  t?: number;
  /** The initializer as "module-id#name"; its arguments encoded in `ia`. */
  i?: string;
  ia?: string;
}

/** How a task (or a batch item) ended, when it did not end well. */
export type FailStatus =
  /** The task threw; payload: the error. Retried while BullMQ attempts remain. */
  | 'threw'
  /** The task ran past its timeout; retried while attempts remain. */
  | 'timeout'
  /** The worker's local thread or process running it died; retried while attempts remain. */
  | 'crashed'
  /** The worker refuses the task: not registered, or its export is missing. Never retried. */
  | 'refused'
  /** The initializer threw. Never retried. */
  | 'init'
  /** Arguments could not be read or the result could not be sent back. Never retried. */
  | 'clone'
  /** The caller cancelled it. */
  | 'aborted';

export const RETRYABLE: ReadonlySet<FailStatus> = new Set(['threw', 'timeout', 'crashed']);

/** One item of a batch result. */
export type BatchItem = ['ok', unknown] | [FailStatus, WireError];

/**
 * A value as text for Redis: small JSON-safe values (numbers, strings, plain arrays and objects of them)
 * as "j" + JSON, which costs a fraction of V8 serialization per tiny task; anything else as V8
 * structured-clone bytes in base64 (always starting with "/"). Throws on functions, symbols…
 */
export function encode(value: unknown): string {
  if (jsonSafe(value, { budget: 256 }, 0)) return `j${JSON.stringify(value)}`;
  return serialize(value).toString('base64');
}

export function decode(text: string): unknown {
  if (text.charCodeAt(0) === 0x6a /* j */) return JSON.parse(text.slice(1));
  return deserialize(Buffer.from(text, 'base64'));
}

/** True when JSON round-trips `value` exactly (as structured clone would). Gives up past a small budget. */
function jsonSafe(value: unknown, left: { budget: number }, depth: number): boolean {
  if (--left.budget < 0) return false;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (depth >= 4) return false;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !jsonSafe(value[i], left, depth + 1)) return false;
        }
        return Object.keys(value).length === value.length;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      for (const key in value) {
        if (!Object.hasOwn(value, key) || !jsonSafe((value as Record<string, unknown>)[key], left, depth + 1))
          return false;
      }
      return Object.getOwnPropertySymbols(value).length === 0;
    }
    default:
      return false;
  }
}

/**
 * The id under which workers know a task module: `conc/cpu` and `conc/io` for conc's built-ins,
 * otherwise the file name without its extension (`./lib/tasks.ts` → `tasks`). The same id on every
 * machine, whatever directory or build (src .ts or dist .js) each runs from.
 */
export function moduleId(moduleUrl: string): string {
  const stem = moduleUrl.replace(EXTENSION, '');
  for (const [id, path] of Object.entries(BUILTIN_MODULES)) if (stem === ROOT + path) return id;
  let path = moduleUrl;
  try {
    path = decodeURIComponent(new URL(moduleUrl).pathname);
  } catch {
    // not a URL: use it as a path
  }
  return basename(path).replace(EXTENSION, '');
}

/** The BullMQ job name of a task: "module-id#name". */
export function jobName(ref: Pick<TaskRef, 'module' | 'name'>): string {
  let id = ids.get(ref.module);
  if (id === undefined) {
    id = moduleId(ref.module);
    if (ids.size > 1000) ids.clear();
    ids.set(ref.module, id);
  }
  return `${id}#${ref.name}`;
}

const ids = new Map<string, string>();

/** Splits "module-id#name"; undefined when the text is not of that shape. */
export function parseJobName(name: string): { id: string; task: string } | undefined {
  const at = name.lastIndexOf('#');
  if (at <= 0 || at === name.length - 1) return undefined;
  return { id: name.slice(0, at), task: name.slice(at + 1) };
}

/** URL of a built-in module, in the layout this copy of conc runs from (.ts in src, .js in dist). */
export function builtinUrl(id: string): string | undefined {
  const path = BUILTIN_MODULES[id];
  if (path === undefined) return undefined;
  return `${ROOT}${path}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`;
}

const MARK = /\s\[conc:([a-z]+):([A-Za-z0-9+/=]*)\]$/;

/** The failedReason of a job: readable in any BullMQ dashboard, with the error as data at its end. */
export function failureText(status: FailStatus, error: WireError): string {
  const human = `${error.name}: ${error.message}`.replace(/\s+/g, ' ').slice(0, 500);
  return `${human} [conc:${status}:${serialize(error).toString('base64')}]`;
}

/** Reads back what {@link failureText} wrote; undefined for a reason BullMQ itself wrote (a stalled job…). */
export function parseFailure(reason: string): { status: FailStatus; error: WireError } | undefined {
  const match = MARK.exec(reason);
  if (!match) return undefined;
  try {
    return {
      status: match[1] as FailStatus,
      error: deserialize(Buffer.from(match[2]!, 'base64')) as WireError,
    };
  } catch {
    return undefined;
  }
}

/** The channel on which executors ask workers to stop running jobs (ids separated by spaces). */
export function cancelChannel(prefix: string, queue: string): string {
  return `${prefix}:${queue}:conc-cancel`;
}
