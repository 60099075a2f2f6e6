/**
 * The executor side's connection to one queue: every BullMQ and Redis call the distributed backend
 * makes, in one place. Loaded with `import()` on first use; bullmq and ioredis come with it, so the
 * rest of the backend imports only its type.
 */
import { Job as BullJob, type JobsOptions, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { bounded, bullConnection, openRedis, probeRedis, unreachable } from './redis.ts';
import { cancelChannel, cancelText, type JobData, LARGE_RESULT, resultKey } from './wire.ts';

export interface NewJob {
  name: string;
  data: JobData;
  opts: JobsOptions;
}

/** What Redis knows of a job the executor has not heard back about. */
export type Fate =
  | { kind: 'missing' }
  | { kind: 'pending' }
  | { kind: 'completed'; returnvalue: unknown }
  | { kind: 'failed'; failedReason: string };

export class Link {
  private constructor(
    /** Our own connection, to watch it drop and come back, and to publish cancels. */
    readonly redis: Redis,
    readonly queue: Queue,
    readonly events: QueueEvents,
    readonly cancelChannel: string,
  ) {}

  /**
   * Connects: a probe first (a clear error when Redis is unreachable), then the Queue on a connection of
   * our own and QueueEvents reading from the stream's current end, so no event of a job added from now
   * on can be missed.
   */
  static async open(url: string, queueName: string): Promise<Link> {
    await probeRedis(url);
    const redis = await openRedis(url);
    redis.on('error', () => {}); // state changes are read from 'close' and 'ready'
    const queue = new Queue(queueName, { connection: redis });
    queue.on('error', () => {});
    try {
      const last = (await redis.xrevrange(queue.keys.events!, '+', '-', 'COUNT', 1)) as [string, string[]][];
      const lastEventId = last[0]?.[0] ?? '0-0';
      const events = new QueueEvents(queueName, { connection: bullConnection(url), lastEventId });
      events.on('error', () => {});
      await events.waitUntilReady();
      return new Link(redis, queue, events, cancelChannel(queue.opts.prefix ?? 'bull', queueName));
    } catch (error) {
      await bounded(queue.close(), 1_000);
      redis.disconnect();
      throw unreachable(url, error);
    }
  }

  /** Adds jobs: a plain add for one (an addBulk builds an ioredis pipeline, which costs more than the job). */
  add(jobs: NewJob[]): Promise<unknown> {
    const one = jobs.length === 1 ? jobs[0]! : undefined;
    return one ? this.queue.add(one.name, one.data, one.opts) : this.queue.addBulk(jobs);
  }

  /** Removes waiting jobs; asks the workers running the others (remove refuses locked jobs) to stop them. */
  async cancel(ids: string[], reason: unknown): Promise<void> {
    const running: string[] = [];
    await Promise.all(
      ids.map(async (id) => {
        const removed = await this.queue.remove(id).catch(() => 0);
        if (removed !== 1) running.push(id);
      }),
    );
    if (running.length > 0)
      await this.redis.publish(this.cancelChannel, cancelText(running, reason)).catch(() => 0);
  }

  /**
   * Removes finished jobs whose results were read (a job still locked by a worker is left alone), and
   * the large results stored beside them.
   */
  async remove(ids: readonly string[], large: readonly string[] = []): Promise<void> {
    await Promise.all([
      ...ids.map((id) => this.queue.remove(id).catch(() => 0)),
      large.length > 0 ? this.redis.del(...large.map((id) => this.#resultKey(id))).catch(() => 0) : 0,
    ]);
  }

  /** A completed job's return value as it was sent: a large one is read from where the worker put it. */
  async returned(id: string, returnvalue: unknown): Promise<unknown> {
    if (returnvalue !== LARGE_RESULT) return returnvalue;
    const text = await this.redis.get(this.#resultKey(id));
    return text ?? { expired: true };
  }

  #resultKey(id: string): string {
    return resultKey(this.queue.opts.prefix ?? 'bull', this.queue.name, id);
  }

  async fate(id: string): Promise<Fate> {
    const job = await BullJob.fromId(this.queue, id);
    if (!job) return { kind: 'missing' };
    if (!job.finishedOn) return { kind: 'pending' };
    const state = await job.getState();
    if (state === 'completed') return { kind: 'completed', returnvalue: job.returnvalue };
    if (state === 'failed') return { kind: 'failed', failedReason: job.failedReason };
    return { kind: 'pending' };
  }

  /** Makes both connections anew: a network gone silent closes no socket, so ioredis never would. */
  remake(): void {
    this.redis.disconnect(true);
    void this.events
      .getBackend()
      .client.then((client) => client.disconnect(true))
      .catch(() => {});
  }

  workerCount(): Promise<number> {
    return this.queue.getWorkersCount();
  }

  async close(): Promise<void> {
    await bounded(Promise.allSettled([this.events.close(), this.queue.close()]), 3_000);
    this.redis.disconnect();
  }
}
