/**
 * The machine's load around a benchmark, and whether its figures may carry a verdict.
 *
 * A benchmark loads the machine itself (two workers on two cores make a load of 2), so the load average
 * after a run says little about whether *other* work disturbed it. On Linux this also measures the CPU
 * time the rest of the machine used during the run: all busy time (/proc/stat) minus this process tree's
 * own (/proc/self/stat: utime + stime + the reaped children's cutime + cstime; worker threads are inside
 * the process). Processes the benchmark drives but did not spawn (redis-server) can be named as its own.
 *
 * A run is comparable when the 1-minute load was at most 1.5 when it started and other processes used
 * at most half a core on average during it. Otherwise the figures are printed but no goal gets a verdict.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

export const MAX_LOAD = 1.5;
export const MAX_OTHERS_CORES = 0.5;

interface Ticks {
  at: number;
  busy: number;
  ours: number;
}

export interface LoadWatch {
  /** Records a goal; its verdict is printed by `end()`, and only if the run stayed comparable. */
  goal(text: string, figure: string, met: boolean): void;
  /** Prints the load after the run, the others' CPU use, and the verdicts (or why there are none). */
  end(): void;
}

const HZ = 100; // USER_HZ: the unit of /proc/stat and /proc/<pid>/stat on every Linux x86_64/arm64 build
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' ');

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** utime + stime + cutime + cstime of a process, in ticks; fields after the `(comm)` that may hold spaces. */
function processTicks(pid: number | 'self'): number {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return 0;
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(f[i] ?? 0), 0);
}

function sample(alsoOurs: number[]): Ticks | undefined {
  const cpu = read('/proc/stat')?.split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number);
  if (!cpu || cpu.length < 8) return undefined;
  const [user, nice, system, , , irq, softirq, steal] = cpu as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  const ours = alsoOurs.reduce((sum, pid) => sum + processTicks(pid), processTicks('self'));
  return { at: performance.now(), busy, ours };
}

/**
 * Starts watching: prints the load now. `alsoOurs` lists pids (e.g. redis-server's) whose CPU time is
 * part of the benchmark rather than a disturbance of it.
 */
export function watchLoad(options: { alsoOurs?: number[] } = {}): LoadWatch {
  const alsoOurs = options.alsoOurs ?? [];
  const before = loadavg();
  const first = sample(alsoOurs);
  const goals: { text: string; figure: string; met: boolean }[] = [];
  console.log(`load before: ${fmt(before)} (1, 5, 15 min)`);
  return {
    goal(text, figure, met) {
      goals.push({ text, figure, met });
      console.log(`goal: ${text} — ${figure}`);
    },
    end() {
      const last = sample(alsoOurs);
      let others: number | undefined;
      if (first && last && last.at > first.at) {
        const seconds = (last.at - first.at) / 1000;
        others = Math.max(0, (last.busy - first.busy - (last.ours - first.ours)) / HZ / seconds);
      }
      const othersText = others === undefined ? 'not measured (no /proc)' : `${others.toFixed(2)} cores`;
      console.log(`\nload after: ${fmt(loadavg())}; other processes' CPU during the run: ${othersText}`);
      const calm = before[0]! <= MAX_LOAD && (others === undefined || others <= MAX_OTHERS_CORES);
      if (goals.length === 0) return;
      if (!calm) {
        console.log(
          `NOT COMPARABLE: the load before was ${before[0]!.toFixed(2)} (limit ${MAX_LOAD}) and other processes ` +
            `used ${othersText} (limit ${MAX_OTHERS_CORES}): the figures above are printed, but no goal gets a verdict.`,
        );
        return;
      }
      console.log('verdicts (the machine was quiet):');
      for (const g of goals) console.log(`  ${g.met ? 'met   ' : 'MISSED'} ${g.text} — ${g.figure}`);
    },
  };
}
