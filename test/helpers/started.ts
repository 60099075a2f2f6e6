/**
 * The test's side of "the task has started": a TCP server on 127.0.0.1 (ephemeral port) that tasks
 * report to with one line (see `notifyThenHang` in test/fixtures/faults.ts). A TCP line crosses every
 * boundary a backend puts between the test and its task — a thread, a child process, a Redis worker —
 * so a test waits for the message instead of sleeping and hoping the task got going.
 *
 * @example
 * const starts = await listenForStarts();
 * try {
 *   const run = ex.submit(faults.notifyThenHang, starts.port);
 *   await starts.started(1);
 *   // the task is running now
 * } finally {
 *   await starts.close();
 * }
 */
import { createServer, type Server, type Socket } from 'node:net';

/** Long enough for a cold worker to start, short enough to fail before vitest's own 30 s timeout. */
const WAIT_MS = 20_000;

interface Waiter {
  n: number;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class StartListener {
  #server: Server;
  #sockets = new Set<Socket>();
  #count = 0;
  #waiters: Waiter[] = [];

  constructor(server: Server) {
    this.#server = server;
    server.on('connection', (socket) => this.#accept(socket));
  }

  /** The port tasks report to. */
  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === 'string')
      throw new Error('the start listener is not listening');
    return address.port;
  }

  /** How many tasks reported that they started so far. */
  get count(): number {
    return this.#count;
  }

  /** Resolves once at least `n` tasks in all have reported that they started. */
  started(n = 1): Promise<void> {
    if (this.#count >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        n,
        resolve,
        reject,
        // a bound, not a synchronisation: a task that never starts fails the test with a clear message
        timer: setTimeout(() => {
          this.#drop(waiter);
          reject(
            new Error(`only ${this.#count} of ${n} tasks reported that they started within ${WAIT_MS} ms`),
          );
        }, WAIT_MS),
      };
      this.#waiters.push(waiter);
    });
  }

  /** Stops listening and drops every connection still open; a test still waiting is told so. */
  close(): Promise<void> {
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`the start listener closed after ${this.#count} of ${waiter.n} tasks started`));
    }
    for (const socket of this.#sockets) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#count += chunk.split('\n').length - 1;
      this.#wake();
    });
  }

  #wake(): void {
    for (const waiter of this.#waiters.filter((w) => w.n <= this.#count)) {
      this.#drop(waiter);
      waiter.resolve();
    }
  }

  #drop(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    this.#waiters = this.#waiters.filter((w) => w !== waiter);
  }
}

/** Opens a start listener on 127.0.0.1 with an ephemeral port. Close it in a `finally`. */
export async function listenForStarts(): Promise<StartListener> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return new StartListener(server);
}
