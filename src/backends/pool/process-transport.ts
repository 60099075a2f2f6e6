/**
 * Pool workers as child processes: IPC with 'advanced' serialization, so BigInt, Map and typed arrays
 * cross as they do between threads. No shared memory: the child reports each solo result before its
 * next call, and a chunk's at its end, so the pool can tell what was running when it died (crash-blame.ts).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fromWireError } from '../../internal/error-wire.ts';
import { workerExecArgv } from '../../internal/exec-argv.ts';
import type { FromWorker } from './protocol.ts';
import { ext, outOfMemory, type Transport, type TransportEvents, type WorkerLimits } from './transport.ts';

const entry = new URL(`./process-entry${ext()}`, import.meta.url);
let execArgv: string[] | undefined;

export function processTransport(events: TransportEvents, limits: WorkerLimits = {}): Transport {
  execArgv ??= workerExecArgv(entry, 'process');
  const mb = limits.maxMemoryMb;
  const child: ChildProcess = fork(fileURLToPath(entry), [], {
    execArgv: mb === undefined ? execArgv : [...execArgv, `--max-old-space-size=${mb}`],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const life = watchLife(child, events, mb);
  return {
    counters: undefined,
    get alive() {
      return child.connected && !life.exited;
    },
    send: (message) => {
      if (!child.connected) return; // dying: its exit requeues what it held
      child.send(message);
    },
    ref: () => {
      child.ref();
      child.channel?.ref();
    },
    unref: () => {
      child.unref();
      child.channel?.unref();
    },
    terminate: async () => {
      if (life.exited) return;
      child.ref(); // keep the loop alive until the exit is seen
      child.channel?.ref();
      child.kill('SIGKILL');
      await life.gone;
    },
  };
}

interface Life {
  readonly exited: boolean;
  /** Resolves once the end was reported. */
  readonly gone: Promise<void>;
}

/**
 * Passes the child's messages on and reports its end once, with why it died. 'exit' can come before
 * the last IPC messages are read; the channel's close ('disconnect') comes after them, so the end is
 * reported only when both were seen — no result is lost to the race.
 */
function watchLife(child: ChildProcess, events: TransportEvents, maxMemoryMb: number | undefined): Life {
  let fatal: Error | undefined;
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let channelClosed = false;
  let resolveGone!: () => void;
  const life = { exited: false, gone: new Promise<void>((resolve) => (resolveGone = resolve)) };
  const finish = (): void => {
    if (life.exited || !exitInfo || !channelClosed) return;
    life.exited = true;
    const { code, signal } = exitInfo;
    let how = signal ? `killed by ${signal}` : `exit code ${code}`;
    // V8 aborts a process that reached its heap limit (after printing why on its stderr)
    if (maxMemoryMb !== undefined && signal === 'SIGABRT') how = outOfMemory(maxMemoryMb, how);
    events.exit(fatal ? `uncaught ${fatal.name}: ${fatal.message}` : how, fatal);
    resolveGone();
  };
  child.on('message', (message: FromWorker) => {
    if (message.t === 'fatal') fatal = fromWireError(message.error);
    else events.message(message);
  });
  child.once('exit', (code, signal) => {
    exitInfo = { code, signal };
    finish();
  });
  child.once('disconnect', () => {
    channelClosed = true;
    finish();
  });
  child.once('error', (error) => {
    // fork failed to spawn or to signal: report it as the exit, once
    fatal ??= error;
    exitInfo ??= { code: null, signal: null };
    channelClosed = true;
    finish();
  });
  return life;
}
