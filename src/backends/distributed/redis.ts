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

/** The URL with its password (and a lone user name that may be a token) masked: safe to print. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    else if (parsed.username) parsed.username = '***';
    return parsed.href.replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** Throws InvalidOptionsError unless `url` is a redis:// or rediss:// URL. */
export function checkRedisUrl(url: unknown, where: string): string {
  let ok = typeof url === 'string' && /^rediss?:\/\//i.test(url);
  if (ok) {
    try {
      ok = new URL(url as string).hostname !== '';
    } catch {
      ok = false;
    }
  }
  if (!ok) {
    const shown = typeof url === 'string' ? `"${redact(url)}"` : String(url);
    throw new InvalidOptionsError(
      `${where}: redis must be a URL like redis://127.0.0.1:6379 (redis://:password@host:port, rediss:// for TLS); got ${shown}.`,
    );
  }
  return url as string;
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

/** Removes the URL's password from a message that might echo it. */
export function scrub(text: string, url: string): string {
  try {
    const { password, username } = new URL(url);
    let out = text;
    for (const secret of [password, decodeURIComponent(password), username && !password ? username : '']) {
      if (secret && secret.length >= 3) out = out.split(secret).join('***');
    }
    return out;
  } catch {
    return text;
  }
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
