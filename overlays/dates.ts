/**
 * The decision-date specs of the forecast CLI. The calendar helpers live in src/dates.ts (re-exported here).
 */
import { assertIsoDate, isIsoDate, monthlySteps } from '../src/dates.ts';
import { ParameterError } from '../src/parameter-error.ts';

export { addDays, addMonths, assertIsoDate, isIsoDate, monthsBetween, monthlySteps } from '../src/dates.ts';

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
      throw new ParameterError(
        ['dates'],
        (n) => `${n('dates')}: unknown cadence "${name}"; expected one of ${Object.keys(CADENCES).join(', ')} (e.g. quarterly:2020-05-01:2024-02-01)`,
      );
    }
    for (const [d, which] of [
      [start, 'start'],
      [end, 'end'],
    ] as const) {
      try {
        assertIsoDate(d, `dates ${which}`);
      } catch (e) {
        throw new ParameterError(['dates'], (n) => (e as Error).message.replace(/^dates /, `${n('dates')} `));
      }
    }
    if (end < start) throw new ParameterError(['dates'], (n) => `${n('dates')}: end ${end} is before start ${start}`);
    return monthlySteps(start, end, step);
  }
  const parts = s
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0)
    throw new ParameterError(['dates'], (n) => `${n('dates')}: expected CADENCE:START:END or a comma list of YYYY-MM-DD dates, got nothing`);
  for (const p of parts) {
    if (!isIsoDate(p)) {
      throw new ParameterError(['dates'], (n) => `${n('dates')}: "${p}" is neither a YYYY-MM-DD date nor a spec like quarterly:2020-05-01:2024-02-01`);
    }
  }
  return [...new Set(parts)].sort();
}
