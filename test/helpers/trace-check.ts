/**
 * What every trace conc writes must satisfy, checked the same way for every backend: the fields the
 * Trace Event format requires, a name for every process and thread drawn, no two tasks overlapping on one
 * drawn lane, and every phase inside its task.
 */
import { expect } from 'vitest';
import type { ChromeTrace, TraceEvent } from '../../src/trace/chrome-trace.ts';

export function checkTrace(trace: ChromeTrace): { tasks: TraceEvent[]; phases: TraceEvent[] } {
  expect(Array.isArray(trace.traceEvents)).toBe(true);
  for (const e of trace.traceEvents) {
    expect(typeof e.name).toBe('string');
    expect(['X', 'M', 'C']).toContain(e.ph);
    expect(Number.isInteger(e.ts) && e.ts >= 0).toBe(true);
    expect(Number.isInteger(e.pid)).toBe(true);
    expect(Number.isInteger(e.tid)).toBe(true);
    if (e.ph === 'X') expect(Number.isInteger(e.dur) && e.dur! >= 0).toBe(true);
    if (e.ph === 'C') expect(Object.values(e.args ?? {}).every((v) => typeof v === 'number')).toBe(true);
  }
  const tasks = trace.traceEvents.filter((e) => e.ph === 'X' && e.cat === 'task');
  const phases = trace.traceEvents.filter((e) => e.ph === 'X' && e.cat === 'phase');
  const named = new Set(
    trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => e.pid),
  );
  const threads = new Set(
    trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => `${e.pid}/${e.tid}`),
  );
  const lanes = new Map<string, TraceEvent[]>();
  for (const t of tasks) {
    expect(named.has(t.pid)).toBe(true);
    expect(threads.has(`${t.pid}/${t.tid}`)).toBe(true);
    const lane = `${t.pid}/${t.tid}`;
    lanes.set(lane, [...(lanes.get(lane) ?? []), t]);
  }
  for (const list of lanes.values()) {
    list.sort((a, b) => a.ts - b.ts);
    for (let i = 1; i < list.length; i++)
      expect(list[i]!.ts).toBeGreaterThanOrEqual(list[i - 1]!.ts + list[i - 1]!.dur!);
  }
  for (const p of phases) {
    const parent = tasks.find(
      (t) => t.pid === p.pid && t.tid === p.tid && t.ts <= p.ts && p.ts + p.dur! <= t.ts + t.dur!,
    );
    expect(parent, `phase ${p.name} at ${p.ts} lies inside a task`).toBeDefined();
  }
  return { tasks, phases };
}
