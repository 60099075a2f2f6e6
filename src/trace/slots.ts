/**
 * Slot lanes: tasks that overlapped on one runner (an event loop, a remote worker running 16 jobs at
 * once) each get a slot, so that no two tasks on one drawn lane overlap and a trace viewer's nesting
 * holds. Greedy interval partitioning: in order of start, each task takes the lowest slot free by then,
 * which uses as few slots as the most tasks that ran at once.
 */
import type { TaskSpan } from './span.ts';

export interface SlottedSpan extends TaskSpan {
  /** 0-based slot on its worker. */
  slot: number;
}

/** The spans that ran (a start time), each with its slot; spans that never started are left out. */
export function assignSlots(spans: readonly TaskSpan[]): SlottedSpan[] {
  const ran = spans.filter((s) => s.startedAt !== undefined);
  ran.sort((a, b) => a.startedAt! - b.startedAt! || a.endedAt - b.endedAt);
  const freeAt = new Map<string, number[]>(); // per worker: when each slot is free again
  return ran.map((span) => {
    const slots = freeAt.get(span.lane.worker) ?? [];
    freeAt.set(span.lane.worker, slots);
    let slot = slots.findIndex((end) => end <= span.startedAt!);
    if (slot === -1) slot = slots.push(0) - 1;
    slots[slot] = span.endedAt;
    return { ...span, slot };
  });
}
