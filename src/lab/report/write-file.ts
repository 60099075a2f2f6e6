/**
 * Writing a report file without following what is there: the text goes to a fresh temporary file in
 * the same directory, which is then renamed over the target. A symlink at the target is replaced, not
 * followed (its target is never touched); a FIFO or device there is replaced, never opened (no hang);
 * a reader never sees half a file; a failed write (a full disk) leaves the old file and no temporary.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeFileReplacing(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // 'wx': the temporary is created here, exclusively; an existing name (a planted link) is refused
    await writeFile(temp, text, { flag: 'wx', mode: 0o644 });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}
