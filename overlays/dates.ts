/**
 * ISO calendar dates (YYYY-MM-DD, UTC, no time of day) and the decision-date specs of the forecast CLI.
 * Lexicographic order of ISO dates is chronological order, which the rest of the overlay relies on.
 */

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(s: string): boolean {
  if (!ISO_DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
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

const CADENCES: Record<string, number> = { monthly: 1, quarterly: 3, semiannual: 6, annual: 12 };

/**
 * Parses a decision-date spec: `quarterly:2020-05-01:2024-02-01` (also `monthly`, `semiannual`,
 * `annual`; both ends inclusive) or an explicit comma list `2020-05-01,2020-08-01`. Returns ascending,
 * distinct dates.
 */
export function parseDecisionDates(spec: string): string[] {
  const s = spec.trim();
  const cadence = /^([a-z]+):(\d{4}-\d{2}-\d{2}):(\d{4}-\d{2}-\d{2})$/.exec(s);
  if (cadence) {
    const [, name, start, end] = cadence;
    const step = CADENCES[name];
    if (step === undefined) {
      throw new Error(`--dates: unknown cadence "${name}"; expected one of ${Object.keys(CADENCES).join(', ')} (e.g. quarterly:2020-05-01:2024-02-01)`);
    }
    assertIsoDate(start, '--dates start');
    assertIsoDate(end, '--dates end');
    if (end < start) throw new Error(`--dates: end ${end} is before start ${start}`);
    return monthlySteps(start, end, step);
  }
  const parts = s.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) throw new Error('--dates: expected CADENCE:START:END or a comma list of YYYY-MM-DD dates, got nothing');
  for (const p of parts) {
    if (!isIsoDate(p)) {
      throw new Error(`--dates: "${p}" is neither a YYYY-MM-DD date nor a spec like quarterly:2020-05-01:2024-02-01`);
    }
  }
  return [...new Set(parts)].sort();
}
