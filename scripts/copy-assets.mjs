// Copies what tsc does not: the article's Python programs (src/lab/python/*.py) into the build, next
// to the compiled runner that starts them. Usage: node scripts/copy-assets.mjs [outDir, default dist]
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2] ?? 'dist';
const from = 'src/lab/python';
const to = join(out, 'lab/python');
const files = readdirSync(from).filter((f) => f.endsWith('.py'));
if (files.length === 0) throw new Error(`copy-assets: no .py files in ${from}`);
mkdirSync(to, { recursive: true });
for (const file of files) copyFileSync(join(from, file), join(to, file));
