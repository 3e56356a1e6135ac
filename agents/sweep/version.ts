/**
 * The code version a sweep is planned with and its tasks run with: a hash of the package's own source
 * files and lockfile, read from the installed files (a cluster node may have a copy without `.git`), so
 * that results made by different code are never merged as one study.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root folder (where package.json is). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/[\\/]$/, '');

// What the results depend on: the library, the CLI, and the versions of every dependency. Tests, docs,
// data (checksummed on its own) and benchmarks are not code the tasks run.
const CODE_DIRS = ['agents', 'env', 'overlays', 'src', 'scripts/commands', 'bin'];
const CODE_FILES = ['index.ts', 'package.json', 'package-lock.json', 'scripts/cli.ts'];
const SOURCE = /\.(ts|js|mjs|cjs|json)$/;

let cached: string | null = null;

/** `marginlab@VERSION+sha256:PREFIX` of the source files that run (computed once per process, ~10 ms). */
export function sweepCodeVersion(root = PACKAGE_ROOT): string {
  if (cached !== null && root === PACKAGE_ROOT) return cached;
  const files: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && !e.name.startsWith('.')) walk(p);
      } else if (SOURCE.test(e.name)) files.push(p);
    }
  };
  for (const d of CODE_DIRS) walk(join(root, d));
  for (const f of CODE_FILES) if (existsSync(join(root, f))) files.push(join(root, f));
  const h = createHash('sha256');
  for (const f of [...new Set(files)].map((p) => relative(root, p)).sort()) {
    h.update(f);
    h.update('\0');
    h.update(readFileSync(join(root, f)));
    h.update('\0');
  }
  let version = '0.0.0';
  try {
    version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? version;
  } catch {
    // no package.json: the hash alone
  }
  const v = `marginlab@${version}+sha256:${h.digest('hex').slice(0, 16)}`;
  if (root === PACKAGE_ROOT) cached = v;
  return v;
}
