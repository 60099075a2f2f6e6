/** Pool workers on worker_threads: messages by structured clone; call and cancel counters in shared memory. */
import { Worker } from 'node:worker_threads';
import { fromWireError, toWireError } from '../../internal/error-wire.ts';
import { workerExecArgv } from '../../internal/exec-argv.ts';
import { COUNTERS, type FromWorker } from './protocol.ts';
import { ext, outOfMemory, type Transport, type TransportEvents, type WorkerLimits } from './transport.ts';

const entry = new URL(`./thread-entry${ext()}`, import.meta.url);
let execArgv: string[] | undefined;

/** A Worker with the parent's flags, minus those Node refuses in a worker (per-process V8 flags). */
function spawn(limits: WorkerLimits): Worker {
  execArgv ??= workerExecArgv(entry, 'thread');
  const mb = limits.maxMemoryMb;
  const resourceLimits = mb === undefined ? undefined : { maxOldGenerationSizeMb: mb };
  try {
    return new Worker(entry, { execArgv, resourceLimits });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    const refused =
      String((error as Error).message)
        .split(':')
        .pop() ?? '';
    execArgv = execArgv.filter((flag) => !refused.includes(flag));
    return new Worker(entry, { execArgv, resourceLimits });
  }
}

export function threadTransport(events: TransportEvents, limits: WorkerLimits = {}): Transport {
  const worker = spawn(limits);
  const counters = new Int32Array(new SharedArrayBuffer(COUNTERS * Int32Array.BYTES_PER_ELEMENT));
  let uncaught: Error | undefined;
  let exited = false;
  const gone = new Promise<void>((resolve) => {
    worker.once('exit', (code) => {
      exited = true;
      const mb = limits.maxMemoryMb;
      const oom =
        mb !== undefined && (uncaught as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
      const detail = oom
        ? outOfMemory(mb, `exit code ${code}`)
        : uncaught
          ? `uncaught ${uncaught.name}: ${uncaught.message}`
          : `exit code ${code}`;
      events.exit(detail, uncaught);
      resolve();
    });
  });
  worker.on('message', (message: FromWorker) => {
    if (message.t === 'fatal') uncaught = fromWireError(message.error);
    else events.message(message);
  });
  worker.on('error', (error) => {
    // the thread died of something its own handler did not see (its heap limit, a failed start)
    uncaught ??= fromWireError(toWireError(error));
  });
  return {
    counters,
    get alive() {
      return !exited;
    },
    send: (message) => worker.postMessage(message),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    terminate: async () => {
      if (exited) return;
      worker.ref();
      await worker.terminate();
      await gone;
    },
  };
}
