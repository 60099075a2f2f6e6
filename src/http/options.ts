/** Options of a download session, validated once, with their defaults. */
import { InvalidOptionsError } from '../errors.ts';
import { show } from '../util/show.ts';

export interface DownloadOptions {
  /** Longest one attempt may take, connect to last body byte, redirects included (ms). Default 30 000. */
  timeoutMs?: number | undefined;
  /** Longest a TCP/TLS connect may take (ms). Default 10 000 (never more than `timeoutMs`). */
  connectTimeoutMs?: number | undefined;
  /** Re-tries after a connection error, a 429 or a 5xx. Default 2. */
  retries?: number | undefined;
  /** First backoff delay (ms); doubled each retry, with jitter. Default 100. */
  retryBaseMs?: number | undefined;
  /** Longest wait before a retry (ms), `Retry-After` included; a longer `Retry-After` fails the URL. Default 30 000. */
  maxRetryDelayMs?: number | undefined;
  /** Stop a body larger than this and report the URL as failed. Default: no limit. */
  maxBytes?: number | undefined;
  /** Redirects followed before giving up. Default 10. */
  maxRedirects?: number | undefined;
  /** Extra request headers. */
  headers?: Record<string, string> | undefined;
}

export interface SessionOptions extends DownloadOptions {
  /** Open connections per host (origin). Default: no limit (one per request in flight). */
  connectionsPerHost?: number | undefined;
  /** How long an idle keep-alive connection stays open (ms). Default 4 000. */
  keepAliveTimeoutMs?: number | undefined;
}

export interface ResolvedDownloadOptions {
  timeoutMs: number;
  connectTimeoutMs: number;
  retries: number;
  retryBaseMs: number;
  maxRetryDelayMs: number;
  maxBytes: number;
  maxRedirects: number;
  headers: Record<string, string>;
}

export interface ResolvedSessionOptions extends ResolvedDownloadOptions {
  connectionsPerHost: number | null;
  keepAliveTimeoutMs: number;
}

const KEYS = new Set([
  'timeoutMs',
  'connectTimeoutMs',
  'retries',
  'retryBaseMs',
  'maxRetryDelayMs',
  'maxBytes',
  'maxRedirects',
  'headers',
  'connectionsPerHost',
  'keepAliveTimeoutMs',
]);

/** Validates session options (naming the option and echoing the bad value) and fills in defaults. */
export function resolveSessionOptions(options: SessionOptions = {}): ResolvedSessionOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionsError(`createSession(options): options must be an object; got ${show(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key)) {
      throw new InvalidOptionsError(
        `createSession: unknown option "${key}". Known options: ${[...KEYS].join(', ')}.`,
      );
    }
  }
  const timeoutMs = positive('timeoutMs', options.timeoutMs, 30_000);
  const headers = options.headers ?? {};
  if (headers === null || typeof headers !== 'object') {
    throw new InvalidOptionsError(
      `createSession: headers must be an object of strings; got ${show(headers)}.`,
    );
  }
  const limit = options.connectionsPerHost;
  if (limit !== undefined && limit !== Number.POSITIVE_INFINITY && !(Number.isInteger(limit) && limit >= 1)) {
    throw new InvalidOptionsError(
      `createSession: connectionsPerHost must be an integer ≥ 1 or Infinity; got ${show(limit)}.`,
    );
  }
  return {
    timeoutMs,
    connectTimeoutMs: Math.min(timeoutMs, positive('connectTimeoutMs', options.connectTimeoutMs, 10_000)),
    retries: whole('retries', options.retries, 2),
    retryBaseMs: whole('retryBaseMs', options.retryBaseMs, 100),
    maxRetryDelayMs: whole('maxRetryDelayMs', options.maxRetryDelayMs, 30_000),
    maxBytes:
      options.maxBytes === undefined
        ? Number.POSITIVE_INFINITY
        : positive('maxBytes', options.maxBytes, 0, true),
    maxRedirects: whole('maxRedirects', options.maxRedirects, 10),
    headers: { ...headers },
    connectionsPerHost: limit === undefined || limit === Number.POSITIVE_INFINITY ? null : limit,
    keepAliveTimeoutMs: positive('keepAliveTimeoutMs', options.keepAliveTimeoutMs, 4_000),
  };
}

function positive(name: string, value: unknown, fallback: number, allowInfinity = false): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && value > 0 && (Number.isFinite(value) || allowInfinity)) return value;
  throw new InvalidOptionsError(`createSession: ${name} must be a positive number; got ${show(value)}.`);
}

function whole(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  throw new InvalidOptionsError(`createSession: ${name} must be an integer ≥ 0; got ${show(value)}.`);
}
