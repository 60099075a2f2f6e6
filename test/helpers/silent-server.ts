/**
 * A loopback TCP server that accepts connections and never answers: a request to it hangs until the
 * client gives up. Tests synchronise on its connections opening and closing, never on time.
 */
import { createServer, type Server, type Socket } from 'node:net';

export interface SilentServer extends AsyncDisposable {
  /** `http://127.0.0.1:port/<path>`. */
  url(path: string): string;
  /** Connections accepted so far (open or closed). */
  readonly accepted: number;
  /** Connections that sent something (a request): undici may open one to drop an aborted request. */
  readonly requested: number;
  /** Connections open now. */
  readonly open: number;
  /** Resolves once `n` connections have been accepted in all. */
  accepting(n: number): Promise<void>;
  /** Resolves once `n` connections have sent a request in all. */
  requesting(n: number): Promise<void>;
  /** Resolves once no connection is open. */
  allClosed(): Promise<void>;
}

export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let requested = 0;
  let waiters: (() => void)[] = [];
  const changed = () => {
    const due = waiters;
    waiters = [];
    for (const check of due) check();
  };
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => {}); // a client that aborts resets the connection: expected here
    socket.once('data', () => {
      requested++;
      changed();
    });
    socket.resume(); // read and drop the request: a paused socket never sees the client's FIN
    socket.once('close', () => {
      sockets.delete(socket);
      changed();
    });
    changed();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => (done() ? resolve() : waiters.push(check));
      check();
    });
  return {
    url: (path) => `http://127.0.0.1:${port}/${path}`,
    get accepted() {
      return accepted;
    },
    get requested() {
      return requested;
    },
    get open() {
      return sockets.size;
    },
    accepting: (n) => until(() => accepted >= n),
    requesting: (n) => until(() => requested >= n),
    allClosed: () => until(() => sockets.size === 0),
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
