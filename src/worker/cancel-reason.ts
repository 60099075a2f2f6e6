/**
 * A caller's cancel reason on its way to a remote task. BullMQ hands `cancelJob`'s reason to the job's
 * AbortSignal as text, so the error travels as marked JSON and is rebuilt here, on the worker, as the
 * same kind of conc error the caller got (AbortError, TaskTimeoutError): the task's `taskSignal()`
 * aborts with it.
 */
import { reasonFromWire } from '../core/outcome-wire.ts';
import { AbortError } from '../errors.ts';
import type { WireError } from '../internal/error-wire.ts';

const MARK = 'conc-reason:';

/** The text to give `worker.cancelJob(id, text)`. */
export function reasonText(reason: WireError | undefined): string {
  return reason ? MARK + JSON.stringify(reason) : 'cancelled by the caller';
}

/** What a job's AbortSignal says, as the error the task's signal aborts with. */
export function readReason(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (value.startsWith(MARK)) {
    try {
      return reasonFromWire(JSON.parse(value.slice(MARK.length)) as WireError);
    } catch {
      // unreadable: say what it said
    }
  }
  return new AbortError(`The operation was aborted: ${value.replace(/^conc-reason:/, '')}.`);
}
