/**
 * Finding the optional llama.cpp runtime (node-llama-cpp) for the local provider.
 *
 * It is not a dependency of marginlab: its optional GPU builds would add ~750 MB to every `npm ci`, and
 * `npm ci --omit=optional` would also drop @tensorflow/tfjs-node. It lives in its own folder, `local-llm/`,
 * with its own lockfile pinning node-llama-cpp 3.21.1 and the linux-x64 CPU binary only, installed by
 * `npm run setup:local-llm`. It is looked for there first, then wherever Node would resolve it from this
 * package (a user who ran `npm install node-llama-cpp` themselves). Resolution is synchronous, so a run
 * without the runtime stops before any date with the install command; the module itself is imported
 * only when the first answer is not in the cache (a fully cached rerun never loads it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FatalProviderError } from './transport.ts';

/** The repository root (this file is overlays/providers/local-runtime.ts). */
const ROOT = resolve(import.meta.dirname, '..', '..');
export const LOCAL_LLM_DIR = join(ROOT, 'local-llm');
/** The version local-llm/package.json pins (others may work; the records name whichever ran). */
export const PINNED_RUNTIME_VERSION = '3.21.1';

export const RUNTIME_INSTALL_HINT =
  'the local provider needs the llama.cpp runtime node-llama-cpp (CPU build, about 83 MB), which `npm ci` does not install: ' +
  'run `npm run setup:local-llm` in the repository (= `npm ci --prefix local-llm --omit=optional --ignore-scripts --no-audit --no-fund`, ' +
  `linux-x64; elsewhere: \`npm install --prefix local-llm node-llama-cpp@${PINNED_RUNTIME_VERSION}\`)`;

export interface RuntimeLocation {
  /** Absolute path of the module's entry file. */
  entry: string;
  version: string;
  /** Where it was found. */
  from: 'local-llm' | 'node_modules';
}

function packageVersion(entry: string): string {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (!existsSync(pkg)) continue;
    const json = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; version?: string };
    if (json.name === 'node-llama-cpp' && typeof json.version === 'string') return json.version;
  }
  return 'unknown';
}

let located: RuntimeLocation | null | undefined;

/** Where node-llama-cpp is installed, or null. */
export function locateRuntime(): RuntimeLocation | null {
  if (located !== undefined) return located;
  const tries: Array<[string, RuntimeLocation['from']]> = [
    [join(LOCAL_LLM_DIR, 'package.json'), 'local-llm'],
    [join(ROOT, 'package.json'), 'node_modules'],
  ];
  for (const [base, from] of tries) {
    try {
      const entry = createRequire(base).resolve('node-llama-cpp');
      return (located = { entry, version: packageVersion(entry), from });
    } catch {
      // not installed there
    }
  }
  return (located = null);
}

/** The runtime's location, or a FatalProviderError with the install command. */
export function requireRuntime(): RuntimeLocation {
  const at = locateRuntime();
  if (at === null) throw new FatalProviderError(RUNTIME_INSTALL_HINT);
  return at;
}

/** Imports the module (once). Its types are not visible to this package, so callers use local-types. */
let imported: Promise<unknown> | undefined;
export function importRuntime(at: RuntimeLocation): Promise<unknown> {
  imported ??= import(pathToFileURL(at.entry).href).catch((e: unknown) => {
    imported = undefined;
    throw new FatalProviderError(`node-llama-cpp at ${at.entry} could not be loaded (${(e as Error).message}); reinstall it: ${RUNTIME_INSTALL_HINT}`);
  });
  return imported;
}
