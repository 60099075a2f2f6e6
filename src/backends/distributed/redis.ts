/**
 * Redis URLs and connections for the distributed backend and `conc worker`. URLs (with a password,
 * `rediss://` for TLS) go to ioredis as given; anything printed shows them with the password masked.
 * ioredis is imported lazily: users who never use mode 'distributed' never load it.
 */
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import { InvalidOptionsError, RedisError } from '../../errors.ts';

export const DEFAULT_REDIS = 'redis://127.0.0.1:6379';
/** How long a first connection may take before conc says Redis is unreachable. */
export const CONNECT_TIMEOUT_MS = 5_000;

/**
 * The URL with its password (and a lone user name that may be a token) masked: safe to print. A URL
 * that does not parse (a password with an unescaped "/" or "#") is masked from "//" to its last "@":
 * whatever the userinfo holds, none of it shows.
 */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    else if (parsed.username) parsed.username = '***';
    const shown = parsed.href.replace(/\/$/, '');
    if (!secrets(url).some((secret) => shown.includes(secret))) return shown;
  } catch {
    // not a URL the WHATWG parser reads: mask by hand below
  }
  const at = url.lastIndexOf('@');
  const start = url.indexOf('//');
  if (at >= 0 && start >= 0 && start < at) return `${url.slice(0, start + 2)}***${url.slice(at)}`;
  if (at >= 0) return `***${url.slice(at)}`;
  return url;
}

/**
 * Throws InvalidOptionsError unless `url` is a redis:// or rediss:// URL with a host, whose user name
 * and password (if any) are correctly percent-encoded (ioredis decodes them, and a stray "%" would
 * throw a URIError from inside it).
 */
export function checkRedisUrl(url: unknown, where: string): string {
  let why = '';
  let ok = typeof url === 'string' && /^rediss?:\/\//i.test(url);
  if (ok) {
    try {
      const parsed = new URL(url as string);
      ok = parsed.hostname !== '';
      if (ok) why = badEscape(parsed);
    } catch {
      ok = false;
    }
    // An "@" after the host: a password with an unescaped "/", "?" or "#" that split the URL there
    const at = (url as string).lastIndexOf('@');
    if ((!ok || /@/.test(pathAndAfter(url as string))) && at > (url as string).indexOf('//'))
      why = 'a user name or password with reserved characters (/ ? # @ :) must be percent-encoded (/ as %2F)';
  }
  if (!ok || why) {
    const shown = typeof url === 'string' ? `"${redact(url)}"` : String(url);
    throw new InvalidOptionsError(
      `${where}: redis must be a URL like redis://127.0.0.1:6379 (redis://:password@host:port, rediss:// for TLS)` +
        `${why ? `, and ${why}` : ''}; got ${shown}.`,
    );
  }
  return url as string;
}

/** The part of a URL after its host, as the WHATWG parser splits it ('' when it does not parse). */
function pathAndAfter(url: string): string {
  try {
    const { pathname, search, hash } = new URL(url);
    return pathname + search + hash;
  } catch {
    return '';
  }
}

/** What is wrong with the percent-escapes of a parsed URL's userinfo and path, or ''. */
function badEscape(parsed: URL): string {
  for (const [what, text] of [
    ['user name', parsed.username],
    ['password', parsed.password],
    ['database path', parsed.pathname],
  ] as const) {
    try {
      decodeURIComponent(text);
    } catch {
      return `its ${what} has a malformed percent-escape (write a literal "%" as %25)`;
    }
  }
  return '';
}

/**
 * The secrets a URL may hold, raw and decoded: its password, or a lone user name (which may be a
 * token). Read from the raw text between "//" and the last "@", so that a URL no parser reads the
 * same way (an unescaped "/" in the password) still has its secret found. None shorter than 3
 * characters: too common to mask everywhere.
 */
function secrets(url: string): string[] {
  const at = url.lastIndexOf('@');
  const start = url.indexOf('//');
  if (at < 0 || start < 0 || at < start) return [];
  const userinfo = url.slice(start + 2, at);
  const colon = userinfo.indexOf(':');
  const secret =
    colon >= 0 && colon < userinfo.length - 1 ? userinfo.slice(colon + 1) : userinfo.replace(/:$/, '');
  const out = new Set<string>();
  for (const part of [secret, ...(colon >= 0 ? secret.split(':') : [])]) {
    if (part.length < 3) continue;
    out.add(part);
    try {
      out.add(decodeURIComponent(part));
    } catch {
      // a malformed escape: the raw text is what could be echoed
    }
  }
  return [...out];
}

/** Throws InvalidOptionsError unless `name` can name a BullMQ queue. */
export function checkQueueName(name: unknown, where: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.includes(':') || name.length > 200) {
    throw new InvalidOptionsError(
      `${where}: queue must be a non-empty name without ":" (at most 200 characters); got ${JSON.stringify(name)}.`,
    );
  }
  return name;
}

/** Options for BullMQ-made connections: blocking commands wait through reconnects instead of failing. */
export function bullConnection(url: string): BullRedisOptions {
  return { url, maxRetriesPerRequest: null, connectTimeout: CONNECT_TIMEOUT_MS };
}

/** A connection of our own (to watch its state, publish, run a raw command). */
export async function openRedis(url: string, options: RedisOptions = {}): Promise<Redis> {
  const { Redis } = await import('ioredis');
  return new Redis(url, { maxRetriesPerRequest: null, connectTimeout: CONNECT_TIMEOUT_MS, ...options });
}

/**
 * Connects once, without retrying, and pings: a clear error within the connect timeout when Redis is
 * down, refuses the password or does not speak TLS — instead of BullMQ's silent reconnect loop.
 */
export async function probeRedis(url: string, timeoutMs = CONNECT_TIMEOUT_MS): Promise<void> {
  const client = await openRedis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    reconnectOnError: () => false,
  });
  let cause: unknown;
  client.on('error', (error) => {
    cause ??= error; // the socket's error (ECONNREFUSED…) says more than ioredis' "Connection is closed"
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([client.connect().then(() => client.ping()), deadline]);
  } catch (error) {
    throw unreachable(url, cause ?? error);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/** The error for a Redis that cannot be used: what failed, where (password masked), what to do. */
export function unreachable(url: string, error: unknown): RedisError {
  const detail = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
  const auth = /NOAUTH|WRONGPASS|invalid password|invalid username/i.test(detail);
  const hint = auth
    ? 'Check the user name and password in the URL (redis://user:password@host:port).'
    : 'Is Redis running there? Start it (redis-server) or pass another URL with --redis / { redis }.';
  return new RedisError(`Cannot use Redis at ${redact(url)}: ${scrub(detail, url)}. ${hint}`, {
    cause: error,
  });
}

/** Removes the URL's password (raw or decoded, and a lone user name) from a message that might echo it. */
export function scrub(text: string, url: string): string {
  let out = text;
  for (const secret of secrets(url).sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
  return out;
}

/** Waits for `promise`, but no longer than `ms` (a Redis that went away must not hang a close). */
export async function bounded(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => {}),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
