/** `conc compare --out`: checked before anything runs, so a long comparison never ends unable to write. */
import { accessSync, constants, lstatSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from './shared.ts';

/**
 * Fails early, as a usage error, when the report cannot be written where asked: `dir` must be (or
 * become) a writable directory, and its report files must not be directories. Nothing is opened: a
 * FIFO or a device there is replaced when the report is written, never written into.
 */
export function checkWritable(dir: string): void {
  const path = resolve(dir);
  try {
    mkdirSync(path, { recursive: true });
    if (!statSync(path).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    accessSync(path, constants.W_OK);
    for (const name of ['report.json', 'report.html']) {
      const file = join(path, name);
      if (lstatSync(file, { throwIfNoEntry: false })?.isDirectory()) {
        throw new UsageError(`--out ${dir}: ${file} is a directory; remove it or pick another --out.`);
      }
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? 'is not writable'
        : code === 'ENOTDIR' || code === 'EEXIST'
          ? 'is not a directory'
          : `cannot be created (${code ?? (error as Error).message})`;
    throw new UsageError(
      `--out ${dir}: ${path} ${why}. Pick a directory you can write to, e.g. --out ./conc-report.`,
    );
  }
}
