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
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    throw new UserError(`--${name}: expected a date YYYY-MM-DD, got "${value}"`);
  }
  return value;
}
