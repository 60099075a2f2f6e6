/**
 * `conc profile`: run a task a few times, one call at a time, and say what kind of work it is — the same
 * measurement `auto` makes (CPU time against wall time, event-loop use and delay) — and which mode and
 * width fit it.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Classification, classify, Probe } from '../backends/auto/classifier.ts';
import { AbortError, TaskNotFoundError, TaskTimeoutError } from '../errors.ts';
import type { Mode } from '../executor.ts';
import { resolveTask } from '../internal/resolve-task.ts';
import { median } from './experiment.ts';
import { measureThreadStartMs } from './thread-start.ts';

/** A bad profile target or argument: the CLI reports it as a usage error. */
export class ProfileInputError extends Error {
  override name = 'ProfileInputError';
}

export interface ProfileTarget {
  /** As given, e.g. ./tasks.ts#sumOfSquares */
  spec: string;
  module: string;
  name: string;
  fn: (...args: unknown[]) => unknown;
}

export interface ProfileCall {
  args: number;
  wallMs: number;
  cpuMs: number;
}

export interface ProfileResult {
  target: { module: string; name: string };
  calls: ProfileCall[];
  /** Medians per call. */
  wallMs: number;
  cpuMs: number;
  verdict: Classification['verdict'];
  cpuRatio: number;
  elu: number;
  loopDelayMs: number;
  reason: string;
  recommended: { mode: Mode; workers: number; why: string };
  /** A worker thread's start-up, measured here (ms): threads are not recommended for shorter calls. */
  threadStartMs: number;
  /** Stopped by its signal before every call ran: the figures are those of `calls`. */
  partial: boolean;
}

export interface ProfileBounds {
  /** Longest one call may take (ms): a call that has not settled by then fails with TaskTimeoutError. */
  timeoutMs?: number | undefined;
  /** Stops between calls, and ends a call being awaited: what was measured is kept. */
  signal?: AbortSignal | undefined;
}

/** Most tasks in flight ever recommended for I/O (beyond it, the other side is the limit). */
const MAX_IO_WIDTH = 1000;

/** Loads `MODULE#EXPORT` (a path relative to `cwd`, or a file: URL); the export must be a function. */
export async function loadTarget(spec: string, cwd = process.cwd()): Promise<ProfileTarget> {
  const hash = spec.lastIndexOf('#');
  if (hash <= 0 || hash === spec.length - 1) {
    throw new ProfileInputError(
      `profile target must be MODULE#EXPORT, e.g. ./tasks.ts#sumOfSquares; got "${spec}".`,
    );
  }
  const path = spec.slice(0, hash);
  const name = spec.slice(hash + 1);
  const url = path.startsWith('file:')
    ? path
    : pathToFileURL(isAbsolute(path) ? path : resolve(cwd, path)).href;
  const file = fileURLToPath(url);
  if (!existsSync(file)) {
    throw new ProfileInputError(
      `profile: module ${path} not found (looked at ${file}). Give the path of a .js or .ts module.`,
    );
  }
  try {
    const fn = await resolveTask(url, name);
    return { spec, module: url, name, fn };
  } catch (error) {
    if (error instanceof TaskNotFoundError) throw new ProfileInputError(`profile: ${error.message}`);
    throw error;
  }
}

/**
 * Parses `--args` values: each is one call's arguments as JSON — an array is the argument list, any
 * other value the single argument. None: one call with no arguments.
 */
export function parseArgLists(values: readonly string[] | undefined): unknown[][] {
  if (!values || values.length === 0) return [[]];
  return values.map((text, i) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ProfileInputError(
        `--args value ${i + 1} is not JSON (${(error as Error).message}): ${JSON.stringify(text)}. Give the arguments as a JSON array, e.g. --args '[5000000]'.`,
      );
    }
    return Array.isArray(value) ? value : [value];
  });
}

/**
 * Calls the task `runs` times per argument list, one call at a time, after one unmeasured warm-up call.
 * Each call is bounded by `bounds.timeoutMs` (TaskTimeoutError); when `bounds.signal` aborts, the calls
 * measured so far are the result (`partial`), or AbortError if none was. A call that blocks its thread
 * cannot be bounded here: nothing else runs until it returns.
 */
export async function profileTask(
  target: ProfileTarget,
  argLists: unknown[][],
  runs = 3,
  bounds: ProfileBounds = {},
): Promise<ProfileResult> {
  const { signal } = bounds;
  const threadStartMs = await measureThreadStartMs();
  await boundedCall(target, argLists[0]!, bounds); // warm-up: module state, JIT, first connections
  const calls: ProfileCall[] = [];
  const whole = new Probe();
  whole.start(1); // one call in flight all along
  try {
    for (let run = 0; run < runs; run++) {
      for (const [i, args] of argLists.entries()) {
        signal?.throwIfAborted();
        const one = new Probe();
        one.start(1);
        await boundedCall(target, args, bounds);
        const m = one.stop(1);
        calls.push({ args: i, wallMs: m.wallMs, cpuMs: m.cpuMs });
      }
    }
  } catch (error) {
    if (!signal?.aborted || calls.length === 0) throw error;
  }
  return summarize(target, calls, whole, Boolean(signal?.aborted), threadStartMs);
}

function summarize(
  target: ProfileTarget,
  calls: ProfileCall[],
  whole: Probe,
  partial: boolean,
  threadStartMs: number,
): ProfileResult {
  const c = classify(whole.stop(calls.length));
  const wallMs = median(calls.map((x) => x.wallMs));
  const cpuMs = median(calls.map((x) => x.cpuMs));
  return {
    target: { module: target.module, name: target.name },
    calls,
    wallMs,
    cpuMs,
    verdict: c.verdict,
    cpuRatio: c.cpuRatio,
    elu: c.elu,
    loopDelayMs: c.loopDelayMs,
    reason: c.reason,
    recommended: recommend(c, wallMs, cpuMs, threadStartMs),
    threadStartMs,
    partial,
  };
}

/**
 * One call of the task: a value returns at once; a promise (or any thenable) is awaited until it
 * settles, the bound passes (TaskTimeoutError naming the task and the bound) or the signal aborts.
 */
async function boundedCall(target: ProfileTarget, args: unknown[], bounds: ProfileBounds): Promise<void> {
  const { signal, timeoutMs } = bounds;
  signal?.throwIfAborted();
  const value = target.fn(...args);
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await Promise.race([
      Promise.resolve(value),
      new Promise<never>((_, reject) => {
        if (timeoutMs !== undefined) {
          timer = setTimeout(
            () =>
              reject(
                new TaskTimeoutError(
                  target.name,
                  timeoutMs,
                  `${target.name} did not settle within ${timeoutMs} ms: it may hang or return a promise that never settles.`,
                ),
              ),
            timeoutMs,
          );
        }
        onAbort = () => reject(new AbortError(`${target.name} was stopped: ${String(signal?.reason)}`));
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** Calls shorter than this stay inline whatever a thread's start-up measured (ms). */
const TINY_CALL_MS = 1;

function recommend(
  c: Classification,
  wallMs: number,
  cpuMs: number,
  threadStartMs: number,
): ProfileResult['recommended'] {
  const cores = availableParallelism();
  const floorMs = Math.max(TINY_CALL_MS, threadStartMs);
  if (c.verdict === 'cpu-bound' && wallMs < floorMs) {
    // enough calls per message that each carries at least a thread's start-up of work
    const chunk = Math.max(2, Math.ceil(floorMs / Math.max(wallMs, 0.001)));
    return {
      mode: 'sync',
      workers: 1,
      why: `each call computes for only ${ms(wallMs)}, less than a worker thread takes to start here (${ms(threadStartMs)}): threads would spend more on start-up and messages than they save. Stay inline (--mode sync), or, with threads, batch calls with chunkSize ${chunk} (map(fn, items, { chunkSize: ${chunk} })) so each message carries enough work.`,
    };
  }
  if (c.verdict === 'cpu-bound') {
    return {
      mode: 'threads',
      workers: cores,
      why: `each call keeps a thread busy for ${ms(wallMs)}: run calls on threads, one per core (${cores} here); async would run them one after another.`,
    };
  }
  // Little's law: one thread spends cpuMs per call, so about wallMs / cpuMs calls fit in flight before
  // the thread itself is the limit
  const width = cpuMs > 0 ? Math.max(1, Math.min(MAX_IO_WIDTH, Math.floor(wallMs / cpuMs))) : MAX_IO_WIDTH;
  return {
    mode: 'async',
    workers: width,
    why: `each call waits ${ms(wallMs - cpuMs)} and computes ${ms(cpuMs)}: one thread can keep about ${width}${width === MAX_IO_WIDTH ? '+' : ''} calls in flight before its own CPU is the limit. The other side may allow fewer — mode auto finds the width while it runs.`,
  };
}

function ms(value: number): string {
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ms`;
}
