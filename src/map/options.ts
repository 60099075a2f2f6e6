/** The options of map, imap and run, validated eagerly: the option is named and the bad value echoed. */
import { InvalidOptionsError } from '../errors.ts';
import { show } from '../util/show.ts';

/**
 * The options of {@link Executor.map} (and the base of {@link ImapOptions}). Checked at the call: an
 * unknown key or a bad value rejects with `InvalidOptionsError` naming it.
 *
 * @example
 * await ex.map(tasks.square, items, { chunkSize: 100, window: 1000, timeoutMs: 5000, signal, settle: true });
 */
export interface MapOptions {
  /**
   * Aborts the call: queued items never start, running ones are stopped (their `taskSignal()` aborts),
   * the call rejects with `AbortError` (with `settle`, the unfinished items are rejected with it).
   * @defaultValue none
   */
  signal?: AbortSignal | undefined;
  /**
   * Per-task timeout of each item, in ms from when it starts; overrides the executor's `taskTimeoutMs`.
   * @defaultValue the executor's `taskTimeoutMs` (none)
   */
  timeoutMs?: number | undefined;
  /**
   * `true`: resolve to one `PromiseSettledResult` per item instead of rejecting on the first failure.
   * @defaultValue `false`
   */
  settle?: boolean | undefined;
  /**
   * Items sent together (Python's chunksize): many tiny items cost one message to a pool worker or one
   * BullMQ job; each item still has its own result.
   * @defaultValue 1
   */
  chunkSize?: number | undefined;
  /**
   * Most items started but not yet consumed (running, queued, or finished and waiting for the consumer);
   * the input is pulled lazily, so this bounds memory. Never below `chunkSize`.
   * @defaultValue per mode: threads and processes 512 per worker (at least 64); sync and bounded async
   * 2 × `workers` (at least 16); unbounded async, auto and distributed 1024
   */
  window?: number | undefined;
}

/**
 * The options of {@link Executor.imap}: those of `map`, and the order results come in.
 *
 * @example
 * for await (const r of ex.imap(tasks.square, items, { ordered: false, window: 64 })) console.log(r);
 */
export interface ImapOptions extends MapOptions {
  /**
   * `true`: results in input order (a slow item holds back the later ones, which wait in the window);
   * `false`: in completion order.
   * @defaultValue `true`
   */
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
