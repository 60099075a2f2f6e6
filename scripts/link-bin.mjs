// Makes `npx conc` in this repository run this checkout's CLI (npm links bins of dependencies only).
import { chmodSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';

mkdirSync('node_modules/.bin', { recursive: true });
rmSync('node_modules/.bin/conc', { force: true });
symlinkSync('../../dist/cli/bin.js', 'node_modules/.bin/conc');
chmodSync('dist/cli/bin.js', 0o755);
