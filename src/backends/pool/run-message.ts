/**
 * Jobs as one 'run' message: flat calls (id, key, args, flags) and the task definitions the worker has
 * not been told yet. The hot path of a pool: one array per message, no object per call.
 */
import type { Job } from '../../core/job.ts';
import { CallFlag, type RunMessage, type TaskDef } from './protocol.ts';
import type { TaskKeys } from './task-keys.ts';

/**
 * The message for `jobs`: a chunk (its results may come back together, at its end) or solo calls.
 * `known[key]` says the worker already has that key's definition.
 */
export function runMessage(
  jobs: readonly Job[],
  chunk: boolean,
  keys: TaskKeys,
  known: boolean[],
): RunMessage {
  const calls: unknown[] = []; // packed, not `new Array(n)`: structured clone copies a holey array slowly
  let defs: TaskDef[] | undefined;
  const last = jobs.length - 1;
  for (let i = 0; i <= last; i++) {
    const job = jobs[i]!;
    const key = keys.keyOf(job.ref);
    if (!known[key]) defs = withDef(defs, keys.def(key));
    const { args } = job;
    const one = args.length === 1;
    calls.push(
      job.id,
      key,
      one ? args[0] : args,
      flagsOf(job, chunk, i === last) | (one ? CallFlag.oneArg : 0),
    );
  }
  return { t: 'run', defs, calls };
}

function flagsOf(job: Job, chunk: boolean, last: boolean): number {
  const timed = job.timeoutMs !== undefined ? CallFlag.notifyStart : 0;
  return chunk ? timed | CallFlag.inChunk | (last ? CallFlag.chunkEnd : 0) : timed;
}

/** `defs` with `def` added once (TaskKeys hands out one object per key). */
function withDef(defs: TaskDef[] | undefined, def: TaskDef): TaskDef[] {
  if (!defs) return [def];
  if (!defs.includes(def)) defs.push(def);
  return defs;
}
