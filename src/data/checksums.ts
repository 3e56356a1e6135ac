import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's bundled data folder (`<repo>/data`), found from this file, not from the working directory. */
export const BUNDLED_DATA_DIR = fileURLToPath(new URL('../../data', import.meta.url));

/** The checksum list inside a data folder, in `sha256sum` format (`<hex>  <relative path>`). */
export const CHECKSUM_FILE = 'SHA256SUMS';

/**
 * A data file that is missing or whose content does not match its folder's SHA256SUMS. Named `DataError`
 * like the loaders' errors: it is the user's data, not a bug, so the CLI prints it as one line.
 */
export class DataIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

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

// Per process: the repository's own data folder is verified once (it does not change under a running
// command); copies elsewhere are checked on every call (tests rewrite them).
const BUNDLED = resolve(BUNDLED_DATA_DIR);
let bundledVerified: Record<string, string> | null = null;
/** Bundled files (absolute paths) whose content was checked in this process. */
const bundledFilesOk = new Set<string>();

function mismatch(path: string, got: string, want: string, listPath: string): DataIntegrityError {
  return new DataIntegrityError(
    `data file ${path} does not match ${listPath}: sha256 ${got}, expected ${want}; ` +
      (resolve(dirname(listPath)) === BUNDLED ? `restore it with git checkout -- ${path}` : `restore the file, or update ${CHECKSUM_FILE} if the change is intended`),
  );
}

/**
 * Checks every file listed in `<dataDir>/SHA256SUMS` and returns `{file: sha256}` for the run manifest.
 * Throws (a DataIntegrityError) naming the first file that is missing or whose content changed. The
 * repository's data folder (the default) is hashed once per process; later calls return the same result.
 */
export function verifyBundledData(dataDir: string = BUNDLED_DATA_DIR): Record<string, string> {
  const isBundled = resolve(dataDir) === BUNDLED;
  if (isBundled && bundledVerified) return { ...bundledVerified };
  const listPath = join(dataDir, CHECKSUM_FILE);
  if (!existsSync(listPath)) throw new DataIntegrityError(`${listPath} is missing; the data folder cannot be verified (restore it from git)`);
  const expected = parseChecksumList(readFileSync(listPath, 'utf8'), listPath);
  const verified: Record<string, string> = {};
  for (const [file, want] of expected) {
    const path = join(dataDir, file);
    if (!existsSync(path)) throw new DataIntegrityError(`bundled data file ${path} is missing (listed in ${CHECKSUM_FILE}); restore it from git`);
    const got = sha256OfFile(path);
    if (got !== want) {
      throw new DataIntegrityError(`bundled data file ${path} does not match ${CHECKSUM_FILE}: sha256 ${got}, expected ${want}; restore it with git checkout -- ${path}`);
    }
    verified[file] = got;
  }
  if (isBundled) {
    bundledVerified = verified;
    for (const file of Object.keys(verified)) bundledFilesOk.add(resolve(dataDir, file));
  }
  return { ...verified };
}

/**
 * The checksum entry covering `path`: the nearest SHA256SUMS in the file's folder or up to two folders
 * above that lists it (the bundled `data/margintrader_llm/*.json` are listed in `data/SHA256SUMS`).
 */
function listingFor(path: string): { listPath: string; want: string } | null {
  let dir = dirname(path);
  for (let up = 0; up < 3; up++) {
    const listPath = join(dir, CHECKSUM_FILE);
    if (existsSync(listPath)) {
      const rel = relative(dir, path).split(sep).join('/');
      let list: Map<string, string>;
      try {
        list = parseChecksumList(readFileSync(listPath, 'utf8'), listPath);
      } catch (e) {
        // A malformed list of the repository's own data is an error; someone else's is not ours to read.
        if (resolve(dir) === BUNDLED) throw new DataIntegrityError((e as Error).message);
        return null;
      }
      const want = list.get(rel);
      return want === undefined ? null : { listPath, want };
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

/**
 * Checks the bytes just read from `path` against the SHA256SUMS that lists the file (the bundled data
 * folder, or a copy of it); a file no checksum list names is not checked. Every loader of the data layer
 * reads through this (csv.ts `readTextFile`), so a corrupted bundled file is refused by every command that
 * reads it, naming the file. Bundled files are hashed once per process.
 */
export function checkListedFile(path: string, bytes: Uint8Array): void {
  const abs = resolve(path);
  if (bundledFilesOk.has(abs)) return;
  const entry = listingFor(abs);
  if (!entry) return;
  const got = createHash('sha256').update(bytes).digest('hex');
  if (got !== entry.want) throw mismatch(path, got, entry.want, entry.listPath);
  if (resolve(dirname(entry.listPath)) === BUNDLED) bundledFilesOk.add(abs);
}
