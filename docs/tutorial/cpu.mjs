// The article's three CPU programs in one: node cpu.mjs sync | threads | processes  (async: one loop)
import { createExecutor } from 'conc';
import { tasks } from './squares.mjs';

const OPTIONS = {
  sync: { mode: 'sync' }, // cpu_bound_sync.py: a loop
  threads: { mode: 'threads', workers: 5 }, // cpu_bound_threading.py: ThreadPoolExecutor(max_workers=5)
  processes: { mode: 'processes' }, // cpu_bound_multiprocessing.py: Pool(), one process per core
  async: { mode: 'async' }, // no program in the article: asyncio would not help either
};

const mode = process.argv[2] ?? 'sync';
const numbers = Array.from({ length: 20 }, (_, x) => 5_000_000 + x);
const ex = createExecutor(OPTIONS[mode]);
const start = performance.now();
try {
  const sums = await ex.map(tasks.cpuBound, numbers);
  const seconds = (performance.now() - start) / 1000;
  if (process.env.VERBOSE) for (const [i, sum] of sums.entries()) console.log(`${numbers[i]}: ${sum}`);
  console.log(`Duration ${seconds.toFixed(2)} seconds (first sum ${sums[0]})`);
} finally {
  await ex.close();
}
