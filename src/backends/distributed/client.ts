/**
 * Mode 'distributed': tasks become BullMQ jobs on a Redis queue, run by `conc worker`s on any machine.
 *
 *   start(job) ─▶ toAdd ─(one addBulk per tick; ≤ 2,000 in Redis)─▶ Redis queue ─▶ conc worker(s)
 *                                                                       │
 *   settle ◀─ QueueEvents: active · completed · failed · waiting ◀──────┘
 *   cancel ─▶ Queue.remove (waiting) · PUBLISH cancel (running)
 *   watchdog: Redis gone too long → fail clearly; Redis back (or events quiet) → look jobs up, re-add lost ones
 *
 * bullmq and ioredis are imported on first use, so nobody else pays for them. Retries are BullMQ
 * attempts with exponential backoff; a dead worker's job is re-run by BullMQ's stalled-job recovery.
 */
import { randomBytes } from 'node:crypto';
import {
  AbortError,
  ConcError,
  InvalidOptionsError,
  TaskArgumentError,
  TaskNotFoundError,
  TaskTimeoutError,
} from '../../errors.ts';
import { Deque } from '../../internal/deque.ts';
import type { Job } from '../../internal/job.ts';
import type { TaskRef } from '../../tasks.ts';
import type { Backend, BackendStats } from '../backend.ts';
import type { Fate, Link, NewJob } from './link.ts';
import { completedValue, failedJobError } from './outcome.ts';
import { bounded, checkQueueName, checkRedisUrl, DEFAULT_REDIS, redact, unreachable } from './redis.ts';
import { encode, type JobData, jobName } from './wire.ts';

/** BullMQ-facing operations, imported on first use. */
type Ops = typeof import('./link.ts');

export interface DistributedOptions {
  redis: string | undefined;
  queue: string;
  workers: number;
  initializer?: TaskRef | undefined;
  initArgs: unknown[];
}

/** Items map/imap keep queued in Redis at once by default: enough to keep many workers busy. */
const WINDOW = 1024;
const ADD_CHUNK = 1000;
/**
 * Jobs of one executor in Redis at once; the rest wait here. Each job writes ~4 events to the queue's
 * event stream, which BullMQ trims to ~10,000: more jobs at once and their results' events could be
 * trimmed before QueueEvents reads them (the watchdog would still find them, seconds later).
 */
const MAX_SENT = 2000;
const WATCH_MS = 2_000;
/** Redis unreachable this long while tasks wait → they fail with a clear error instead of hanging. */
const LOST_AFTER_MS = 10_000;
/** A job not heard of this long is looked up (its events may have been lost). */
const QUIET_MS = 10_000;
const MAX_LOOKUPS = 2_000;
/** A job Redis lost (restart without persistence) is added again at most this often. */
const MAX_READDS = 3;
/** Finished jobs stay in Redis this long, so the watchdog can find results whose event it missed. */
const KEEP = { age: 300, count: 100_000 };
const BACKOFF = { type: 'exponential', delay: 200 } as const;

interface Entry {
  id: string;
  job: Job;
  /** BullMQ job name ("module-id#task") and data. */
  name: string;
  data: JobData;
  state: 'new' | 'adding' | 'added';
  adding: Promise<void> | undefined;
  active: boolean;
  /** Timed jobs: fires when no worker took it in time, or when a running one went silent. */
  guard: NodeJS.Timeout | undefined;
  seen: number;
  readds: number;
}

/**
 * The backend of mode 'distributed'. Created without touching Redis; connects on the first task, and
 * tries again on the next one if Redis was unreachable.
 */
export class DistributedBackend implements Backend {
  readonly mode = 'distributed' as const;
  readonly concurrency: number;
  readonly window = WINDOW;
  readonly clonesArguments = true;
  readonly #url: string;
  readonly #queueName: string;
  readonly #init: Pick<JobData, 'i' | 'ia'>;
  readonly #tag = randomBytes(6).toString('hex');
  #link: Link | undefined;
  #ops!: Ops;
  #connecting: Promise<Link> | undefined;
  #byId = new Map<string, Entry>();
  #byJob = new Map<Job, Entry>();
  #toAdd = new Deque<Entry>();
  /** Entries added (or being added) to Redis and not yet settled. */
  #sent = 0;
  #flushScheduled = false;
  #running = 0;
  #workers = 0;
  /** Jobs added again after Redis lost them. */
  #readded = 0;
  #downSince: number | undefined;
  #lookAll = false;
  #watching = false;
  #watch: NodeJS.Timeout | undefined;
  #chores = new Set<Promise<unknown>>();
  #idleWaiters: (() => void)[] = [];

  constructor(options: DistributedOptions) {
    this.#url = checkRedisUrl(options.redis ?? DEFAULT_REDIS, 'createExecutor');
    this.#queueName = checkQueueName(options.queue, 'createExecutor');
    this.concurrency = options.workers;
    this.#init = {};
    if (options.initializer) {
      this.#init.i = nameOf(options.initializer, 'createExecutor: initializer');
      try {
        this.#init.ia = encode(options.initArgs);
      } catch (error) {
        throw new InvalidOptionsError(
          `createExecutor: initArgs must be structured-cloneable to reach remote workers: ${(error as Error).message}.`,
        );
      }
    }
  }

  start(job: Job): void {
    let data: JobData;
    let name: string;
    try {
      name = nameOf(job.ref, 'submit');
      data = { a: encode(job.args), ...this.#init };
    } catch (error) {
      job.settle(
        error instanceof ConcError
          ? error
          : new TaskArgumentError(
              `Arguments of task "${job.ref.name}" cannot be sent to a worker: ${(error as Error).message}. ` +
                'Pass structured-cloneable values (no functions, symbols or class instances with methods).',
              { cause: error },
            ),
      );
      return;
    }
    if (job.batch) data.b = 1;
    if (job.timeoutMs !== undefined) data.t = job.timeoutMs;
    job.markRunning();
    const id = `${this.#tag}.${job.id}`;
    const entry: Entry = {
      id,
      job,
      name,
      data,
      state: 'new',
      adding: undefined,
      active: false,
      guard: undefined,
      seen: 0,
      readds: 0,
    };
    this.#byId.set(entry.id, entry);
    this.#byJob.set(job, entry);
    this.#toAdd.push(entry);
    if (this.#link) this.#scheduleFlush();
    else void this.#connect();
  }

  cancel(job: Job, reason: unknown): void {
    if (job.settled) return;
    const entry = this.#byJob.get(job);
    if (entry) this.#drop(entry);
    job.settle(reason);
    if (entry) this.#cancelRemote([entry]);
  }

  stats(): BackendStats {
    return { running: this.#running, queued: this.#byId.size - this.#running, workers: this.#workers };
  }

  info(): Record<string, unknown> {
    return { redis: redact(this.#url), queue: this.#queueName, readded: this.#readded };
  }

  async close(cancel: boolean): Promise<void> {
    if (cancel) {
      const reason = new AbortError(
        'The executor was closed with { cancel: true } before this task finished.',
      );
      const entries = [...this.#byId.values()];
      for (const entry of entries) this.#drop(entry);
      for (const entry of entries) if (!entry.job.settled) entry.job.settle(reason);
      this.#cancelRemote(entries);
    } else if (this.#byId.size > 0) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    const link = this.#link ?? (await this.#connecting?.catch(() => undefined));
    clearInterval(this.#watch);
    if (!link) return;
    await bounded(Promise.allSettled([...this.#chores]), 3_000);
    await this.#ops.closeLink(link);
  }

  // ── connecting ──────────────────────────────────────────────────────────────────────────────────

  #connect(): Promise<Link> {
    this.#connecting ??= this.#open().then(
      (link) => {
        this.#link = link;
        this.#scheduleFlush();
        return link;
      },
      (error: unknown) => {
        // Fail what waits; the next submit tries again (Redis may be back by then).
        this.#connecting = undefined;
        const failure = error instanceof ConcError ? error : unreachable(this.#url, error);
        for (const entry of this.#toAdd.drain()) this.#fail(entry, failure);
        throw failure;
      },
    );
    this.#connecting.catch(() => {});
    return this.#connecting;
  }

  async #open(): Promise<Link> {
    this.#ops = await import('./link.ts');
    const link = await this.#ops.openLink(this.#url, this.#queueName);
    this.#listen(link);
    return link;
  }

  #listen(link: Link): void {
    const { events, redis } = link;
    events.on('active', ({ jobId }) => {
      const entry = this.#byId.get(jobId);
      if (!entry) return;
      entry.seen = Date.now();
      if (!entry.active) this.#running++;
      entry.active = true;
      this.#arm(entry);
    });
    events.on('completed', ({ jobId, returnvalue }) => {
      const entry = this.#byId.get(jobId);
      if (entry) this.#complete(entry, returnvalue);
    });
    events.on('failed', ({ jobId, failedReason }) => {
      const entry = this.#byId.get(jobId);
      if (entry) this.#failed(entry, failedReason);
    });
    const back = ({ jobId, prev }: { jobId: string; prev?: string }) => {
      const entry = this.#byId.get(jobId);
      if (!entry || prev !== 'active') return; // a retry after backoff, or a stalled job put back
      entry.seen = Date.now();
      this.#inactive(entry);
      this.#arm(entry);
    };
    events.on('waiting', back);
    events.on('delayed', back);
    events.on('removed', ({ jobId }) => {
      const entry = this.#byId.get(jobId);
      if (entry) {
        this.#fail(
          entry,
          new ConcError(
            `The job of task "${entry.job.ref.name}" was removed from queue "${this.#queueName}" by someone else.`,
          ),
        );
      }
    });
    redis.on('close', () => {
      this.#downSince ??= Date.now();
    });
    redis.on('ready', () => {
      if (this.#downSince === undefined) return;
      this.#downSince = undefined;
      this.#lookAll = true; // Redis may have restarted empty: find out what it still knows
      void this.#tick();
    });
    this.#watch = setInterval(() => void this.#tick(), WATCH_MS);
    this.#watch.unref();
  }

  // ── adding ──────────────────────────────────────────────────────────────────────────────────────

  #scheduleFlush(): void {
    if (this.#toAdd.length >= ADD_CHUNK && this.#sent + ADD_CHUNK <= MAX_SENT) {
      this.#flush();
      return;
    }
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // setImmediate, not a microtask: results arrive in bursts and each frees a map slot one microtask
    // apart; waiting for the burst to end turns many one-job adds into one addBulk.
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  /** What was started since the last flush goes to Redis in one addBulk (per ADD_CHUNK), up to MAX_SENT. */
  #flush(): void {
    const link = this.#link;
    if (!link) return;
    const batch: Entry[] = [];
    while (this.#toAdd.length > 0 && this.#sent < MAX_SENT) {
      const entry = this.#toAdd.shift()!;
      if (entry.job.settled || entry.state !== 'new') continue;
      entry.state = 'adding';
      this.#sent++;
      batch.push(entry);
    }
    for (let i = 0; i < batch.length; i += ADD_CHUNK) {
      const chunk = batch.slice(i, i + ADD_CHUNK);
      const jobs = chunk.map(
        (entry): NewJob => ({
          name: entry.name,
          data: entry.data,
          opts: {
            jobId: entry.id,
            attempts: entry.job.retriesLeft + 1,
            backoff: BACKOFF,
            removeOnComplete: KEEP,
            removeOnFail: KEEP,
          },
        }),
      );
      const adding = this.#ops.addJobs(link, jobs).then(
        () => {
          const now = Date.now();
          for (const entry of chunk) {
            entry.state = 'added';
            entry.seen = now;
            if (!entry.job.settled && !entry.active) this.#arm(entry);
          }
        },
        (error: unknown) => {
          const failure = new ConcError(
            `Could not add tasks to queue "${this.#queueName}" at ${redact(this.#url)}: ${(error as Error).message}`,
            {
              cause: error,
            },
          );
          for (const entry of chunk) if (this.#byId.get(entry.id) === entry) this.#fail(entry, failure);
        },
      );
      for (const entry of chunk) entry.adding = adding;
    }
  }

  // ── settling ────────────────────────────────────────────────────────────────────────────────────

  #complete(entry: Entry, returnvalue: unknown): void {
    let value: unknown;
    try {
      value = completedValue(entry.job, returnvalue);
    } catch (error) {
      this.#fail(entry, error);
      return;
    }
    this.#drop(entry);
    entry.job.settle(undefined, value);
  }

  #failed(entry: Entry, failedReason: string): void {
    this.#fail(entry, failedJobError(entry.job, failedReason));
  }

  #fail(entry: Entry, error: unknown): void {
    this.#drop(entry);
    if (!entry.job.settled) entry.job.settle(error);
  }

  /** Forgets a job: no event or timer touches it again. */
  #drop(entry: Entry): void {
    if (this.#byId.get(entry.id) !== entry) return;
    this.#byId.delete(entry.id);
    this.#byJob.delete(entry.job);
    this.#inactive(entry);
    clearTimeout(entry.guard);
    if (entry.state !== 'new') {
      this.#sent--;
      if (this.#toAdd.length > 0) this.#scheduleFlush();
    }
    if (this.#byId.size === 0 && this.#idleWaiters.length > 0) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  #inactive(entry: Entry): void {
    if (entry.active) this.#running--;
    entry.active = false;
  }

  // ── timeouts ────────────────────────────────────────────────────────────────────────────────────

  /**
   * Timed jobs only. The worker enforces the timeout itself; this guard covers the worker that cannot
   * report (a blocked event loop, a lost machine), and the queue no worker listens to.
   */
  #arm(entry: Entry): void {
    const ms = entry.job.timeoutMs;
    if (ms === undefined) return;
    clearTimeout(entry.guard);
    if (entry.active) {
      // a batch's items share the worker's local slots: allow for them running one after another
      const items = entry.job.batch ? entry.job.args.length : 1;
      entry.guard = setTimeout(() => this.#silent(entry, ms), ms * 2 * items + 5_000);
    } else {
      entry.guard = setTimeout(() => void this.#unstarted(entry, ms), ms);
    }
  }

  #silent(entry: Entry, ms: number): void {
    if (this.#byId.get(entry.id) !== entry) return;
    this.#fail(entry, new TaskTimeoutError(entry.job.ref.name, ms));
    this.#cancelRemote([entry]);
  }

  /** A timed job still waits after its timeout: fine while workers are busy, an error when there are none. */
  async #unstarted(entry: Entry, ms: number): Promise<void> {
    const link = this.#link;
    if (!link || this.#byId.get(entry.id) !== entry || entry.active) return;
    const workers = await this.#ops.workerCount(link).catch(() => -1);
    this.#workers = Math.max(workers, 0);
    if (this.#byId.get(entry.id) !== entry || entry.active) return;
    if (workers !== 0) {
      this.#arm(entry);
      return;
    }
    const error = new TaskTimeoutError(entry.job.ref.name, ms);
    error.message =
      `Task "${entry.job.ref.name}" did not start within ${ms} ms: no conc worker listens on queue "${this.#queueName}" ` +
      `at ${redact(this.#url)}. Start one: conc worker --redis <url> --queue ${this.#queueName}`;
    this.#fail(entry, error);
    this.#cancelRemote([entry]);
  }

  // ── cancelling ──────────────────────────────────────────────────────────────────────────────────

  /** Removes waiting jobs from Redis; asks the workers running the others to stop them. */
  #cancelRemote(entries: Entry[]): void {
    const link = this.#link;
    if (!link) return; // never left this process
    const sent = entries.filter((entry) => entry.state !== 'new');
    if (sent.length === 0) return; // never left this process
    const chore = Promise.all(sent.map((entry) => entry.adding)).then(() =>
      this.#ops.cancelJobs(
        link,
        sent.map((entry) => entry.id),
      ),
    );
    this.#chores.add(chore);
    void chore.finally(() => this.#chores.delete(chore));
  }

  // ── watchdog ────────────────────────────────────────────────────────────────────────────────────

  async #tick(): Promise<void> {
    const link = this.#link;
    if (!link || this.#watching || this.#byId.size === 0) return;
    this.#watching = true;
    try {
      if (this.#downSince !== undefined) {
        if (Date.now() - this.#downSince > LOST_AFTER_MS) this.#giveUp();
        return;
      }
      void this.#ops.workerCount(link).then(
        (n) => {
          this.#workers = n;
        },
        () => {},
      );
      await this.#lookUp(link);
    } finally {
      this.#watching = false;
    }
  }

  #giveUp(): void {
    const error = new ConcError(
      `Lost the connection to Redis at ${redact(this.#url)} for more than ${LOST_AFTER_MS / 1000} s; ` +
        'the tasks still waiting for it are failed. Check that Redis is running and reachable, then run them again.',
    );
    for (const entry of [...this.#byId.values()]) this.#fail(entry, error);
    this.#toAdd.drain();
  }

  /** Looks up jobs not heard of for a while (or all, after a reconnect): finished ones settle, lost ones are re-added. */
  async #lookUp(link: Link): Promise<void> {
    const all = this.#lookAll;
    this.#lookAll = false;
    const now = Date.now();
    const due = [...this.#byId.values()]
      .filter((entry) => entry.state === 'added' && (all || now - entry.seen > QUIET_MS))
      .sort((a, b) => a.seen - b.seen)
      .slice(0, MAX_LOOKUPS);
    for (let i = 0; i < due.length; i += 200) {
      await Promise.all(due.slice(i, i + 200).map((entry) => this.#lookUpOne(link, entry)));
    }
  }

  async #lookUpOne(link: Link, entry: Entry): Promise<void> {
    let fate: Fate;
    try {
      fate = await this.#ops.jobFate(link, entry.id);
    } catch {
      return; // Redis trouble: the next tick tries again
    }
    if (this.#byId.get(entry.id) !== entry) return;
    entry.seen = Date.now();
    if (fate.kind === 'missing') {
      if (++entry.readds > MAX_READDS) {
        this.#fail(
          entry,
          new ConcError(
            `Redis lost the job of task "${entry.job.ref.name}" ${MAX_READDS} times (restarts without persistence?).`,
          ),
        );
        return;
      }
      this.#inactive(entry); // Redis restarted without its data: run it again
      this.#readded++;
      entry.state = 'new';
      this.#sent--;
      this.#toAdd.unshift(entry);
      this.#scheduleFlush();
    } else if (fate.kind === 'completed') {
      this.#complete(entry, fate.returnvalue);
    } else if (fate.kind === 'failed') {
      this.#failed(entry, fate.failedReason);
    }
  }
}

function nameOf(ref: TaskRef, where: string): string {
  if (!/^file:/.test(ref.module)) {
    throw new TaskNotFoundError(
      `${where}: task "${ref.name}" lives in ${ref.module.slice(0, 40)}…, which remote workers cannot load. ` +
        'Distributed tasks must come from a module file that workers are started with (conc worker --tasks <file>).',
    );
  }
  return jobName(ref);
}
