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
