/**
 * `npm run bench`: every benchmark script in this folder, one after another (never side by side: they
 * would steal each other's cores). Each prints its own table of ratios against its named peers.
 *   npm run bench                # all
 *   npm run bench -- pool cpu    # some, by file name
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const scripts = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.ts$/, '')))
  .sort();
let failed = 0;
for (const script of scripts) {
  console.log(`\n━━ bench/${script} ━━`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', `${here}${script}`], { stdio: 'inherit' });
  if (run.status !== 0) {
    failed++;
    console.log(`bench/${script} failed (exit ${run.status ?? run.signal})`);
  }
}
process.exitCode = failed ? 1 : 0;
