/** Entry of a pool worker thread: the worker loop over the thread's parent port. */
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { toWireError } from '../../internal/error-wire.ts';
import type { FromWorker, ToWorker } from './protocol.ts';
import { runWorker } from './worker-main.ts';

const port = parentPort;
if (!port) throw new Error('conc: thread-entry must run inside a worker thread');

// The parent learns why the thread died through conc's own codec, which reads anything: Node's own
// report of an uncaught error never arrives for some values (an error whose cause chain is cyclic).
const die = (error: unknown): void => {
  try {
    port.postMessage({ t: 'fatal', error: toWireError(error) } satisfies FromWorker);
  } finally {
    process.exit(1);
  }
};
process.on('uncaughtException', die);
process.on('unhandledRejection', die);
runWorker({
  post: (message) => port.postMessage(message),
  onMessage: (listener) => port.on('message', listener),
  // a task busy in a loop reads a cancel from here when the shared cancel count says one is waiting
  take: () => receiveMessageOnPort(port)?.message as ToWorker | undefined,
});
