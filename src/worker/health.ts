/**
 * The health and metrics endpoint of a `conc worker` (`--health-port`), for Kubernetes probes, load
 * balancers and Prometheus. Bound to 127.0.0.1 unless told otherwise: metrics name tasks and queues,
 * which is nobody else's business unless the operator says so.
 *
 *   GET /live     200 while the event loop answers (a stuck process answers nothing: the probe fails)
 *   GET /ready    200 when connected to Redis and taking jobs; 503 with the reason otherwise
 *   GET /metrics  Prometheus text format
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { InvalidOptionsError } from '../errors.ts';

export interface Readiness {
  ready: boolean;
  /** Why not, for people reading the probe's body. */
  reason?: string | undefined;
}

export interface HealthOptions {
  host: string;
  /** 0 picks a free port (tests); the server's `port` says which. */
  port: number;
  ready: () => Readiness;
  metrics: () => Promise<{ body: string; contentType: string }>;
}

export interface HealthServer {
  readonly port: number;
  /** http://host:port, for the banner. */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the endpoint; rejects with a clear error when the address cannot be used. */
export async function serveHealth(options: HealthOptions): Promise<HealthServer> {
  const server = createServer((req, res) => void answer(req, res, options));
  server.keepAliveTimeout = 5_000;
  await listen(server, options.host, options.port);
  const { port } = server.address() as { port: number };
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    port,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(req: IncomingMessage, res: ServerResponse, options: HealthOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, { error: 'use GET' });
  if (path === '/live') return reply(res, 200, { live: true, uptimeSeconds: Math.round(process.uptime()) });
  if (path === '/ready') {
    const readiness = options.ready();
    return reply(res, readiness.ready ? 200 : 503, readiness);
  }
  if (path === '/metrics') {
    try {
      const { body, contentType } = await options.metrics();
      res.writeHead(200, { 'content-type': contentType });
      res.end(body);
    } catch (error) {
      reply(res, 500, { error: `metrics failed: ${(error as Error).message}` });
    }
    return;
  }
  reply(res, 404, { error: `no ${path}: try /live, /ready or /metrics` });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(body)}\n`);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      const why =
        error.code === 'EADDRINUSE'
          ? `${where} is in use by another program; pick another --health-port`
          : error.code === 'EACCES'
            ? `${where} needs privileges; pick a --health-port of 1024 or more`
            : error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND'
              ? `${host} is not an address of this machine; pass one with --health-host`
              : `${where}: ${error.message}`;
      reject(
        new InvalidOptionsError(`conc worker: cannot serve health and metrics: ${why}.`, { cause: error }),
      );
    });
    server.listen(port, host, () => resolve());
  });
}
