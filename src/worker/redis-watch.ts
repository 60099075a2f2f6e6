/**
 * Is Redis reachable from this worker? Watched on one connection of the worker's own (its cancel
 * subscriber): the socket's close and ready, and a PING every HEARTBEAT_MS that must answer within
 * PING_TIMEOUT_MS — a network that silently drops packets closes no socket, so only a ping notices.
 *
 *   up ──socket closed, or a ping unanswered──▶ down ──ready, or a ping answered──▶ up
 *   (one onDown)                                 │ (one onUp, with how long and how many attempts)
 *                                                └─ onStill at 10, 20 … 60 s, then every minute
 *
 * One line when Redis goes, one when it is back, a few reminders in between: what an operator needs,
 * instead of ioredis' one error per reconnect attempt. An unanswered ping also drops the socket, so
 * that the connection is made anew instead of waiting on a dead one.
 */
import type { Redis } from 'ioredis';

const HEARTBEAT_MS = 1_000;
const PING_TIMEOUT_MS = 2_000;
/** Reminders every REMIND_MS for the first REMIND_FAST_FOR_MS of an outage, then every minute. */
const REMIND_MS = 10_000;
const REMIND_FAST_FOR_MS = 60_000;
const REMIND_SLOW_MS = 60_000;

export interface RedisWatchOptions {
  onDown: (reason: string) => void;
  onStill: (downForMs: number, attempts: number) => void;
  onUp: (downForMs: number, attempts: number) => void;
}

/**
 * Watches one connection: says once when Redis goes, reminds while it stays gone, says once when it is back.
 *
 * @example
 * const watch = new RedisWatch(redis, { onDown: log, onStill: remind, onUp: log });
 * watch.up; // false during an outage
 * watch.stop();
 */
export class RedisWatch {
  readonly #redis: Redis;
  readonly #opts: RedisWatchOptions;
  #downSince: number | undefined;
  #attempts = 0;
  #reminded = 0;
  #pinging = false;
  #stopped = false;
  #heartbeat: NodeJS.Timeout;
  #remind: NodeJS.Timeout | undefined;
  /** Times the connection came back after Redis had been unreachable. */
  reconnects = 0;

  constructor(redis: Redis, options: RedisWatchOptions) {
    this.#redis = redis;
    this.#opts = options;
    redis.on('close', () => this.#down('the connection closed'));
    redis.on('ready', () => this.#up());
    redis.on('reconnecting', () => {
      if (this.#downSince !== undefined) this.#attempts++;
    });
    this.#heartbeat = setInterval(() => void this.#ping(), HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  /** True while Redis answers. */
  get up(): boolean {
    return this.#downSince === undefined;
  }

  /** How long Redis has been unreachable (0 while it answers). */
  get downForMs(): number {
    return this.#downSince === undefined ? 0 : Date.now() - this.#downSince;
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#remind);
  }

  async #ping(): Promise<void> {
    // Only a connection that believes it is up can be wrong about it; a reconnecting one says so itself.
    if (this.#pinging || this.#stopped || this.#redis.status !== 'ready') return;
    this.#pinging = true;
    let timer: NodeJS.Timeout | undefined;
    const answered = await Promise.race([
      this.#redis.ping().then(
        () => true,
        () => false,
      ),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    this.#pinging = false;
    if (this.#stopped) return;
    if (answered) {
      this.#up();
    } else if (this.#redis.status === 'ready') {
      this.#down(`no answer to a ping within ${PING_TIMEOUT_MS / 1000} s`);
      this.#redis.disconnect(true); // the socket may be dead without knowing it: make a new one
    }
  }

  #down(reason: string): void {
    if (this.#stopped || this.#downSince !== undefined) return;
    this.#downSince = Date.now();
    this.#attempts = 0;
    this.#reminded = 0;
    this.#opts.onDown(reason);
    this.#scheduleReminder();
  }

  #up(): void {
    if (this.#stopped || this.#downSince === undefined) return;
    const downFor = Date.now() - this.#downSince;
    this.#downSince = undefined;
    clearTimeout(this.#remind);
    this.reconnects++;
    this.#opts.onUp(downFor, this.#attempts);
  }

  #scheduleReminder(): void {
    const since = this.#downSince;
    const delay = this.#reminded < REMIND_FAST_FOR_MS / REMIND_MS ? REMIND_MS : REMIND_SLOW_MS;
    this.#remind = setTimeout(() => {
      if (since === undefined || this.#downSince !== since) return;
      this.#reminded++;
      this.#opts.onStill(Date.now() - since, this.#attempts);
      this.#scheduleReminder();
    }, delay);
    this.#remind.unref();
  }
}
