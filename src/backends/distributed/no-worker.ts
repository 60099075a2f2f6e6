/**
 * A queue no worker listens to. Calls wait in Redis for a `conc worker`; when none has listened for a
 * few seconds the executor says so once (a process warning, code CONC_NO_WORKER, on stderr: never on
 * stdout), and calls that waited `noWorkerTimeoutMs` without any worker listening fail with a
 * RedisError naming the queue and the command that starts a worker. Calls a worker has taken are not
 * concerned (a worker cut off from Redis is BullMQ's stalled-job recovery's business).
 *
 *   every CHECK_MS, while calls wait ─▶ count the queue's workers ─┬─ some ─▶ all is well (warn again next time)
 *                                                                 └─ none ─▶ NOTICE_MS: warn · timeout: fail
 */
import type { Entries } from './entries.ts';
import type { Entry } from './entry.ts';
import type { Link } from './link.ts';
import { redact } from './redis.ts';

const CHECK_MS = 1_000;
/** How long calls wait without a worker before the executor warns (or less, with a shorter timeout). */
export const NOTICE_MS = 3_000;
/** Default of `noWorkerTimeoutMs`: how long a call waits while no worker listens on its queue. */
export const DEFAULT_NO_WORKER_TIMEOUT_MS = 60_000;
export const NO_WORKER_WARNING = 'CONC_NO_WORKER';

export interface NoWorkerOptions {
  url: string;
  queue: string;
  /** Calls that waited this long with no worker listening fail (Infinity: never). */
  timeoutMs: number;
  onWorkers: (count: number) => void;
  /** Removes the given-up jobs from Redis. */
  cancelRemote: (entries: Entry[], reason: unknown) => void;
}

export class NoWorkerWatch {
  readonly #link: Link;
  readonly #entries: Entries;
  readonly #opts: NoWorkerOptions;
  readonly #timer: NodeJS.Timeout;
  /** When a worker was last seen listening (or the watch started). */
  #lastWorker = Date.now();
  #warned = false;
  #busy = false;

  constructor(link: Link, entries: Entries, options: NoWorkerOptions) {
    this.#link = link;
    this.#entries = entries;
    this.#opts = options;
    this.#timer = setInterval(
      () => void this.#tick(),
      Math.min(CHECK_MS, Math.max(100, options.timeoutMs / 2)),
    );
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #tick(): Promise<void> {
    if (this.#busy || !this.#entries.all().some(unstarted)) return;
    this.#busy = true;
    try {
      const workers = await this.#link.workerCount().catch(() => -1);
      if (workers < 0) return; // Redis trouble: the watchdog's business
      this.#opts.onWorkers(workers);
      const now = Date.now();
      if (workers > 0) {
        this.#lastWorker = now;
        this.#warned = false;
        return;
      }
      const waited = (entry: Entry) => now - Math.max(this.#lastWorker, entry.born);
      const waiting = this.#entries.all().filter(unstarted);
      const notice = Math.min(NOTICE_MS, this.#opts.timeoutMs);
      if (!this.#warned && waiting.some((entry) => waited(entry) >= notice)) this.#warn(notice);
      const late = waiting.filter((entry) => waited(entry) >= this.#opts.timeoutMs);
      if (late.length > 0) this.#fail(late);
    } finally {
      this.#busy = false;
    }
  }

  #warn(ms: number): void {
    this.#warned = true;
    const { queue, timeoutMs } = this.#opts;
    const after = Number.isFinite(timeoutMs)
      ? `calls still waiting then fail after ${timeoutMs / 1000} s without a worker (option noWorkerTimeoutMs)`
      : 'calls keep waiting (noWorkerTimeoutMs is Infinity)';
    process.emitWarning(
      `No conc worker has taken a job from queue "${queue}" at ${redact(this.#opts.url)} for ${ms / 1000} s: ` +
        `none listens. Start one: ${this.#command()}; ${after}.`,
      { type: 'ConcWarning', code: NO_WORKER_WARNING },
    );
  }

  #fail(late: Entry[]): void {
    const { queue, timeoutMs } = this.#opts;
    for (const entry of late) {
      const message =
        `No conc worker listened on queue "${queue}" at ${redact(this.#opts.url)} for ${timeoutMs / 1000} s ` +
        `(noWorkerTimeoutMs), so task "${entry.task}" never started. Start one: ${this.#command()}, then run it again.`;
      this.#entries.fail(entry, { kind: 'unreachable', message });
    }
    this.#opts.cancelRemote(late, new Error('no worker'));
  }

  /** The command that starts a worker here (the URL shown only when it holds no secret). */
  #command(): string {
    const { url, queue } = this.#opts;
    const where = redact(url) === url ? url : '<url>';
    return `conc worker --redis ${where} --queue ${queue} --tasks <your task module>`;
  }
}

/** Waiting for a worker: here, on its way to Redis, or in Redis; not taken, not settled. */
function unstarted(entry: Entry): boolean {
  return entry.state === 'queued' || entry.state === 'adding' || entry.state === 'waiting';
}
