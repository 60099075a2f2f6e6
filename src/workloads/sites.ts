/**
 * The embedded demo sites: one HTTP server on 127.0.0.1 standing in for the article's two sites —
 * www.jython.org (a page of about 40 KB) and olympus.realpython.org/dice (about 2 KB) — each answered
 * after a fixed latency, keep-alive on, hundreds of connections at once. Runs are then repeatable and
 * never touch the internet.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { InvalidOptionsError } from '../errors.ts';
import { show } from '../util/show.ts';

/** Body sizes of the two pages, in bytes. */
export const PAGE_BYTES = { jython: 40_960, dice: 2_048 } as const;

export interface SitesOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number | undefined;
  /** Delay before each answer (ms), the network round trip the article's downloads wait on. Default 50. */
  latencyMs?: number | undefined;
}

export interface Sites extends AsyncDisposable {
  /** e.g. http://127.0.0.1:41234 */
  readonly origin: string;
  readonly port: number;
  readonly latencyMs: number;
  /** The two pages' URLs. */
  readonly pages: { readonly jython: string; readonly dice: string };
  /** The article's list, `[jython, dice] * repeat` (default 80: 160 URLs). */
  articleUrls(repeat?: number): string[];
  /** Requests answered and connections accepted so far (connections < requests: keep-alive at work). */
  stats(): { requests: number; connections: number };
  /** Stops listening and closes every connection, idle or not. */
  close(): Promise<void>;
}

/**
 * Starts the demo sites.
 *
 * @example
 * await using sites = await startSites({ latencyMs: 50 });
 * sites.articleUrls().length; // 160
 */
export async function startSites(options: SitesOptions = {}): Promise<Sites> {
  const { port, latencyMs } = checkOptions(options);
  const counts = { requests: 0, connections: 0 };
  const sockets = new Set<Socket>();
  const server = createServer(
    { keepAliveTimeout: 30_000, headersTimeout: 20_000, requestTimeout: 30_000 },
    answerer(latencyMs, counts),
  );
  server.on('connection', (socket: Socket) => {
    counts.connections++;
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await listen(server, port);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  };
  const actualPort = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${actualPort}`;
  const pages = Object.freeze({ jython: `${origin}/jython`, dice: `${origin}/dice` });
  return {
    origin,
    port: actualPort,
    latencyMs,
    pages,
    articleUrls: (repeat = 80) => articleUrls(pages, repeat),
    stats: () => ({ requests: counts.requests, connections: counts.connections }),
    close,
    [Symbol.asyncDispose]: close,
  };
}

function checkOptions(options: SitesOptions): { port: number; latencyMs: number } {
  const port = options.port ?? 0;
  const latencyMs = options.latencyMs ?? 50;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    throw new InvalidOptionsError(
      `startSites: port must be an integer from 0 to 65535 (0: any free port); got ${show(port)}.`,
    );
  }
  if (!(typeof latencyMs === 'number' && Number.isFinite(latencyMs) && latencyMs >= 0)) {
    throw new InvalidOptionsError(`startSites: latencyMs must be a number ≥ 0; got ${show(latencyMs)}.`);
  }
  return { port, latencyMs };
}

/** The request handler: each page (or the index, or a 404) after `latencyMs`, counted in `counts`. */
function answerer(
  latencyMs: number,
  counts: { requests: number },
): (req: IncomingMessage, res: ServerResponse) => void {
  const routes = new Map<string, Buffer>([
    ['/jython', page('Jython: Python for the Java Platform', PAGE_BYTES.jython)],
    ['/dice', page('Roll the dice', PAGE_BYTES.dice)],
  ]);
  const index = Buffer.from(
    '<!doctype html><title>conc demo sites</title><a href="/jython">jython</a> <a href="/dice">dice</a>\n',
  );
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0]!;
    const body = routes.get(path) ?? (path === '/' ? index : undefined);
    counts.requests++;
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain', 'content-length': 10 }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length });
    res.end(body);
  };
  return (req, res) => {
    if (latencyMs === 0) answer(req, res);
    else setTimeout(answer, latencyMs, req, res);
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', backlog: 2048 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The article's list: `[jython, dice] * repeat`. */
function articleUrls(pages: Sites['pages'], repeat: number): string[] {
  if (!(Number.isInteger(repeat) && repeat >= 0)) {
    throw new InvalidOptionsError(`articleUrls(repeat): repeat must be an integer ≥ 0; got ${show(repeat)}.`);
  }
  const urls: string[] = [];
  for (let i = 0; i < repeat; i++) urls.push(pages.jython, pages.dice);
  return urls;
}

/** An HTML page of exactly `size` bytes (ASCII filler after a small header). */
function page(title: string, size: number): Buffer {
  const head = `<!doctype html>\n<html><head><title>${title}</title></head><body><h1>${title}</h1>\n`;
  const tail = '\n</body></html>\n';
  const line = '<p>A page served by the conc demo sites, standing in for a real site on the internet.</p>\n';
  let filler = '';
  while (head.length + filler.length + tail.length < size) filler += line;
  const text = head + filler.slice(0, size - head.length - tail.length) + tail;
  return Buffer.from(text, 'ascii');
}
