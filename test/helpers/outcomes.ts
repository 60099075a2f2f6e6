/**
 * One sample outcome of every kind, with the errors inside as rich as a real task makes them (a code,
 * own properties, a cause chain), and a fake Backend that lets a test settle the jobs it was given.
 * Shared by the unit tests of src/core.
 */
import type { Backend, BackendStats } from '../../src/core/backend.ts';
import type { Job } from '../../src/core/job.ts';
import type { Outcome, OutcomeKind } from '../../src/core/outcome.ts';
import type { TaskRef } from '../../src/tasks.ts';

/** An error like one a task throws: own `code` and `limit`, a two-level cause chain. */
export function richError(): Error {
  const error = new RangeError('over quota', {
    cause: new Error('middle', { cause: new TypeError('root') }),
  });
  Object.assign(error, { code: 'E_QUOTA', limit: 3 });
  return error;
}

/** One outcome of every kind, freshly built. */
export function sampleOutcomes(): Record<OutcomeKind, Outcome> {
  return {
    ok: { kind: 'ok', value: { n: 2n ** 70n, m: new Map([['a', [1, 2]]]), d: new Date(0) } },
    threw: { kind: 'threw', error: richError() },
    crashed: { kind: 'crashed', detail: 'exit code 3', cause: new Error('worker exited') },
    timeout: { kind: 'timeout', ms: 150, message: 'took too long' },
    aborted: { kind: 'aborted', reason: new Error('user gave up') },
    'not-found': { kind: 'not-found', message: 'Task "x" not found', cause: new Error('no export') },
    'bad-argument': { kind: 'bad-argument', message: 'cannot be cloned', cause: new Error('DataCloneError') },
    'init-failed': { kind: 'init-failed', initializer: 'initSession', error: richError() },
    broken: { kind: 'broken', detail: 'spawn EAGAIN', cause: new Error('EAGAIN') },
    unreachable: {
      kind: 'unreachable',
      message: 'Redis at 127.0.0.1:1 refused',
      cause: new Error('ECONNREFUSED'),
    },
  };
}

export const ref: TaskRef = Object.freeze({ module: 'file:///fake/tasks.ts', name: 'fake' });

/** A Backend that only records: the test settles the jobs it was given. cancel() settles as aborted. */
export class FakeBackend implements Backend {
  readonly mode = 'async' as const;
  readonly concurrency = 4;
  readonly window = 8;
  /** Every start() call, with the jobs it was given. */
  readonly starts: Job[][] = [];
  readonly cancelled: { job: Job; reason: unknown }[] = [];

  /** Every job it was given, in order. */
  get jobs(): Job[] {
    return this.starts.flat();
  }

  /** The job given last. */
  get last(): Job {
    const job = this.jobs.at(-1);
    if (!job) throw new Error('the fake backend was given no job');
    return job;
  }

  start(jobs: readonly Job[]): void {
    this.starts.push([...jobs]);
  }

  cancel(job: Job, reason: unknown): void {
    this.cancelled.push({ job, reason });
    if (!job.settled) job.settle({ kind: 'aborted', reason });
  }

  async close(): Promise<void> {}

  async ready(): Promise<void> {}

  stats(): BackendStats {
    return { running: this.jobs.filter((j) => j.state === 'running').length, queued: 0, workers: 0 };
  }
}
