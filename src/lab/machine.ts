/** The machine a comparison ran on: what a reader needs to judge the figures. */
import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';

export interface Machine {
  /** Cores Node may use (availableParallelism). */
  cores: number;
  cpuModel: string;
  node: string;
  platform: string;
  memoryGiB: number;
  /** 1-minute load average when the comparison started (other work on the machine skews timings). */
  load: number;
}

export function describeMachine(): Machine {
  const model = cpus()[0]?.model?.trim() || 'unknown CPU';
  return {
    cores: availableParallelism(),
    cpuModel: model,
    node: process.version,
    platform: `${platform()} ${release()} ${process.arch}`,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    load: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}
