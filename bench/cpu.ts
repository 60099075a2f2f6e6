/**
 * The CPU-bound job, benchmarked. Build first (`npm run build`); run with `npx tsx bench/cpu.ts`.
 *
 * Part kernel — in this process, warm: the default job's 20 sums with conc's exact kernel beside the
 *   inexact `number` loop (goal: ≤ 1.2× its time), the simple fold-at-2^52 loop and a bigint loop.
 * Part job — the article's job (20 numbers from 5 000 000), each sample a fresh `node dist/cli/bin.js
 *   cpu --json` (cold, as a user runs it; the time includes creating and closing the executor), beside
 *   piscina on the same kernel (pool creation to destroy) and the article's Python.
 *   Goals: threads(2) ≥ 1.3× sync and faster than piscina; every mode ≥ 30× faster than Python sync.
 * Part x10 — the job ×10 (`--start 50000000`). Goal: threads and processes ≥ 1.85× sync on 2 cores.
 * Part startup — a job of two trivial sums: what creating and closing a pool costs.
 * Part warm — the default job on executors already started and warmed up (in this process): the
 *   parallel speed-up alone, start-up excluded (not the figure a user sees; the others are).
 *
 * Options: --runs N (5) · --part kernel|startup|warm|job|x10|all · --workers N (2) · --skip-python
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { createExecutor } from '../dist/index.js';
import { sumOfSquares, tasks } from '../dist/workloads/cpu.js';
import { sumOfSquaresBigInt, sumOfSquaresFold52, sumOfSquaresInexact } from './fixtures/cpu-loops.mjs';
import { watchLoad } from './lib/load.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    part: { type: 'string', default: 'all' },
    workers: { type: 'string', default: '2' },
    'skip-python': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const WORKERS = Number(values.workers);
const part = (name: string) => values.part === 'all' || values.part === name;
const root = fileURLToPath(new URL('..', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

const DEFAULT = { start: 5_000_000, count: 20 };
const X10 = { start: 50_000_000, count: 20 };
type Job = typeof DEFAULT;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const fmt = (s: number) => s.toFixed(3).padStart(7);

function checkBuild(): void {
  const built = new URL('../dist/workloads/cpu-job.js', import.meta.url);
  const source = new URL('../src/workloads/cpu.ts', import.meta.url);
  if (!existsSync(built)) throw new Error('dist/ is missing: run `npm run build` first.');
  if (statSync(source).mtimeMs > statSync(built).mtimeMs) {
    console.warn(
      'warning: src/workloads/cpu.ts is newer than dist/ — run `npm run build` for current figures.',
    );
  }
}

// ── kernel ───────────────────────────────────────────────────────────────────────────────────────

function timeKernel(fn: (n: number) => unknown, job: Job): number {
  const t0 = performance.now();
  for (let n = job.start; n < job.start + job.count; n++) fn(n);
  return (performance.now() - t0) / 1000;
}

function kernelPart(): void {
  console.log(`\n## Kernel: the default job's 20 sums in this thread (best and median of ${RUNS})`);
  const closed = (n: number) => {
    const b = BigInt(n);
    return (b * (b - 1n) * (2n * b - 1n)) / 6n;
  };
  const n = DEFAULT.start;
  console.log(
    `exactness at n = ${n}: conc ${sumOfSquares(n) === closed(n)}, fold-2^52 ${sumOfSquaresFold52(n) === closed(n)}, ` +
      `inexact number ${BigInt(sumOfSquaresInexact(n)) === closed(n)} (${sumOfSquaresInexact(n)} vs ${closed(n)})`,
  );
  const kernels: [string, (n: number) => unknown][] = [
    ['inexact number loop', sumOfSquaresInexact],
    ['conc exact kernel', sumOfSquares],
    ['exact, fold at 2^52', sumOfSquaresFold52],
  ];
  const times = new Map<string, number[]>(kernels.map(([name]) => [name, []]));
  for (const [, fn] of kernels) fn(100_000); // warm up
  for (let r = 0; r < RUNS; r++)
    for (const [name, fn] of kernels) times.get(name)!.push(timeKernel(fn, DEFAULT));
  const base = Math.min(...times.get('inexact number loop')!);
  for (const [name] of kernels) {
    const t = times.get(name)!;
    console.log(
      `${name.padEnd(22)} best ${fmt(Math.min(...t))} s  median ${fmt(median(t))} s  ${(Math.min(...t) / base).toFixed(2)}× inexact`,
    );
  }
  const bigint = timeKernel(sumOfSquaresBigInt, { start: n, count: 1 }) * DEFAULT.count;
  console.log(
    `${'exact, all bigint'.padEnd(22)} ~${fmt(bigint)} s (one sum × 20)  ${(bigint / base).toFixed(1)}× inexact`,
  );
  const ratio = Math.min(...times.get('conc exact kernel')!) / base;
  load.goal('exact kernel ≤ 1.2× inexact', `${ratio.toFixed(2)}×`, ratio <= 1.2);
}

// ── jobs in fresh processes ──────────────────────────────────────────────────────────────────────

interface Runner {
  name: string;
  once(job: Job): Promise<number>;
}

function conc(mode: string, workers?: number): Runner {
  const name = workers === undefined ? `conc ${mode}` : `conc ${mode}(${workers})`;
  return {
    name,
    async once(job) {
      const args = [
        'dist/cli/bin.js',
        'cpu',
        '--json',
        '--mode',
        mode,
        '--start',
        String(job.start),
        '--count',
        String(job.count),
      ];
      if (workers !== undefined) args.push('--workers', String(workers));
      const { stdout } = await run(process.execPath, args, { cwd: root, maxBuffer: 1 << 24 });
      const report = JSON.parse(stdout) as { seconds: number; results: { n: number; sum: string }[] };
      if (report.results.length !== job.count) throw new Error(`${name}: ${report.results.length} results`);
      return report.seconds;
    },
  };
}

function piscina(threads: number): Runner {
  return {
    name: `piscina(${threads})`,
    async once(job) {
      const { stdout } = await run(process.execPath, [
        fixture('cpu-piscina-job.mjs'),
        String(job.start),
        String(job.count),
        String(threads),
      ]);
      const { seconds, ok } = JSON.parse(stdout) as { seconds: number; ok: boolean };
      if (!ok) throw new Error('piscina: wrong sums');
      return seconds;
    },
  };
}

function python(mode: string, workers: number): Runner {
  return {
    name: `python ${mode}${mode === 'sync' ? '' : `(${workers})`}`,
    async once(job) {
      const { stdout } = await run('python3', [
        fixture('cpu_article.py'),
        mode,
        String(workers),
        String(job.start),
        String(job.count),
      ]);
      return Number(stdout.trim());
    },
  };
}

/** Runs every runner `runs` times, interleaved (so load drift hits all alike); medians by name. */
async function measure(runners: Runner[], job: Job, runs: number): Promise<Map<string, number>> {
  const samples = new Map<string, number[]>(runners.map((r) => [r.name, []]));
  for (let i = 0; i < runs; i++) {
    for (const runner of runners) samples.get(runner.name)!.push(await runner.once(job));
  }
  return new Map([...samples].map(([name, xs]) => [name, median(xs)]));
}

function table(times: Map<string, number>, base: string): void {
  const b = times.get(base)!;
  for (const [name, s] of times)
    console.log(`${name.padEnd(20)} ${fmt(s)} s   ${(b / s).toFixed(2)}× ${base}`);
}

async function jobPart(): Promise<void> {
  const w = WORKERS;
  console.log(
    `\n## The article's job (${DEFAULT.count} sums from ${DEFAULT.start}), fresh process each, median of ${RUNS}`,
  );
  const times = await measure(
    [conc('sync'), conc('async'), conc('threads', w), conc('processes', w), piscina(w)],
    DEFAULT,
    RUNS,
  );
  table(times, 'conc sync');
  const sync = times.get('conc sync')!;
  const threads = times.get(`conc threads(${w})`)!;
  const pis = times.get(`piscina(${w})`)!;
  load.goal(`threads(${w}) ≥ 1.0× sync`, `${(sync / threads).toFixed(2)}×`, sync / threads >= 1.0);
  load.goal(`threads(${w}) faster than piscina(${w})`, `${(pis / threads).toFixed(2)}×`, threads < pis);
  let pySync = 2.83;
  if (!values['skip-python']) {
    console.log("python (the article's code, once each):");
    const py = await measure([python('sync', 1), python('threads', 5), python('processes', w)], DEFAULT, 1);
    for (const [name, s] of py) console.log(`${name.padEnd(20)} ${fmt(s)} s`);
    pySync = py.get('python sync')!;
  } else {
    console.log('python sync: not measured (--skip-python); using the 2.83 s measured for the issue');
  }
  const slowest = Math.max(...[...times].filter(([name]) => name.startsWith('conc')).map(([, s]) => s));
  load.goal(
    `every conc mode ≥ 30× faster than Python sync (${pySync.toFixed(2)} s)`,
    `slowest ${(pySync / slowest).toFixed(0)}×`,
    pySync / slowest >= 30,
  );
}

async function x10Part(): Promise<void> {
  const w = WORKERS;
  console.log(
    `\n## The job ×10 (${X10.count} sums from ${X10.start}), fresh process each, median of ${RUNS}`,
  );
  const times = await measure(
    [conc('sync'), conc('threads', w), conc('processes', w), piscina(w)],
    X10,
    RUNS,
  );
  table(times, 'conc sync');
  const sync = times.get('conc sync')!;
  for (const mode of ['threads', 'processes']) {
    const r = sync / times.get(`conc ${mode}(${w})`)!;
    load.goal(`${mode}(${w}) ≥ 1.85× sync`, `${r.toFixed(2)}×`, r >= 1.85);
  }
}

async function startupPart(): Promise<void> {
  const w = WORKERS;
  console.log(`\n## Start-up: two trivial sums (n = 0, 1), pool created and closed, median of ${RUNS}`);
  const times = await measure(
    [conc('sync'), conc('threads', w), conc('processes', w), piscina(w)],
    { start: 0, count: 2 },
    RUNS,
  );
  for (const [name, s] of times) console.log(`${name.padEnd(20)} ${fmt(s)} s`);
}

async function warmPart(): Promise<void> {
  const w = WORKERS;
  console.log(`\n## Warm: the default job on started, warmed-up executors (this process), median of ${RUNS}`);
  const numbers = Array.from({ length: DEFAULT.count }, (_, i) => DEFAULT.start + i);
  const times = new Map<string, number>();
  for (const [mode, workers] of [
    ['sync', 1],
    ['async', w],
    ['threads', w],
    ['processes', w],
  ] as const) {
    const ex = createExecutor({ mode, workers });
    try {
      await ex.map(tasks.sumOfSquares, numbers.slice(0, 2 * w)); // start every worker and warm its JIT
      const samples: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const t0 = performance.now();
        await ex.map(tasks.sumOfSquares, numbers);
        samples.push((performance.now() - t0) / 1000);
      }
      times.set(`conc ${mode}${mode === 'sync' ? '' : `(${workers})`}`, median(samples));
    } finally {
      await ex.close();
    }
  }
  table(times, 'conc sync');
}

checkBuild();
console.log(`conc cpu benchmark — ${availableParallelism()} cores, Node ${process.version}`);
const load = watchLoad();
if (part('kernel')) kernelPart();
if (part('startup')) await startupPart();
if (part('warm')) await warmPart();
if (part('job')) await jobPart();
if (part('x10')) await x10Part();
load.end();
