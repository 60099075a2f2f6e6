/** The options of map, imap and run, validated eagerly: the option is named and the bad value echoed. */
import { InvalidOptionsError } from '../errors.ts';
import { show } from '../util/show.ts';

export interface MapOptions {
  /** Aborts the call: queued items never start, running ones are stopped, the call rejects with AbortError. */
  signal?: AbortSignal | undefined;
  /** Per-task timeout for this call (overrides the executor's `taskTimeoutMs`). */
  timeoutMs?: number | undefined;
  /** Resolve to `PromiseSettledResult`s instead of rejecting on the first failure. */
  settle?: boolean | undefined;
  /** Items sent together (Python's chunksize): many tiny items cost one message. Default 1. */
  chunkSize?: number | undefined;
  /** Most items started but not yet consumed; default from the backend (workers × prefetch). */
  window?: number | undefined;
}

export interface ImapOptions extends MapOptions {
  /** true (default): results in input order; false: in completion order. */
  ordered?: boolean | undefined;
}

const MAP_OPTIONS = ['signal', 'timeoutMs', 'settle', 'chunkSize', 'window', 'ordered'];

export function validateMapOptions(options: ImapOptions | undefined, call: string): void {
  if (options === undefined) return;
  const fail = (message: string): never => {
    throw new InvalidOptionsError(`${call}: ${message}`);
  };
  if (options === null || typeof options !== 'object')
    fail(`options must be an object; got ${show(options)}.`);
  for (const key of Object.keys(options)) {
    if (!MAP_OPTIONS.includes(key)) fail(`unknown option "${key}". Known: ${MAP_OPTIONS.join(', ')}.`);
  }
  const { chunkSize, window, timeoutMs, signal } = options;
  if (chunkSize !== undefined && !(Number.isInteger(chunkSize) && chunkSize >= 1))
    fail(`chunkSize must be an integer ≥ 1; got ${show(chunkSize)}.`);
  if (window !== undefined && !(Number.isInteger(window) && window >= 1))
    fail(`window must be an integer ≥ 1; got ${show(window)}.`);
  if (
    timeoutMs !== undefined &&
    !(typeof timeoutMs === 'number' && timeoutMs > 0 && Number.isFinite(timeoutMs))
  )
    fail(`timeoutMs must be a positive number of milliseconds; got ${show(timeoutMs)}.`);
  if (signal !== undefined && !(signal instanceof AbortSignal))
    fail(`signal must be an AbortSignal; got ${show(signal)}.`);
}
