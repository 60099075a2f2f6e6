/**
 * A started `conc worker` as its owner sees it: whether it is ready, its counters and metrics, its
 * log, and how it stops. The parts (BullMQ worker, job processor, Redis watch, health server) are
 * made in start.ts; this file says how they answer together.
 */
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { redact, scrub } from '../backends/distributed/redis.ts';
import type { HealthServer, Readiness } from './health.ts';
import type { WorkerLog } from './log.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { DistributedWorker, ResolvedWorkerOptions, WorkerStats } from './options.ts';
import type { LocalMode } from './processor.ts';
import { RedisWatch } from './redis-watch.ts';
import type { ActiveJobs, Shutdown, StopReport } from './shutdown.ts';

/** Errors that only say Redis is unreachable: the watch reports the outage once, not each of these. */
const CONNECTION_ERROR =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|Connection is closed|Socket closed|Stream isn't writeable|connect ETIMEDOUT|ended the connection/i;
/** The same other error is logged at most once in this long. */
const ERROR_EVERY_MS = 60_000;

export interface RunningParts {
  worker: Worker;
  active: ActiveJobs;
  shutdown: Shutdown;
  metrics: WorkerMetrics;
  modules: ReadonlyMap<string, string>;
  options: ResolvedWorkerOptions;
}

/** What startWorker returns: the parts of a started worker, answering as one (see DistributedWorker). */
export class RunningWorker implements DistributedWorker {
  readonly queue: string;
  readonly concurrency: number;
  readonly mode: LocalMode;
  readonly modules: ReadonlyMap<string, string>;
  readonly log: WorkerLog;
  readonly #parts: RunningParts;
  #watch: RedisWatch | undefined;
  #subscriber: Redis | undefined;
  #health: HealthServer | undefined;
  #errors = new Map<string, { at: number; repeats: number }>();

  constructor(parts: RunningParts) {
    this.#parts = parts;
    const o = parts.options;
    this.queue = o.queue;
    this.concurrency = o.concurrency;
    this.mode = o.mode;
    this.modules = parts.modules;
    this.log = o.log;
    parts.worker.on('error', (error) => this.#onError(error));
    // A job leaves the active list once BullMQ reported it: only then is its result safe in Redis.
    parts.worker.on('completed', (job) => parts.active.delete(job.id));
    parts.worker.on('failed', (job) => parts.active.delete(job?.id));
  }

  get healthUrl(): string | undefined {
    return this.#health?.url;
  }

  /** True while Redis answers (false until the watch is attached). */
  get redisUp(): boolean {
    return this.#watch?.up ?? false;
  }

  /** Watches Redis on the worker's own connection (its cancel subscriber). */
  attach(subscriber: Redis): void {
    this.#subscriber = subscriber;
    const where = redact(this.#parts.options.url);
    this.#watch = new RedisWatch(subscriber, {
      onDown: (reason) =>
        this.log.warn(
          'redis.down',
          `lost the connection to Redis at ${where} (${reason}); taking no jobs until it is back`,
        ),
      onStill: (ms, attempts) =>
        this.log.warn(
          'redis.unreachable',
          `Redis at ${where} still unreachable after ${Math.round(ms / 1000)} s (${attempts} reconnect attempts); taking no jobs`,
          { downForSeconds: Math.round(ms / 1000), attempts },
        ),
      onUp: (ms, attempts) => {
        this.#parts.metrics.reconnected();
        this.log.info(
          'redis.up',
          `the connection to Redis at ${where} is back after ${(ms / 1000).toFixed(1)} s (${attempts} reconnect attempts); taking jobs again`,
          { downForSeconds: Math.round(ms / 100) / 10, attempts },
        );
      },
    });
  }

  /** Serves /live, /ready and /metrics until the worker stops. */
  serve(health: HealthServer): void {
    this.#health = health;
  }

  readiness(): Readiness {
    if (this.#parts.shutdown.stopping) return { ready: false, reason: 'stopping: taking no new jobs' };
    if (!this.#watch) return { ready: false, reason: 'starting' };
    if (!this.#watch.up) {
      const s = Math.round(this.#watch.downForMs / 1000);
      return { ready: false, reason: `Redis unreachable for ${s} s` };
    }
    if (!this.#parts.worker.isRunning()) return { ready: false, reason: 'not taking jobs' };
    return { ready: true };
  }

  stats(): WorkerStats {
    return {
      ready: this.readiness().ready,
      redisUp: this.redisUp,
      running: this.#parts.active.size,
      reconnects: this.#watch?.reconnects ?? 0,
      byTask: this.#parts.metrics.counts(),
    };
  }

  async metrics(): Promise<string> {
    return (await this.#parts.metrics.text()).body;
  }

  /** The metrics and their content type, for GET /metrics. */
  exposition(): Promise<{ body: string; contentType: string }> {
    return this.#parts.metrics.text();
  }

  async close(options: { force?: boolean } = {}): Promise<void> {
    await this.stop(options);
  }

  async stop({ force = false } = {}): Promise<StopReport> {
    const report = await this.#parts.shutdown.stop(force);
    this.#watch?.stop();
    this.#subscriber?.disconnect();
    await this.#health?.close();
    return report;
  }

  #onError(error: Error): void {
    const message = scrub(error.message, this.#parts.options.url);
    if (CONNECTION_ERROR.test(message) || CONNECTION_ERROR.test(String((error as { code?: string }).code))) {
      this.log.debug('redis.error', message);
      return;
    }
    const now = Date.now();
    const seen = this.#errors.get(message);
    if (seen && now - seen.at < ERROR_EVERY_MS) {
      seen.repeats++;
      return;
    }
    const repeats = seen?.repeats ? ` (and ${seen.repeats} times more in the last minute)` : '';
    if (this.#errors.size > 100) this.#errors.clear();
    this.#errors.set(message, { at: now, repeats: 0 });
    this.log.error('worker.error', `${message}${repeats}`);
  }
}
