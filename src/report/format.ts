/**
 * Number formatting shared by the tables and the charts, so that a value reads the same everywhere:
 * returns and drawdowns as percent, ratios with three decimals, money with thousands separators.
 * Output is ASCII apart from the ± and — the tables add, and never depends on the machine's locale.
 */

/**
 * - 'percent': a fraction shown ×100 with a % sign (0.1234 → "12.34%");
 * - 'ratio':   a plain number (Sharpe, Calmar, …) with 3 decimals by default;
 * - 'money':   thousands separators, no decimals from 1,000 up, else 2;
 * - 'count':   an integer count (a mean of counts gets 1 decimal);
 * - 'number':  anything else, 3 decimals.
 */
export type ValueFormat = 'percent' | 'ratio' | 'money' | 'count' | 'number';

const DEFAULT_DIGITS: Record<ValueFormat, number> = { percent: 2, ratio: 3, money: 2, count: 0, number: 3 };

/** Text for values that are not finite numbers. */
export const MISSING = 'n/a';

/** Formats one value; `digits` overrides the format's default number of decimals. */
export function formatValue(x: number, format: ValueFormat, digits?: number): string {
  if (Number.isNaN(x)) return MISSING;
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  let d = digits ?? DEFAULT_DIGITS[format];
  switch (format) {
    case 'percent':
      return `${fixed(x * 100, d)}%`;
    case 'money':
      if (digits === undefined && Math.abs(x) >= 1000) d = 0;
      return grouped(x, d);
    case 'count':
      if (digits === undefined && !Number.isInteger(x)) d = 1;
      return grouped(x, d);
    default:
      return fixed(x, d);
  }
}

/** toFixed without "-0.00": a value that rounds to zero prints as zero. */
function fixed(x: number, digits: number): string {
  const s = x.toFixed(digits);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** Fixed decimals with a comma every three integer digits (locale-independent). */
function grouped(x: number, digits: number): string {
  const s = fixed(x, digits);
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  const dot = body.indexOf('.');
  const int = dot < 0 ? body : body.slice(0, dot);
  const frac = dot < 0 ? '' : body.slice(dot);
  const withCommas = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (neg ? '-' : '') + withCommas + frac;
}
