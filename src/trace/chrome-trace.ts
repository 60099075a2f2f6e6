/**
 * The timeline as Chrome Trace Event JSON (`{"traceEvents": […]}`), which ui.perfetto.dev and
 * chrome://tracing open. Each runner (the event loop, a thread, a process, a remote worker) is a trace
 * "process" named by `M` events; each of its slots (see slots.ts) a "thread", so tasks that overlapped on
 * one event loop sit on separate rows and complete (`X`) events never break the viewer's nesting. A
 * task's phases are `X` events inside its own. One more process per run carries `C` counters: tasks in
 * flight and tasks queued.
 */
import { assignSlots } from './slots.ts';
import type { ClockOffset, TaskSpan } from './span.ts';

export interface TraceEvent {
  name: string;
  ph: 'X' | 'M' | 'C';
  /** Microseconds. */
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  cat?: string;
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, unknown>;
}

/** One executor's timeline, e.g. one mode of `conc compare`. */
export interface TraceRun {
  /** e.g. "threads(2)". */
  label: string;
  /** The caller's epoch milliseconds at the timeline's origin: runs are placed on one time axis by it. */
  originEpochMs: number;
  spans: readonly TaskSpan[];
  clocks?: readonly ClockOffset[];
}

const us = (ms: number) => Math.round(ms * 1000);

export function toChromeTrace(runs: readonly TraceRun[]): ChromeTrace {
  const first = Math.min(...runs.map((r) => r.originEpochMs));
  const events: TraceEvent[] = [];
  let nextPid = 1;
  for (const run of runs) {
    const shift = run.originEpochMs - first;
    const counterPid = nextPid++;
    meta(events, counterPid, 0, 'process_name', `${run.label} · executor`);
    meta(events, counterPid, 0, 'process_sort_index', counterPid);
    events.push(...counters(run.spans, counterPid, shift));
    const pids = new Map<string, number>();
    for (const span of assignSlots(run.spans)) {
      let pid = pids.get(span.lane.worker);
      if (pid === undefined) {
        pid = nextPid++;
        pids.set(span.lane.worker, pid);
        meta(events, pid, 0, 'process_name', `${run.label} · ${span.lane.worker}`);
        meta(events, pid, 0, 'process_sort_index', pid);
      }
      const tid = span.slot + 1;
      const start = span.startedAt! + shift;
      const end = Math.max(span.endedAt + shift, start);
      events.push({
        name: span.task,
        cat: 'task',
        ph: 'X',
        ts: us(start),
        dur: us(end) - us(start),
        pid,
        tid,
        args: {
          index: span.index ?? null,
          attempt: span.attempt,
          outcome: span.outcome,
          waitedMs: round3(span.startedAt! - span.queuedAt),
          ranMs: round3(span.endedAt - span.startedAt!),
        },
      });
      events.push(...phases(span, pid, tid, shift));
    }
    for (const [worker, pid] of pids) {
      const slots = new Set(events.filter((e) => e.pid === pid && e.ph === 'X').map((e) => e.tid));
      for (const tid of slots) meta(events, pid, tid, 'thread_name', slots.size > 1 ? `slot ${tid}` : worker);
    }
  }
  return {
    traceEvents: events,
    displayTimeUnit: 'ms',
    otherData: {
      producer: 'conc',
      clocks: runs.map((r) => ({ run: r.label, workers: r.clocks ?? [] })),
    },
  };
}

function meta(events: TraceEvent[], pid: number, tid: number, name: string, value: string | number): void {
  const args = name.endsWith('sort_index') ? { sort_index: value } : { name: value };
  events.push({ name, ph: 'M', ts: 0, pid, tid, args });
}

/** The phases a task marked, each until the next mark or the task's end, clamped inside the task. */
function phases(span: TaskSpan, pid: number, tid: number, shift: number): TraceEvent[] {
  const out: TraceEvent[] = [];
  const start = span.startedAt!;
  const marks = [...span.phases].sort((a, b) => a.at - b.at);
  for (let i = 0; i < marks.length; i++) {
    const from = Math.min(Math.max(marks[i]!.at, start), span.endedAt);
    const to = Math.min(Math.max(marks[i + 1]?.at ?? span.endedAt, from), span.endedAt);
    if (to <= from) continue;
    out.push({
      name: marks[i]!.name,
      cat: 'phase',
      ph: 'X',
      ts: us(from + shift),
      dur: us(to + shift) - us(from + shift),
      pid,
      tid,
    });
  }
  return out;
}

/** Tasks in flight and queued over time: a sweep over every span's queue, start and end. */
function counters(spans: readonly TaskSpan[], pid: number, shift: number): TraceEvent[] {
  const steps: [at: number, running: number, queued: number][] = [];
  for (const s of spans) {
    steps.push([s.queuedAt, 0, 1]);
    if (s.startedAt === undefined) steps.push([s.endedAt, 0, -1]);
    else steps.push([s.startedAt, 1, -1], [s.endedAt, -1, 0]);
  }
  steps.sort((a, b) => a[0] - b[0]);
  const out: TraceEvent[] = [];
  let running = 0;
  let queued = 0;
  for (let i = 0; i < steps.length; i++) {
    running += steps[i]![1];
    queued += steps[i]![2];
    if (i + 1 < steps.length && us(steps[i + 1]![0]) === us(steps[i]![0])) continue; // one sample per instant
    out.push({
      name: 'tasks',
      ph: 'C',
      ts: us(steps[i]![0] + shift),
      pid,
      tid: 0,
      args: { 'in flight': running, queued },
    });
  }
  return out;
}

const round3 = (ms: number) => Math.round(ms * 1000) / 1000;
