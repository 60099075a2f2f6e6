/**
 * A worker as the pool sees it, whatever it runs on: send a message, hear messages and the exit,
 * keep or stop keeping the event loop alive, terminate. Two implementations: threads and processes.
 */
import type { FromWorker, ToWorker } from './protocol.ts';

export interface TransportEvents {
  message(message: FromWorker): void;
  /** The worker is gone. `detail` says how (exit code, signal, uncaught error); `error` is that error. */
  exit(detail: string, error?: unknown): void;
}

export interface Transport {
  /** Counts shared with the worker, by `Counter` (protocol.ts): threads only, else undefined. */
  readonly counters: Int32Array | undefined;
  /** False once the worker is gone or going: a message sent now would be lost (its exit is on the way). */
  readonly alive: boolean;
  /** Posts a message; throws synchronously when it cannot be cloned. */
  send(message: ToWorker): void;
  ref(): void;
  unref(): void;
  /** Stops the worker now; resolves once it has exited. */
  terminate(): Promise<void>;
}

/** How each worker is started. */
export interface WorkerLimits {
  /** The worker's heap limit in MB (threads: resourceLimits; processes: --max-old-space-size). */
  maxMemoryMb?: number | undefined;
}

/** Starts a worker; throws when it cannot be started at all. */
export type TransportFactory = (events: TransportEvents, limits?: WorkerLimits) => Transport;

/** What to say about a worker that died of its heap limit. */
export function outOfMemory(maxMemoryMb: number, how: string): string {
  return `it ran out of memory (maxMemoryMb ${maxMemoryMb}; ${how})`;
}

export function ext(): string {
  return import.meta.url.endsWith('.ts') ? '.ts' : '.js';
}
