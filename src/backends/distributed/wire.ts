/**
 * What travels through Redis between a distributed executor and `conc worker`s, written once for both.
 *
 *   executor ──BullMQ job──▶ name "module-id#task"   data { a: [args, …], t?: timeoutMs, i?: init }
 *   executor ◀─completed──── returnvalue: one wire outcome [kind, payload] per call
 *   executor ◀─failed─────── failedReason: "<human text> [conc:<kind>:<the outcomes, as data>]"
 *
 * A BullMQ job carries one call or a chunk of calls: the same shape either way, one argument list and
 * one outcome per call. It fails (for dashboards) only when none of its calls succeeded.
 *
 * Values cross as V8 structured-clone bytes in base64, so BigInt, Map, Set, Date and typed arrays
 * survive exactly as with the thread and process pools; small plain values take a JSON shortcut. A task
 * is named by a module id the worker looks up in its own allow-list: a job can never make a worker
 * import a path of its choosing.
 */
import { basename } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { OutcomeKind } from '../../core/outcome.ts';
import type { WireFailure } from '../../core/outcome-wire.ts';
import { toWireError, type WireError } from '../../internal/error-wire.ts';
import type { TaskRef } from '../../tasks.ts';

const EXTENSION = /\.(?:[cm]?[jt]s|tsx|jsx)$/;
/** conc's own root (src/ when running from source, dist/ when built), as a file URL with a trailing slash. */
const ROOT = new URL('../../', import.meta.url).href;

/** Data of one BullMQ job. Short keys: this object is written to Redis once per job. */
export interface JobData {
  /** One argument list per call, the whole list encoded with {@link encode}. */
  a: string;
  /** Per-call timeout (ms), enforced by the worker from when each call starts. */
  t?: number;
  /** The initializer as "module-id#name"; its arguments encoded in `ia`. */
  i?: string;
  ia?: string;
}

/** An outcome as it crosses: see src/core/outcome-wire.ts. */
export type WireOutcome = [OutcomeKind, unknown];

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
      if (depth >= 6) return false;
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
 * The id under which workers know a task module: `conc/<path>` for a module of conc itself
 * (`conc/workloads/cpu`), otherwise the file name without its extension (`./lib/tasks.ts` → `tasks`).
 * The same id on every machine, whatever directory or build (src .ts or dist .js) each runs from.
 */
export function moduleId(moduleUrl: string): string {
  const stem = moduleUrl.replace(EXTENSION, '');
  if (stem.startsWith(ROOT)) return `conc/${stem.slice(ROOT.length)}`;
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

const MARK = /\s\[conc:([a-z-]+):([A-Za-z0-9+/=]*)\]$/;

/**
 * The failedReason of a job none of whose calls succeeded: the first failure in words (readable in any
 * BullMQ dashboard), then every outcome as data.
 */
export function failureText(outcomes: readonly WireOutcome[]): string {
  const [kind, payload] = outcomes[0] ?? ['crashed', {}];
  const more = outcomes.length > 1 ? ` (and ${outcomes.length - 1} more calls failed)` : '';
  const human = `${describe(kind, payload as WireFailure)}${more}`.replace(/\s+/g, ' ').slice(0, 500);
  return `${human} [conc:${kind}:${serialize(outcomes).toString('base64')}]`;
}

/** Reads back what {@link failureText} wrote; undefined for a reason BullMQ itself wrote (a stalled job…). */
export function parseFailure(reason: string): WireOutcome[] | undefined {
  const match = MARK.exec(reason);
  if (!match) return undefined;
  try {
    const outcomes = deserialize(Buffer.from(match[2]!, 'base64')) as unknown;
    return Array.isArray(outcomes) && outcomes.every(Array.isArray) ? (outcomes as WireOutcome[]) : undefined;
  } catch {
    return undefined;
  }
}

/** The failure text of a failedReason, without the data at its end. */
export function readableFailure(reason: string): string {
  return reason.replace(MARK, '');
}

function describe(kind: OutcomeKind, w: WireFailure): string {
  if (w.e && (kind === 'threw' || !w.m)) return `${w.e.name}: ${w.e.message}`;
  if (w.m) return w.m;
  return kind === 'timeout' ? `timed out after ${w.ms} ms` : kind;
}

/**
 * A result text longer than this is not the job's return value: BullMQ copies a return value into the
 * queue's event stream too, which keeps ~10,000 events whatever their size (a 200 MB result held
 * 563 MB of Redis). The worker stores it under {@link resultKey} for {@link RESULT_TTL_MS} and returns
 * {@link LARGE_RESULT}; the caller reads it from there and deletes it.
 */
export const LARGE_RESULT_BYTES = 256 * 1024;
/** The return value that says "the outcomes are under resultKey(…)": neither JSON ("j…") nor base64. */
export const LARGE_RESULT = 'r';
/** How long a stored result waits for its caller (as long as an unread finished job: adder.ts KEEP). */
export const RESULT_TTL_MS = 60_000;

/** Where a large result of job `id` is stored. */
export function resultKey(prefix: string, queue: string, id: string): string {
  return `${prefix}:${queue}:conc-result:${id}`;
}

/** The channel on which executors ask workers to stop running jobs (see {@link cancelText}). */
export function cancelChannel(prefix: string, queue: string): string {
  return `${prefix}:${queue}:conc-cancel`;
}

/**
 * A cancel as published: the job ids and the reason the caller got, so that the tasks' `taskSignal()`
 * abort with that same error on the worker. A reason that JSON cannot carry is left out.
 */
export function cancelText(ids: string[], reason: unknown): string {
  try {
    return JSON.stringify({ ids, reason: toWireError(reason) });
  } catch {
    return JSON.stringify({ ids });
  }
}

/** Reads a cancel back; an unreadable one names no job. */
export function parseCancel(text: string): { ids: string[]; reason: WireError | undefined } {
  try {
    const parsed = JSON.parse(text) as { ids?: unknown; reason?: WireError };
    const ids = Array.isArray(parsed.ids)
      ? parsed.ids.filter((id): id is string => typeof id === 'string')
      : [];
    return { ids, reason: parsed.reason };
  } catch {
    return { ids: [], reason: undefined };
  }
}
