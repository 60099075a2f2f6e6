/**
 * How a `conc worker` stops: always within a bound, whatever Redis is doing.
 *
 *   stop() ──▶ take no more jobs ──▶ running jobs finish and report ─────────────────────▶ 'drained'
 *                 │ the grace runs out, or stop({ force: true }) (a second signal)
 *                 ▼
 *   forced ──▶ stop the running tasks ──▶ hand each job back to the queue (moveToWait) if Redis answers,
 *              else leave it to BullMQ's stalled-job recovery (another worker re-runs it after --stall-ms)
 *          ──▶ drop the connections ──▶ 'forced' (how many jobs went back, how many were left)
 *
 * A drained stop never waits for Redis once nothing is running: a worker cut off from Redis with no
 * job stops at once. A forced stop waits for Redis at most HAND_BACK_MS, then CLOSE_MS.
 */
import type { Job as BullJob, Worker } from 'bullmq';

/** How long a forced stop tries to hand running jobs back to the queue. */
const HAND_BACK_MS = 2_000;
/** How long closing the connections may take before they are dropped. */
const CLOSE_MS = 2_000;
/** How long dropping the connections of an unreachable Redis may take (it is synchronous in ioredis). */
const DROP_MS = 100;
/** A forced stop is over within this (hand back, close, drop, with margin): the CLI's last resort. */
export const FORCED_STOP_MAX_MS = HAND_BACK_MS + 2 * CLOSE_MS + 2_000;

export interface StopReport {
  /** `drained`: every running job finished and reported; `forced`: stopped at once. */
  how: 'drained' | 'forced';
  /** Forced: running jobs handed back to the queue (another worker takes them now). */
  returned: number;
  /** Forced: running jobs left to BullMQ's stalled-job recovery (Redis did not answer). */
  left: number;
  /** Forced: why — the grace ran out, or a forced stop was asked for. */
  reason?: 'grace' | 'asked';
}

/** The jobs this worker runs, from when its handler starts until BullMQ reported them, or they went back. */
export class ActiveJobs {
  #jobs = new Map<string, { job: BullJob; token: string | undefined }>();
  #idle: (() => void)[] = [];
  returned = 0;
  left = 0;

  get size(): number {
    return this.#jobs.size;
  }

  add(job: BullJob, token: string | undefined): void {
    this.#jobs.set(job.id!, { job, token });
  }

  /** BullMQ reported the job (completed or failed), or it went back to the queue. */
  delete(id: string | undefined): void {
    if (id === undefined || !this.#jobs.delete(id) || this.#jobs.size > 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Resolves once no job runs here. */
  idle(): Promise<void> {
    return this.#jobs.size === 0 ? Promise.resolve() : new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Puts a job that was stopped back in the queue; when Redis cannot be reached, leaves it for recovery. */
  async handBack(job: BullJob, redisUp: boolean): Promise<boolean> {
    const token = this.#jobs.get(job.id!)?.token;
    let back = false;
    if (redisUp && token !== undefined) {
      const move = job.moveToWait(token).then(
        () => true,
        () => false,
      );
      back = await within(move, HAND_BACK_MS, false);
    }
    if (back) this.returned++;
    else this.left++;
    this.delete(job.id);
    return back;
  }

  /** Waits (a bounded time) for every job to be handed back or reported. */
  async settled(): Promise<void> {
    await within(this.idle(), HAND_BACK_MS + 500, undefined);
  }
}

export interface ShutdownParts {
  worker: Worker;
  active: ActiveJobs;
  graceMs: number;
  /** Stops the local tasks: drains them, or with `force` stops them. */
  stopTasks: (force: boolean) => Promise<void>;
  /** True while Redis answers: a stop waits for nothing Redis would have to say when it does not. */
  redisUp: () => boolean;
  /** Says what happens, for the log. */
  onForce: (reason: 'grace' | 'asked', running: number) => void;
}

/**
 * The stop of one worker, started once: graceful within the grace, or forced (at once, or when asked
 * during a graceful stop). Job handlers race {@link Shutdown.whenForced}.
 *
 * @example
 * const shutdown = new Shutdown({ worker, active, graceMs: 25_000, stopTasks, redisUp, onForce });
 * const report = await shutdown.stop(false); // { how: 'drained' | 'forced', returned, left }
 */
export class Shutdown {
  readonly #parts: ShutdownParts;
  #stopping: Promise<StopReport> | undefined;
  #askForce: () => void = () => {};
  #forced = false;
  readonly #forcedNow: Promise<void>;
  #markForced: () => void = () => {};

  constructor(parts: ShutdownParts) {
    this.#parts = parts;
    this.#forcedNow = new Promise((resolve) => {
      this.#markForced = resolve;
    });
  }

  /** True once a stop began: the worker takes no new job. */
  get stopping(): boolean {
    return this.#stopping !== undefined;
  }

  /** True once a stop is forced: a job's handler hands it back instead of reporting it. */
  get forced(): boolean {
    return this.#forced;
  }

  /** Resolves when a stop is forced (job handlers race it). */
  get whenForced(): Promise<void> {
    return this.#forcedNow;
  }

  /** Stops the worker; a forced stop asked for during a graceful one cuts it short. */
  stop(force: boolean): Promise<StopReport> {
    if (this.#stopping) {
      if (force) this.#askForce();
      return this.#stopping;
    }
    this.#stopping = this.#run(force);
    return this.#stopping;
  }

  async #run(force: boolean): Promise<StopReport> {
    const closing = this.#parts.worker.close().catch(() => {}); // takes no more jobs from now on
    if (force) return this.#force(closing, 'asked');
    const asked = new Promise<'asked'>((resolve) => {
      this.#askForce = () => resolve('asked');
    });
    const grace = delay(this.#parts.graceMs, 'grace' as const);
    try {
      for (;;) {
        const idle = this.#parts.active.idle().then(() => 'idle' as const);
        const ended = await Promise.race([idle, grace.promise, asked]);
        if (ended !== 'idle') return await this.#force(closing, ended);
        // Nothing runs: BullMQ's close needs Redis only to say goodbye. A job fetched at the last
        // moment keeps us waiting (within the grace) for it to finish.
        if (this.#parts.redisUp()) await within(closing, CLOSE_MS, undefined);
        if (this.#parts.active.size === 0) break;
      }
    } finally {
      grace.cancel();
    }
    await this.#release(closing, false);
    return { how: 'drained', returned: 0, left: 0 };
  }

  async #force(closing: Promise<void>, reason: 'grace' | 'asked'): Promise<StopReport> {
    const { active } = this.#parts;
    this.#parts.onForce(reason, active.size);
    this.#forced = true;
    this.#markForced();
    const tasks = this.#parts.stopTasks(true);
    await active.settled(); // each handler hands its job back once it sees the stop is forced
    // Jobs whose result was still on its way to Redis (a drain the grace cut short): left for recovery.
    active.left += active.size;
    await this.#release(closing, true, tasks);
    return { how: 'forced', returned: active.returned, left: active.left, reason };
  }

  /** Closes BullMQ's connections, dropping them if Redis does not answer in time; then the local tasks. */
  async #release(closing: Promise<void>, force: boolean, tasks?: Promise<void>): Promise<void> {
    // Without Redis, ioredis never says a reconnecting connection ended: dropping it is all we can do.
    const wait = this.#parts.redisUp() ? CLOSE_MS : DROP_MS;
    const closed = await within(
      closing.then(() => true),
      wait,
      false,
    );
    if (!closed)
      await within(
        this.#parts.worker.disconnect().catch(() => {}),
        wait,
        undefined,
      );
    await within(tasks ?? this.#parts.stopTasks(force), CLOSE_MS, undefined);
  }
}

/** `promise`'s value, or `otherwise` when it takes longer than `ms` (or fails). */
async function within<T>(promise: Promise<T>, ms: number, otherwise: T): Promise<T> {
  const timer = delay(ms, otherwise);
  try {
    return await Promise.race([promise.catch(() => otherwise), timer.promise]);
  } finally {
    timer.cancel();
  }
}

function delay<T>(ms: number, value: T): { promise: Promise<T>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(value), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}
