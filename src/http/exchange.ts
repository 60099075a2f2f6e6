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

/** Lets the caller stop the exchange in flight (its attempt timed out). */
export interface Stopper {
  stop: ((reason: Error) => void) | undefined;
}

const NO_HEADERS: IncomingHttpHeaders = {};

export function exchange(
  dispatcher: Dispatcher,
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
  maxBytes: number,
  stopper: Stopper,
): Promise<Exchange> {
  return new Promise<Exchange>((resolve) => {
    const result: Exchange = { status: 0, headers: NO_HEADERS, bytes: 0, tooLarge: false, error: undefined };
    let controller: Dispatcher.DispatchController | undefined;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      stopper.stop = undefined;
      resolve(result);
    };
    const tooLarge = (c: Dispatcher.DispatchController): void => {
      result.tooLarge = true;
      c.abort(new Error('body larger than maxBytes'));
      finish();
    };
    stopper.stop = (reason) => {
      result.error = reason;
      controller?.abort(reason); // not started yet (waiting for a connection): aborted when it starts
      finish();
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (done) c.abort(result.error instanceof Error ? result.error : new Error('stopped'));
      },
      onResponseStart(c, statusCode, responseHeaders) {
        result.status = statusCode;
        result.headers = responseHeaders;
        if (Number(responseHeaders['content-length']) > maxBytes) tooLarge(c);
      },
      onResponseData(c, chunk) {
        result.bytes += chunk.length;
        if (result.bytes > maxBytes && !done) tooLarge(c);
      },
      onResponseEnd() {
        finish();
      },
      onResponseError(_c, error) {
        if (!done) result.error = error;
        finish();
      },
    };
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
      result.error = error;
      finish();
    }
  });
}
