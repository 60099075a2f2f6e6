import { describe, expect, it } from 'vitest';
import { advise } from '../src/lab/advice.ts';
import type { JobReport, ModeRow } from '../src/lab/experiment.ts';
import { stringifyDocument, toDocument } from '../src/lab/report/json.ts';
import { renderTable } from '../src/lab/report/table.ts';

const base: Omit<ModeRow, 'mode' | 'seconds' | 'workers'> = {
  speedup: null,
  floorSeconds: null,
  cpuPercent: 10,
  childCpuCounted: true,
  cpuWaitPercent: null,
  failed: 0,
  count: 160,
  runs: [],
};
const io: JobReport = {
  job: 'io',
  interrupted: false,
  rows: [
    { ...base, mode: 'sync', workers: 1, seconds: 8.2, speedup: 1, floorSeconds: 8 },
    {
      ...base,
      mode: 'async',
      workers: Number.POSITIVE_INFINITY,
      seconds: 0.41,
      speedup: 20,
      floorSeconds: 0.05,
      failed: 3,
    },
    {
      ...base,
      mode: 'auto',
      workers: 40,
      seconds: 0.5,
      speedup: 16.4,
      floorSeconds: 0.2,
      auto: { chosen: 'async', verdict: 'io-bound', width: 40 },
    },
    {
      ...base,
      mode: 'distributed',
      workers: 0,
      seconds: Number.NaN,
      error: 'InvalidOptionsError: redis is required',
    },
  ],
};

describe('renderTable', () => {
  it('prints one plain table per job: mode, workers, seconds, speedup, floor, CPU use', () => {
    const text = renderTable(io);
    expect(text.includes('\u001b[')).toBe(false); // no ANSI when not asked for color
    expect(text).toMatch(/mode\s+│ workers │ seconds │ speedup │ floor │\s+CPU use/);
    expect(text).toMatch(/│ sync\s+│\s+1 │\s+8\.20 │\s+1\.0× │\s+8\.00 │\s+10% │/);
    expect(text).toMatch(/│ async\s+│\s+∞ │\s+0\.41 │\s+20\.0× │/);
    expect(text).toContain('(3 failed)');
    expect(text).toContain('auto → async');
    expect(text).toContain('InvalidOptionsError');
  });

  it('has no floor column for the CPU job and marks an interrupted run', () => {
    const text = renderTable({
      job: 'cpu',
      interrupted: true,
      rows: [{ ...base, mode: 'threads', workers: 2, seconds: 1 }],
    });
    expect(text).not.toContain('floor');
    expect(text).toContain('interrupted');
  });
});

describe('the JSON document', () => {
  it('follows the contract: machine, io/cpu rows, recommendation, report path; finite numbers or null', () => {
    const machine = { cores: 2, cpuModel: 'x', node: 'v20', platform: 'linux', memoryGiB: 1, load: 0 };
    const doc = toDocument({
      machine,
      settings: { runs: 1, modes: ['sync'], latencyMs: 50, repeat: 80, cpuStart: 100_000_000, cpuCount: 20 },
      io,
      recommendation: advise(machine, { io }),
      report: '/tmp/r/report.html',
    });
    const parsed = JSON.parse(stringifyDocument(doc));
    expect(Object.keys(parsed)).toEqual(
      expect.arrayContaining(['machine', 'io', 'cpu', 'recommendation', 'report']),
    );
    expect(parsed.io[0]).toMatchObject({
      mode: 'sync',
      workers: 1,
      seconds: 8.2,
      speedup: 1,
      floorSeconds: 8,
    });
    expect(parsed.io[1].workers).toBeNull();
    expect(parsed.io[3]).toMatchObject({
      mode: 'distributed',
      seconds: null,
      error: expect.stringContaining('redis'),
    });
    expect(parsed.report).toBe('/tmp/r/report.html');
    expect(parsed.recommendation.io.use).toBe('async');
  });
});
