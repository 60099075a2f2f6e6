/**
 * The test's side of a gated task (ops-tasks.ts `gated`): a TCP server on 127.0.0.1 (ephemeral port)
 * that counts the tasks that reported they started, and lets them finish when the test says so.
 * Every wait is bounded: a task that never starts fails the test with a clear message.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';

const WAIT_MS = 20_000;

export class Gate {
  #server: Server;
  #sockets = new Set<Socket>();
  #waiting = new Set<Socket>();
  #started = 0;
  #open = false;
  #wake: (() => void)[] = [];

  constructor(server: Server) {
    this.#server = server;
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => {
        this.#sockets.delete(socket);
        this.#waiting.delete(socket);
      });
      socket.setEncoding('utf8');
      socket.on('data', (text: string) => {
        if (!text.includes('started')) return;
        this.#started++;
        if (this.#open) socket.write('go\n');
        else this.#waiting.add(socket);
        for (const wake of this.#wake.splice(0)) wake();
      });
    });
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  /** Resolves once `n` tasks in all reported that they started. */
  async started(n = 1): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (this.#started < n) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`only ${this.#started} of ${n} gated tasks started within ${WAIT_MS} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Lets every waiting task (and every later one) finish. */
  open(): void {
    this.#open = true;
    for (const socket of this.#waiting) socket.write('go\n');
    this.#waiting.clear();
  }

  close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

export async function openGate(): Promise<Gate> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return new Gate(server);
}
