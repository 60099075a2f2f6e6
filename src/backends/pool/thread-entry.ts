/** Entry of a pool worker thread: the worker loop over the thread's parent port. */
import { parentPort } from 'node:worker_threads';
import { runWorker } from './worker-main.ts';

const port = parentPort;
if (!port) throw new Error('conc: thread-entry must run inside a worker thread');
runWorker({
  post: (message) => port.postMessage(message),
  onMessage: (listener) => port.on('message', listener),
});
