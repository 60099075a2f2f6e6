import { describe, expect, it } from 'vitest';
import { advise } from '../src/lab/advice.ts';
import type { JobReport, ModeRow } from '../src/lab/experiment.ts';
import type { Machine } from '../src/lab/machine.ts';

const machine: Machine = { cores: 4, cpuModel: 'x', node: 'v20', platform: 'linux', memoryGiB: 8, load: 0.2 };

function report(
  job: 'io' | 'cpu',
  rows: [ModeRow['mode'], number, number][],
  auto?: ModeRow['auto'],
): JobReport {
  const sync = rows.find(([m]) => m === 'sync')?.[1];
  return {
    job,
    interrupted: false,
    rows: rows.map(([mode, seconds, cpuPercent]) => ({
      mode,
      seconds,
      cpuPercent,
      workers: 4,
      speedup: sync ? sync / seconds : null,
      floorSeconds: null,
      childCpuCounted: true,
      cpuWaitPercent: null,
      failed: 0,
      count: 10,
      runs: [seconds],
      ...(mode === 'auto' && auto ? { auto } : {}),
    })),
  };
}

describe('advise', () => {
  it('recommends async for the I/O job and threads for the CPU job, with the figures', () => {
    const io = report(
      'io',
      [
        ['sync', 8, 8],
        ['async', 0.3, 40],
        ['threads', 1.8, 30],
        ['processes', 4, 30],
        ['auto', 0.4, 40],
      ],
      { chosen: 'async', verdict: 'io-bound', width: 64 },
    );
    const cpu = report(
      'cpu',
      [
        ['sync', 4, 99],
        ['async', 4.1, 99],
        ['threads', 1.1, 390],
        ['processes', 1.2, 380],
        ['auto', 1.05, 390],
      ],
      { chosen: 'threads', verdict: 'cpu-bound', width: 4 },
    );
    const r = advise(machine, { io, cpu });
    expect(r.io).toMatchObject({ verdict: 'io-bound', use: 'async', fastest: 'async' });
    expect(r.cpu).toMatchObject({ verdict: 'cpu-bound', use: 'threads', fastest: 'auto' });
    expect(r.summary).toBe('The I/O job is I/O-bound: use async. The CPU job is CPU-bound: use threads.');
    expect(r.io!.text).toContain('busy only 8%');
    expect(r.io!.text).toContain('async was 27× faster');
    expect(r.io!.text).toContain('chose async (width 64)');
    expect(r.cpu!.text).toContain('async was 1.0× — no faster');
    expect(r.cpu!.text).toContain('on 4 cores');
    expect(r.notes).toEqual([]);
  });

  it('prefers the simpler mode when two are within 10%', () => {
    const cpu = report('cpu', [
      ['sync', 4, 99],
      ['threads', 1.1, 390],
      ['processes', 1.05, 380],
    ]);
    expect(advise(machine, { cpu }).cpu!.use).toBe('threads');
  });

  it('says sync when no concurrency pays off', () => {
    const cpu = report('cpu', [
      ['sync', 1, 99],
      ['threads', 1.05, 100],
    ]);
    expect(advise({ ...machine, cores: 1 }, { cpu }).cpu!.use).toBe('sync');
    expect(advise({ ...machine, cores: 1 }, { cpu }).notes[0]).toMatch(/one core/);
  });

  it('never recommends async for CPU-bound work, even when noise made it look faster', () => {
    const cpu = report('cpu', [
      ['sync', 2.5, 99],
      ['async', 1.9, 99],
      ['threads', 2.6, 90],
      ['processes', 2.8, 90],
    ]);
    const r = advise({ ...machine, cores: 2, load: 3 }, { cpu }).cpu!;
    expect(r.use).toBe('threads');
    expect(r.text).toContain('noise from a busy machine');
    expect(r.text).toContain('used at most 90% of the 200% the cores could give');
  });

  it('warns when the machine was busy, and skips modes that failed', () => {
    const io = report('io', [
      ['sync', 8, 8],
      ['async', 0.3, 40],
    ]);
    io.rows.push({ ...io.rows[1]!, mode: 'distributed', seconds: Number.NaN, error: 'no redis' });
    const r = advise({ ...machine, load: 9 }, { io });
    expect(r.notes[0]).toMatch(/busy \(load 9 on 4 cores\)/);
    expect(r.io!.use).toBe('async');
    expect(r.cpu).toBeUndefined();
  });

  it('corrects CPU use for time spent waiting for a CPU (a busy machine)', () => {
    const cpu = report('cpu', [
      ['sync', 4, 30],
      ['threads', 2, 60],
    ]);
    expect(advise(machine, { cpu }).cpu!.verdict).toBe('io-bound');
    cpu.rows[0]!.cpuWaitPercent = 68; // it could run only 32% of the time, and computed 30%
    const r = advise(machine, { cpu }).cpu!;
    expect(r.verdict).toBe('cpu-bound');
    // the figure the table and the JSON show (30%), then the corrected one
    expect(r.text).toContain('kept a core busy 30% of the time (94% of the time it could run)');
  });

  it('calls work I/O-bound when async clearly beat sync, even with CPU use over 50% (small jobs)', () => {
    const io = report('io', [
      ['sync', 0.64, 60],
      ['async', 0.19, 47],
    ]);
    expect(advise(machine, { io }).io!.verdict).toBe('io-bound');
    io.rows[0]!.cpuPercent = 95; // but a run that kept a core busy throughout computes
    expect(advise(machine, { io }).io!.verdict).toBe('cpu-bound');
  });

  it('says nothing was measured when nothing ran', () => {
    expect(advise(machine, {}).summary).toBe('Nothing was measured.');
  });
});
