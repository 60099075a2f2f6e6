/**
 * Pool workers as child processes: IPC with 'advanced' serialization, so BigInt, Map and typed arrays
 * cross as they do between threads. No shared memory: the child reports each result before its next task.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fromWireError } from '../../internal/error-wire.ts';
import { workerExecArgv } from '../../internal/exec-argv.ts';
import type { FromWorker } from './protocol.ts';
import { ext, type Transport, type TransportEvents } from './transport.ts';

const entry = new URL(`./process-entry${ext()}`, import.meta.url);
let execArgv: string[] | undefined;

export function processTransport(events: TransportEvents): Transport {
  execArgv ??= workerExecArgv(entry, 'process');
  const child: ChildProcess = fork(fileURLToPath(entry), [], {
    execArgv,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let fatal: Error | undefined;
  let exited = false;
  // 'exit' can come before the last IPC messages are read; the channel's close comes after them.
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let channelClosed = false;
  let resolveGone!: () => void;
  const gone = new Promise<void>((resolve) => {
    resolveGone = resolve;
  });
  const finish = (): void => {
    if (exited || !exitInfo || !channelClosed) return;
    exited = true;
    const { code, signal } = exitInfo;
    const detail = fatal
      ? `uncaught ${fatal.name}: ${fatal.message}`
      : signal
        ? `killed by ${signal}`
        : `exit code ${code}`;
    events.exit(detail, fatal);
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
  return {
    counters: undefined,
    get alive() {
      return child.connected && !exited;
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
      if (exited) return;
      child.ref(); // keep the loop alive until the exit is seen
      child.channel?.ref();
      child.kill('SIGKILL');
      await gone;
    },
  };
}
