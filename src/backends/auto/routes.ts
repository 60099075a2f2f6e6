/**
 * Where `auto` may start its next task now, for each route: a pure rule over what is in flight, so that
 * each route's admission reads in one place (and tests need no backend).
 */
import type { Route } from './plan.ts';

export interface Admission {
  route: Route | 'sample';
  /** Sampling: the first task's module is still loading. */
  loading: boolean;
  /** The event loop turned while tasks ran (sampling) or while they were in flight (sync): they wait. */
  yielded: boolean;
  /** Tasks in flight on the event loop, and whether the adaptive limit lets another start. */
  loopInflight: number;
  limitRoom: boolean;
  /** The thread pool: started (it queues until a thread is up), ready, its messages in flight. */
  poolStarted: boolean;
  poolReady: boolean;
  units: number;
  workers: number;
  /** What one task costs on this thread, ms. */
  perTaskMs: number;
  /** Threads: the next task should run on the loop, to check that the tasks now wait (monitor.ts). */
  check: boolean;
}

/** While the threads start, tasks shorter than this go on running here (longer ones wait for a thread). */
export const INLINE_WHILE_WARMING_MS = 10;

/** 'loop', 'pool', or undefined: nothing may start now. */
export function admit(a: Admission): 'loop' | 'pool' | undefined {
  const one = a.loopInflight === 0 ? 'loop' : undefined;
  const room = a.limitRoom ? 'loop' : undefined;
  switch (a.route) {
    case 'sample':
      if (a.loading) return undefined;
      // one at a time until the loop turns: a task that computes is measured alone
      return a.yielded ? room : one;
    case 'async':
      return room;
    case 'sync':
      // one at a time, unless the running ones gave the loop back (they wait: let them overlap)
      return a.yielded ? room : one;
    case 'threads': {
      // while the threads start, short tasks go on here (none waits on a thread that is not up yet);
      // long ones are queued on the pool, which sends them as soon as a thread is up
      if (a.check) return one;
      const short = a.perTaskMs < INLINE_WHILE_WARMING_MS;
      // two messages per thread: one running, one waiting there, so no thread waits for this one
      if (a.poolStarted && a.units < a.workers * 2 && (a.poolReady || !short)) return 'pool';
      return !a.poolReady && short ? one : undefined;
    }
  }
}
