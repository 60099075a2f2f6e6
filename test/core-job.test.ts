/** The Job state machine: pending → running → settled, reset back to pending, one settle only. */
import { describe, expect, it, vi } from 'vitest';
import { Job } from '../src/core/job.ts';
import type { Outcome } from '../src/core/outcome.ts';
import { ref } from './helpers/outcomes.ts';

const okOutcome: Outcome = { kind: 'ok', value: 42 };
const make = (onSettle: (o: Outcome) => void = () => {}) => new Job(ref, [1, 2], 500, onSettle);

describe('Job', () => {
  it('starts pending with its reference, arguments and timeout; ids are unique and increasing', () => {
    const a = make();
    const b = make();
    expect(a.state).toBe('pending');
    expect(a.settled).toBe(false);
    expect(a.ref).toBe(ref);
    expect(a.args).toEqual([1, 2]);
    expect(a.timeoutMs).toBe(500);
    expect(b.id).toBeGreaterThan(a.id);
  });

  it('pending → running → settled: the outcome reaches onSettle once', () => {
    const onSettle = vi.fn();
    const job = make(onSettle);
    expect(job.markRunning()).toBe(true);
    expect(job.state).toBe('running');
    expect(job.settled).toBe(false);
    job.settle(okOutcome);
    expect(job.state).toBe('settled');
    expect(job.settled).toBe(true);
    expect(onSettle).toHaveBeenCalledTimes(1);
    expect(onSettle).toHaveBeenCalledWith(okOutcome);
  });

  it('a pending job can settle without running (cancelled while queued)', () => {
    const onSettle = vi.fn();
    const job = make(onSettle);
    job.settle({ kind: 'aborted', reason: 'stop' });
    expect(job.state).toBe('settled');
    expect(onSettle).toHaveBeenCalledWith({ kind: 'aborted', reason: 'stop' });
  });

  it('markRunning is false once settled: the gate a backend passes before it starts the work', () => {
    const job = make();
    job.settle(okOutcome);
    expect(job.markRunning()).toBe(false);
    expect(job.state).toBe('settled');
    const ran = make();
    ran.markRunning();
    ran.settle(okOutcome);
    expect(ran.markRunning()).toBe(false);
    expect(ran.state).toBe('settled');
  });

  it('reset takes a running job back to pending, and it can run again', () => {
    const job = make();
    job.markRunning();
    job.reset();
    expect(job.state).toBe('pending');
    expect(job.markRunning()).toBe(true);
    expect(job.state).toBe('running');
  });

  it('reset only works from running: a pending job stays pending, a settled one stays settled', () => {
    const pending = make();
    pending.reset();
    expect(pending.state).toBe('pending');
    const onSettle = vi.fn();
    const settled = make(onSettle);
    settled.markRunning();
    settled.settle(okOutcome);
    settled.reset();
    expect(settled.state).toBe('settled');
    expect(settled.markRunning()).toBe(false);
    expect(onSettle).toHaveBeenCalledTimes(1);
  });

  it('settling twice is a bug: it throws, and onSettle is not called again', () => {
    const onSettle = vi.fn();
    const job = make(onSettle);
    job.markRunning();
    job.settle(okOutcome);
    expect(() => job.settle({ kind: 'threw', error: new Error('late') })).toThrow(/settled twice/);
    expect(() => job.settle(okOutcome)).toThrow(`job ${job.id} settled twice`);
    expect(onSettle).toHaveBeenCalledTimes(1);
    expect(job.state).toBe('settled');
  });

  it('the job is settled before onSettle runs, so a callback sees the final state', () => {
    let seen: string | undefined;
    const job: Job = make(() => {
      seen = job.state;
    });
    job.settle(okOutcome);
    expect(seen).toBe('settled');
  });
});
