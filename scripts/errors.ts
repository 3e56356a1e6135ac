import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { BUNDLED_DATA_DIR, verifyBundledData } from '../src/data/checksums.ts';
import { isIsoDate } from '../src/data/csv.ts';

/** An error caused by the user's input (a flag, a file): printed as one line, without a stack trace. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** Parse a numeric flag or throw a UserError naming the flag. */
export function numberFlag(name: string, value: string | undefined, opts: { integer?: boolean; min?: number; max?: number } = {}): number | undefined {
  if (value === undefined) return undefined;
  const v = Number(value);
  if (!Number.isFinite(v) || (opts.integer && !Number.isInteger(v))) {
    throw new UserError(`--${name}: expected ${opts.integer ? 'an integer' : 'a number'}, got "${value}"`);
  }
  if (opts.min !== undefined && v < opts.min) throw new UserError(`--${name}: must be ≥ ${opts.min}, got ${v}`);
  if (opts.max !== undefined && v > opts.max) throw new UserError(`--${name}: must be ≤ ${opts.max}, got ${v}`);
  return v;
}

export function dateFlag(name: string, value: string): string {
  if (!isIsoDate(value)) throw new UserError(`--${name}: expected a date YYYY-MM-DD, got "${value}"`);
  return value;
}

/** Reads a `--config FILE` JSON object; errors name the flag and file. */
export function readConfigFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new UserError(`--config: no such file ${path}`);
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`--config ${path}: not valid JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UserError(`--config ${path}: expected a JSON object`);
  return v as Record<string, unknown>;
}

/** The one Ctrl-C / SIGTERM handler (scripts/interrupt.ts); re-exported for the commands that import it from here. */
export { withInterrupt } from './interrupt.ts';

/**
 * Verifies the bundled data folder against its SHA256SUMS (src/data/checksums.ts; hashed once per
 * process) before a command reads it, so a corrupted or missing file is refused naming the file, in every
 * command. Returns `{file: sha256}` for manifests.
 */
export function checkBundledData(dataDir: string = BUNDLED_DATA_DIR): Record<string, string> {
  try {
    return verifyBundledData(dataDir);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

/**
 * Reads a JSON file the program wrote (a run folder's config.json…); a missing, truncated or invalid file is
 * a UserError naming the file and saying what it is.
 */
export function readJsonFile(path: string, what = 'JSON file'): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`${path}: cannot read the ${what}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const hint = text.trim() === '' ? 'it is empty' : `not valid JSON (${(e as Error).message})`;
    throw new UserError(`${path}: the ${what} is damaged: ${hint}; restore it, or train the run again`);
  }
}

/**
 * Makes sure an output folder exists (created with its parents, as `train` does for its run folder);
 * a path that exists as a file is a UserError naming the flag.
 */
export function ensureOutputDir(dir: string, flag = '--out'): string {
  checkOutputDir(dir, flag);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UserError(`${flag} ${dir}: cannot create the output folder: ${(e as Error).message}`);
  }
  return dir;
}

/** Refuses, before any work, an output folder that exists as a file (nothing is created). */
export function checkOutputDir(dir: string, flag = '--out'): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UserError(`${flag} ${dir}: exists and is not a folder`);
}

/** Makes sure the folder a file is written into exists (e.g. the parent of `forecast --out FILE`). */
export function ensureParentDir(file: string, flag = '--out'): string {
  ensureOutputDir(dirname(file) || '.', flag);
  return file;
}
