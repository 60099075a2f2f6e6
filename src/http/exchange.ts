/**
 * One HTTP exchange on an undici dispatcher: send a GET, stream the body by, count it, keep nothing.
 * Written on `dispatch` with a small handler — no body stream, no AbortSignal per request — because
 * this is the hot path of every download. Never rejects: failures come back in `error`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

export interface Exchange {
  /** 0 when no response started. */
  status: number;
  headers: IncomingHttpHeaders;
  /** Body bytes received. */
  bytes: number;
  /** The body passed `maxBytes` (declared or counted) and was stopped. */
  tooLarge: boolean;
  /** The request or response failed (connection error, aborted…). */
  error: unknown;
}

/**
 * Lets the caller stop the exchange in flight (its attempt timed out, or the download's signal
 * aborted): one path for both, and no AbortSignal per request.
 */
export interface Stopper {
  stop: ((reason: Error) => void) | undefined;
}

const NO_HEADERS: IncomingHttpHeaders = {};

/**
 * Sends one GET for `url` and counts its body; resolves when the body ends, fails, passes `maxBytes`
 * or `stopper.stop` is called. Never rejects.
 */
export function exchange(
  dispatcher: Dispatcher,
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
  maxBytes: number,
  stopper: Stopper,
): Promise<Exchange> {
  return new Promise<Exchange>((resolve) => {
    const handler = new CountingHandler(maxBytes, stopper, resolve);
    try {
      dispatcher.dispatch(
        {
          origin: url.origin,
          path: url.pathname + url.search,
          method: 'GET',
          headers,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        },
        handler,
      );
    } catch (error) {
      handler.fail(error);
    }
  });
}

/**
 * undici's callbacks for one exchange: counts body bytes, drops the chunks, and resolves exactly once
 * (`#done`), whichever of end, error, too-large or stop comes first.
 */
class CountingHandler implements Dispatcher.DispatchHandler {
  readonly #result: Exchange = {
    status: 0,
    headers: NO_HEADERS,
    bytes: 0,
    tooLarge: false,
    error: undefined,
  };
  readonly #maxBytes: number;
  readonly #stopper: Stopper;
  readonly #resolve: (result: Exchange) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #done = false;

  constructor(maxBytes: number, stopper: Stopper, resolve: (result: Exchange) => void) {
    this.#maxBytes = maxBytes;
    this.#stopper = stopper;
    this.#resolve = resolve;
    stopper.stop = (reason) => {
      this.#result.error = reason;
      this.#controller?.abort(reason); // not started yet (waiting for a connection): aborted when it starts
      this.#finish();
    };
  }

  /** The dispatch itself threw: end with that error. */
  fail(error: unknown): void {
    this.#result.error = error;
    this.#finish();
  }

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.#controller = c;
    if (this.#done) c.abort(this.#result.error instanceof Error ? this.#result.error : new Error('stopped'));
  }

  onResponseStart(c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.#result.status = statusCode;
    this.#result.headers = headers;
    if (Number(headers['content-length']) > this.#maxBytes) this.#tooLarge(c);
  }

  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#result.bytes += chunk.length;
    if (this.#result.bytes > this.#maxBytes && !this.#done) this.#tooLarge(c);
  }

  onResponseEnd(): void {
    this.#finish();
  }

  onResponseError(_c: Dispatcher.DispatchController, error: Error): void {
    if (!this.#done) this.#result.error = error;
    this.#finish();
  }

  /** Aborts the rest of the body rather than read it, and ends the exchange as too large. */
  #tooLarge(c: Dispatcher.DispatchController): void {
    this.#result.tooLarge = true;
    c.abort(new Error('body larger than maxBytes'));
    this.#finish();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#stopper.stop = undefined;
    this.#resolve(this.#result);
  }
}
