/**
 * A failed write said in one line: the file system's error code in words, never a stack. Used for the
 * report files (`--out`) and for stdout itself (`conc … > /dev/full`).
 */

const WHY: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file would be larger than allowed',
  EIO: 'an input/output error on the device',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENOENT: 'the directory no longer exists',
};

/** "no space left on the device (ENOSPC)", or the error's own message for anything else. */
export function describeWriteError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code !== undefined && Object.hasOwn(WHY, code)) return `${WHY[code]} (${code})`;
  return error instanceof Error ? error.message : String(error);
}
