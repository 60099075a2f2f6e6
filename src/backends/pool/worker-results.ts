/**
 * Inside a pool worker: the results waiting to be sent, flat (id, kind, payload per call), and sending
 * them as one 'done' message. A result that cannot be cloned fails its own call only. Lean: worker
 * entries load it.
 */
import type { OutcomeKind } from '../../core/outcome.ts';
import { uncloneableResult } from '../../core/outcome.ts';
import { failureToWire } from '../../core/outcome-wire.ts';
import { type DoneMessage, type FromWorker, RESULT_WIDTH } from './protocol.ts';

/** The results a worker has not sent yet. */
export class ResultBatch {
  #post: (message: FromWorker) => void;
  #defs: readonly ({ name: string } | undefined)[];
  #out: unknown[] = [];
  /** The task key of each result in #out, to name the task if its result cannot be cloned. */
  #keys: number[] = [];

  /** `post` throws synchronously when a message cannot be cloned; `defs` names the task of a key. */
  constructor(post: (message: FromWorker) => void, defs: readonly ({ name: string } | undefined)[]) {
    this.#post = post;
    this.#defs = defs;
  }

  /** Entries waiting (RESULT_WIDTH per result). */
  get length(): number {
    return this.#out.length;
  }

  add(id: number, key: number, kind: OutcomeKind, payload: unknown): undefined {
    this.#out.push(id, kind, payload);
    this.#keys.push(key);
    return undefined;
  }

  /** Sends what waits, with the time spent running it; false when nothing waited. */
  send(busyMs: number): boolean {
    if (this.#out.length === 0) return false;
    const message: DoneMessage = { t: 'done', results: this.#out, busyMs };
    const keys = this.#keys;
    this.#out = [];
    this.#keys = [];
    try {
      this.#post(message);
    } catch {
      this.#post({ ...message, results: this.#cloneable(message.results, keys) });
    }
    return true;
  }

  /** The results with each value that cannot be cloned replaced by a failure saying so. */
  #cloneable(results: unknown[], keys: number[]): unknown[] {
    const fixed = results.slice();
    for (let i = 0; i < fixed.length; i += RESULT_WIDTH) {
      if (fixed[i + 1] !== 'ok' || canClone(fixed[i + 2])) continue;
      const value = fixed[i + 2];
      const type = typeName(value);
      const task = this.#defs[keys[i / RESULT_WIDTH]!]?.name ?? '(unknown)';
      const outcome = uncloneableResult(task, `the task returned a value that cannot be cloned (${type})`);
      fixed[i + 1] = outcome.kind;
      fixed[i + 2] = failureToWire(outcome as Exclude<typeof outcome, { kind: 'ok' }>);
    }
    return fixed;
  }
}

function canClone(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** The type of a result for a message; never throws (a Proxy's traps may). */
function typeName(value: unknown): string {
  if (typeof value !== 'object' || value === null) return typeof value;
  try {
    return String(value.constructor?.name ?? 'object');
  } catch {
    return 'an unreadable object';
  }
}
