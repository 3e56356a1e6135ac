/**
 * JSON that keeps every number: NaN and ±Infinity (a Calmar ratio without drawdown, a Sharpe ratio without
 * variance) are written as the strings "NaN", "Infinity", "-Infinity" and read back as numbers, where plain
 * JSON would turn them into null (and null into 0 in arithmetic). Used by results.json and the sweep's task results.
 */

/** `JSON.stringify` replacer: non-finite numbers as strings. */
export function nonFiniteReplacer(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

/** `JSON.parse` reviver: the strings of `nonFiniteReplacer` back to numbers. */
export function nonFiniteReviver(_key: string, v: unknown): unknown {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return v;
}

export function stringifyKeepingNumbers(value: unknown, space?: number): string {
  return JSON.stringify(value, nonFiniteReplacer, space);
}

export function parseKeepingNumbers<T = unknown>(text: string): T {
  return JSON.parse(text, nonFiniteReviver) as T;
}
