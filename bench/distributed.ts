/**
 * Distributed benchmark (issue 6), against a real Redis:
 *   1. 10,000 tiny tasks through mode 'distributed' with 2 `conc worker` processes, side by side with a
 *      raw BullMQ Queue + 2 Worker processes doing the same (goal: conc ≥ 0.9× raw throughput, median of the runs);
 *   2. the CPU job (sumOfSquares of n, n+1 … 20 tasks) on 1 vs 2 worker processes (goal ≥ 1.8×). n defaults to
 *      200,000,000, not `conc cpu`'s 5,000,000: conc's exact kernel sums 5,000,000 squares in ~10 ms, too
 *      little work to measure the spread over processes rather than Redis round trips.
 * Run `npm run build` first; workers run the built package.
 *
 *   npx tsx bench/distributed.ts [--redis URL] [--tasks 10000] [--concurrency 16] [--runs 3] [--cpu-n 200000000] [--cpu-count 20] [--only tiny|cpu]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { createExecutor, taskRef } from '../dist/index.js';
import { watchLoad } from './lib/load.ts';

const { values } = parseArgs({
  options: {
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    tasks: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '16' },
    runs: { type: 'string', default: '3' },
    'cpu-count': { type: 'string', default: '20' },
    'cpu-n': { type: 'string', default: '200000000' },
    only: { type: 'string', default: 'both' },
  },
});
const REDIS = values.redis;
const N = Number(values.tasks);
const C = Number(values.concurrency);
const RUNS = Number(values.runs);
const CPU_COUNT = Number(values['cpu-count']);
const CPU_N = Number(values['cpu-n']);
const root = fileURLToPath(new URL('../', import.meta.url));
const bin = `${root}dist/cli/bin.js`;
if (!existsSync(bin) || !existsSync(`${root}dist/workloads/cpu.js`)) {
  console.error(
    'bench/distributed.ts: build first (npm run build): it runs dist/cli/bin.js and dist/workloads/cpu.js',
  );
  process.exit(2);
}
const tag = `${process.pid}-${Date.now().toString(36)}`;
const children = new Set<ChildProcess>();

/** Starts a process and waits for `ready` on its stderr. */
async function startProcess(args: string[], ready: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let err = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (err.includes(ready)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}:\n${err}`)));
  });
  return child;
}

async function stopAll(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          children.delete(child);
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
}

async function removeQueue(name: string): Promise<void> {
  const queue = new Queue(name, { connection: { url: REDIS } });
  await queue.obliterate({ force: true });
  await queue.close();
}

const concWorker = (queue: string, extra: string[]) =>
  startProcess([bin, 'worker', '--redis', REDIS, '--queue', queue, ...extra], 'Ctrl-C to stop');

// ── 1. tiny tasks ────────────────────────────────────────────────────────────────────────────────

async function rawRun(queueName: string): Promise<number> {
  const connection = { url: REDIS, maxRetriesPerRequest: null };
  const queue = new Queue(queueName, { connection });
  const events = new QueueEvents(queueName, { connection });
  await events.waitUntilReady();
  const results = new Map<string, number>();
  const all = new Promise<void>((resolve) => {
    events.on('completed', ({ jobId, returnvalue }) => {
      results.set(jobId, Number(returnvalue));
      if (results.size === N) resolve();
    });
  });
  const t0 = performance.now();
  for (let i = 0; i < N; i += 1000) {
    const jobs = [];
    for (let n = i; n < Math.min(N, i + 1000); n++)
      jobs.push({ name: 'square', data: { n }, opts: { jobId: `r${n}` } });
    await queue.addBulk(jobs);
  }
  await all;
  const seconds = (performance.now() - t0) / 1000;
  if (results.get(`r${N - 1}`) !== (N - 1) ** 2) throw new Error('raw BullMQ: wrong result');
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return seconds;
}

async function concRun(queue: string): Promise<number> {
  const square = taskRef<[number], number>(
    new URL('./fixtures/distributed-tiny.mjs', import.meta.url).href,
    'square',
  );
  const ex = createExecutor({ mode: 'distributed', redis: REDIS, queue });
  await ex.submit(square, 1); // connect first: the raw side's connections are also open before its clock
  const items = Array.from({ length: N }, (_, i) => i);
  const t0 = performance.now();
  const out = await ex.map(square, items);
  const seconds = (performance.now() - t0) / 1000;
  if (out.length !== N || out[N - 1] !== (N - 1) ** 2) throw new Error('conc distributed: wrong result');
  await ex.close();
  await removeQueue(queue);
  return seconds;
}

async function tiny(): Promise<void> {
  const rawQueue = `bench-raw-${tag}`;
  const concQueue = `bench-conc-${tag}`;
  const raw = `${root}bench/fixtures/distributed-raw-worker.mjs`;
  await Promise.all([1, 2].map(() => startProcess([raw, REDIS, rawQueue, String(C)], 'raw worker ready')));
  const tinyTasks = [
    '--tasks',
    'bench/fixtures/distributed-tiny.mjs',
    '--no-builtins',
    '--concurrency',
    String(C),
  ];
  await Promise.all([1, 2].map(() => concWorker(concQueue, [...tinyTasks, '--mode', 'async'])));
  const rows: [string, number, number][] = [];
  for (let run = 1; run <= RUNS; run++) {
    const r = await rawRun(rawQueue);
    const c = await concRun(concQueue);
    rows.push([`run ${run}`, r, c]);
    console.log(
      `  run ${run}: raw BullMQ ${fmt(N / r)} tasks/s · conc distributed ${fmt(N / c)} tasks/s · ${(r / c).toFixed(2)}×`,
    );
  }
  await stopAll();
  const best = (i: 1 | 2) => Math.min(...rows.map((row) => row[i]));
  const ratio = best(1) / best(2);
  console.log(
    `tiny tasks (${N}, 2 worker processes × concurrency ${C}), best of ${RUNS}: raw BullMQ ${fmt(N / best(1))}/s, ` +
      `conc ${fmt(N / best(2))}/s → ${ratio.toFixed(2)}× raw`,
  );
  const mid = median(rows.map((row) => row[1] / row[2]));
  load.goal(`conc ≥ 0.90× raw BullMQ (median of the ${RUNS} runs' ratios)`, `${mid.toFixed(2)}×`, mid >= 0.9);
}

// ── 2. the CPU job on 1 vs 2 worker processes ────────────────────────────────────────────────────

async function cpuRun(processes: number): Promise<number> {
  const queue = `bench-cpu-${processes}-${tag}`;
  await Promise.all(
    Array.from({ length: processes }, () => concWorker(queue, ['--concurrency', '1', '--workers', '1'])),
  );
  const { tasks } = (await import('../dist/workloads/cpu.js')) as {
    tasks: { sumOfSquares: ReturnType<typeof taskRef<[number], bigint>> };
  };
  const ex = createExecutor({ mode: 'distributed', redis: REDIS, queue });
  const items = Array.from({ length: CPU_COUNT }, (_, i) => CPU_N + i);
  await Promise.all(Array.from({ length: processes }, () => ex.submit(tasks.sumOfSquares, 10))); // warm up
  const t0 = performance.now();
  const sums = await ex.map(tasks.sumOfSquares, items);
  const seconds = (performance.now() - t0) / 1000;
  const n = BigInt(CPU_N);
  if (sums[0] !== ((n - 1n) * n * (2n * n - 1n)) / 6n) throw new Error(`wrong sum ${sums[0]}`);
  await ex.close();
  await stopAll();
  await removeQueue(queue);
  return seconds;
}

async function cpu(): Promise<void> {
  const one: number[] = [];
  const two: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    one.push(await cpuRun(1));
    two.push(await cpuRun(2));
    console.log(
      `  run ${run}: 1 worker ${one.at(-1)!.toFixed(2)} s · 2 workers ${two.at(-1)!.toFixed(2)} s · ${(one.at(-1)! / two.at(-1)!).toFixed(2)}×`,
    );
  }
  const ratio = Math.min(...one) / Math.min(...two);
  console.log(
    `CPU job (${CPU_COUNT} × sumOfSquares(${CPU_N.toLocaleString('en-US')}…)), best of ${RUNS}: 1 worker process ${Math.min(...one).toFixed(2)} s, ` +
      `2 worker processes ${Math.min(...two).toFixed(2)} s → ${ratio.toFixed(2)}×; ` +
      `median of the runs' ratios ${median(one.map((t, i) => t / two[i]!)).toFixed(2)}×`,
  );
  load.goal('2 worker processes ≥ 1.80× 1 (best of the runs)', `${ratio.toFixed(2)}×`, ratio >= 1.8);
}

/** The local redis-server's pid (from INFO), so its CPU time counts as the benchmark's own. */
async function redisPid(): Promise<number[]> {
  const redis = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
    return Number.isInteger(pid) ? [pid] : [];
  } catch {
    return [];
  } finally {
    redis.disconnect();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

// redis-server's CPU is part of this benchmark, not a disturbance of it
const load = watchLoad({ alsoOurs: await redisPid() });
try {
  console.log(
    `distributed benchmark: Redis ${REDIS.replace(/\/\/[^@/]*@/, '//***@')}, node ${process.version}`,
  );
  if (values.only !== 'cpu') await tiny();
  if (values.only !== 'tiny') await cpu();
  load.end();
} finally {
  await stopAll();
  // whatever a failed or interrupted run left behind
  for (const name of [`bench-raw-${tag}`, `bench-conc-${tag}`, `bench-cpu-1-${tag}`, `bench-cpu-2-${tag}`]) {
    await removeQueue(name).catch(() => {});
  }
}
