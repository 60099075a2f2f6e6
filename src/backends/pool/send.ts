/** Sending the head of the pool's queue to the worker picked for it (pool.ts dispatches). */
import type { Job } from '../../core/job.ts';
import { isChunk, type JobQueue } from './job-queue.ts';
import type { WorkerSlot } from './worker-slot.ts';

/** The chunk at the head of the queue, in one message (cut to what the worker may still run). */
export function sendChunk(queue: JobQueue, slot: WorkerSlot, chunk: readonly Job[]): void {
  queue.shift();
  const live = chunk.filter((job) => job.markRunning());
  const room = slot.chunkRoom();
  const jobs = live.length > room ? live.slice(0, room) : live;
  if (jobs.length < live.length) {
    const rest = live.slice(jobs.length);
    for (const job of rest) job.reset();
    queue.unshift(rest.length === 1 ? rest[0]! : rest);
  }
  slot.run(jobs, jobs.length > 1);
}

/** As many solo jobs from the head of the queue as the worker has room for, in one message. */
export function sendSolo(queue: JobQueue, slot: WorkerSlot, first: Job): void {
  queue.shift();
  first.markRunning();
  const jobs = [first];
  if (first.timeoutMs === undefined) {
    for (let room = slot.room() - 1; room > 0; room--) {
      const next = queue.head();
      if (next === undefined || isChunk(next) || next.timeoutMs !== undefined) break;
      queue.shift();
      next.markRunning();
      jobs.push(next);
    }
  }
  slot.run(jobs, false);
}
