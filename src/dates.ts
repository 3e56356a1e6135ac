/**
 * ISO calendar dates (YYYY-MM-DD, UTC, no time of day): one set of helpers for the whole project.
 * Lexicographic order of ISO dates is chronological order, which the data layer and the overlay rely on.
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD (rejects 2021-02-30 and 2021-13-01). */
export function isIsoDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const probe = new Date(Date.UTC(y, mo - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d;
}

export function assertIsoDate(s: string, what: string): string {
  if (!isIsoDate(s)) throw new Error(`${what}: expected a calendar date YYYY-MM-DD, got "${s}"`);
  return s;
}

export function addDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * Calendar months later, clamping the day to the target month's length (2020-01-31 + 1 → 2020-02-29),
 * so month-start dates, which all the paper's dates are, map to month starts.
 */
export function addMonths(iso: string, months: number): string {
  const y = Number(iso.slice(0, 4));
  const m0 = Number(iso.slice(5, 7)) - 1 + months;
  const day = Number(iso.slice(8, 10));
  const last = new Date(Date.UTC(y, m0 + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m0, Math.min(day, last))).toISOString().slice(0, 10);
}

/** Whole months from a to b when both are the same day of month, else null. */
export function monthsBetween(a: string, b: string): number | null {
  if (a.slice(8) !== b.slice(8)) return null;
  return (Number(b.slice(0, 4)) - Number(a.slice(0, 4))) * 12 + Number(b.slice(5, 7)) - Number(a.slice(5, 7));
}

/** Dates start, start + step months, … up to and including end. */
export function monthlySteps(start: string, end: string, stepMonths: number): string[] {
  if (!(stepMonths >= 1 && Number.isInteger(stepMonths))) throw new Error(`month step must be a positive integer, got ${stepMonths}`);
  const out: string[] = [];
  for (let k = 0; ; k++) {
    const d = addMonths(start, k * stepMonths);
    if (d > end) break;
    out.push(d);
  }
  return out;
}
