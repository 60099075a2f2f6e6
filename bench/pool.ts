/**
 * Pool benchmark (issue 2): tiny-task throughput, pool start-up, and imap memory — conc's thread and
 * process pools side by side with piscina and tinypool, in one run. Prints ratios; run `npm run build` first.
 *
 *   npx tsx bench/pool.ts [--tasks 100000] [--rounds 3]
 * Peers get `execArgv: []` so their workers do not load the tsx loader this script runs under (conc drops it itself).
 */
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Piscina } from 'piscina';
import { Tinypool } from 'tinypool';
import { createExecutor, taskRef } from '../dist/index.js';
import { watchLoad } from './lib/load.ts';

const { values } = parseArgs({
  options: { tasks: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '3' } },
});
const N = Number(values.tasks);
const ROUNDS = Number(values.rounds);
const echoUrl = new URL('./fixtures/echo.mjs', import.meta.url).href;
const echo = taskRef<[number], number>(echoUrl, 'echo');
const items = Array.from({ length: N }, (_, i) => i);

interface Runner {
  name: string;
  start(): Promise<void>;
  runAll(): Promise<number[]>;
  close(): Promise<void>;
}

function concRunner(name: string, mode: 'threads' | 'processes', how: 'submit' | 'map' | 'chunked'): Runner {
  let ex: ReturnType<typeof createExecutor>;
  return {
    name,
    async start() {
      ex = createExecutor({ mode, workers: 2 });
      await Promise.all([ex.submit(echo, 1), ex.submit(echo, 2)]);
    },
    runAll() {
      if (how === 'submit') return Promise.all(items.map((i) => ex.submit(echo, i)));
      return ex.map(echo, items, how === 'chunked' ? { chunkSize: 1000 } : {});
    },
    close: () => ex.close(),
  };
}

function piscinaRunner(): Runner {
  let pool: Piscina;
  return {
    name: 'piscina (threads)',
    async start() {
      pool = new Piscina({ filename: echoUrl, minThreads: 2, maxThreads: 2, execArgv: [] });
      await Promise.all([pool.run(1), pool.run(2)]);
    },
    runAll: () => Promise.all(items.map((i) => pool.run(i) as Promise<number>)),
    close: () => pool.destroy(),
  };
}

function tinypoolRunner(runtime: 'worker_threads' | 'child_process'): Runner {
  let pool: Tinypool;
  return {
    name: `tinypool (${runtime === 'worker_threads' ? 'threads' : 'child_process'})`,
    async start() {
      pool = new Tinypool({ filename: echoUrl, minThreads: 2, maxThreads: 2, runtime, execArgv: [] });
      await Promise.all([pool.run(1), pool.run(2)]);
    },
    runAll: () => Promise.all(items.map((i) => pool.run(i) as Promise<number>)),
    close: () => pool.destroy(),
  };
}

async function throughput(runner: Runner): Promise<number> {
  let best = 0;
  await runner.start();
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now();
      const out = await runner.runAll();
      const seconds = (performance.now() - t0) / 1000;
      if (out.length !== N || out[N - 1] !== N - 1) throw new Error(`${runner.name}: wrong results`);
      best = Math.max(best, N / seconds);
    }
  } finally {
    await runner.close();
  }
  return best;
}

async function startup(make: () => Promise<() => Promise<unknown>>): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    const close = await make();
    await close();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[3]!;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(
  `# Pool benchmark — ${N.toLocaleString('en-US')} tiny tasks, 2 workers, best of ${ROUNDS} (node ${process.version})\n`,
);

const load = watchLoad();
const peer = await throughput(piscinaRunner());
const rows: [string, number][] = [
  ['piscina (threads)', peer],
  ['tinypool (threads)', await throughput(tinypoolRunner('worker_threads'))],
  ['conc threads, submit() each', await throughput(concRunner('conc threads submit', 'threads', 'submit'))],
  ['conc threads, map()', await throughput(concRunner('conc threads map', 'threads', 'map'))],
  [
    'conc threads, map(chunkSize 1000)',
    await throughput(concRunner('conc threads chunked', 'threads', 'chunked')),
  ],
  ['tinypool (child_process)', await throughput(tinypoolRunner('child_process'))],
  [
    'conc processes, submit() each',
    await throughput(concRunner('conc processes submit', 'processes', 'submit')),
  ],
  [
    'conc processes, map(chunkSize 1000)',
    await throughput(concRunner('conc processes chunked', 'processes', 'chunked')),
  ],
];
console.log('| pool | tasks/s | × piscina |\n|---|---:|---:|');
for (const [name, rate] of rows) console.log(`| ${name} | ${fmt(rate)} | ${(rate / peer).toFixed(2)}× |`);

console.log('\n## Start-up: create a 2-worker pool, run one task on each, close (median of 7)\n');
const startRows: [string, number][] = [
  [
    'piscina',
    await startup(async () => {
      const pool = new Piscina({ filename: echoUrl, minThreads: 2, maxThreads: 2, execArgv: [] });
      await Promise.all([pool.run(1), pool.run(2)]);
      return () => pool.destroy();
    }),
  ],
  [
    'tinypool',
    await startup(async () => {
      const pool = new Tinypool({ filename: echoUrl, minThreads: 2, maxThreads: 2, execArgv: [] });
      await Promise.all([pool.run(1), pool.run(2)]);
      return () => pool.destroy();
    }),
  ],
  [
    'conc threads',
    await startup(async () => {
      const ex = createExecutor({ mode: 'threads', workers: 2 });
      await Promise.all([ex.submit(echo, 1), ex.submit(echo, 2)]);
      return () => ex.close();
    }),
  ],
  [
    'conc processes',
    await startup(async () => {
      const ex = createExecutor({ mode: 'processes', workers: 2 });
      await Promise.all([ex.submit(echo, 1), ex.submit(echo, 2)]);
      return () => ex.close();
    }),
  ],
];
console.log('| pool | ms | × piscina |\n|---|---:|---:|');
for (const [name, ms] of startRows)
  console.log(`| ${name} | ${ms.toFixed(1)} | ${(ms / startRows[0]![1]).toFixed(2)}× |`);

// imap over 1,000,000 lazy items in a fresh process each, so its peak RSS is its own.
interface ImapRun {
  count: number;
  seconds: number;
  baselineMb: number;
  peakMb: number;
}
const imapRun = (chunkSize?: number) =>
  new Promise<ImapRun>((resolve, reject) => {
    const args = chunkSize ? [String(chunkSize)] : [];
    const child = fork(new URL('./imap-memory.mjs', import.meta.url), args, {
      execArgv: [],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as ImapRun) : reject(new Error(`imap-memory exited ${code}`)),
    );
  });
console.log('\n## imap over 1,000,000 lazy items (threads, 2 workers)\n');
console.log('| options | seconds | RSS before | peak RSS |\n|---|---:|---:|---:|');
const imapDefault = await imapRun();
for (const [name, run] of [
  ['default', imapDefault],
  ['chunkSize 100', await imapRun(100)],
] as const) {
  console.log(`| ${name} | ${run.seconds.toFixed(2)} | ${run.baselineMb} MB | ${run.peakMb} MB |`);
}

const rate = new Map(rows);
const ms = new Map(startRows);
const [submitRate, mapRate] = [rate.get('conc threads, submit() each')!, rate.get('conc threads, map()')!];
load.goal('threads map() ≥ submit() each', `${(mapRate / submitRate).toFixed(2)}×`, mapRate >= submitRate);
const [threadsMs, piscinaMs, processesMs] = [
  ms.get('conc threads')!,
  ms.get('piscina')!,
  ms.get('conc processes')!,
];
load.goal(
  'threads start-up ≤ 0.9× piscina',
  `${(threadsMs / piscinaMs).toFixed(2)}×`,
  threadsMs <= 0.9 * piscinaMs,
);
load.goal(
  'processes start-up ≤ 2× conc threads',
  `${(processesMs / threadsMs).toFixed(2)}×`,
  processesMs <= 2 * threadsMs,
);
load.goal(
  'imap peak RSS < 100 MB with the default options',
  `${imapDefault.peakMb} MB`,
  imapDefault.peakMb < 100,
);
load.end();
