/**
 * A download session: one undici Agent whose keep-alive connections are reused across downloads, as
 * requests.Session or aiohttp.ClientSession. Per-host connections are capped if asked (default: one per
 * request in flight).
 */
import { createRequire } from 'node:module';
import type { Agent as UndiciAgent } from 'undici';
import { type DownloadResult, download } from './download.ts';
import { type ResolvedSessionOptions, resolveSessionOptions, type SessionOptions } from './options.ts';

/**
 * undici's Agent, loaded alone: a download needs only `dispatch`, and the whole of undici (fetch,
 * WebSocket, cache, mocks) costs a pool worker about twice the start-up time. Falls back to the
 * package's entry if its layout ever changes.
 */
function loadAgent(): typeof UndiciAgent {
  const require = createRequire(import.meta.url);
  try {
    const Agent = require('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;
    if (typeof Agent === 'function' && typeof Agent.prototype.dispatch === 'function') return Agent;
  } catch {
    // fall through to the public entry
  }
  return (require('undici') as typeof import('undici')).Agent;
}

let AgentClass: typeof UndiciAgent | undefined;

export class Session implements AsyncDisposable {
  /** The options in force, defaults filled in. */
  readonly options: Readonly<ResolvedSessionOptions>;
  #agent: UndiciAgent;
  #closed = new AbortController();

  constructor(options: SessionOptions = {}) {
    this.options = Object.freeze(resolveSessionOptions(options));
    AgentClass ??= loadAgent();
    this.#agent = new AgentClass({
      connections: this.options.connectionsPerHost,
      pipelining: 1,
      keepAliveTimeout: this.options.keepAliveTimeoutMs,
      connect: { timeout: this.options.connectTimeoutMs },
      headersTimeout: this.options.timeoutMs,
      bodyTimeout: this.options.timeoutMs,
    });
  }

  /**
   * Downloads one URL (see {@link download}); never rejects for a per-URL failure. When `signal`
   * aborts, the download stops at once (its request aborted, its socket closed) and resolves to a
   * result whose error says so.
   */
  download(url: string, signal?: AbortSignal): Promise<DownloadResult> {
    return download(this.#agent, url, this.options, { closed: this.#closed.signal, signal });
  }

  /** Waits for requests in flight (a download waiting to retry ends now), then closes every connection. */
  close(): Promise<void> {
    this.#closed.abort();
    return this.#agent.close();
  }

  /** Closes every connection now; downloads in flight end with an error result. */
  destroy(): Promise<void> {
    this.#closed.abort();
    return this.#agent.destroy();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Creates a session. Keep one per worker and reuse it: connections are the expensive part.
 *
 * @example
 * await using session = createSession({ timeoutMs: 5000, retries: 2 });
 * const { status, bytes, error } = await session.download('http://127.0.0.1:8080/dice');
 */
export function createSession(options?: SessionOptions): Session {
  return new Session(options);
}
