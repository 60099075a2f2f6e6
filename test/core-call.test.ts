/**
 * A call's attempts and the one retry policy, over a fake in-memory backend that records the jobs it
 * gets and lets the test settle them: which outcomes retry, that each retry is a NEW job, that the call
 * ends exactly once, and that cancelling reaches the attempt that is current.
 */
import { describe, expect, it, vi } from 'vitest';
import { Call, startTogether } from '../src/core/call.ts';
import type { Outcome, OutcomeKind } from '../src/core/outcome.ts';
import { RETRYABLE, shouldRetry } from '../src/core/retry.ts';
import { FakeBackend, ref, sampleOutcomes } from './helpers/outcomes.ts';

const RETRIED: OutcomeKind[] = ['threw', 'crashed', 'timeout'];
const NEVER_RETRIED: OutcomeKind[] = [
  'aborted',
  'not-found',
  'bad-argument',
  'init-failed',
  'broken',
  'unreachable',
];

function call(retries: number, timeoutMs: number | undefined = 250) {
  const backend = new FakeBackend();
  const done = vi.fn<(o: Outcome) => void>();
  const c = new Call(backend, ref, ['arg'], timeoutMs, retries, done);
  return { backend, done, call: c };
}

describe('retry policy', () => {
  it('retries threw, crashed and timeout only, and only while retries are left', () => {
    expect([...RETRYABLE].sort()).toEqual([...RETRIED].sort());
    for (const kind of RETRIED) {
      expect(shouldRetry(kind, 1)).toBe(true);
      expect(shouldRetry(kind, 0)).toBe(false);
    }
    for (const kind of [...NEVER_RETRIED, 'ok' as const]) expect(shouldRetry(kind, 5)).toBe(false);
  });
});

describe('Call', () => {
  it('one attempt that succeeds: one job with the call’s reference, arguments and timeout; done once', () => {
    const { backend, done, call: c } = call(2);
    c.start();
    expect(backend.starts).toHaveLength(1);
    const job = backend.last;
    expect(job.ref).toBe(ref);
    expect(job.args).toEqual(['arg']);
    expect(job.timeoutMs).toBe(250);
    expect(done).not.toHaveBeenCalled();
    job.markRunning();
    job.settle({ kind: 'ok', value: 7 });
    expect(done).toHaveBeenCalledTimes(1);
    expect(done).toHaveBeenCalledWith({ kind: 'ok', value: 7 });
    expect(backend.jobs).toHaveLength(1);
  });

  it.each(RETRIED)('%s is retried up to `retries` times, each time as a new job', (kind) => {
    const { backend, done, call: c } = call(2);
    const failure = sampleOutcomes()[kind];
    c.start();
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(backend.jobs).toHaveLength(attempt);
      expect(done).not.toHaveBeenCalled();
      const job = backend.last;
      expect(job.state).toBe('pending');
      expect(job.args).toEqual(['arg']);
      expect(job.timeoutMs).toBe(250);
      job.markRunning();
      job.settle(failure);
    }
    // 1 attempt + 2 retries, each a job of its own, each started alone
    expect(new Set(backend.jobs.map((j) => j.id)).size).toBe(3);
    expect(backend.starts.map((s) => s.length)).toEqual([1, 1, 1]);
    expect(done).toHaveBeenCalledTimes(1);
    expect(done).toHaveBeenCalledWith(failure);
  });

  it.each(RETRIED)('%s then ok: the call ends ok after the retry', (kind) => {
    const { backend, done, call: c } = call(3);
    c.start();
    backend.last.settle(sampleOutcomes()[kind]);
    expect(backend.jobs).toHaveLength(2);
    backend.last.settle({ kind: 'ok', value: 'second time' });
    expect(backend.jobs).toHaveLength(2);
    expect(done).toHaveBeenCalledTimes(1);
    expect(done).toHaveBeenCalledWith({ kind: 'ok', value: 'second time' });
  });

  it.each(NEVER_RETRIED)('%s is never retried, whatever `retries` says', (kind) => {
    const { backend, done, call: c } = call(5);
    const failure = sampleOutcomes()[kind];
    c.start();
    backend.last.settle(failure);
    expect(backend.jobs).toHaveLength(1);
    expect(done).toHaveBeenCalledTimes(1);
    expect(done).toHaveBeenCalledWith(failure);
  });

  it('retries: 0 ends at the first failure', () => {
    const { backend, done, call: c } = call(0);
    const failure = sampleOutcomes().threw;
    c.start();
    backend.last.settle(failure);
    expect(backend.jobs).toHaveLength(1);
    expect(done).toHaveBeenCalledTimes(1);
    expect(done).toHaveBeenCalledWith(failure);
  });

  it('cancel during a retry cancels the current job, not the failed one; the call ends aborted', () => {
    const { backend, done, call: c } = call(2);
    c.start();
    const first = backend.last;
    first.markRunning();
    first.settle(sampleOutcomes().crashed);
    const second = backend.last;
    expect(second).not.toBe(first);
    second.markRunning();
    const reason = new Error('user gave up');
    c.cancel(reason);
    expect(backend.cancelled).toEqual([{ job: second, reason }]);
    expect(second.settled).toBe(true);
    // aborted is final: no third attempt although a retry is left
    expect(backend.jobs).toHaveLength(2);
    expect(done).toHaveBeenCalledTimes(1);
    expect(done).toHaveBeenCalledWith({ kind: 'aborted', reason });
  });

  it('cancel before the job runs (still queued) ends the call aborted', () => {
    const { backend, done, call: c } = call(1);
    c.start();
    c.cancel('stop');
    expect(backend.cancelled.map((x) => x.job)).toEqual([backend.last]);
    expect(done).toHaveBeenCalledWith({ kind: 'aborted', reason: 'stop' });
  });

  it('cancel after the call ended does nothing', () => {
    const { backend, done, call: c } = call(1);
    c.start();
    backend.last.settle({ kind: 'ok', value: 1 });
    c.cancel('too late');
    expect(backend.cancelled).toEqual([]);
    expect(done).toHaveBeenCalledTimes(1);
    expect(done).toHaveBeenCalledWith({ kind: 'ok', value: 1 });
  });

  it('startTogether gives the first attempts of several calls to the backend in one start()', () => {
    const backend = new FakeBackend();
    const dones = [vi.fn(), vi.fn(), vi.fn()];
    const calls = dones.map((done, i) => new Call(backend, ref, [i], undefined, 1, done));
    startTogether(backend, calls);
    expect(backend.starts).toHaveLength(1);
    const chunk = backend.starts[0]!;
    expect(chunk.map((j) => j.args)).toEqual([[0], [1], [2]]);
    expect(chunk.every((j) => j.timeoutMs === undefined)).toBe(true);
    // a chunk is plain jobs: one fails and is retried alone, the others settle on their own
    chunk[1]!.settle(sampleOutcomes().threw);
    expect(backend.starts).toHaveLength(2);
    expect(backend.starts[1]!.map((j) => j.args)).toEqual([[1]]);
    chunk[0]!.settle({ kind: 'ok', value: 0 });
    chunk[2]!.settle({ kind: 'ok', value: 2 });
    backend.last.settle({ kind: 'ok', value: 1 });
    expect(dones.map((d) => d.mock.calls)).toEqual([
      [[{ kind: 'ok', value: 0 }]],
      [[{ kind: 'ok', value: 1 }]],
      [[{ kind: 'ok', value: 2 }]],
    ]);
  });
});
