/** Entry of a pool child process: the worker loop over the IPC channel (advanced serialization). */
import { toWireError } from '../../internal/error-wire.ts';
import type { FromWorker } from './protocol.ts';
import { runWorker } from './worker-main.ts';

const send = process.send?.bind(process);
if (!send) throw new Error('conc: process-entry must be started by a conc process pool (no IPC channel)');

// The parent learns why a process died, then the process dies as Node would have made it.
const die = (error: unknown): void => {
  try {
    send({ t: 'fatal', error: toWireError(error) } satisfies FromWorker);
  } finally {
    process.exitCode = 1;
    setImmediate(() => process.exit(1));
  }
};
process.on('uncaughtException', die);
process.on('unhandledRejection', die);
process.on('disconnect', () => process.exit(0)); // the pool closed or the parent died

runWorker({
  post: (message) => {
    send(message);
  },
  onMessage: (listener) => process.on('message', listener as (message: unknown) => void),
});
