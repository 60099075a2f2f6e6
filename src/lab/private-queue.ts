/**
 * Removing a private queue the lab made for one distributed run: every key BullMQ keeps for it
 * (jobs, results, events, meta) — so a comparison leaves Redis as it found it. Bounded: a Redis that
 * went away must not hang the end of the run.
 */

/** How long removing the queue may take before the run gives up on it. */
const REMOVE_MS = 5_000;

export async function removeQueue(redis: string, name: string): Promise<void> {
  const { Queue } = await import('bullmq');
  const { bounded, bullConnection } = await import('../backends/distributed/redis.ts');
  const queue = new Queue(name, { connection: bullConnection(redis) });
  queue.on('error', () => {}); // a lost Redis is reported by the run itself, not again here
  try {
    await bounded(queue.obliterate({ force: true }), REMOVE_MS);
  } finally {
    await bounded(queue.close(), REMOVE_MS);
  }
}
