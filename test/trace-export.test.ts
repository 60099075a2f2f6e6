import { describe, expect, it } from 'vitest';
import { toChromeTrace } from '../src/trace/chrome-trace.ts';
import { percentiles } from '../src/trace/percentiles.ts';
import { assignSlots } from '../src/trace/slots.ts';
import type { TaskSpan } from '../src/trace/span.ts';
import { Timeline } from '../src/trace/timeline.ts';
import { checkTrace } from './helpers/trace-check.ts';

const loop = { kind: 'loop', worker: 'event loop' } as const;
const thread = (n: number) => ({ kind: 'thread', worker: `thread ${n}` }) as const;
const span = (over: Partial<TaskSpan>): TaskSpan => ({
  task: 'download',
  index: 0,
  attempt: 1,
  lane: loop,
  queuedAt: 0,
  startedAt: 0,
  endedAt: 10,
  outcome: 'ok',
  phases: [],
  ...over,
});

describe('slots', () => {
  it('gives overlapping tasks on one event loop separate slots, as few as ran at once', () => {
    const slotted = assignSlots([
      span({ index: 0, startedAt: 0, endedAt: 10 }),
      span({ index: 1, startedAt: 1, endedAt: 5 }),
      span({ index: 2, startedAt: 2, endedAt: 12 }),
      span({ index: 3, startedAt: 5, endedAt: 7 }), // slot 1 is free again at 5
      span({ index: 4, startedAt: 3, endedAt: 4, lane: thread(1) }),
    ]);
    const byIndex = new Map(slotted.map((s) => [s.index, s.slot]));
    expect([...byIndex]).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [4, 0],
      [3, 1],
    ]);
  });

  it('leaves out spans that never started', () => {
    expect(assignSlots([span({ startedAt: undefined, outcome: 'aborted' })])).toEqual([]);
  });
});

describe('toChromeTrace', () => {
  const spans = [
    span({
      index: 0,
      queuedAt: 0,
      startedAt: 1,
      endedAt: 50,
      phases: [
        { name: 'connecting', at: 1 },
        { name: 'waiting', at: 3 },
        { name: 'reading', at: 45 },
      ],
    }),
    span({ index: 1, queuedAt: 0, startedAt: 2, endedAt: 52 }),
    span({ index: 2, queuedAt: 0, startedAt: undefined, endedAt: 20, outcome: 'aborted' }),
    span({
      index: 3,
      queuedAt: 0,
      startedAt: 60,
      endedAt: 70,
      lane: thread(1),
      attempt: 2,
      outcome: 'threw',
    }),
  ];
  const trace = toChromeTrace([{ label: 'async', originEpochMs: 1_000, spans }]);

  it('writes the fields the format requires, one X event per task that ran, named lanes, no overlap', () => {
    const { tasks, phases } = checkTrace(trace);
    expect(tasks.map((t) => t.args!.index)).toEqual([0, 1, 3]);
    expect(phases.map((p) => [p.name, p.ts, p.dur])).toEqual([
      ['connecting', 1000, 2000],
      ['waiting', 3000, 42000],
      ['reading', 45000, 5000],
    ]);
    const retried = tasks.find((t) => t.args!.index === 3)!;
    expect(retried.args).toMatchObject({ attempt: 2, outcome: 'threw', waitedMs: 60, ranMs: 10 });
    const names = trace.traceEvents.filter((e) => e.name === 'process_name').map((e) => e.args!.name);
    expect(names).toEqual(['async · executor', 'async · event loop', 'async · thread 1']);
    const threadNames = trace.traceEvents.filter((e) => e.name === 'thread_name').map((e) => e.args!.name);
    expect(threadNames).toEqual(['slot 1', 'slot 2', 'thread 1']);
  });

  it('counts tasks in flight and queued over time', () => {
    const samples = trace.traceEvents.filter((e) => e.ph === 'C').map((e) => [e.ts, e.args]);
    expect(samples).toEqual([
      [0, { 'in flight': 0, queued: 4 }],
      [1000, { 'in flight': 1, queued: 3 }],
      [2000, { 'in flight': 2, queued: 2 }],
      [20000, { 'in flight': 2, queued: 1 }],
      [50000, { 'in flight': 1, queued: 1 }],
      [52000, { 'in flight': 0, queued: 1 }],
      [60000, { 'in flight': 1, queued: 0 }],
      [70000, { 'in flight': 0, queued: 0 }],
    ]);
  });

  it('places several runs on one time axis by their origins', () => {
    const two = toChromeTrace([
      { label: 'sync', originEpochMs: 1_000, spans: [span({})] },
      { label: 'threads', originEpochMs: 1_500, spans: [span({ lane: thread(1) })] },
    ]);
    const tasks = checkTrace(two).tasks;
    expect(tasks.map((t) => t.ts)).toEqual([0, 500_000]);
  });
});

describe('Timeline', () => {
  it('keeps at most maxSpans and counts the rest as dropped', () => {
    const t = new Timeline(2);
    for (let i = 0; i < 5; i++) t.record(span({ index: i }));
    const snap = t.snapshot();
    expect(snap.spans.map((s) => s.index)).toEqual([0, 1]);
    expect(snap.dropped).toBe(3);
  });

  it('moves a worker stamp onto the caller clock by its measured offset', () => {
    const t = new Timeline();
    t.setClock({ worker: 'remote a', offsetMs: 25, uncertaintyMs: 0.5 });
    expect(t.fromEpoch(t.originEpochMs + 100, 'remote a')).toBeCloseTo(125, 6);
    expect(t.fromEpoch(t.originEpochMs + 100, 'thread 1')).toBeCloseTo(100, 6);
  });

  it('derives wait and run percentiles and busy time per worker', () => {
    const t = new Timeline();
    for (let i = 0; i < 10; i++)
      t.record(span({ queuedAt: 0, startedAt: i, endedAt: i + 2, lane: thread(i % 2) }));
    const stats = t.stats();
    expect(stats.wait).toEqual({ count: 10, p50: 4, p90: 8, p99: 9, max: 9 });
    expect(stats.run.p50).toBe(2);
    expect(stats.busyMs).toEqual({ 'thread 0': 10, 'thread 1': 10 });
  });
});

describe('percentiles', () => {
  it('uses nearest rank and is all zeros for no values', () => {
    expect(percentiles([])).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, max: 0 });
    expect(percentiles([5, 1, 3])).toEqual({ count: 3, p50: 3, p90: 5, p99: 5, max: 5 });
  });
});
