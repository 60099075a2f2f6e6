/**
 * CPU time used by this process while something runs. `process.cpuUsage()` counts every thread of the
 * process (the event loop, worker threads, V8's helpers) but not child processes; on Linux the CPU time
 * of children that have exited and been waited for is in /proc/self/stat (cutime, cstime), so the
 * `processes` mode's workers are counted once they have exited — after the executor closed.
 * On a busy machine a thread also waits for a CPU; /proc/self/schedstat says how long (main thread).
 */
import { readFileSync } from 'node:fs';
import { cpuUsage } from 'node:process';

/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux for every architecture in use). */
const USER_HZ = 100;

export interface CpuSnapshot {
  /** This process's threads, µs. */
  self: NodeJS.CpuUsage;
  /** Exited children, seconds; undefined where /proc is not available. */
  children: number | undefined;
  /** Main thread's time spent runnable but waiting for a CPU, seconds; undefined off Linux. */
  wait: number | undefined;
  at: number;
}

export interface CpuSpent {
  wallSeconds: number;
  /** CPU seconds of this process's threads. */
  selfSeconds: number;
  /** CPU seconds of child processes that exited meanwhile; undefined where it cannot be measured. */
  childSeconds: number | undefined;
  /** self + children: the whole job. */
  totalSeconds: number;
  /**
   * Time the main thread was ready to run but waited for a CPU (other programs had it), seconds;
   * undefined where it cannot be measured (Linux /proc/self/schedstat only).
   */
  waitSeconds: number | undefined;
}

export function cpuSnapshot(): CpuSnapshot {
  return {
    self: cpuUsage(),
    children: childCpuSeconds(),
    wait: runQueueWaitSeconds(),
    at: performance.now(),
  };
}

export function cpuSince(start: CpuSnapshot): CpuSpent {
  const self = cpuUsage(start.self);
  const children = childCpuSeconds();
  const selfSeconds = (self.user + self.system) / 1e6;
  const childSeconds =
    children !== undefined && start.children !== undefined ? children - start.children : undefined;
  const wait = runQueueWaitSeconds();
  const waitSeconds = wait !== undefined && start.wait !== undefined ? wait - start.wait : undefined;
  return {
    wallSeconds: (performance.now() - start.at) / 1000,
    selfSeconds,
    childSeconds,
    totalSeconds: selfSeconds + (childSeconds ?? 0),
    waitSeconds,
  };
}

/** cutime + cstime of /proc/self/stat in seconds, or undefined off Linux. */
export function childCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count fields after its closing ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cutime = Number(fields[13]);
    const cstime = Number(fields[14]);
    return Number.isFinite(cutime) && Number.isFinite(cstime) ? (cutime + cstime) / USER_HZ : undefined;
  } catch {
    return undefined;
  }
}

/** The main thread's run-queue wait from /proc/self/schedstat (2nd field, ns) in seconds, or undefined. */
export function runQueueWaitSeconds(): number | undefined {
  try {
    const wait = Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[1]);
    return Number.isFinite(wait) ? wait / 1e9 : undefined;
  } catch {
    return undefined;
  }
}
