/** Atomic file writes (temp file in the same folder, fsync, rename), shared by every layer. */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { uniqueTempPath } from './lock.ts';

/**
 * Writes `data` to `path` so that readers see either the old file or the whole new one, never a part.
 * The temp file's name carries the host, the pid and random bytes, so writers on hosts sharing the
 * folder never collide.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = uniqueTempPath(path);
  const fd = openSync(tmp, 'wx');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}
