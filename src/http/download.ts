/**
 * One URL, downloaded to the end and counted, never kept; every failure becomes a result, never a throw.
 *
 *   checkUrl ─▶ attempt ─▶ exchange ─▶ 3xx? follow (≤ maxRedirects) ─▶ 429/5xx or socket error? ─▶ wait, retry
 *                 │                                                   (Retry-After, or backoff + jitter)
 *                 └─ one timer per attempt: connect, headers, redirects and body all count against timeoutMs
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { type Exchange, exchange, type Stopper } from './exchange.ts';
import type { ResolvedDownloadOptions } from './options.ts';
import { backoffMs, isRetryableError, isRetryableStatus, parseRetryAfter } from './retry.ts';
import { checkUrl } from './url.ts';

/** What happened to one URL. `status` is 0 when no response came; `error` is set when the URL failed. */
export interface DownloadResult {
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

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Downloads `url` with `dispatcher` (an undici Agent), following redirects and retrying transient
 * failures. Resolves to a result whatever happens to the URL. `closed` ends a wait between retries.
 *
 * @example
 * const result = await download(new Agent(), 'http://127.0.0.1:8080/dice', resolveSessionOptions());
 * // { url, status: 200, bytes: 2048, ms: 51.2, attempts: 1 }
 */
export async function download(
  dispatcher: Dispatcher,
  url: string,
  options: ResolvedDownloadOptions,
  closed?: AbortSignal,
): Promise<DownloadResult> {
  const started = performance.now();
  const checked = checkUrl(url);
  if (!checked.ok) return { url, status: 0, bytes: 0, ms: 0, attempts: 0, error: checked.error };
  let attempts = 0;
  for (;;) {
    attempts++;
    const outcome = await attempt(dispatcher, checked.url, options);
    let error = outcome.error;
    if (outcome.retry) {
      const waitMs =
        outcome.retry.afterMs ?? backoffMs(attempts, options.retryBaseMs, options.maxRetryDelayMs);
      if (attempts <= options.retries && waitMs <= options.maxRetryDelayMs && !closed?.aborted) {
        // a closed session ends the wait at once: nothing is left to retry with
        const waited = await sleep(waitMs, true, { signal: closed }).catch(() => false);
        if (waited) continue;
        error += '; the session was closed before the retry';
      } else if (closed?.aborted) {
        error += '; the session was closed before the retry';
      } else if (attempts <= options.retries) {
        error += `; the server asked to retry after ${Math.ceil(waitMs / 1000)} s, longer than the ${options.maxRetryDelayMs} ms limit (maxRetryDelayMs)`;
      } else if (attempts > 1) {
        error += ` (after ${attempts} attempts)`;
      }
    }
    const result: DownloadResult = {
      url,
      status: outcome.status,
      bytes: outcome.bytes,
      ms: performance.now() - started,
      attempts,
    };
    if (error !== undefined) result.error = error;
    return result;
  }
}

/** One attempt: the request and its redirects, bounded by one timer. */
async function attempt(
  dispatcher: Dispatcher,
  first: URL,
  options: ResolvedDownloadOptions,
): Promise<Attempt> {
  const stopper: Stopper = { stop: undefined };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stopper.stop?.(new Error(`timed out after ${options.timeoutMs} ms`));
  }, options.timeoutMs);
  try {
    let url = first;
    for (let redirects = 0; ; redirects++) {
      const hop = await exchange(
        dispatcher,
        url,
        options.headers,
        options.timeoutMs,
        options.maxBytes,
        stopper,
      );
      // the timer wins over whatever the stopped exchange reports: its error is the abort itself
      if (timedOut) return timedOutAttempt(hop, options);
      const failed = failedHop(hop, url, options);
      if (failed) return failed;
      const next = redirectTarget(hop, url, redirects, options);
      if (next instanceof URL) url = next;
      else return next ?? finalAttempt(hop, url);
    }
  } finally {
    clearTimeout(timer);
  }
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

/**
 * Where a redirect leads: the next URL to request, a failed attempt (a target that cannot be followed,
 * or one redirect too many), or undefined when the response is not a redirect.
 */
function redirectTarget(
  { status, headers }: Exchange,
  url: URL,
  redirects: number,
  options: ResolvedDownloadOptions,
): URL | Attempt | undefined {
  const location = headers.location;
  if (!REDIRECTS.has(status) || typeof location !== 'string') return undefined;
  const next = checkUrl(new URL(location, url).href);
  // a redirect's own body is not the download: report 0 bytes
  if (!next.ok) {
    return {
      status,
      bytes: 0,
      error: `redirect from ${url.href} to a URL that cannot be followed: ${next.error}`,
    };
  }
  if (redirects >= options.maxRedirects) {
    return {
      status,
      bytes: 0,
      error: `too many redirects: more than ${options.maxRedirects} (maxRedirects), last to ${next.url.href} — a redirect loop?`,
    };
  }
  return next.url;
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
