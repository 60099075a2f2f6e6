/**
 * The watchdog of a distributed executor: what events alone cannot tell.
 *
 *   every WATCH_MS ─┬─ Redis gone longer than LOST_AFTER_MS ─▶ fail every call: unreachable
 *                   ├─ a PING unanswered within PING_TIMEOUT_MS ─▶ gone (a silent network closes no
 *                   │    socket): both connections are made anew, and the clock above runs
 *                   ├─ count the workers listening (stats)
 *                   └─ look up jobs not heard of for QUIET_MS (all of them after a reconnect):
 *                        finished ─▶ settle as their events would have · missing ─▶ add again
 *                        (at most MAX_READDS times: Redis restarting empty) · pending ─▶ wait
 */
import type { Adder } from './adder.ts';
import type { Entries } from './entries.ts';
import type { Entry } from './entry.ts';
import type { Fate, Link } from './link.ts';
import { completedOutcomes, failedOutcomes } from './outcome.ts';
import { redact } from './redis.ts';
import { LARGE_RESULT } from './wire.ts';

const WATCH_MS = 2_000;
/** Redis unreachable this long while tasks wait → they fail with a clear error instead of hanging. */
const LOST_AFTER_MS = 10_000;
/** A job not heard of this long is looked up (its events may have been lost). */
const QUIET_MS = 10_000;
/** A PING unanswered this long means the network went silent (a partition): the connections are remade. */
const PING_TIMEOUT_MS = 3_000;
const MAX_LOOKUPS = 2_000;
const LOOKUPS_AT_ONCE = 200;
/** A job Redis lost (restart without persistence) is added again at most this often. */
const MAX_READDS = 3;

export interface WatchdogOptions {
  url: string;
  /** How many workers listen, whenever the watchdog counted them. */
  onWorkers: (count: number) => void;
  /** A job Redis lost is added again. */
  onReadd?: ((entry: Entry) => void) | undefined;
  /** A finished job's result was read: it may leave Redis. */
  onRead?: ((entry: Entry, large: boolean) => void) | undefined;
}

export class Watchdog {
  #link: Link;
  #entries: Entries;
  #adder: Adder;
  #opts: WatchdogOptions;
  #downSince: number | undefined;
  #lookAll = false;
  #busy = false;
  #timer: NodeJS.Timeout;
  /** Times the connection to Redis came back after it closed. */
  reconnects = 0;

  constructor(link: Link, entries: Entries, adder: Adder, options: WatchdogOptions) {
    this.#link = link;
    this.#entries = entries;
    this.#adder = adder;
    this.#opts = options;
    link.redis.on('close', () => {
      this.#downSince ??= Date.now();
    });
    link.redis.on('ready', () => {
      if (this.#downSince === undefined) return;
      this.#downSince = undefined;
      this.reconnects++;
      this.#lookAll = true; // Redis may have restarted empty: find out what it still knows
      void this.#tick();
    });
    this.#timer = setInterval(() => void this.#tick(), WATCH_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #tick(): Promise<void> {
    if (this.#busy || this.#entries.size === 0) return;
    this.#busy = true;
    try {
      if (this.#downSince !== undefined) {
        if (Date.now() - this.#downSince > LOST_AFTER_MS) this.#giveUp();
        return;
      }
      if (!(await this.#answers())) {
        this.#silent();
        return;
      }
      this.#link.workerCount().then(this.#opts.onWorkers, () => {});
      await this.#lookUp();
    } finally {
      this.#busy = false;
    }
  }

  /** True when Redis answers a PING in time on our connection. */
  async #answers(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    });
    const pong = this.#link.redis.ping().then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([pong, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Nothing answers, and no socket closed: count it as an outage, and make new sockets (both). */
  #silent(): void {
    this.#downSince ??= Date.now();
    this.#link.remake();
  }

  #giveUp(): void {
    const message =
      `Lost the connection to Redis at ${redact(this.#opts.url)} for more than ${LOST_AFTER_MS / 1000} s; ` +
      'the tasks still waiting for it are failed. Check that Redis is running and reachable, then run them again.';
    this.#adder.drain();
    for (const entry of this.#entries.all()) this.#entries.fail(entry, { kind: 'unreachable', message });
  }

  async #lookUp(): Promise<void> {
    const all = this.#lookAll;
    this.#lookAll = false;
    const now = Date.now();
    const due = this.#entries
      .all()
      .filter((e) => (e.state === 'waiting' || e.state === 'active') && (all || now - e.seen > QUIET_MS))
      .sort((a, b) => a.seen - b.seen)
      .slice(0, MAX_LOOKUPS);
    for (let i = 0; i < due.length; i += LOOKUPS_AT_ONCE) {
      await Promise.all(due.slice(i, i + LOOKUPS_AT_ONCE).map((entry) => this.#lookUpOne(entry)));
    }
  }

  async #lookUpOne(entry: Entry): Promise<void> {
    let fate: Fate;
    try {
      fate = await this.#link.fate(entry.id);
    } catch {
      return; // Redis trouble: the next tick tries again
    }
    if (entry.state === 'done') return;
    entry.seen = Date.now();
    const calls = entry.jobs.length;
    if (fate.kind === 'completed') {
      const large = fate.returnvalue === LARGE_RESULT;
      let value: unknown;
      try {
        value = await this.#link.returned(entry.id, fate.returnvalue);
      } catch {
        return; // Redis trouble: the next tick tries again
      }
      this.#entries.settle(entry, completedOutcomes(value, calls, entry.task));
      this.#opts.onRead?.(entry, large);
    } else if (fate.kind === 'failed') {
      this.#entries.settle(entry, failedOutcomes(fate.failedReason, calls, entry.task));
      this.#opts.onRead?.(entry, false);
    } else if (fate.kind === 'missing') {
      if (entry.readds < MAX_READDS) {
        this.#adder.requeue(entry); // Redis restarted without its data: run it again
        this.#opts.onReadd?.(entry);
        return;
      }
      const message = `Redis lost the job of task "${entry.task}" ${MAX_READDS} times (restarts without persistence?).`;
      this.#entries.fail(entry, { kind: 'unreachable', message });
    }
  }
}
