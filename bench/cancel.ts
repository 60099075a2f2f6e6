/**
 * Cancel benchmark (issue 10): abort a running task on a one-worker pool and time (a) until the caller's
 * promise settled and (b) until that pool has finished the next task — its recovery. Side by side in one
 * run, rounds interleaved so load drift hits all alike:
 *   - conc threads, a task that honours its taskSignal(): a CPU loop checking `signal.aborted` (shared
 *     memory) and an async wait that passes its signal on — the worker stays, the next task runs at once;
 *   - conc threads, a task that ignores its signal, `cancelGraceMs: 0`: terminate-and-respawn, what conc
 *     did before issue 10;
 *   - piscina 5.3's `run(task, { signal })`, which terminates the worker running the task.
 * Goal: recovery ≥ 10× faster than terminate-and-respawn. Build first (`npm run build`).
 *
 *   npx tsx bench/cancel.ts [--rounds 20]
 * piscina's workers get `execArgv: []` so they do not load the tsx loader this script runs under.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Piscina } from 'piscina';
import * as conc from '../dist/index.js';
import { watchLoad } from './lib/load.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } });
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1)
  throw new Error(`--rounds must be an integer ≥ 1; got ${values.rounds}`);
if (!('taskSignal' in conc)) throw new Error('dist/ predates taskSignal(): run `npm run build` first.');

const tasksUrl = new URL('./fixtures/cancel-tasks.mjs', import.meta.url).href;
type Flag = Int32Array;
const task = (name: string) => conc.taskRef<[Flag], never>(tasksUrl, name);
const echo = conc.taskRef<[number], number>(tasksUrl, 'echo');

/** One pool with one worker: start the long task, run the next one, close. */
interface Runner {
  name: string;
  start(): Promise<void>;
  long(flag: Flag, signal: AbortSignal): Promise<unknown>;
  next(): Promise<unknown>;
  close(): Promise<void>;
}

function concRunner(name: string, long: string, cancelGraceMs?: number): Runner {
  let ex: conc.Executor;
  return {
    name,
    async start() {
      ex = conc.createExecutor({
        mode: 'threads',
        workers: 1,
        ...(cancelGraceMs === undefined ? {} : { cancelGraceMs }),
      });
      await ex.submit(echo, 1);
    },
    long: (flag, signal) => ex.run(task(long), [flag], { signal }),
    next: () => ex.submit(echo, 2),
    close: () => ex.close({ cancel: true }),
  };
}

const PISCINA = 'piscina, run(task, { signal }): terminate + respawn';
function piscinaRunner(): Runner {
  let pool: Piscina;
  return {
    name: PISCINA,
    async start() {
      pool = new Piscina({ filename: tasksUrl, minThreads: 1, maxThreads: 1, execArgv: [] });
      await pool.run(1, { name: 'echo' });
    },
    long: (flag, signal) => pool.run(flag, { name: 'spinIgnoring', signal }),
    next: () => pool.run(2, { name: 'echo' }),
    close: () => pool.destroy(),
  };
}

/** Node 20 has Atomics.waitAsync (V8); this project's TS lib (before es2024) does not declare it. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(array: Int32Array, index: number, value: number): { value: Promise<string> | string };
  }
).waitAsync;

/** One round: ms until the caller settled, and until the next task finished, both from the abort. */
async function round(runner: Runner): Promise<[settled: number, recovered: number]> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const controller = new AbortController();
  const running = runner.long(flag, controller.signal).then(
    () => 'finished',
    (error: unknown) => error,
  );
  const started = waitAsync(flag, 0, 0).value; // flag[0] turns 1 once the task runs
  const first = await Promise.race([Promise.resolve(started).then(() => 'started'), running]);
  if (first !== 'started')
    throw new Error(`${runner.name}: the long task ended before it was aborted`, { cause: first });
  const t0 = performance.now();
  controller.abort();
  if ((await running) === 'finished') throw new Error(`${runner.name}: the long task finished, not aborted`);
  const settled = performance.now() - t0;
  if ((await runner.next()) !== 2) throw new Error(`${runner.name}: wrong result after the abort`);
  return [settled, performance.now() - t0];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const TERMINATE = 'conc threads, ignores its signal (cancelGraceMs 0): terminate + respawn';
const COOP_CPU = 'conc threads, cooperative CPU loop (signal.aborted)';
const runners: Runner[] = [
  concRunner(COOP_CPU, 'spinCooperative'),
  concRunner('conc threads, cooperative async wait (signal passed on)', 'waitCooperative'),
  concRunner(TERMINATE, 'spinIgnoring', 0),
  piscinaRunner(),
];

console.log(
  `# Cancel benchmark — abort a running task on a 1-worker pool, then run the next task; median of ${ROUNDS}\n` +
    `node ${process.version}, ${availableParallelism()} cores`,
);
const load = watchLoad();
const samples = new Map(runners.map((r) => [r.name, { settled: [] as number[], recovered: [] as number[] }]));
for (const runner of runners) await runner.start();
try {
  for (let i = 0; i < ROUNDS; i++) {
    for (const runner of runners) {
      const [settled, recovered] = await round(runner);
      samples.get(runner.name)!.settled.push(settled);
      samples.get(runner.name)!.recovered.push(recovered);
    }
  }
} finally {
  for (const runner of runners) await runner.close();
}

const medians = new Map(
  [...samples].map(([name, s]) => [name, [median(s.settled), median(s.recovered)] as const]),
);
const terminate = medians.get(TERMINATE)![1];
console.log('| runner | caller settled, ms | next task done, ms | recovery × faster than terminate |');
console.log('|---|---:|---:|---:|');
for (const [name, [settled, recovered]] of medians) {
  console.log(
    `| ${name} | ${settled.toFixed(3)} | ${recovered.toFixed(3)} | ${(terminate / recovered).toFixed(1)}× |`,
  );
}
const cooperative = medians.get(COOP_CPU)![1];
const speedup = terminate / cooperative;
const piscina = medians.get(PISCINA)![1] / cooperative;
console.log(`\ncooperative recovery is ${piscina.toFixed(1)}× faster than piscina's abort`);
load.goal(
  'cooperative recovery ≥ 10× faster than terminate-and-respawn',
  `${speedup.toFixed(1)}×`,
  speedup >= 10,
);
load.end();
