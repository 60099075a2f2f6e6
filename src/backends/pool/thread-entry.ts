/** Entry of a pool worker thread: the worker loop over the thread's parent port. */
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import type { ToWorker } from './protocol.ts';
import { runWorker } from './worker-main.ts';

const port = parentPort;
if (!port) throw new Error('conc: thread-entry must run inside a worker thread');
runWorker({
  post: (message) => port.postMessage(message),
  onMessage: (listener) => port.on('message', listener),
  // a task busy in a loop reads a cancel from here when the shared cancel count says one is waiting
  take: () => receiveMessageOnPort(port)?.message as ToWorker | undefined,
});
