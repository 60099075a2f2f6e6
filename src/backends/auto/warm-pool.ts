/**
 * The thread pool `auto` may hand CPU-bound work to, started speculatively: as soon as the first task
 * looks like computing, every thread starts and imports the task's module while this thread goes on
 * running (and measuring) tasks. Work goes to the pool once a thread is ready, so the start-up is paid
 * while useful work runs instead of before it. If the work turns out to be I/O-bound or tiny, the pool is
 * closed unused.
 *
 * (The pool has no "start ahead" API today: a no-op job per thread makes it spawn them — see warm-task.ts.)
 */
import { performance } from 'node:perf_hooks';
import { Job } from '../../core/job.ts';
import type { ResolvedOptions } from '../../options.ts';
import type { TaskRef } from '../../tasks.ts';
import { Pool } from '../pool/pool.ts';
import { threadTransport } from '../pool/thread-transport.ts';
import { warmTasks } from './warm-task.ts';

export type PoolState = 'none' | 'warming' | 'ready' | 'closed';

export class WarmPool {
  readonly #opts: ResolvedOptions;
  readonly #ready: () => void;
  #pool: Pool | undefined;
  #state: PoolState = 'none';
  #startedAt = 0;
  #warmMs: number | undefined;
  #closings: Promise<void>[] = [];

  /** `ready` is called once, when the first thread has started (work may go to the pool now). */
  constructor(options: ResolvedOptions, ready: () => void) {
    this.#opts = options;
    this.#ready = ready;
  }

  get state(): PoolState {
    return this.#state;
  }

  /** How long the first thread took to be ready, ms (undefined before). */
  get warmMs(): number | undefined {
    return this.#warmMs;
  }

  get started(): boolean {
    return this.#state === 'warming' || this.#state === 'ready';
  }

  /** The pool once started (it queues jobs until a thread is up); undefined before and once closed. */
  get pool(): Pool | undefined {
    return this.started ? this.#pool : undefined;
  }

  /**
   * Starts every thread, each importing `ref`'s module; does nothing if started already. After a close
   * (threads were not needed, then the work changed) it starts a new pool.
   */
  start(ref: TaskRef): void {
    if (this.started) return;
    this.#state = 'warming';
    this.#warmMs = undefined;
    this.#startedAt = performance.now();
    const pool = new Pool({ ...this.#opts, mode: 'threads', transport: threadTransport, minWorkers: 0 });
    this.#pool = pool;
    for (let i = 0; i < this.#opts.workers; i++) {
      // one job each: the pool spawns a thread per job. Whatever the outcome (an initializer that
      // throws breaks the pool), the real jobs will say so.
      const job = new Job(warmTasks.warm as TaskRef, [ref.module, ref.name], undefined, () =>
        this.#warmed(pool),
      );
      pool.start([job]);
    }
  }

  stats(): { running: number; queued: number; workers: number } | undefined {
    return this.started ? this.#pool?.stats() : undefined;
  }

  /** The threads are not needed (they never ran a task): stop them, without waiting. */
  retire(): void {
    if (!this.started) return;
    this.#closings.push(this.#stop({ reason: 'auto: threads not needed' }));
  }

  /** Closes the pool (drains it, or stops it given `cancel`), and waits for any retired one. */
  async close(cancel?: { reason: unknown }): Promise<void> {
    const closing = this.started ? this.#stop(cancel) : Promise.resolve();
    await Promise.all([closing, ...this.#closings]);
    this.#state = 'closed';
  }

  #stop(cancel: { reason: unknown } | undefined): Promise<void> {
    const pool = this.#pool!;
    this.#pool = undefined;
    this.#state = 'closed';
    return pool.close(cancel);
  }

  #warmed(pool: Pool): void {
    if (this.#state !== 'warming' || pool !== this.#pool) return;
    this.#warmMs = performance.now() - this.#startedAt;
    this.#state = 'ready';
    this.#ready();
  }
}
