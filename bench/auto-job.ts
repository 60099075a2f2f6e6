/**
 * One cold run of one bench/auto.ts job in one mode, in this (fresh) process: prints one JSON line
 * { seconds, failed, auto? } on stdout. Seconds are the job's own wall time, executor start-up and close
 * included (as runIoJob and runCpuJob count them); the process start is not.
 *
 *   tsx bench/auto-job.ts <job> <mode> [--workers N] [--chunk N] [--origin URL] [--quick]
 */
import { parseArgs } from 'node:util';
import { watchAuto } from '../dist/backends/auto/channel.js';
import { createExecutor, type Mode } from '../dist/index.js';
import { runCpuJob } from '../dist/workloads/cpu-job.js';
import { runIoJob } from '../dist/workloads/io-job.js';
// @ts-expect-error a plain ESM fixture without types
import { tasks } from './fixtures/auto-tasks.mjs';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    workers: { type: 'string' },
    chunk: { type: 'string' },
    origin: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const [job, modeArg] = positionals;
const mode = modeArg as Mode;
const workers = values.workers === undefined ? undefined : Number(values.workers);
const chunkSize = values.chunk === undefined ? undefined : Number(values.chunk);
const quick = values.quick;

/** Sizes per job: full, and --quick (a smoke test of the harness, not a measurement). */
const SIZE = {
  io: quick ? 5 : 80, // × the demo sites' 2 pages
  cpuArticle: quick ? { start: 500_000, count: 6 } : { start: 5_000_000, count: 20 },
  cpuLab: quick ? { start: 5_000_000, count: 6 } : { start: 100_000_000, count: 20 },
  cpuLong: quick ? { start: 20_000_000, count: 3 } : { start: 1_000_000_000, count: 3 },
  mixed: quick ? 24 : 240,
  remote: quick ? 64 : 1200,
  tiny: quick ? 2_000 : 100_000,
};

async function mapJob(fn: unknown, items: number[]): Promise<{ seconds: number; failed: number }> {
  const t0 = performance.now();
  const ex = createExecutor({ mode, workers });
  let failed = 0;
  try {
    const out = await ex.map(fn as never, items, { settle: true, chunkSize });
    failed = out.filter((r) => r.status === 'rejected').length;
  } finally {
    await ex.close();
  }
  return { seconds: (performance.now() - t0) / 1000, failed };
}

async function run(): Promise<{ seconds: number; failed: number }> {
  switch (job) {
    case 'io50':
    case 'io5': {
      const r = await runIoJob({ mode, workers, latencyMs: job === 'io50' ? 50 : 5, repeat: SIZE.io });
      return { seconds: r.seconds, failed: r.failed };
    }
    case 'cap16':
    case 'cap64':
    case 'grow': {
      const origin = values.origin!;
      const urls = Array.from(
        { length: SIZE.remote },
        (_, i) => `${origin}${i % 2 === 0 ? '/jython' : '/dice'}`,
      );
      const r = await runIoJob({ mode, workers, urls });
      return { seconds: r.seconds, failed: r.failed };
    }
    case 'cpu-article':
    case 'cpu-lab':
    case 'cpu-long': {
      const size = job === 'cpu-article' ? SIZE.cpuArticle : job === 'cpu-lab' ? SIZE.cpuLab : SIZE.cpuLong;
      const r = await runCpuJob({ mode, workers, chunkSize, ...size });
      return { seconds: r.seconds, failed: 0 };
    }
    case 'mixed':
      return mapJob(
        tasks.mixed,
        Array.from({ length: SIZE.mixed }, () => 10),
      );
    case 'tiny':
      return mapJob(
        tasks.tiny,
        Array.from({ length: SIZE.tiny }, (_, i) => 200 + (i % 7)),
      );
    default:
      throw new Error(`unknown job ${job}`);
  }
}

const auto = watchAuto();
try {
  const r = await run();
  const last = auto.last();
  const choice = last && {
    chosen: last.chosen,
    width: last.width,
    decisions: last.decisions.map(
      (d) => `${d.chosen}${d.batch > 1 ? `×${d.batch}` : ''}@${Math.round(d.atMs)}ms`,
    ),
    maxWidth: Math.max(0, ...last.widths.map((w) => w.width)),
    poolWarmMs: last.poolWarmMs,
  };
  process.stdout.write(`${JSON.stringify({ ...r, auto: choice })}\n`);
} finally {
  auto.stop();
}
