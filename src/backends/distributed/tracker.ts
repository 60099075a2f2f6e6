/**
 * What tracks jobs' events: the queue's QueueEvents stream, read once per executor, moves and settles
 * the entries it names. Events of jobs this executor does not know (other executors', late ones of
 * settled jobs) are ignored.
 *
 *   active ─▶ entry active      waiting / delayed after active ─▶ entry waiting (a stalled job put back)
 *   completed ─▶ settle with the returned outcomes     failed ─▶ settle with the reported outcomes
 *   removed ─▶ unreachable (someone else removed it)
 */
import type { Deadlines } from './deadlines.ts';
import type { Entries } from './entries.ts';
import type { Link } from './link.ts';
import { completedOutcomes, failedOutcomes } from './outcome.ts';
import { LARGE_RESULT } from './wire.ts';

/**
 * `reap(id)` is told of every finished job of this executor (`ours(id)`), read or late, so that it
 * leaves Redis now rather than when removeOnComplete's age runs out.
 */
export function trackEvents(
  link: Link,
  entries: Entries,
  deadlines: Deadlines,
  reaping: { ours: (id: string) => boolean; reap: (id: string, large: boolean) => void },
): void {
  const { events } = link;
  events.on('active', ({ jobId }) => {
    const entry = entries.get(jobId);
    if (!entry) return;
    entry.seen = Date.now();
    entries.move(entry, 'active');
    deadlines.arm(entry);
  });
  events.on('completed', ({ jobId, returnvalue }) => {
    const entry = entries.get(jobId);
    const large = returnvalue === LARGE_RESULT;
    if (entry && !large) entries.settle(entry, completedOutcomes(returnvalue, entry.jobs.length, entry.task));
    if (entry && large) {
      // read it, then let it go (a remove before the read would fail the entry as removed)
      void link.returned(jobId, returnvalue).then(
        (value) => {
          entries.settle(entry, completedOutcomes(value, entry.jobs.length, entry.task));
          reaping.reap(jobId, true);
        },
        () => {}, // Redis trouble: the watchdog looks the job up again
      );
    } else if (reaping.ours(jobId)) reaping.reap(jobId, large);
  });
  events.on('failed', ({ jobId, failedReason }) => {
    const entry = entries.get(jobId);
    if (entry) entries.settle(entry, failedOutcomes(failedReason, entry.jobs.length, entry.task));
    if (reaping.ours(jobId)) reaping.reap(jobId, false);
  });
  const back = ({ jobId, prev }: { jobId: string; prev?: string }) => {
    const entry = entries.get(jobId);
    if (!entry || prev !== 'active') return; // only a stalled job put back concerns us
    entry.seen = Date.now();
    entries.move(entry, 'waiting');
    deadlines.arm(entry);
  };
  events.on('waiting', back);
  events.on('delayed', back);
  events.on('removed', ({ jobId }) => {
    const entry = entries.get(jobId);
    if (!entry) return;
    const message = `The job of task "${entry.task}" was removed from queue "${link.queue.name}" by someone else.`;
    entries.fail(entry, { kind: 'unreachable', message });
  });
}
