/**
 * Adaptive concurrency, benchmarked: mode auto on the embedded demo sites behind a server-side capacity
 * limit, against every fixed width — does it find the width itself? Goal: ≥ 90% of the best fixed
 * width's throughput, untuned. Build first (`npm run build`); run with `npx tsx bench/auto.ts`.
 *
 * The sites and their capacity limit run in a child process (bench/fixtures/capacity-sites.mjs), as a
 * real server runs elsewhere. Fixed widths: conc async with `workers: w`, and the peer, p-map at the same
 * concurrency over the same download function (what a p-map/p-limit user does: pick a number).
 *
 * Options: --capacity N,… (16,64) · --latency MS (20) · --items N (default: 50 service rounds, capacity × 50,
 *          at least 800) · --runs N (2)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pMap from 'p-map';
import { subscribeAuto } from '../dist/backends/auto/channel.js';
import { downloadSite, initSession, releaseSession } from '../dist/workloads/io.js';
import { runIoJob } from '../dist/workloads/io-job.js';

const { values } = parseArgs({
  options: {
    capacity: { type: 'string', default: '16,64' },
    latency: { type: 'string', default: '20' },
    items: { type: 'string' },
    runs: { type: 'string', default: '2' },
  },
});
const LATENCY = Number(values.latency);
const RUNS = Number(values.runs);

async function startCapacitySites(capacity: number): Promise<{ origin: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['bench/fixtures/capacity-sites.mjs', String(capacity), String(LATENCY)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const origin = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /ready (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`capacity-sites exited with ${code}`)));
  });
  return {
    origin,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Enough downloads for ~50 rounds of the server's capacity, so the start-up (sampling, ramp) is amortized as in a real job. */
function itemsFor(capacity: number): number {
  return values.items ? Number(values.items) : Math.max(800, capacity * 50);
}

function urls(origin: string, items: number): string[] {
  return Array.from({ length: items }, (_, i) => `${origin}${i % 2 === 0 ? '/jython' : '/dice'}`);
}

async function concFixed(list: string[], width: number): Promise<number> {
  const r = await runIoJob({ mode: 'async', workers: width, urls: list });
  if (r.failed > 0) throw new Error(`${r.failed} downloads failed at width ${width}`);
  return r.seconds;
}

async function pMapFixed(list: string[], width: number): Promise<number> {
  const t0 = performance.now();
  initSession({}, 'bench-pmap');
  try {
    const results = await pMap(list, (url) => downloadSite(url), { concurrency: width });
    if (results.some((r) => r.error !== undefined)) throw new Error('p-map: downloads failed');
  } finally {
    await releaseSession('bench-pmap');
  }
  return (performance.now() - t0) / 1000;
}

async function concAuto(
  list: string[],
): Promise<{ seconds: number; width: number; chosen: string | undefined }> {
  let width = 0;
  let peak = 0;
  let chosen: string | undefined;
  const stop = subscribeAuto((e) => {
    if (e.chosen) chosen = e.chosen;
    width = e.width;
    peak = Math.max(peak, e.width);
  });
  try {
    const r = await runIoJob({ mode: 'auto', urls: list });
    if (r.failed > 0) throw new Error(`${r.failed} downloads failed in auto`);
    return { seconds: r.seconds, width, chosen };
  } finally {
    stop();
  }
}

function best(values: number[]): number {
  return Math.min(...values);
}

console.log(
  `bench/auto — downloads from the demo sites (latency ${LATENCY} ms) behind a capacity limit; ` +
    `${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(2)}, best of ${RUNS} runs\n`,
);
for (const capacity of values.capacity!.split(',').map(Number)) {
  const sites = await startCapacitySites(capacity);
  try {
    const ITEMS = itemsFor(capacity);
    const list = urls(sites.origin, ITEMS);
    const widths = [capacity / 4, capacity / 2, capacity, capacity * 2, capacity * 4].map((w) =>
      Math.max(1, Math.round(w)),
    );
    const rows: { name: string; seconds: number }[] = [];
    for (const w of widths) {
      const runs: number[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await concFixed(list, w));
      rows.push({ name: `conc async, workers ${w}`, seconds: best(runs) });
    }
    for (const w of [capacity, capacity * 4]) {
      const runs: number[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await pMapFixed(list, w));
      rows.push({ name: `p-map, concurrency ${w}`, seconds: best(runs) });
    }
    const autoRuns: Awaited<ReturnType<typeof concAuto>>[] = [];
    for (let i = 0; i < RUNS; i++) autoRuns.push(await concAuto(list));
    const auto = autoRuns.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const bestFixed = best(rows.filter((r) => r.name.startsWith('conc')).map((r) => r.seconds));
    console.log(
      `capacity ${capacity} (floor ${((Math.ceil(ITEMS / capacity) * LATENCY) / 1000).toFixed(2)} s):`,
    );
    for (const r of rows) {
      console.log(
        `  ${r.name.padEnd(26)} ${r.seconds.toFixed(2)} s  ${(ITEMS / r.seconds).toFixed(0).padStart(5)} req/s  ${((bestFixed / r.seconds) * 100).toFixed(0).padStart(3)}% of best fixed`,
      );
    }
    const ratio = bestFixed / auto.seconds;
    console.log(
      `  ${'conc auto (untuned)'.padEnd(26)} ${auto.seconds.toFixed(2)} s  ${(ITEMS / auto.seconds).toFixed(0).padStart(5)} req/s  ${(ratio * 100).toFixed(0).padStart(3)}% of best fixed — chose ${auto.chosen}, final width ${auto.width} ${ratio >= 0.9 ? '(goal ≥ 90% met)' : '(goal ≥ 90% MISSED)'}\n`,
    );
  } finally {
    await sites.stop();
  }
}
