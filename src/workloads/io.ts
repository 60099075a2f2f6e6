/**
 * The article's I/O-bound job as task functions. `initSession` is the initializer — one session per
 * worker (the article's thread-local / per-process `session`), one in total for sync and async — and
 * `downloadSite(url)` downloads one URL with this worker's session.
 *
 * In one thread, jobs that run at the same time share the session (as the article's global one); the
 * last `initSession` decides its options. `releaseSession(holder)` closes it once every holder let go.
 *
 * `downloadSite` passes its `taskSignal()` on: a cancelled or timed-out download stops (its request
 * aborted, its socket freed) instead of running on after the caller gave up.
 */

import { OutsideTaskError } from '../errors.ts';
import type { DownloadResult } from '../http/download.ts';
import type { SessionOptions } from '../http/options.ts';
import { Session } from '../http/session.ts';
import { taskSignal } from '../task-signal.ts';
import { defineTasks } from '../tasks.ts';

let session: Session | undefined;
const holders = new Set<string>();
const retired = new Set<Session>();

/**
 * The initializer: makes this worker's session (once per worker; once in total for sync/async).
 * `holder` names the job that takes it, for {@link releaseSession}.
 */
export function initSession(options: SessionOptions = {}, holder = 'default'): void {
  const next = new Session(options); // validates first: a bad option leaves the old session in place
  holders.add(holder);
  if (session) retired.add(session);
  session = next;
}

/**
 * Downloads one site with this worker's session; never throws for a per-URL failure. Run as a task, it
 * stops when its task's signal aborts; called directly (outside a task), it runs to the end.
 */
export function downloadSite(url: string): Promise<DownloadResult> {
  const signal = ownSignal(); // first: a task's signal is found only in its synchronous part
  session ??= new Session();
  return session.download(url, signal);
}

/** The running task's signal, or none when `downloadSite` is called as a plain function. */
function ownSignal(): AbortSignal | undefined {
  try {
    return taskSignal();
  } catch (error) {
    if (error instanceof OutsideTaskError) return undefined;
    throw error;
  }
}

/**
 * Lets go of the session `holder` took with `initSession` (sync/async jobs call it when done; pool
 * workers simply exit). The last holder closes the connections: gracefully, or at once with `destroy`.
 * A holder that never took the session changes nothing.
 */
export async function releaseSession(holder = 'default', destroy = false): Promise<void> {
  if (!holders.delete(holder) || holders.size > 0) return;
  const all = [...retired, ...(session ? [session] : [])];
  retired.clear();
  session = undefined;
  await Promise.all(all.map((s) => (destroy ? s.destroy() : s.close())));
}

export const tasks = defineTasks(import.meta.url, { initSession, downloadSite });
