import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's bundled data folder (`<repo>/data`), found from this file, not from the working directory. */
export const BUNDLED_DATA_DIR = fileURLToPath(new URL('../../data', import.meta.url));

/** The checksum list inside a data folder, in `sha256sum` format (`<hex>  <relative path>`). */
export const CHECKSUM_FILE = 'SHA256SUMS';

export function sha256OfFile(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Parses `sha256sum` output: one `<64 hex>  <path>` per line (a `*` before the path marks binary mode). */
export function parseChecksumList(text: string, listName = CHECKSUM_FILE): Map<string, string> {
  const entries = new Map<string, string>();
  text.split('\n').forEach((raw, k) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) throw new Error(`${listName}:${k + 1}: expected "<64 hex digits>  <file>", got ${JSON.stringify(raw)}`);
    entries.set(m[2], m[1]);
  });
  if (entries.size === 0) throw new Error(`${listName} lists no files; regenerate it with: cd data && sha256sum <files> > ${CHECKSUM_FILE}`);
  return entries;
}

/**
 * Checks every file listed in `<dataDir>/SHA256SUMS` and returns `{file: sha256}` for the run manifest.
 * Throws naming the first file that is missing or whose content changed.
 */
export function verifyBundledData(dataDir: string = BUNDLED_DATA_DIR): Record<string, string> {
  const listPath = join(dataDir, CHECKSUM_FILE);
  if (!existsSync(listPath)) throw new Error(`${listPath} is missing; the data folder cannot be verified (restore it from git)`);
  const expected = parseChecksumList(readFileSync(listPath, 'utf8'), listPath);
  const verified: Record<string, string> = {};
  for (const [file, want] of expected) {
    const path = join(dataDir, file);
    if (!existsSync(path)) throw new Error(`bundled data file ${path} is missing (listed in ${CHECKSUM_FILE}); restore it from git`);
    const got = sha256OfFile(path);
    if (got !== want) {
      throw new Error(`bundled data file ${path} does not match ${CHECKSUM_FILE}: sha256 ${got}, expected ${want}; restore it with git checkout -- ${path}`);
    }
    verified[file] = got;
  }
  return verified;
}
