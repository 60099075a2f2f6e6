/**
 * Does `auto` ever lose? For each job of issue 12, a sweep of fixed modes and widths and `auto` side by
 * side in one run, every run cold in a fresh child process (bench/auto-job.ts: pool start-up included,
 * process start not), and auto's regret: auto's wall time ÷ the best fixed one's. Goal: ≤ 1.10 on every job.
 * Build first (`npm run build`); run with `npx tsx bench/auto.ts`.
 *
 * Jobs: the lab's I/O job at 50 and 5 ms latency (embedded sites, 160 URLs); the article's CPU job (20
 * sums from 5,000,000), the lab's (20 sums from 100,000,000), three very long sums; a task that waits
 * 10 ms then computes 10 ms (240 of them); 1,200 downloads from a server that serves 16 (and 64) at
 * once and queues the rest, and from one whose latency grows with its load (bench/fixtures/load-sites.mjs);
 * 100,000 tiny CPU tasks. All servers listen on 127.0.0.1 in child processes.
 *
 * The load average is printed before and after; above 1.5 the figures are printed but flagged as not
 * comparable (a shared machine says nothing about timings, only roughly about ratios within one run).
 *
 * Options: --jobs a,b (default all) · --runs N (1: best of N per configuration) · --quick (tiny sizes:
 *          a smoke test of the harness, not a measurement)
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs, promisify } from 'node:util';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    jobs: { type: 'string' },
    runs: { type: 'string', default: '1' },
    quick: { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const QUICK = values.quick;

interface Config {
  mode: string;
  workers?: number;
  chunk?: number;
}

const IO_SWEEP: Config[] = [
  { mode: 'async', workers: 4 },
  { mode: 'async', workers: 16 },
  { mode: 'async', workers: 64 },
  { mode: 'async', workers: 256 },
  { mode: 'async' },
  { mode: 'threads', workers: 5 },
];
const CPU_SWEEP: Config[] = [
  { mode: 'sync' },
  { mode: 'threads', workers: 1 },
  { mode: 'threads', workers: 2 },
  { mode: 'threads', workers: 4 },
  { mode: 'processes', workers: 2 },
];

/** Each job: its sweep, and the server it needs (started once for the whole sweep, as a real one runs elsewhere). */
const JOBS: Record<string, { what: string; sweep: Config[]; server?: [string, string[]] }> = {
  io50: { what: "the lab's I/O job, 50 ms latency", sweep: IO_SWEEP },
  io5: { what: "the lab's I/O job, 5 ms latency", sweep: IO_SWEEP },
  'cpu-article': { what: "the article's CPU job", sweep: CPU_SWEEP },
  'cpu-lab': { what: "the lab's CPU job", sweep: CPU_SWEEP },
  'cpu-long': { what: 'three very long sums', sweep: [...CPU_SWEEP, { mode: 'threads', workers: 3 }] },
  mixed: {
    what: 'wait 10 ms, then compute 10 ms',
    sweep: [{ mode: 'sync' }, { mode: 'async', workers: 16 }, { mode: 'async' }, ...CPU_SWEEP.slice(1, 4)],
  },
  cap16: {
    what: 'a server serving 16 at once (20 ms)',
    sweep: IO_SWEEP,
    server: ['bench/fixtures/capacity-sites.mjs', ['16', '20']],
  },
  cap64: {
    what: 'a server serving 64 at once (20 ms)',
    sweep: IO_SWEEP,
    server: ['bench/fixtures/capacity-sites.mjs', ['64', '20']],
  },
  grow: {
    what: 'latency 20 ms × (1 + load/64)',
    sweep: IO_SWEEP,
    server: ['bench/fixtures/load-sites.mjs', ['20', '64']],
  },
  tiny: {
    what: '100,000 tiny CPU tasks',
    sweep: [
      { mode: 'sync' },
      { mode: 'async' },
      { mode: 'threads', workers: 2 },
      { mode: 'threads', workers: 2, chunk: 1000 },
    ],
  },
};

async function startServer(
  script: string,
  args: string[],
): Promise<{ origin: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [script, ...args], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const origin = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /ready (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { origin, stop };
}

interface Result {
  seconds: number;
  failed: number;
  auto?: { chosen?: string; width: number; decisions: string[]; maxWidth: number; poolWarmMs?: number };
}

/** One cold run: a fresh process for one configuration. */
async function once(job: string, c: Config, origin: string | undefined): Promise<Result> {
  const args = ['--import', 'tsx', 'bench/auto-job.ts', job, c.mode];
  if (c.workers !== undefined) args.push('--workers', String(c.workers));
  if (c.chunk !== undefined) args.push('--chunk', String(c.chunk));
  if (origin) args.push('--origin', origin);
  if (QUICK) args.push('--quick');
  const { stdout } = await run(process.execPath, args, { timeout: 300_000, maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Result;
}

async function best(job: string, c: Config, origin: string | undefined): Promise<Result> {
  let top: Result | undefined;
  for (let i = 0; i < RUNS; i++) {
    const r = await once(job, c, origin);
    if (!top || r.seconds < top.seconds) top = r;
  }
  return top!;
}

function label(c: Config): string {
  const w = c.workers === undefined ? (c.mode === 'async' ? ' ∞' : '') : ` ${c.workers}`;
  return `${c.mode}${w}${c.chunk ? `, chunks of ${c.chunk}` : ''}`;
}

const load0 = loadavg()[0]!;
const names = values.jobs ? values.jobs.split(',') : Object.keys(JOBS);
console.log(
  `bench/auto — auto's regret (auto ÷ best fixed), each run cold in a fresh process; ${availableParallelism()} cores; ` +
    `load ${load0.toFixed(2)} before${QUICK ? '; --quick: tiny sizes, a smoke test only' : ''}\n`,
);
const summary: { job: string; best: string; regret: number; chosen: string }[] = [];
for (const job of names) {
  const spec = JOBS[job];
  if (!spec) throw new Error(`unknown job ${job}; known: ${Object.keys(JOBS).join(', ')}`);
  const server = spec.server ? await startServer(...spec.server) : undefined;
  try {
    const rows: { name: string; r: Result }[] = [];
    // --quick proves the harness: a shorter sweep (no processes, no extreme widths)
    const sweep = QUICK
      ? spec.sweep.filter((c) => c.mode !== 'processes' && c.workers !== 4 && c.workers !== 256)
      : spec.sweep;
    for (const c of sweep) rows.push({ name: label(c), r: await best(job, c, server?.origin) });
    const auto = await best(job, { mode: 'auto' }, server?.origin);
    const fixed = rows.filter((row) => row.r.failed === 0);
    const top = fixed.reduce((a, b) => (b.r.seconds < a.r.seconds ? b : a), fixed[0]!);
    console.log(`${job}: ${spec.what}`);
    for (const { name, r } of rows) {
      const failed = r.failed > 0 ? `  (${r.failed} failed)` : '';
      console.log(
        `  ${name.padEnd(24)} ${r.seconds.toFixed(3)} s  ${(r.seconds / top.r.seconds).toFixed(2)}×${failed}`,
      );
    }
    const regret = auto.seconds / top.r.seconds;
    const a = auto.auto;
    const how = a
      ? `${a.decisions.join(' → ') || 'no decision'}, width ${a.width} (max ${a.maxWidth})${a.poolWarmMs !== undefined ? `, pool ready in ${a.poolWarmMs} ms` : ''}`
      : '';
    console.log(
      `  ${'auto'.padEnd(24)} ${auto.seconds.toFixed(3)} s  regret ${regret.toFixed(2)} ${regret <= 1.1 ? '(≤ 1.10)' : '(> 1.10)'} — ${how}${auto.failed ? ` (${auto.failed} failed)` : ''}\n`,
    );
    summary.push({ job, best: top.name, regret, chosen: a?.chosen ?? '—' });
  } finally {
    await server?.stop();
  }
}
const load1 = loadavg()[0]!;
console.log('job            best fixed                 auto chose  regret');
for (const s of summary) {
  console.log(`${s.job.padEnd(14)} ${s.best.padEnd(26)} ${s.chosen.padEnd(11)} ${s.regret.toFixed(2)}`);
}
const noisy = Math.max(load0, load1) > 1.5;
console.log(
  `\nload ${load0.toFixed(2)} before, ${load1.toFixed(2)} after${noisy ? ' — above 1.5: these figures are NOT comparable (a busy machine); use them for direction only' : ''}`,
);
