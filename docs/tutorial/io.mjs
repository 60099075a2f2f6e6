// The article's four I/O programs in one: node io.mjs sync | threads | async | processes
import { createExecutor } from 'conc';
import { tasks } from './download.mjs';
import { sites } from './sites.mjs';

const OPTIONS = {
  sync: { mode: 'sync' }, // io_bound_sync.py: one download at a time
  threads: { mode: 'threads', workers: 5 }, // io_bound_threading.py: ThreadPoolExecutor(max_workers=5)
  async: { mode: 'async' }, // io_bound_asyncio.py: every download at once on one event loop
  processes: { mode: 'processes' }, // io_bound_multiprocessing.py: Pool(), one process per core
};

const mode = process.argv[2] ?? 'sync';
const ex = createExecutor({ ...OPTIONS[mode], initializer: tasks.initSession });
const start = performance.now();
try {
  const bytes = await ex.map(tasks.downloadSite, sites);
  const total = bytes.reduce((a, b) => a + b, 0);
  const seconds = (performance.now() - start) / 1000;
  console.log(`Downloaded ${sites.length} sites (${total} bytes) in ${seconds.toFixed(2)} seconds`);
} finally {
  await ex.close();
}
