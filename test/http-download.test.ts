/**
 * download() against a server that misbehaves on purpose: every failure is a result (never a throw),
 * nothing hangs, and transient failures are retried.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../src/errors.ts';
import { createSession } from '../src/http/session.ts';

let server: Server;
let base: string;
const sockets = new Set<Socket>();
const hits = new Map<string, number>();
const BIG = Buffer.alloc(100_000, 'x');

function route(path: string, res: ServerResponse): void {
  const hit = (hits.get(path) ?? 0) + 1;
  hits.set(path, hit);
  const [, name, key] = path.split('/');
  switch (name) {
    case 'ok':
      res.end('hello');
      return;
    case 'hang':
      return; // never answers
    case 'trickle': {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('.'), 10);
      res.on('close', () => clearInterval(timer));
      return;
    }
    case 'flaky': // 503 twice, then fine
      if (hit <= 2) res.writeHead(503).end('busy');
      else res.end('recovered');
      return;
    case 'down':
      res.writeHead(500).end('always broken');
      return;
    case 'busy': // 429 asking for a 1 s pause, then fine
      if (hit === 1) res.writeHead(429, { 'retry-after': '1' }).end();
      else res.end('thanks for waiting');
      return;
    case 'busy-20':
      res.writeHead(429, { 'retry-after': '20' }).end();
      return;
    case 'busy-long':
      res.writeHead(429, { 'retry-after': '3600' }).end();
      return;
    case 'big':
      res.writeHead(200, { 'content-length': BIG.length }).end(BIG);
      return;
    case 'big-chunked': {
      res.writeHead(200, { 'content-type': 'text/plain' }); // no content-length: streamed chunks
      for (let i = 0; i < 10; i++) res.write(BIG.subarray(0, 10_000));
      res.end();
      return;
    }
    case 'loop':
      res.writeHead(302, { location: `/loop/${hit}` }).end();
      return;
    case 'redirect':
      res.writeHead(301, { location: '/ok' }).end();
      return;
    case 'to-ftp':
      res.writeHead(302, { location: 'ftp://example.org/file' }).end();
      return;
    case 'reset':
      if (hit === 1 || key === 'always') res.socket?.destroy();
      else res.end('after reset');
      return;
    default:
      res.writeHead(404).end('not found');
  }
}

beforeAll(async () => {
  server = createServer((req, res) => route(req.url ?? '/', res));
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const fast = { retryBaseMs: 1, timeoutMs: 5_000 };

/** Resolves with the server's end of the connection once a request for `path` arrives. */
function arrival(path: string): Promise<Socket> {
  return new Promise((resolve) => {
    const onRequest = (req: IncomingMessage) => {
      if (req.url !== path) return;
      server.off('request', onRequest);
      resolve(req.socket);
    };
    server.on('request', onRequest);
  });
}

/** Resolves when the server's end of a connection has closed. */
function closing(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

describe('download', () => {
  it('downloads, counts the body and reports one attempt', async () => {
    await using session = createSession();
    const result = await session.download(`${base}/ok`);
    expect(result).toMatchObject({ url: `${base}/ok`, status: 200, bytes: 5, attempts: 1 });
    expect(result.error).toBeUndefined();
    expect(result.ms).toBeGreaterThan(0);
  });

  it('reports a malformed URL or an unsupported scheme without a request', async () => {
    await using session = createSession();
    expect(await session.download('not a url')).toMatchObject({
      status: 0,
      attempts: 0,
      error: expect.stringContaining('not a valid URL'),
    });
    expect(await session.download('ftp://example.org/')).toMatchObject({
      attempts: 0,
      error: expect.stringContaining('unsupported scheme'),
    });
  });

  it('reports a refused connection after retrying it', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve())); // nothing listens there now
    await using session = createSession({ ...fast, retries: 2 });
    const result = await session.download(`http://127.0.0.1:${port}/`);
    expect(result).toMatchObject({ status: 0, bytes: 0, attempts: 3 });
    expect(result.error).toMatch(/connection refused .*ECONNREFUSED.*after 3 attempts/);
  });

  it('times out a server that never answers, without retrying the timeout', async () => {
    await using session = createSession({ timeoutMs: 200, retries: 3 });
    const result = await session.download(`${base}/hang`);
    expect(result).toMatchObject({
      status: 0,
      attempts: 1,
      error: expect.stringContaining('timed out after 200 ms (no response)'),
    });
  });

  it('times out a server that trickles bytes forever (total timeout, not idle timeout)', async () => {
    await using session = createSession({ timeoutMs: 300, retries: 0 });
    const result = await session.download(`${base}/trickle`);
    expect(result.status).toBe(200);
    expect(result.error).toMatch(/timed out after 300 ms \(response incomplete after \d+ bytes\)/);
  });

  it('times out a download still queued for a connection, and the session stays usable', async () => {
    await using session = createSession({ timeoutMs: 200, retries: 0, connectionsPerHost: 1 });
    const results = await Promise.all([
      session.download(`${base}/hang/1`),
      session.download(`${base}/hang/2`),
    ]);
    for (const result of results) expect(result.error).toContain('timed out after 200 ms (no response)');
    expect(await session.download(`${base}/ok`)).toMatchObject({ status: 200, bytes: 5 });
  });

  it('retries 5xx until it succeeds', async () => {
    await using session = createSession({ ...fast, retries: 3 });
    const result = await session.download(`${base}/flaky/a`);
    expect(result).toMatchObject({ status: 200, bytes: 'recovered'.length, attempts: 3 });
    expect(result.error).toBeUndefined();
  });

  it('gives up on 5xx after the retries and says how often it tried', async () => {
    await using session = createSession({ ...fast, retries: 1 });
    const result = await session.download(`${base}/down`);
    expect(result).toMatchObject({
      status: 500,
      attempts: 2,
      error: expect.stringMatching(/HTTP 500 .*after 2 attempts/),
    });
  });

  it('waits as Retry-After asks on 429, then succeeds', async () => {
    await using session = createSession({ ...fast, retries: 1 });
    const result = await session.download(`${base}/busy/a`);
    expect(result).toMatchObject({ status: 200, attempts: 2 });
    expect(result.ms).toBeGreaterThanOrEqual(900); // the server asked for 1 s
  });

  it('fails at once when Retry-After is longer than maxRetryDelayMs', async () => {
    await using session = createSession({ ...fast, retries: 2, maxRetryDelayMs: 1_000 });
    const result = await session.download(`${base}/busy-long`);
    expect(result).toMatchObject({ status: 429, attempts: 1 });
    expect(result.error).toContain('retry after 3600 s, longer than the 1000 ms limit');
  });

  it('ends a wait between retries when the session closes', async () => {
    const session = createSession({ ...fast, retries: 2 });
    const pending = session.download(`${base}/busy-20`); // asks for 20 s
    await new Promise((resolve) => setTimeout(resolve, 100));
    await session.close();
    const result = await pending;
    expect(result).toMatchObject({ status: 429, attempts: 1 });
    expect(result.error).toContain('the session was closed before the retry');
  });

  it('stops a body larger than maxBytes, declared or streamed', async () => {
    await using session = createSession({ maxBytes: 50_000 });
    const declared = await session.download(`${base}/big`);
    expect(declared).toMatchObject({
      status: 200,
      bytes: 0,
      error: expect.stringContaining('declares 100000 bytes'),
    });
    const streamed = await session.download(`${base}/big-chunked`);
    expect(streamed.error).toMatch(/larger than the 50000-byte limit.*stopped at \d+ bytes/);
    expect(streamed.bytes).toBeGreaterThan(50_000);
    expect(streamed.bytes).toBeLessThan(100_000);
    // the session still works after the aborted bodies
    expect(await session.download(`${base}/ok`)).toMatchObject({ status: 200, bytes: 5 });
  });

  it('follows redirects, and stops a redirect loop', async () => {
    await using session = createSession({ maxRedirects: 5 });
    expect(await session.download(`${base}/redirect`)).toMatchObject({ status: 200, bytes: 5, attempts: 1 });
    const loop = await session.download(`${base}/loop`);
    expect(loop).toMatchObject({
      status: 302,
      attempts: 1,
      error: expect.stringContaining('too many redirects: more than 5'),
    });
    const ftp = await session.download(`${base}/to-ftp`);
    expect(ftp.error).toContain('unsupported scheme "ftp:"');
  });

  it('reports HTTP errors that are not worth retrying', async () => {
    await using session = createSession({ retries: 3 });
    const result = await session.download(`${base}/missing`);
    expect(result).toMatchObject({
      status: 404,
      attempts: 1,
      bytes: 9,
      error: `HTTP 404 from ${base}/missing`,
    });
  });

  it('retries a connection the server closed before answering', async () => {
    await using session = createSession({ ...fast, retries: 2 });
    expect(await session.download(`${base}/reset/once`)).toMatchObject({ status: 200, attempts: 2 });
    const always = await session.download(`${base}/reset/always`);
    expect(always).toMatchObject({
      status: 0,
      attempts: 3,
      error: expect.stringContaining('closed before the response ended'),
    });
  });

  it('keeps every good result when bad URLs are mixed in, concurrently', async () => {
    await using session = createSession({ timeoutMs: 300, retries: 0 });
    const urls = [`${base}/ok`, 'bad url', `${base}/hang`, `${base}/ok`, `${base}/missing`, `${base}/ok`];
    const results = await Promise.all(urls.map((u) => session.download(u)));
    expect(results.map((r) => r.status)).toEqual([200, 0, 0, 200, 404, 200]);
    expect(results.map((r) => r.error === undefined)).toEqual([true, false, false, true, false, true]);
  });
});

describe('session', () => {
  it('reuses keep-alive connections', async () => {
    let connections = 0;
    const counting = createServer((_req, res) => res.end('x'));
    counting.on('connection', () => connections++);
    await new Promise<void>((resolve) => counting.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(counting.address() as AddressInfo).port}/`;
    try {
      await using session = createSession();
      for (let i = 0; i < 10; i++) expect((await session.download(url)).status).toBe(200);
      // undici may open a second socket for a request sent the moment a body ends (the first is not
      // yet marked free); after that both are reused
      expect(connections).toBeLessThanOrEqual(2);
    } finally {
      counting.closeAllConnections();
      await new Promise<void>((resolve) => counting.close(() => resolve()));
    }
  });

  it('opens at most connectionsPerHost connections to one host', async () => {
    let connections = 0;
    const slow = createServer((_req, res) => setTimeout(() => res.end('x'), 20));
    slow.on('connection', () => connections++);
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`;
    try {
      await using session = createSession({ connectionsPerHost: 2 });
      const results = await Promise.all(Array.from({ length: 12 }, () => session.download(url)));
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(connections).toBe(2);
    } finally {
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });

  it('rejects bad options by name, echoing the value', () => {
    expect(() => createSession({ timeoutMs: 0 })).toThrow(InvalidOptionsError);
    expect(() => createSession({ timeoutMs: -1 })).toThrow(/timeoutMs must be a positive number; got `-1`/);
    expect(() => createSession({ retries: 1.5 })).toThrow(/retries must be an integer ≥ 0/);
    expect(() => createSession({ connectionsPerHost: 0 })).toThrow(/connectionsPerHost/);
    expect(() => createSession({ timeout: 5 } as never)).toThrow(/unknown option "timeout"/);
  });

  it('destroy() ends downloads in flight with an error result', async () => {
    const session = createSession({ timeoutMs: 10_000, retries: 0 });
    const pending = session.download(`${base}/hang`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await session.destroy();
    const result = await pending;
    expect(result.status).toBe(0);
    expect(result.error).toBeDefined();
  });
});

describe('download with a signal', () => {
  it('stops a request the server never answers and frees its socket, the session still open', async () => {
    await using session = createSession({ timeoutMs: 30_000, retries: 2 });
    const controller = new AbortController();
    const arrived = arrival('/hang/signal');
    const pending = session.download(`${base}/hang/signal`, controller.signal);
    const closed = closing(await arrived);
    controller.abort(new Error('caller gave up'));
    expect(await pending).toMatchObject({
      status: 0,
      bytes: 0,
      attempts: 1, // an abort is not retried
      error: 'stopped by its signal (Error: caller gave up) before any response',
    });
    await closed; // by the abort itself: the session keeps its other connections
    expect(await session.download(`${base}/ok`)).toMatchObject({ status: 200, bytes: 5 });
  });

  it('sends nothing for a signal already aborted', async () => {
    await using session = createSession();
    const result = await session.download(`${base}/ok/never`, AbortSignal.abort());
    expect(result).toMatchObject({ status: 0, bytes: 0, attempts: 0 });
    expect(result.error).toMatch(/^stopped by its signal \(AbortError: .*\) before any request$/);
    expect(hits.has('/ok/never')).toBe(false);
  });
});

describe('download with a signal, not yet sending', () => {
  it('ends a wait between retries, and sends no retry', async () => {
    await using session = createSession({ ...fast, retries: 2 });
    const controller = new AbortController();
    const arrived = arrival('/busy-20/signal'); // answers 429, asking for 20 s
    const pending = session.download(`${base}/busy-20/signal`, controller.signal);
    await arrived;
    controller.abort();
    const result = await pending;
    expect(result.attempts).toBe(1);
    expect(result.error).toContain('stopped by its signal (AbortError:');
    expect(hits.get('/busy-20/signal')).toBe(1);
  });

  it('stops a download still queued for a connection; it is never sent', async () => {
    await using session = createSession({ timeoutMs: 30_000, retries: 0, connectionsPerHost: 1 });
    const first = new AbortController();
    const second = new AbortController();
    const arrived = arrival('/hang/holder');
    const holding = session.download(`${base}/hang/holder`, first.signal);
    const closed = closing(await arrived);
    const queued = session.download(`${base}/hang/queued`, second.signal);
    second.abort();
    expect((await queued).error).toContain('stopped by its signal'); // while the first holds the connection
    first.abort();
    expect((await holding).error).toContain('stopped by its signal');
    await closed;
    expect(await session.download(`${base}/ok`)).toMatchObject({ status: 200, bytes: 5 });
    expect(hits.has('/hang/queued')).toBe(false);
  });
});
