/**
 * Which job a worker is running — when it died: the one to blame (its outcome is `crashed`); every other
 * job it held is innocent (never started, or its result died with the worker) and runs again. While it
 * lives: whether a cancelled job is the one holding it (cancel-grace.ts).
 *
 * - A thread counts started and completed calls in shared memory: the running call is known exactly,
 *   and a worker that died between calls blames nobody.
 * - A process has no shared memory. It reports each solo result before its next call, so its first
 *   unreported job is the running one — unless that job opens the unreported part of a chunk (whose
 *   results wait for its end): the running one is then somewhere in that part, and nobody is blamed.
 *   The pool runs those jobs again, each alone, so a second crash blames exactly.
 */

import type { Standing } from './cancel-grace.ts';
import { Counter } from './protocol.ts';

/**
 * The index, among the `lost` unreported jobs, of the running one, or -1 when none can be blamed.
 * `received`: results the worker reported; `counters`: a thread's [started, completed];
 * `openChunk`: [first, end) ordinals of the oldest chunk not fully reported (processes).
 */
export function runningIndex(
  lost: number,
  received: number,
  counters: Int32Array | undefined,
  openChunk: readonly [number, number] | undefined,
): number {
  if (lost === 0) return -1;
  if (counters) {
    const started = Atomics.load(counters, Counter.started);
    if (started === Atomics.load(counters, Counter.completed)) return -1; // died between calls
    const at = started - 1 - received;
    return at >= 0 && at < lost ? at : -1;
  }
  const inChunk = openChunk !== undefined && openChunk[0] <= received;
  return inChunk && openChunk[1] - received > 1 ? -1 : 0;
}

/**
 * Where the job at index `at` of a live worker's unreported jobs stands (same inputs as runningIndex).
 * A thread knows exactly, and reads its cancels before each call: a job it has not started will be
 * skipped. A process runs its first unreported job, or one in the unreported part of a chunk.
 */
export function standingAt(
  at: number,
  received: number,
  counters: Int32Array | undefined,
  openChunk: readonly [number, number] | undefined,
): Standing {
  const ordinal = received + at;
  if (counters) {
    const started = Atomics.load(counters, Counter.started) > ordinal;
    return started && Atomics.load(counters, Counter.completed) <= ordinal ? 'running' : 'done';
  }
  if (at === 0) return 'running';
  const inChunk = openChunk !== undefined && openChunk[0] <= received && ordinal < openChunk[1];
  return inChunk ? 'running' : 'waiting';
}
