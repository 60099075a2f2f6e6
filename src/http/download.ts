/**
 * One URL, downloaded to the end and counted, never kept; every failure becomes a result, never a throw.
 *
 *   checkUrl ─▶ attempt ─▶ exchange ─▶ 3xx? follow (≤ maxRedirects) ─▶ 429/5xx or socket error? ─▶ wait, retry
 *                 │                                                   (Retry-After, or backoff + jitter)
 *                 └─ one timer per attempt: connect, headers, redirects and body all count against timeoutMs
 *
 * A caller's `signal` stops it on the timer's path (the attempt's Stopper): the request in flight is
 * aborted and its socket closed, a wait between retries ends, nothing more is sent.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { type Exchange, exchange, type Stopper } from './exchange.ts';
import type { ResolvedDownloadOptions } from './options.ts';
import { hopHeaders, redirectTarget } from './redirect.ts';
import { backoffMs, isRetryableError, isRetryableStatus, parseRetryAfter } from './retry.ts';
import { checkUrl, showUrl, splitCredentials } from './url.ts';

/** What happened to one URL. `status` is 0 when no response came; `error` is set when the URL failed. */
export interface DownloadResult {
  /** The URL as given, its credentials (if any) shown as `***`. */
  url: string;
  status: number;
  /** Body bytes received (of the final response). */
  bytes: number;
  /** Wall time for this URL, retries and their waits included. */
  ms: number;
  /** Requests made (1 + retries); 0 when the URL was rejected before any request. */
  attempts: number;
  error?: string;
}

interface Attempt {
  status: number;
  bytes: number;
  error?: string | undefined;
  /** Worth another attempt; with the wait the server asked for, if it did. */
  retry?: { afterMs: number | undefined } | undefined;
}

/** What may end a download early. */
export interface DownloadStops {
  /** The session closed: a wait between retries ends (a request in flight finishes). */
  closed?: AbortSignal | undefined;
  /** The caller gave up: the request in flight is aborted (its socket closed), a wait ends, nothing more is sent. */
  signal?: AbortSignal | undefined;
}

/** The "exchange" of a hop never sent (stopped before its first request). */
const NOT_SENT: Exchange = { status: 0, headers: {}, bytes: 0, tooLarge: false, error: undefined };

/**
 * Downloads `url` with `dispatcher` (an undici Agent), following redirects and retrying transient
 * failures. Resolves to a result whatever happens to the URL, promptly once `stops.signal` aborts.
 *
 * @example
 * const result = await download(new Agent(), 'http://127.0.0.1:8080/dice', resolveSessionOptions());
 * // { url, status: 200, bytes: 2048, ms: 51.2, attempts: 1 }
 */
export async function download(
  dispatcher: Dispatcher,
  url: string,
  options: ResolvedDownloadOptions,
  stops: DownloadStops = {},
): Promise<DownloadResult> {
  const started = performance.now();
  const shown = showUrl(url);
  const checked = checkUrl(url);
  const target = checked.ok ? splitCredentials(checked.url) : checked;
  if (!target.ok) return { url: shown, status: 0, bytes: 0, ms: 0, attempts: 0, error: target.error };
  const { signal } = stops;
  if (signal?.aborted) {
    const error = `${stoppedBy(signal)} before any request`;
    return { url: shown, status: 0, bytes: 0, ms: 0, attempts: 0, error };
  }
  const first = { url: target.url, authorization: target.authorization };
  let attempts = 0;
  for (;;) {
    attempts++;
    const outcome = await attempt(dispatcher, first, options, signal);
    let error = outcome.error;
    if (outcome.retry) {
      const refusal = await waitToRetry(outcome.retry.afterMs, attempts, options, stops);
      if (refusal === undefined) continue;
      error += refusal;
    }
    const result: DownloadResult = {
      url: shown,
      status: outcome.status,
      bytes: outcome.bytes,
      ms: performance.now() - started,
      attempts,
    };
    if (error !== undefined) result.error = error;
    return result;
  }
}

/**
 * Waits before attempt `attempts + 1` and resolves to undefined, or to why there is none (appended to
 * the last attempt's error): no retries left, a wait longer than allowed, the session closed, the signal.
 */
async function waitToRetry(
  afterMs: number | undefined,
  attempts: number,
  options: ResolvedDownloadOptions,
  { closed, signal }: DownloadStops,
): Promise<string | undefined> {
  const waitMs = afterMs ?? backoffMs(attempts, options.retryBaseMs, options.maxRetryDelayMs);
  const allowed = attempts <= options.retries && waitMs <= options.maxRetryDelayMs;
  if (allowed && !closed?.aborted && !signal?.aborted) {
    // a closed session or an aborted signal ends the wait at once: nothing is left to retry for
    const ends = closed && signal ? AbortSignal.any([closed, signal]) : (closed ?? signal);
    const waited = await sleep(waitMs, true, { signal: ends }).catch(() => false);
    if (waited) return undefined;
  }
  if (signal?.aborted) return `; ${stoppedBy(signal)} before the retry`;
  if (closed?.aborted) return '; the session was closed before the retry';
  if (attempts <= options.retries) {
    return `; the server asked to retry after ${Math.ceil(waitMs / 1000)} s, longer than the ${options.maxRetryDelayMs} ms limit (maxRetryDelayMs)`;
  }
  return attempts > 1 ? ` (after ${attempts} attempts)` : '';
}

/**
 * One attempt: the request and its redirects, bounded by one timer and by `signal`. Both stop it the
 * same way (the Stopper); the first to fire is the one reported. The URL's credentials go to its own
 * origin only: a redirect elsewhere is sent without them (as fetch and curl do).
 */
async function attempt(
  dispatcher: Dispatcher,
  first: { url: URL; authorization: string | undefined },
  options: ResolvedDownloadOptions,
  signal: AbortSignal | undefined,
): Promise<Attempt> {
  const stopper: Stopper = { stop: undefined };
  let stopped: 'timeout' | 'signal' | undefined;
  const stop = (why: 'timeout' | 'signal', reason: Error): void => {
    if (stopped) return;
    stopped = why;
    stopper.stop?.(reason);
  };
  const timer = setTimeout(
    () => stop('timeout', new Error(`timed out after ${options.timeoutMs} ms`)),
    options.timeoutMs,
  );
  const onAbort = (): void => stop('signal', reasonError(signal!.reason));
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let url = first.url;
    let hop = NOT_SENT;
    for (let redirects = 0; ; redirects++) {
      // stopped between two hops (the signal may abort in a microtask): send nothing more
      if (!stopped) {
        const headers = hopHeaders(options.headers, first, url);
        hop = await exchange(dispatcher, url, headers, options.timeoutMs, options.maxBytes, stopper);
      }
      // a stop wins over whatever the stopped exchange reports: its error is the abort itself
      if (stopped === 'timeout') return timedOutAttempt(hop, options);
      if (stopped === 'signal') return signalledAttempt(hop, signal!);
      const failed = failedHop(hop, url, options);
      if (failed) return failed;
      const next = redirectTarget(hop, url, redirects, options);
      if (next instanceof URL) url = next;
      else return next ?? finalAttempt(hop, url);
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The caller's signal aborted: say how far the response got, and why it was stopped. */
function signalledAttempt({ status, bytes }: Exchange, signal: AbortSignal): Attempt {
  const phase = status === 0 ? 'before any response' : `after ${bytes} bytes of the response`;
  return { status, bytes, error: `${stoppedBy(signal)} ${phase}` };
}

/** "stopped by its signal (<the reason>)": the words every signalled result's error starts with. */
function stoppedBy(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  const text = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
  return `stopped by its signal (${text})`;
}

/** undici aborts with an Error; a signal's reason may be anything. */
function reasonError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(`aborted: ${String(reason)}`);
}

/** The attempt's timer fired: say how far the response got. */
function timedOutAttempt({ status, bytes }: Exchange, options: ResolvedDownloadOptions): Attempt {
  const phase = status === 0 ? 'no response' : `response incomplete after ${bytes} bytes`;
  return {
    status,
    bytes,
    error: `timed out after ${options.timeoutMs} ms (${phase}); raise the timeout (timeoutMs, --timeout) if the server is just slow`,
  };
}

/** The exchange itself failed: a body over `maxBytes`, or a network error (retryable if a fresh socket may cure it). */
function failedHop(hop: Exchange, url: URL, options: ResolvedDownloadOptions): Attempt | undefined {
  const { status, bytes } = hop;
  if (hop.tooLarge) {
    const detail =
      bytes > options.maxBytes
        ? `stopped at ${bytes} bytes`
        : `declares ${hop.headers['content-length']} bytes`;
    return {
      status,
      bytes,
      error: `body larger than the ${options.maxBytes}-byte limit (maxBytes, --max-bytes): ${detail}`,
    };
  }
  if (hop.error === undefined) return undefined;
  return {
    status,
    bytes,
    error: describeError(hop.error, url),
    retry: isRetryableError(hop.error) ? { afterMs: undefined } : undefined,
  };
}

/** The final response: 429/5xx are worth a retry (after what Retry-After asks), other 4xx are not. */
function finalAttempt({ status, bytes, headers }: Exchange, url: URL): Attempt {
  if (isRetryableStatus(status)) {
    return {
      status,
      bytes,
      error: `HTTP ${status} from ${url.href}`,
      retry: { afterMs: parseRetryAfter(headers['retry-after']) },
    };
  }
  return status >= 400 ? { status, bytes, error: `HTTP ${status} from ${url.href}` } : { status, bytes };
}

/** A short, human message for a network error, with its code. */
export function describeError(error: unknown, url: URL): string {
  const e = error as { code?: string; message?: string; name?: string; cause?: unknown } | null;
  const code = e?.code;
  const where = url.host;
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused by ${where} (ECONNREFUSED) — is the server running on that port?`;
    case 'ENOTFOUND':
      return `host not found: ${url.hostname} (ENOTFOUND) — check the name`;
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `could not connect to ${where} in time (UND_ERR_CONNECT_TIMEOUT)`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `connection to ${where} closed before the response ended (${code})`;
    default: {
      if (e?.cause && e.cause !== error && (e.cause as { code?: string }).code)
        return describeError(e.cause, url);
      const text = e?.message || String(error);
      return `${e?.name ?? 'Error'}: ${text}${code ? ` (${code})` : ''}`;
    }
  }
}
