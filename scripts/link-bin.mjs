// Makes the built CLI runnable in this repository: `npx conc …` runs the project's own bin, which needs
// the executable bit tsc does not set; the link in node_modules/.bin also puts `conc` on the PATH of
// `npm run` scripts (npm links the bins of dependencies only). Run by `npm run build`.
import { chmodSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';

chmodSync('dist/cli/bin.js', 0o755);
if (existsSync('node_modules')) {
  mkdirSync('node_modules/.bin', { recursive: true });
  rmSync('node_modules/.bin/conc', { force: true });
  symlinkSync('../../dist/cli/bin.js', 'node_modules/.bin/conc');
}
