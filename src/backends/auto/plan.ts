/**
 * From a verdict to a plan: where the rest of the work runs, and in what batches. Pure (figures in,
 * plan out), so that tests assert decisions without a machine's timings.
 *
 *   I/O-bound                                   → 'async': the event loop, width found by the limiter
 *   CPU-bound, tasks so short a message costs more → 'sync': this thread, one task after another
 *   CPU-bound, too little left to pay for threads  → 'sync'
 *   CPU-bound otherwise                          → 'threads', short tasks batched into one message each
 *
 * The thread pool's start-up is a cost only until it is paid: once the pool is warm, threads cost nothing
 * more than their messages.
 */
import type { Classification } from './classifier.ts';

export type Route = 'async' | 'sync' | 'threads';

export interface PlanInput {
  verdict: Classification['verdict'];
  /** Running time of one task measured on this thread, ms. */
  perTaskMs: number;
  /** Tasks known to be waiting (held, not started). */
  held: number;
  /** Threads the pool may run. */
  workers: number;
  /** Whether the thread pool is started already (its start-up paid, or being paid). */
  poolStarted: boolean;
}

export interface Plan {
  route: Route;
  /** Tasks per message to a thread (threads only; 1 elsewhere). */
  batch: number;
  /** Why, in plain words. */
  why: string;
}

/** Below this a task costs less than handing it to a thread and back (a message each way, cloning). */
export const TINY_TASK_MS = 0.02;
/** About what starting the thread pool costs before its first task runs (a worker, its imports), ms. */
export const POOL_START_MS = 40;
/** A batch of short tasks sent as one message runs about this long. */
export const BATCH_TARGET_MS = 5;
/** Batches per thread at least, so that the threads finish together. */
const BATCHES_PER_WORKER = 4;

export function plan(p: PlanInput): Plan {
  if (p.verdict === 'io-bound') {
    return { route: 'async', batch: 1, why: 'tasks wait: the event loop overlaps them, no thread needed' };
  }
  const per = fmt(p.perTaskMs);
  if (p.workers <= 1) {
    return { route: 'sync', batch: 1, why: 'one worker allowed: a thread would only add its start-up' };
  }
  if (p.perTaskMs < TINY_TASK_MS) {
    return {
      route: 'sync',
      batch: 1,
      why: `tasks are tiny (${per} ms): a message to a thread costs more than the task, so they stay on this thread`,
    };
  }
  const left = p.held * p.perTaskMs;
  const startMs = p.poolStarted ? 0 : POOL_START_MS;
  // threads pay off when start-up plus the work shared out beats doing it here, by a margin
  if (startMs + left / p.workers > left * 0.9) {
    return {
      route: 'sync',
      batch: 1,
      why: `too little work left (${p.held} tasks × ${per} ms) to pay for starting threads`,
    };
  }
  const wanted = Math.ceil(BATCH_TARGET_MS / p.perTaskMs);
  const balanced = Math.floor(p.held / (p.workers * BATCHES_PER_WORKER));
  const batch = Math.max(1, Math.min(wanted, balanced));
  return {
    route: 'threads',
    batch,
    why:
      batch > 1
        ? `tasks compute (${per} ms each): ${p.workers} threads, ${batch} tasks per message`
        : `tasks compute (${per} ms each): ${p.workers} threads`,
  };
}

function fmt(ms: number): string {
  return ms >= 10 ? ms.toFixed(0) : ms >= 0.1 ? ms.toFixed(2) : ms.toPrecision(2);
}

/**
 * Whether to start the threads speculatively after a first task that held the loop for `coldMs`, with
 * `held` more waiting: if they cost about as much, would threads pay? (A first task is slower than the
 * rest — compiling, first clones — so this guesses high; the verdict closes an unneeded pool.)
 */
export function threadsWorthStarting(coldMs: number, held: number, workers: number): boolean {
  if (coldMs < 0.5) return false; // tiny: the sample will say whether a thread could ever pay
  return (
    plan({ verdict: 'cpu-bound', perTaskMs: coldMs, held, workers, poolStarted: false }).route === 'threads'
  );
}
