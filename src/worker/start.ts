/**
 * `conc worker` on BullMQ: a Worker on the queue hands each job to the job processor (processor.ts)
 * and reports what it returns; a subscriber on the cancel channel stops jobs the caller gave up on.
 *
 *   Redis queue ─▶ BullMQ Worker (concurrency N, lock renewal, stalled-job recovery, attempts 1)
 *                      │ job ─▶ JobProcessor ─▶ completed: the outcomes · failed (none succeeded): the
 *                      ▼                          outcomes after readable text (UnrecoverableError)
 *                  cancel channel ─▶ worker.cancelJob(id) ─▶ the job's AbortSignal
 */
import { hostname } from 'node:os';
import type { Job as BullJob, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullConnection, openRedis, probeRedis, redact, scrub } from '../backends/distributed/redis.ts';
import { cancelChannel, readableFailure } from '../backends/distributed/wire.ts';
import { buildAllowList } from './allow-list.ts';
import {
  type DistributedWorker,
  type ResolvedWorkerOptions,
  resolveWorkerOptions,
  type WorkerOptions,
} from './options.ts';
import { JobProcessor } from './processor.ts';

/**
 * Starts a worker on `queue` at `redis`. Resolves once it listens; rejects with a clear error when
 * Redis is unreachable or a task module cannot be loaded.
 *
 * @example
 * const worker = await startWorker({ redis: 'redis://127.0.0.1:6379', tasks: ['./tasks.ts'] });
 * // … later
 * await worker.close();
 */
export async function startWorker(options: WorkerOptions): Promise<DistributedWorker> {
  const o = resolveWorkerOptions(options);
  const modules = await buildAllowList(options);
  await probeRedis(o.url);
  const bull = await import('bullmq');
  const host = `${hostname()}:${process.pid}`;
  const processor = new JobProcessor({ modules, mode: o.mode, workers: o.localWorkers, host });

  const run = async (job: BullJob, signal: AbortSignal | undefined): Promise<string> => {
    const done = await processor.process(job.name, job.data, signal);
    if (done.ok) return done.text;
    if (done.outcomes[0]?.[0] === 'not-found') {
      o.log(`conc worker: refused job ${job.id} "${job.name}": ${readableFailure(done.text)}`);
    }
    throw new bull.UnrecoverableError(done.text);
  };
  // A cancel can stop a task only on a thread or process of its own. In mode async it could only be
  // abandoned, so no AbortSignal is made per job: it costs more than a tiny task (~25 µs in Node 20).
  const processJob =
    o.mode === 'async'
      ? (job: BullJob) => run(job, undefined)
      : (job: BullJob, _token?: string, signal?: AbortSignal) => run(job, signal);
  const worker: Worker = new bull.Worker(o.queue, processJob, {
    connection: bullConnection(o.url),
    concurrency: o.concurrency,
    name: host,
    lockDuration: o.stallMs,
    stalledInterval: Math.max(500, Math.floor(o.stallMs / 2)),
    maxStalledCount: 2,
  });
  worker.on('error', (error) => o.log(`conc worker: ${scrub(error.message, o.url)}`));
  let subscriber: Redis | undefined;
  try {
    await worker.waitUntilReady();
    subscriber = await listenForCancels(worker, o);
  } catch (error) {
    await worker.close(true).catch(() => {});
    subscriber?.disconnect();
    await processor.close(true);
    throw error;
  }
  return handle(worker, processor, subscriber, o, modules);
}

/** Subscribes to the queue's cancel channel: each message names jobs to stop. */
async function listenForCancels(worker: Worker, o: ResolvedWorkerOptions): Promise<Redis> {
  const subscriber = await openRedis(o.url);
  subscriber.on('error', () => {});
  subscriber.on('message', (_channel: string, text: string) => {
    for (const id of text.split(' ')) worker.cancelJob(id, 'cancelled by the caller');
  });
  await subscriber.subscribe(cancelChannel(worker.opts.prefix ?? 'bull', o.queue));
  return subscriber;
}

function handle(
  worker: Worker,
  processor: JobProcessor,
  subscriber: Redis,
  o: ResolvedWorkerOptions,
  modules: ReadonlyMap<string, string>,
): DistributedWorker {
  let closing: Promise<void> | undefined;
  return {
    queue: o.queue,
    concurrency: o.concurrency,
    mode: o.mode,
    modules,
    close({ force = false } = {}) {
      if (closing && !force) return closing;
      closing = (async () => {
        const stopped = force ? processor.close(true) : undefined;
        // A forced close does not wait for Redis either: if it is gone, drop the connections.
        if (!force) await worker.close();
        else if (!(await settlesWithin(worker.close(true), 5_000)))
          await settlesWithin(worker.disconnect(), 1_000);
        await (stopped ?? processor.close(false));
        subscriber.disconnect();
      })();
      return closing;
    },
  };
}

/** Waits for `promise` at most `ms`; true when it settled in time. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return done;
}

/** The worker's banner: where it listens (password masked), how, and which task modules it runs. */
export function describeWorker(worker: DistributedWorker, url: string): string {
  const tasks = [...worker.modules.keys()].join(', ') || 'none';
  return `conc worker: queue "${worker.queue}" at ${redact(url)}, ${worker.concurrency} jobs at once (${worker.mode}), tasks: ${tasks}`;
}
