import { existsSync, readFileSync } from 'node:fs';
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

/**
 * Runs `work` with Ctrl-C turned into an abort signal: the first Ctrl-C prints `message` and lets the work
 * stop at its next safe point (a checkpoint); a second one exits at once (130).
 */
export async function withInterrupt<T>(message: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write(`\ninterrupt: ${message} (Ctrl-C again to abort now)\n`);
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
