/**
 * The cancelled jobs one worker still holds, and the one timer that decides when such a job has had
 * its grace: cooperative first, forceful second.
 *
 *   cancel sent ──'cancelled', running──▶ heard: its signal aborted; `graceMs` to answer, else terminate
 *        │      └─'cancelled', queued/ended─▶ dropped: it will be skipped (answered) or has ended
 *        └── no word within the grace ──▶ the worker is stuck in a call that never yields: where is the job?
 *               running (for a whole grace) ─▶ terminate · done ─▶ dropped · waiting ─▶ look again later
 *
 * Any answer for the job (its result, whatever it is) ends its watch. A cancelled job that has not
 * started costs nothing: no timer can kill the neighbour running before it, because the worker is
 * only terminated for a job that is itself running.
 */

/** Where a cancelled job stands on its worker, as far as the parent can tell. */
export type Standing =
  /** Running (its signal aborted, or about to be once the worker hears the cancel). */
  | 'running'
  /** Not started, and may still start before the worker hears the cancel (a process between yields). */
  | 'waiting'
  /** Ended, or sure to be skipped (a thread reads its cancels before each call). */
  | 'done';

export interface GraceHost {
  /** Where job `id` stands now. */
  standing(id: number): Standing;
  /** A cancelled job kept running past its grace: stop the worker. */
  expired(): void;
}

interface Watch {
  /** When to look at it again (performance.now() ms). */
  due: number;
  /** The worker said the job is running and its signal aborted: at `due`, it is terminated. */
  heard: boolean;
  /** It was seen running (at the cancel, or at a look since): a whole grace has passed since. */
  seen: boolean;
}

/** How often a job that waits behind a busy neighbour is looked at again, at least. */
const RECHECK_MS = 10;

/** One worker's cancelled jobs awaiting their answers, and when to give up on them (see above). */
export class Graces {
  readonly #host: GraceHost;
  readonly #graceMs: number;
  #watches = new Map<number, Watch>();
  #timer: NodeJS.Timeout | undefined;
  #timerDue = Number.POSITIVE_INFINITY;

  constructor(host: GraceHost, graceMs: number) {
    this.#host = host;
    this.#graceMs = graceMs;
  }

  /** Cancelled jobs still watched. */
  get size(): number {
    return this.#watches.size;
  }

  /** Watches job `id`, whose cancel was just sent; `running`: where it stood then. */
  watch(id: number, running: boolean): void {
    this.#watches.set(id, { due: performance.now() + this.#graceMs, heard: false, seen: running });
    this.#arm();
  }

  /** The worker heard the cancel of `id`: running (its grace starts now) or not (nothing to fear). */
  heard(id: number, running: boolean): void {
    const watch = this.#watches.get(id);
    if (!watch) return;
    if (!running) this.answered(id);
    else if (this.#graceMs === 0) this.#expire();
    else {
      watch.heard = true;
      watch.due = performance.now() + this.#graceMs;
      this.#arm();
    }
  }

  /** Job `id` was answered: it let go of its worker. */
  answered(id: number): void {
    if (!this.#watches.delete(id) || this.#watches.size > 0) return;
    this.clear();
  }

  /** Stops watching (the worker is gone). */
  clear(): void {
    this.#watches.clear();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = Number.POSITIVE_INFINITY;
  }

  #arm(): void {
    let due = Number.POSITIVE_INFINITY;
    for (const watch of this.#watches.values()) due = Math.min(due, watch.due);
    if (due >= this.#timerDue) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerDue = due;
    // unref'd: a worker still holding a job keeps the process alive itself
    this.#timer = setTimeout(this.#check, Math.max(0, due - performance.now()));
    this.#timer.unref();
  }

  #check = (): void => {
    this.#timer = undefined;
    this.#timerDue = Number.POSITIVE_INFINITY;
    const now = performance.now();
    for (const [id, watch] of this.#watches) {
      if (watch.due > now) continue;
      if (this.#overdue(id, watch, now)) {
        this.#expire();
        return;
      }
    }
    this.#arm();
  };

  /** A watch whose time came: true when its job had its grace; else it is dropped or looked at again. */
  #overdue(id: number, watch: Watch, now: number): boolean {
    if (watch.heard) return true;
    const standing = this.#host.standing(id);
    // running unheard (a call that never yields), and so a grace ago too: it had its grace
    if (standing === 'running' && (watch.seen || this.#graceMs === 0)) return true;
    if (standing === 'done') this.#watches.delete(id);
    else {
      watch.seen = standing === 'running';
      watch.due = now + Math.max(this.#graceMs, RECHECK_MS);
    }
    return false;
  }

  #expire(): void {
    this.clear();
    this.#host.expired();
  }
}
