/**
 * Mode 'distributed': calls become BullMQ jobs on a Redis queue, run by `conc worker`s on any machine.
 *
 *   start(jobs) ─▶ Entry (one BullMQ job: one call, or a chunk) ─▶ Adder ─▶ Redis queue ─▶ conc worker(s)
 *                                                                              │
 *   settle ◀─ outcomes ◀─ trackEvents: active · completed · failed · waiting ◀─┘
 *   cancel ─▶ Queue.remove (waiting) · PUBLISH cancel (running)
 *   Deadlines: timed calls nobody runs or reports on · Watchdog: Redis gone, lost events, lost jobs
 *
 * bullmq and ioredis are imported on first use (link.ts), so nobody else pays for them. Each BullMQ
 * job is one attempt: retries are the core's, as for every backend; a dead worker's job is re-run by
 * BullMQ's stalled-job recovery, which is not a retry (the job never finished).
 */
import { randomBytes } from 'node:crypto';
import type { Backend, BackendStats, Cancel } from '../../core/backend.ts';
import type { Job } from '../../core/job.ts';
import { type Failure, uncloneableArguments } from '../../core/outcome.ts';
import { InvalidOptionsError, RedisError, TaskNotFoundError } from '../../errors.ts';
import type { TaskRef } from '../../tasks.ts';
import { Adder } from './adder.ts';
import { Deadlines } from './deadlines.ts';
import { Entries } from './entries.ts';
import { Entry } from './entry.ts';
import type { Link } from './link.ts';
import { DEFAULT_NO_WORKER_TIMEOUT_MS, NoWorkerWatch } from './no-worker.ts';
import { Reaper } from './reaper.ts';
import { bounded, checkQueueName, checkRedisUrl, DEFAULT_REDIS, redact, unreachable } from './redis.ts';
import { TaskCounts } from './task-counts.ts';
import { trackEvents } from './tracker.ts';
import { Watchdog } from './watchdog.ts';
import { encode, type JobData, jobName } from './wire.ts';

export interface DistributedOptions {
  redis: string | undefined;
  queue: string;
  workers: number;
  initializer?: TaskRef | undefined;
  initArgs: unknown[];
  /** How long a call waits while no worker listens on the queue (Infinity: forever). */
  noWorkerTimeoutMs?: number | undefined;
}

/** Items map/imap keep queued in Redis at once by default: enough to keep many workers busy. */
const WINDOW = 1024;

/**
 * The backend of mode 'distributed'. Created without touching Redis; connects on the first task, and
 * tries again on the next one if Redis was unreachable.
 */
export class DistributedBackend implements Backend {
  readonly mode = 'distributed' as const;
  readonly concurrency: number;
  readonly window = WINDOW;
  readonly #url: string;
  readonly #queue: string;
  readonly #init: Pick<JobData, 'i' | 'ia'> = {};
  readonly #tag = randomBytes(6).toString('hex');
  readonly #counts = new TaskCounts();
  readonly #entries = new Entries(
    () => this.#adder.schedule(),
    (entry, kind) => this.#counts.ended(entry.name, kind),
  );
  readonly #adder: Adder;
  #link: Link | undefined;
  #connecting: Promise<Link> | undefined;
  #deadlines: Deadlines | undefined;
  #watchdog: Watchdog | undefined;
  #noWorker: NoWorkerWatch | undefined;
  #reaper: Reaper | undefined;
  readonly #noWorkerTimeoutMs: number;
  #workers = 0;
  #chores = new Set<Promise<unknown>>();

  constructor(options: DistributedOptions) {
    this.#url = checkRedisUrl(options.redis ?? DEFAULT_REDIS, 'createExecutor');
    this.#queue = checkQueueName(options.queue, 'createExecutor');
    this.concurrency = options.workers;
    this.#noWorkerTimeoutMs = options.noWorkerTimeoutMs ?? DEFAULT_NO_WORKER_TIMEOUT_MS;
    this.#adder = new Adder(this.#entries, {
      url: this.#url,
      queue: this.#queue,
      onAdded: (entry) => this.#deadlines?.arm(entry),
    });
    if (options.initializer) {
      const name = remoteName(options.initializer, 'createExecutor: initializer');
      if (typeof name !== 'string') throw new TaskNotFoundError(name.message);
      this.#init.i = name;
      try {
        this.#init.ia = encode(options.initArgs);
      } catch (error) {
        throw new InvalidOptionsError(
          `createExecutor: initArgs must be structured-cloneable to reach remote workers: ${(error as Error).message}.`,
        );
      }
    }
  }

  /** Calls of one task and timeout started together travel as one BullMQ job. */
  start(jobs: readonly Job[]): void {
    if (jobs.length === 1) this.#send(jobs);
    else for (const group of groupByTask(jobs)) this.#send(group);
  }

  cancel(job: Job, reason: unknown): void {
    if (job.settled) return;
    const done = this.#entries.cancel(job, reason);
    if (done) this.#cancelRemote([done], reason);
  }

  /**
   * Resolves once Redis answers and the queue is open (rejects with RedisError when it is unreachable).
   * It does not wait for a `conc worker`: those come and go on other machines; noWorkerTimeoutMs
   * bounds how long a call waits for one.
   */
  async ready(): Promise<void> {
    await (this.#link ?? this.#connect());
  }

  stats(): BackendStats {
    return { running: this.#entries.running, queued: this.#entries.queued, workers: this.#workers };
  }

  /**
   * Where the queue is, and the same counters a `conc worker` exposes (worker.stats(), /metrics): by
   * task (`module-id#name`), calls completed, failed, cancelled, refused (no worker would run the task)
   * and retried (put back in the queue after a worker died or stopped, or added again after Redis lost
   * them); and how often the connection to Redis came back after an outage.
   */
  info(): Record<string, unknown> {
    return {
      redis: redact(this.#url),
      queue: this.#queue,
      readded: this.#adder.readded,
      reconnects: this.#watchdog?.reconnects ?? 0,
      byTask: this.#counts.snapshot(),
    };
  }

  async close(cancel?: Cancel): Promise<void> {
    if (cancel) {
      const entries = this.#entries.all();
      for (const entry of entries) this.#entries.fail(entry, { kind: 'aborted', reason: cancel.reason });
      this.#cancelRemote(entries, cancel.reason);
    } else {
      await this.#entries.idle();
    }
    const link = this.#link ?? (await this.#connecting?.catch(() => undefined));
    this.#watchdog?.stop();
    this.#noWorker?.stop();
    if (!link) return;
    await bounded(Promise.allSettled([...this.#chores, this.#reaper?.idle()]), 3_000);
    await link.close();
  }

  #send(jobs: readonly Job[]): void {
    const first = jobs[0]!;
    const name = remoteName(first.ref, 'submit');
    if (typeof name !== 'string') {
      for (const job of jobs) job.settle(name);
      return;
    }
    const sendable = encodeArgs(jobs.filter((job) => job.markRunning()));
    if (!sendable) return;
    const data: JobData = { a: sendable.a, ...this.#init };
    if (first.timeoutMs !== undefined) data.t = first.timeoutMs;
    const entry = new Entry(`${this.#tag}.${sendable.jobs[0]!.id}`, sendable.jobs, name, data);
    this.#entries.add(entry);
    this.#adder.push(entry);
    if (!this.#link) void this.#connect();
  }

  #connect(): Promise<Link> {
    this.#connecting ??= this.#open().then(
      (link) => {
        this.#link = link;
        this.#adder.attach(link);
        return link;
      },
      (error: unknown) => {
        // Fail what waits; the next submit tries again (Redis may be back by then).
        this.#connecting = undefined;
        const failure = error instanceof RedisError ? error : unreachable(this.#url, error);
        const outcome: Failure = { kind: 'unreachable', message: failure.message, cause: failure.cause };
        for (const entry of this.#adder.drain()) this.#entries.fail(entry, outcome);
        throw failure;
      },
    );
    this.#connecting.catch(() => {});
    return this.#connecting;
  }

  async #open(): Promise<Link> {
    const { Link } = await import('./link.ts');
    const link = await Link.open(this.#url, this.#queue);
    const onWorkers = (count: number) => {
      this.#workers = count;
    };
    const cancelRemote = (entries: Entry[], reason: unknown) => this.#cancelRemote(entries, reason);
    this.#deadlines = new Deadlines(link, this.#entries, {
      url: this.#url,
      queue: this.#queue,
      onWorkers,
      cancelRemote,
    });
    const reaper = new Reaper(link);
    this.#reaper = reaper;
    const reap = (id: string, large: boolean) => reaper.read(id, large);
    trackEvents(link, this.#entries, this.#deadlines, { ours: (id) => id.startsWith(`${this.#tag}.`), reap });
    // A job put back after it ran (its worker died or stopped) runs again: counted as retried.
    link.events.on('waiting', ({ jobId, prev }: { jobId: string; prev?: string }) => {
      const entry = prev === 'active' ? this.#entries.get(jobId) : undefined;
      if (entry) this.#counts.add(entry.name, 'retried', entry.open);
    });
    this.#noWorker = new NoWorkerWatch(link, this.#entries, {
      url: this.#url,
      queue: this.#queue,
      timeoutMs: this.#noWorkerTimeoutMs,
      onWorkers,
      cancelRemote,
    });
    this.#watchdog = new Watchdog(link, this.#entries, this.#adder, {
      url: this.#url,
      onWorkers,
      onReadd: (entry) => this.#counts.add(entry.name, 'retried', entry.open),
      onRead: (entry, large) => reap(entry.id, large),
    });
    return link;
  }

  /** Removes waiting jobs from Redis; asks the workers running the others to stop them, with `reason`. */
  #cancelRemote(entries: Entry[], reason: unknown): void {
    const link = this.#link;
    const sent = entries.filter((entry) => entry.added !== undefined);
    if (!link || sent.length === 0) return; // never left this process
    const chore = Promise.all(sent.map((entry) => entry.added)).then(() =>
      link.cancel(
        sent.map((entry) => entry.id),
        reason,
      ),
    );
    this.#chores.add(chore);
    void chore.finally(() => this.#chores.delete(chore));
  }
}

/** The job name remote workers know a task by, or why no remote worker could load it. */
function remoteName(ref: TaskRef, where: string): string | Extract<Failure, { kind: 'not-found' }> {
  if (/^file:/.test(ref.module)) return jobName(ref);
  return {
    kind: 'not-found',
    message:
      `${where}: task "${ref.name}" lives in ${ref.module.slice(0, 40)}…, which remote workers cannot load. ` +
      'Distributed tasks must come from a module file that workers are started with (conc worker --tasks <file>).',
  };
}

/** The calls' argument lists as one text; a call whose arguments cannot be sent fails alone. */
function encodeArgs(jobs: Job[]): { jobs: Job[]; a: string } | undefined {
  try {
    return jobs.length === 0 ? undefined : { jobs, a: encode(jobs.map((job) => job.args)) };
  } catch {
    const good = jobs.filter((job) => {
      try {
        encode(job.args);
        return true;
      } catch (error) {
        job.settle(uncloneableArguments(job.ref.name, error));
        return false;
      }
    });
    return good.length === 0 ? undefined : { jobs: good, a: encode(good.map((job) => job.args)) };
  }
}

/** Jobs of one task and one timeout, in their order. */
function groupByTask(jobs: readonly Job[]): Job[][] {
  const groups = new Map<string, Job[]>();
  for (const job of jobs) {
    const key = `${job.ref.module}#${job.ref.name}#${job.timeoutMs}`;
    const group = groups.get(key);
    if (group) group.push(job);
    else groups.set(key, [job]);
  }
  return [...groups.values()];
}
