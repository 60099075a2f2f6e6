/**
 * The I/O-bound job, benchmarked. Build first (`npm run build`); run with `npx tsx bench/io.ts`.
 *
 * Part 1 — the article's job: 160 URLs on the demo sites at 50 ms latency, each mode at its width
 * (sync 1, threads 5, processes = cores, async unlimited), beside p-map + undici `request` at the same
 * width. Ratio = wall time / floor, floor = 50 ms × ⌈160 / width⌉.
 * Part 2 — throughput: 10 000 requests at 0 ms latency, conc async vs raw undici (Pool + request) at
 * the same concurrency.
 *
 * The demo sites run in a child process (`conc serve`), as the article's sites run elsewhere; with
 * `--sites in-process` they share this process's event loop (what `conc io` does by default).
 *
 * Options: --runs N (3) · --part job|throughput|all · --sites child|in-process ·
 *          --requests N (10000) · --concurrency N (50) · --latency MS (50) · --modes sync,threads,…
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import pMap from 'p-map';
import { Agent, Pool, request } from 'undici';
import { runIoJob } from '../dist/workloads/io-job.js';
import { startSites } from '../dist/workloads/sites.js';
import { watchLoad } from './lib/load.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    part: { type: 'string', default: 'all' },
    sites: { type: 'string', default: 'child' },
    requests: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '50' },
    latency: { type: 'string', default: '50' },
    modes: { type: 'string', default: 'sync,threads,processes,async' },
  },
});
const RUNS = Number(values.runs);
const LATENCY = Number(values.latency);

interface Server {
  origin: string;
  close(): Promise<void>;
}

/** The demo sites, in a child process (`conc serve`) or in this one. */
async function serve(latencyMs: number): Promise<Server> {
  if (values.sites === 'in-process') {
    const sites = await startSites({ latencyMs });
    return { origin: sites.origin, close: () => sites.close() };
  }
  const child: ChildProcess = spawn(
    process.execPath,
    ['dist/cli/bin.js', 'serve', '--latency', String(latencyMs)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const origin = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const match = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`conc serve exited with ${code}`)));
  });
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function articleList(origin: string, repeat: number): string[] {
  const urls: string[] = [];
  for (let i = 0; i < repeat; i++) urls.push(`${origin}/jython`, `${origin}/dice`);
  return urls;
}

async function count(body: AsyncIterable<Buffer>): Promise<number> {
  let n = 0;
  for await (const chunk of body) n += chunk.length;
  return n;
}

/** p-map + undici `request`: one Agent (keep-alive), `width` downloads in flight. */
async function pMapUndici(urls: string[], width: number): Promise<number> {
  const started = performance.now();
  const agent = new Agent({ connections: null });
  await pMap(urls, async (url) => count((await request(url, { dispatcher: agent })).body), {
    concurrency: width,
  });
  const seconds = (performance.now() - started) / 1000; // closing idle sockets is not download time (as conc)
  await agent.close();
  return seconds;
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 200));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const f2 = (x: number): string => x.toFixed(2);
const f3 = (x: number): string => x.toFixed(3);

interface Timing {
  seconds: number;
  /**
   * Start-up: until every worker delivered a result, minus one latency (that download's own wait) —
   * the first result for sync and async, the width-th for pools (each worker's first).
   */
  startup: number;
}

async function timeConc(
  mode: 'sync' | 'threads' | 'processes' | 'async',
  width: number,
  urls: string[],
): Promise<Timing> {
  const t0 = performance.now();
  let first = 0;
  const ready = mode === 'threads' || mode === 'processes' ? Math.min(width, urls.length) : 1;
  const report = await runIoJob({
    mode,
    workers: mode === 'async' ? undefined : width,
    urls,
    onProgress: (done) => {
      if (done === ready) first = performance.now() - t0;
    },
  });
  if (report.failed > 0) {
    throw new Error(
      `${mode}: ${report.failed} downloads failed: ${report.results.find((x) => x.error)?.error}`,
    );
  }
  return { seconds: report.seconds, startup: Math.max(0, first - LATENCY) / 1000 };
}

async function partJob(): Promise<void> {
  const server = await serve(LATENCY);
  const urls = articleList(server.origin, 80);
  const all: [Parameters<typeof timeConc>[0], number][] = [
    ['sync', 1],
    ['threads', 5],
    ['processes', availableParallelism()],
    ['async', urls.length],
  ];
  const modes = all.filter(([mode]) => values.modes.split(',').includes(mode));
  console.log(`\n160 URLs, ${LATENCY} ms latency, sites: ${values.sites}; median of ${RUNS} runs [best]`);
  console.log(
    'ratio = wall time / floor; "w/o start-up" leaves out worker start-up (until each worker’s first result)',
  );
  console.log(
    `${'mode'.padEnd(10)}${'width'.padStart(6)}${'floor s'.padStart(9)}${'conc s'.padStart(9)}${'ratio'.padStart(14)}` +
      `${'start-up s'.padStart(12)}${'w/o start-up'.padStart(14)}${'p-map s'.padStart(9)}${'ratio'.padStart(14)}${'conc/p-map'.padStart(12)}`,
  );
  try {
    for (const [mode, width] of modes) {
      const floor = (LATENCY / 1000) * Math.ceil(urls.length / width);
      const ours: Timing[] = [];
      const peer: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        // alternate who goes first, and let the server settle (close the last run's sockets) in between
        if (r % 2 === 0) ours.push(await timeConc(mode, width, urls));
        await settle();
        peer.push(await pMapUndici(urls, width));
        await settle();
        if (r % 2 === 1) ours.push(await timeConc(mode, width, urls));
      }
      const total = ours.map((t) => t.seconds);
      const steady = ours.map((t) => t.seconds - t.startup);
      const [o, p] = [median(total), median(peer)];
      const ratio = (xs: number[]): string => `${f2(median(xs) / floor)}× [${f2(Math.min(...xs) / floor)}]`;
      console.log(
        `${mode.padEnd(10)}${String(width).padStart(6)}${f3(floor).padStart(9)}${f3(o).padStart(9)}${ratio(total).padStart(14)}` +
          `${f3(median(ours.map((t) => t.startup))).padStart(12)}${ratio(steady).padStart(14)}${f3(p).padStart(9)}` +
          `${ratio(peer).padStart(14)}${f2(o / p).padStart(12)}`,
      );
      const r = o / floor;
      if (mode === 'async') {
        load.goal(
          'async ≤ 1.5× floor and faster than p-map + undici',
          `${f2(r)}×, ${f2(o / p)}× p-map`,
          r <= 1.5 && o < p,
        );
      } else {
        load.goal(`${mode} ≤ 1.03× floor`, `${f2(r)}×`, r <= 1.03);
      }
    }
  } finally {
    await server.close();
  }
  console.log(
    'the article (Python, measured here): sync 1.03×, threads 1.04×, processes 1.04×, asyncio 2.7×; p-map+undici 2.1×',
  );
}

/** Raw undici: one Pool, `concurrency` loops each doing request + count until the list is done. */
async function rawUndici(urls: string[], origin: string, concurrency: number): Promise<number> {
  const started = performance.now();
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < urls.length) {
      const url = new URL(urls[next++]!);
      const { body } = await pool.request({ path: url.pathname, method: 'GET' });
      await count(body);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return seconds;
}

async function partThroughput(): Promise<void> {
  const n = Number(values.requests);
  const concurrency = Number(values.concurrency);
  const server = await serve(0);
  const urls = articleList(server.origin, n / 2);
  console.log(
    `\n${n} requests at 0 ms latency, ${concurrency} in flight, sites: ${values.sites}; median of ${RUNS} runs`,
  );
  const ours: number[] = [];
  const raw: number[] = [];
  const conc = async (): Promise<number> => {
    const report = await runIoJob({ mode: 'async', workers: concurrency, urls });
    if (report.failed > 0) throw new Error(`${report.failed} downloads failed`);
    return n / report.seconds;
  };
  const undici = async (): Promise<number> => n / (await rawUndici(urls, server.origin, concurrency));
  try {
    await conc(); // warm-up, not counted
    await undici();
    for (let r = 0; r < RUNS; r++) {
      // alternate who goes first, so neither always inherits the other's garbage or warm sockets
      if (r % 2 === 0) {
        ours.push(await conc());
        raw.push(await undici());
      } else {
        raw.push(await undici());
        ours.push(await conc());
      }
    }
  } finally {
    await server.close();
  }
  const [o, r] = [median(ours), median(raw)];
  console.log(`conc async      ${o.toFixed(0).padStart(7)} req/s   [best ${Math.max(...ours).toFixed(0)}]`);
  console.log(`raw undici Pool ${r.toFixed(0).padStart(7)} req/s   [best ${Math.max(...raw).toFixed(0)}]`);
  const pairs = ours.map((x, i) => x / raw[i]!);
  console.log(`ratio conc / raw undici: ${f2(o / r)} (median of per-run ratios ${f2(median(pairs))})`);
  load.goal('conc async ≥ 0.90× raw undici throughput', f2(o / r), o / r >= 0.9);
}

console.log(`node ${process.version}, ${availableParallelism()} cores`);
const load = watchLoad();
if (values.part === 'job' || values.part === 'all') await partJob();
if (values.part === 'throughput' || values.part === 'all') await partThroughput();
load.end();
