// imap over 1,000,000 lazily generated items through the thread pool; prints one JSON line with the peak RSS
// (plain node, no loader). `node imap-memory.mjs [chunkSize]`: no argument means imap's default options.
import { createExecutor, taskRef } from '../dist/index.js';

const echo = taskRef(new URL('./fixtures/echo.mjs', import.meta.url).href, 'echo');
function* naturals(n) {
  for (let i = 0; i < n; i++) yield i;
}
const chunkSize = process.argv[2] ? Number(process.argv[2]) : undefined;
const baseline = process.memoryUsage.rss();
const ex = createExecutor({ mode: 'threads', workers: 2 });
let peak = baseline;
let count = 0;
let sum = 0;
const t0 = performance.now();
for await (const r of ex.imap(echo, naturals(1_000_000), chunkSize ? { chunkSize } : {})) {
  sum += r;
  if (++count % 10_000 === 0) peak = Math.max(peak, process.memoryUsage.rss());
}
await ex.close();
if (count !== 1_000_000 || sum !== 499_999_500_000) throw new Error(`wrong: ${count} ${sum}`);
const mb = (b) => Math.round(b / 2 ** 20);
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ count, seconds, baselineMb: mb(baseline), peakMb: mb(peak) }));
