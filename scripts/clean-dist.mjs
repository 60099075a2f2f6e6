// Removes dist/ (and with it tsc's incremental state, dist/.tsbuildinfo) so that `npm pack`/`npm publish`
// (prepack) ship a fresh build: no file of a module deleted since, no source map of an older build.
import { rmSync } from 'node:fs';

rmSync(process.argv[2] ?? 'dist', { recursive: true, force: true });
