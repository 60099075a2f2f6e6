/**
 * Which job a dead worker was running: the one to blame (its outcome is `crashed`); every other job it
 * held is innocent (never started, or its result died with the worker) and runs again.
 *
 * - A thread counts started and completed calls in shared memory: the running call is known exactly,
 *   and a worker that died between calls blames nobody.
 * - A process has no shared memory. It reports each solo result before its next call, so its first
 *   unreported job is the running one — unless that job opens the unreported part of a chunk (whose
 *   results wait for its end): the running one is then somewhere in that part, and nobody is blamed.
 *   The pool runs those jobs again, each alone, so a second crash blames exactly.
 */

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
    const started = Atomics.load(counters, 0);
    if (started === Atomics.load(counters, 1)) return -1; // died between calls
    const at = started - 1 - received;
    return at >= 0 && at < lost ? at : -1;
  }
  const inChunk = openChunk !== undefined && openChunk[0] <= received;
  return inChunk && openChunk[1] - received > 1 ? -1 : 0;
}
