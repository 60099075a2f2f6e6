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
import { bullConnection, openRedis, probeRedis, redact } from '../backends/distributed/redis.ts';
import { cancelChannel, parseCancel, RESULT_TTL_MS, resultKey } from '../backends/distributed/wire.ts';
import { buildAllowList } from './allow-list.ts';
import { reasonText } from './cancel-reason.ts';
import { type HealthServer, serveHealth } from './health.ts';
import { jobHandler } from './job-handler.ts';
import {
  type DistributedWorker,
  type ResolvedWorkerOptions,
  resolveWorkerOptions,
  type WorkerOptions,
} from './options.ts';
import { JobProcessor } from './processor.ts';
import { RunningWorker } from './running.ts';
import { ActiveJobs, Shutdown } from './shutdown.ts';

/**
 * Starts a worker on `queue` at `redis`. Resolves once it listens; rejects with a clear error when
 * Redis is unreachable, a task module cannot be loaded or the health port cannot be used.
 *
 * @example
 * const worker = await startWorker({ redis: 'redis://127.0.0.1:6379', tasks: ['./tasks.ts'], healthPort: 9464 });
 * // … later: take no more jobs, let running ones finish within the grace
 * const { how } = await worker.stop(); // 'drained', or 'forced' when the grace ran out
 */
export async function startWorker(options: WorkerOptions): Promise<DistributedWorker> {
  const o = resolveWorkerOptions(options);
  const modules = await buildAllowList({ ...options, loadTimeoutMs: o.loadTimeoutMs }, (spec, ms, limit) =>
    o.log.warn(
      'tasks.slow',
      `still loading task module ${spec} after ${ms / 1000} s: its top-level code has not finished ` +
        `(a top-level await, a connection it opens on import?); giving up after ${limit / 1000} s`,
      { module: spec, waitedMs: ms, timeoutMs: limit },
    ),
  );
  await probeRedis(o.url);
  const [bull, { WorkerMetrics }] = await Promise.all([import('bullmq'), import('./metrics.ts')]);
  const host = `${hostname()}:${process.pid}`;
  const processor = new JobProcessor({ modules, mode: o.mode, workers: o.localWorkers, host });
  // Jobs arrive only after run() (autorun: false), by when `handle` is set.
  let handle: ReturnType<typeof jobHandler>;
  // Every job gets its AbortSignal (BullMQ makes one for a processor that takes three arguments): a
  // cancel reaches the task's taskSignal() in every local mode, async included.
  const processJob = (job: BullJob, token?: string, signal?: AbortSignal) => handle(job, token, signal);
  const worker: Worker = new bull.Worker(o.queue, processJob, {
    connection: bullConnection(o.url),
    concurrency: o.concurrency,
    name: host,
    lockDuration: o.stallMs,
    stalledInterval: Math.max(500, Math.floor(o.stallMs / 2)),
    maxStalledCount: 2,
    autorun: false,
  });
  const active = new ActiveJobs();
  // The gauges and the stop read the running worker, made below.
  let running!: RunningWorker;
  const shutdown = new Shutdown({
    worker,
    active,
    graceMs: o.graceMs,
    stopTasks: (force) => processor.close(force),
    redisUp: () => running.redisUp,
    onForce: (reason, jobs) => o.log.warn('worker.forced', forcedLine(reason, jobs, o.graceMs), { jobs }),
  });
  const metrics = new WorkerMetrics(o.queue, o.concurrency, {
    running: () => active.size,
    ready: () => running.readiness().ready,
    redisUp: () => running.redisUp,
  });
  running = new RunningWorker({ worker, active, shutdown, metrics, modules, options: o });
  const redisUp = () => running.redisUp;
  const storeLarge = async (id: string, text: string) => {
    const key = resultKey(worker.opts.prefix ?? 'bull', o.queue, id);
    const client = (await worker.getBackend().client) as unknown as Redis; // the worker's own connection
    await client.set(key, text, 'PX', RESULT_TTL_MS);
  };
  handle = jobHandler({
    processor,
    metrics,
    log: o.log,
    active,
    shutdown,
    redisUp,
    storeLarge,
    errors: bull,
  });
  await listen(running, worker, processor, o);
  return running;
}

/** Connects, subscribes to cancels, opens the health server, then starts taking jobs. */
async function listen(
  running: RunningWorker,
  worker: Worker,
  processor: JobProcessor,
  o: ResolvedWorkerOptions,
): Promise<void> {
  let subscriber: Redis | undefined;
  let health: HealthServer | undefined;
  try {
    await worker.waitUntilReady();
    subscriber = await listenForCancels(worker, o);
    running.attach(subscriber);
    if (o.health) {
      health = await serveHealth({
        ...o.health,
        ready: () => running.readiness(),
        metrics: () => running.exposition(),
      });
      running.serve(health);
    }
  } catch (error) {
    await worker.close(true).catch(() => {});
    subscriber?.disconnect();
    await health?.close();
    await processor.close(true);
    throw error;
  }
  // run() resolves when the worker closes; what goes wrong on the way arrives as 'error' events.
  worker.run().catch((error: Error) => worker.emit('error', error));
}

function forcedLine(reason: 'grace' | 'asked', jobs: number, graceMs: number): string {
  const why = reason === 'grace' ? `the grace of ${graceMs} ms ran out` : 'stopping now';
  const what =
    jobs === 0
      ? 'no job is running'
      : jobs === 1
        ? '1 running job goes back to the queue'
        : `${jobs} running jobs go back to the queue`;
  return jobs === 0
    ? `${why}: ${what}`
    : `${why}: ${what} (or, if Redis is unreachable, to stalled-job recovery)`;
}

/** Subscribes to the queue's cancel channel: each message names jobs to stop. */
async function listenForCancels(worker: Worker, o: ResolvedWorkerOptions): Promise<Redis> {
  const subscriber = await openRedis(o.url);
  subscriber.on('error', () => {}); // its outages are reported by the Redis watch (redis-watch.ts)
  subscriber.on('message', (_channel: string, text: string) => {
    // BullMQ hands a cancel's reason to the job's AbortSignal as text: the caller's error, as data
    const { ids, reason } = parseCancel(text);
    for (const id of ids) worker.cancelJob(id, reasonText(reason));
  });
  await subscriber.subscribe(cancelChannel(worker.opts.prefix ?? 'bull', o.queue));
  return subscriber;
}

/** The worker's banner: where it listens (password masked), how, and which task modules it runs. */
export function describeWorker(worker: DistributedWorker, url: string): string {
  const tasks = [...worker.modules.keys()].join(', ') || 'none';
  return `queue "${worker.queue}" at ${redact(url)}, ${worker.concurrency} jobs at once (${worker.mode}), tasks: ${tasks}`;
}
