/**
 * What the article's Python programs showed beside conc's modes, in a few sentences: the GIL on the CPU
 * job, the Pool, asyncio on the I/O job — each beside conc's figure for the same mode.
 */
import type { Mode } from '../executor.ts';
import type { JobReport } from './experiment.ts';
import { pct, x } from './figures.ts';
import type { Machine } from './machine.ts';

/**
 * The article's lesson, measured: Python's threads against its loop on the CPU job (the GIL), its
 * Pool, asyncio against its loop on the I/O job — each beside conc's figure for the same mode.
 */
export function pythonLesson(
  machine: Machine,
  io: JobReport | undefined,
  cpu: JobReport | undefined,
): string | undefined {
  const ran = (report: JobReport | undefined, mode: Mode) => {
    const row = report?.rows.find((r) => r.mode === mode);
    const twin = row?.python;
    return row && twin && twin.error === undefined && Number.isFinite(twin.seconds)
      ? { row, twin }
      : undefined;
  };
  const parts: string[] = [];
  const threads = ran(cpu, 'threads');
  const pool = ran(cpu, 'processes');
  if (threads?.twin.speedup != null) {
    const conc = threads.row.speedup;
    // conc's threads lose either to start-up (a small job) or to other programs holding the cores
    const crowded = threads.row.cpuPercent < machine.cores * 100 * 0.75;
    const nodeThreads =
      conc === null
        ? ''
        : conc >= 1.3
          ? ` conc's threads were ${x(conc)} sync: each worker thread has its own JavaScript engine, and they compute at once.`
          : crowded
            ? ` conc's threads were ${x(conc)} sync here, using ${pct(threads.row.cpuPercent)} of ${machine.cores * 100}%: other programs held the cores.`
            : ` conc's threads were ${x(conc)} sync here: the job is too small for starting them to pay off (give it more work and they split it).`;
    parts.push(
      `On the CPU job, Python's ${threads.twin.workers} threads were ${x(threads.twin.speedup)} its loop: the GIL lets one thread run Python code at a time${pool?.twin.speedup != null ? `, while its Pool of processes was ${x(pool.twin.speedup)}` : ''}.${nodeThreads}`,
    );
  }
  const loop = ran(cpu, 'sync');
  if (loop?.twin.ratio != null && loop.twin.ratio > 1) {
    parts.push(
      `Python's loop took ${x(loop.twin.ratio)} the time of conc's sync: V8 compiles the arithmetic to machine code, CPython interprets it step by step.`,
    );
  }
  const asyncio = ran(io, 'async');
  if (asyncio?.twin.speedup != null && asyncio.row.speedup !== null) {
    parts.push(
      `On the I/O job asyncio was ${x(asyncio.twin.speedup)} Python's loop and conc's async ${x(asyncio.row.speedup)} sync: both overlap the waits on one thread.`,
    );
  }
  return parts.length > 0 ? `The article's Python programs ran here too. ${parts.join(' ')}` : undefined;
}
