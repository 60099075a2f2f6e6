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
  #closing: Promise<void> | undefined;

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

  /** Starts every thread, each importing `ref`'s module; does nothing if started already. */
  start(ref: TaskRef): void {
    if (this.#state !== 'none') return;
    this.#state = 'warming';
    this.#startedAt = performance.now();
    const pool = new Pool({ ...this.#opts, mode: 'threads', transport: threadTransport });
    this.#pool = pool;
    const jobs = Array.from(
      { length: this.#opts.workers },
      // whatever the outcome (an initializer that throws breaks the pool): the real jobs will say so
      () => new Job(warmTasks.warm as TaskRef, [ref.module, ref.name], undefined, () => this.#warmed()),
    );
    for (const job of jobs) pool.start([job]); // one each: the pool spawns a thread per job
  }

  stats(): { running: number; queued: number; workers: number } | undefined {
    return this.#pool?.stats();
  }

  /** Closes the pool (drains it, or stops it given `cancel`); later calls wait for the same close. */
  close(cancel?: { reason: unknown }): Promise<void> {
    if (this.#state === 'none') this.#state = 'closed';
    this.#closing ??= (async () => {
      const pool = this.#pool;
      this.#state = 'closed';
      await pool?.close(cancel);
    })();
    return this.#closing;
  }

  #warmed(): void {
    if (this.#state !== 'warming') return;
    this.#warmMs = performance.now() - this.#startedAt;
    this.#state = 'ready';
    this.#ready();
  }
}
