/**
 * Task fixtures for the worker-ops tests. A gated task reports that it started over TCP to the test's
 * gate (see gate.ts) and finishes only when the test opens the gate: the test decides when a job
 * ends, so a signal can be sent while a job is known to run — no sleeps.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { defineTasks } from '../../src/index.ts';

/** Reports "started" to the gate on `port`, returns `value` once the gate opens. */
export function gated(port: number, value: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write('started\n'));
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      if (!text.includes('go')) return;
      socket.destroy();
      resolve(value);
    });
    socket.once('error', reject);
  });
}

/** The first run (per marker file) waits at the gate for good; a run after that returns at once. */
export function gatedFirstTime(port: number, marker: string): Promise<string> | string {
  if (existsSync(marker)) return 'ran again';
  writeFileSync(marker, 'first run');
  return gated(port, 'first run');
}

export function square(n: number): number {
  return n * n;
}

export function fail(message: string): never {
  throw new Error(message);
}

export const tasks = defineTasks(import.meta.url, { gated, gatedFirstTime, square, fail });
