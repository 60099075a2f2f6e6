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
  count('chunkSize', chunkSize, MAX_CHUNK_SIZE, fail);
  count('window', window, MAX_WINDOW, fail);
  if (
    timeoutMs !== undefined &&
    !(typeof timeoutMs === 'number' && timeoutMs > 0 && Number.isFinite(timeoutMs))
  )
    fail(`timeoutMs must be a positive number of milliseconds; got ${show(timeoutMs)}.`);
  if ((timeoutMs as number) > MAX_TIMER_MS)
    fail(
      `timeoutMs must be at most ${MAX_TIMER_MS} ms (2^31−1, about 24.8 days: Node.js timers cannot wait longer); got ${show(timeoutMs)}.`,
    );
  if (signal !== undefined && !(signal instanceof AbortSignal))
    fail(`signal must be an AbortSignal; got ${show(signal)}.`);
}

/** The longest timer Node.js can set: 2^31−1 ms (a longer one fires after 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Items sent in one message at most: a bigger chunk is one huge message and holds a worker for long. */
export const MAX_CHUNK_SIZE = 100_000;
/** Items started and not yet consumed at most: the window bounds memory, so it is bounded itself. */
export const MAX_WINDOW = 1_000_000;

function count(name: string, value: unknown, max: number, fail: (message: string) => never): void {
  if (value === undefined) return;
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= 1))
    fail(`${name} must be an integer ≥ 1; got ${show(value)}.`);
  if ((value as number) > max) fail(`${name} must be at most ${max}; got ${show(value)}.`);
}
