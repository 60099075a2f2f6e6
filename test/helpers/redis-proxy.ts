/**
 * A loopback TCP proxy between a worker and Redis that a test can cut and heal: a `net` server on
 * 127.0.0.1 (ephemeral port) piping each connection to 127.0.0.1:6379 (or the given target).
 *
 *   worker ──▶ 127.0.0.1:<port> (this proxy) ──▶ 127.0.0.1:6379
 *
 * `cut('refuse')` drops every open connection and resets new ones at once (what a crashed Redis or a
 * closed port looks like); `cut('blackhole')` keeps every connection open but lets nothing through,
 * and accepts new ones that never answer (a network partition, a firewall that drops packets: no
 * socket closes, only silence). `heal()` drops what the cut left and pipes new connections again.
 * `delay(200)` holds every chunk, both ways, that long (a slow link; order kept); `delay(0)` ends it.
 * Loopback only.
 *
 * @example
 * const proxy = await startRedisProxy();
 * const worker = await spawn(['--redis', proxy.url]);
 * proxy.cut('refuse');
 * // … the worker is cut off from Redis
 * proxy.heal();
 * await proxy.close();
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type CutMode = 'refuse' | 'blackhole';

export class RedisProxy {
  #server: Server;
  #target: { host: string; port: number };
  #sockets = new Set<Socket>();
  #cut: CutMode | undefined;
  #delayMs = 0;
  /** Connections accepted since the proxy started (reconnect attempts show up here). */
  accepted = 0;

  constructor(server: Server, target: { host: string; port: number }) {
    this.#server = server;
    this.#target = target;
    server.on('connection', (socket) => this.#accept(socket));
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  /** The Redis URL that goes through the proxy. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** `refuse`: drops every connection and resets new ones; `blackhole`: silence, nothing closes. */
  cut(mode: CutMode = 'refuse'): void {
    this.#cut = mode;
    for (const socket of this.#sockets) {
      if (mode === 'refuse') socket.destroy();
      else silence(socket);
    }
    if (mode === 'refuse') this.#sockets.clear();
  }

  /** Every chunk, both ways, arrives `ms` late (0: at once again); open connections included. */
  delay(ms: number): void {
    this.#delayMs = ms;
  }

  /** New connections reach Redis again (the black-holed ones stay silent and are dropped). */
  heal(): void {
    this.#cut = undefined;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.accepted++;
    client.on('error', () => client.destroy());
    if (this.#cut === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    this.#track(client);
    if (this.#cut === 'blackhole') {
      silence(client); // accepted, read, never answered
      return;
    }
    const upstream = connect(this.#target.port, this.#target.host);
    this.#track(upstream);
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    this.#forward(client, upstream);
    this.#forward(upstream, client);
  }

  /** `from`'s data to `to`, held `delay` ms when a delay is set (in order: never before a held chunk). */
  #forward(from: Socket, to: Socket): void {
    let lastDue = 0;
    from.on('data', (chunk: Buffer) => {
      const now = Date.now();
      const due = Math.max(now + this.#delayMs, lastDue);
      lastDue = due;
      if (due <= now) to.write(chunk);
      else
        setTimeout(() => {
          if (this.#cut === undefined && !to.destroyed) to.write(chunk);
        }, due - now);
    });
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
  }
}

/** Nothing more leaves `socket` for its pair: what arrives is read and dropped (both ends get this). */
function silence(socket: Socket): void {
  socket.unpipe();
  socket.removeAllListeners('data');
  socket.on('data', () => {});
  socket.resume();
}

/** Starts a proxy on 127.0.0.1 (ephemeral port) to `target` (default the test Redis, 127.0.0.1:6379). */
export async function startRedisProxy(target = { host: '127.0.0.1', port: 6379 }): Promise<RedisProxy> {
  if (target.host !== '127.0.0.1' && target.host !== '::1') throw new Error('the proxy is for loopback only');
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return new RedisProxy(server, target);
}
