import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { isIsoDate } from './data/csv.ts';
import { firstIssue, formatIssue, unknownKeysProblem } from './validation.ts';

/**
 * A long-short ratio schedule: the one thing an overlay hands to the environment.
 * The environment never imports an overlay; stage 2 of an overlay produces this plain object.
 *
 * - `targets`: from each date on (inclusive), the target long share of equity (e^l / (e^l + e^s)),
 *   in [0, 1]. The env shows the target in force in the observation at every step.
 * - `reallocations`: dates on which equity is moved between the books. On the first trading day on or
 *   after each date, before trading, the env moves equity. Each event carries either an absolute
 *   `target` long share, or a multiplicative `change` c applied the paper's way: f* = clip(f·(1+c)).
 *
 * One contract (`RatioScheduleSchema`) for every schedule, read from a file or built in code (the env
 * validates through it too). Refused, with the field and what was expected:
 *   unknown keys; an impossible date; a share outside [0, 1]; minShare > maxShare; two targets or two
 *   reallocations on one date; an event with both or neither of target/change; an absolute `target`
 *   outside [minShare, maxShare] (the env would clip it silently). A `change` is clipped by design
 *   (the paper's rule). Where the period is known (`schedulePeriodCheck`, the env's reset), events that
 *   never act in it are reported: warnings, or an error when none acts at all.
 */
export interface RatioTarget {
  date: string;
  longShare: number;
}

export interface ReallocationEvent {
  date: string;
  /** Absolute target long share in [minShare, maxShare]. */
  target?: number;
  /** The paper's multiplicative change c (score · 0.1): f* = clip(f · (1 + c), minShare, maxShare). */
  change?: number;
}

export interface RatioSchedule {
  targets: RatioTarget[];
  reallocations: ReallocationEvent[];
  /** Bounds of the long share after a reallocation; the paper uses [0.1, 0.9] (the default). */
  minShare?: number;
  maxShare?: number;
}

/**
 * A ratio schedule that breaks the contract, or that does nothing in the period it is used for. Named
 * `DataError` like the loaders' errors: it is the user's input, so the CLI prints it as one line.
 */
export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

/** The env's bounds when a schedule gives none (the paper's). */
export const DEFAULT_MIN_SHARE = 0.1;
export const DEFAULT_MAX_SHARE = 0.9;
/** Range of a multiplicative `change`: −1 (to the lower bound) … +10. */
export const CHANGE_RANGE = [-1, 10] as const;

const isoDate = z.string().refine(isIsoDate, 'expected a real date YYYY-MM-DD');

/**
 * The schema of a ratio schedule (strict). Besides the four schedule fields it accepts the provenance
 * `marginlab compare` writes next to them in schedules/NAME.json (`decisions`, `rule`, `freqMonths`),
 * which the env ignores.
 */
export const RatioScheduleSchema = z
  .object({
    targets: z.array(z.object({ date: isoDate, longShare: z.number() }).strict()).default([]),
    reallocations: z.array(z.object({ date: isoDate, target: z.number().optional(), change: z.number().optional() }).strict()).default([]),
    minShare: z.number().optional(),
    maxShare: z.number().optional(),
    decisions: z.array(z.unknown()).optional(),
    rule: z.enum(['paper', 'direct']).optional(),
    freqMonths: z.number().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const inUnit = (x: number) => x >= 0 && x <= 1;
    for (const key of ['minShare', 'maxShare'] as const) {
      const v = s[key];
      if (v !== undefined && !inUnit(v)) issue([key], `${key} ${v} is outside [0, 1]`);
    }
    const lo = s.minShare ?? DEFAULT_MIN_SHARE;
    const hi = s.maxShare ?? DEFAULT_MAX_SHARE;
    const boundsOk = inUnit(lo) && inUnit(hi) && lo <= hi;
    if (inUnit(lo) && inUnit(hi) && lo > hi) {
      const name = (k: 'minShare' | 'maxShare', v: number) => (s[k] === undefined ? `${k} (default ${v})` : `${k} ${v}`);
      issue(
        [s.minShare !== undefined ? 'minShare' : 'maxShare'],
        `${name('minShare', lo)} is above ${name('maxShare', hi)}: the bounds of the long share need minShare ≤ maxShare`,
      );
    }
    const seenTarget = new Map<string, number>();
    s.targets.forEach((t, i) => {
      if (!inUnit(t.longShare)) issue(['targets', i, 'longShare'], `target long share ${t.longShare} on ${t.date} is outside [0, 1]`);
      const j = seenTarget.get(t.date);
      if (j !== undefined) issue(['targets', i, 'date'], `two targets on ${t.date} (targets.${j} and targets.${i}): give one per date`);
      else seenTarget.set(t.date, i);
    });
    const seenEvent = new Map<string, number>();
    s.reallocations.forEach((e, i) => {
      const j = seenEvent.get(e.date);
      if (j !== undefined) issue(['reallocations', i, 'date'], `two reallocations on ${e.date} (reallocations.${j} and reallocations.${i}): give one per date`);
      else seenEvent.set(e.date, i);
      if ((e.target === undefined) === (e.change === undefined)) {
        issue(['reallocations', i], `the reallocation on ${e.date} needs exactly one of "target" or "change"`);
        return;
      }
      if (e.change !== undefined && !(e.change >= CHANGE_RANGE[0] && e.change <= CHANGE_RANGE[1])) {
        issue(['reallocations', i, 'change'], `change ${e.change} (reallocation on ${e.date}) is outside [${CHANGE_RANGE[0]}, ${CHANGE_RANGE[1]}]`);
      }
      if (e.target !== undefined) {
        if (!inUnit(e.target)) issue(['reallocations', i, 'target'], `target ${e.target} (reallocation on ${e.date}) is outside [0, 1]`);
        else if (boundsOk && (e.target < lo || e.target > hi)) {
          issue(
            ['reallocations', i, 'target'],
            `target ${e.target} (reallocation on ${e.date}) is outside the bounds [minShare ${lo}, maxShare ${hi}]${s.minShare === undefined && s.maxShare === undefined ? ' (the defaults)' : ''}: ` +
              `the env would clip it to ${e.target < lo ? lo : hi}; move the target inside, or widen minShare/maxShare`,
          );
        }
      }
    });
  });

/** One zod issue as `field "path": message` (unknown keys named, with the known ones). */
function describeIssue(i: z.ZodError['issues'][number]): string {
  const where = i.path.length ? `field "${i.path.join('.')}"` : 'top level';
  const unknown = unknownKeysProblem(i);
  if (unknown !== null) {
    const known =
      i.path.length === 0
        ? "targets, reallocations, minShare, maxShare (and compare's decisions, rule, freqMonths)"
        : i.path[0] === 'targets'
          ? 'date, longShare'
          : 'date, target or change';
    return `${where}: ${unknown} (expected ${known})`;
  }
  return formatIssue(i, { whole: 'top level', quote: true, label: 'field' });
}

/**
 * Validates a schedule (from a file or built in code) against the one contract and returns the schedule
 * fields only (provenance keys dropped). Throws `${where}: field "…": …` naming the first problem.
 */
export function parseRatioSchedule(raw: unknown, where = 'ratio schedule'): RatioSchedule {
  const r = RatioScheduleSchema.safeParse(raw);
  if (!r.success) throw new ScheduleError(`${where}: ${describeIssue(firstIssue(r.error))}`);
  const { targets, reallocations, minShare, maxShare } = r.data;
  return { targets, reallocations, ...(minShare !== undefined ? { minShare } : {}), ...(maxShare !== undefined ? { maxShare } : {}) };
}

/** Reads and validates a ratio-schedule JSON file; errors name the file and the field. */
export function loadRatioSchedule(path: string): RatioSchedule {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ScheduleError(`${path}: cannot read a ratio schedule (JSON): ${(e as Error).message}`);
  }
  return parseRatioSchedule(raw, path);
}

export interface SchedulePeriodCheck {
  /** Events (reallocations and targets) in the schedule. */
  events: number;
  /** Events that act in the period: reallocations that fire, targets that are shown. */
  acting: number;
  /** One line per event that does not act (or is overridden), naming it and why. */
  warnings: string[];
}

/** Index of the first date ≥ d (dates ascending). */
function lowerBound(dates: readonly string[], d: string): number {
  let lo = 0;
  let hi = dates.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (dates[mid] < d) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Which events of `s` act in a period over `dates[start … end]` (trading on start … end − 1), exactly as
 * the env applies them: a reallocation fires on the first trading day on or after its date, if that day
 * is a trading day of the period (one dated before the period's first day is ignored, one after its last
 * trading day never fires; of several falling due on one day only the last applies); a target is shown
 * from its date on, so one dated after the last trading day is never shown.
 */
export function schedulePeriodCheck(s: RatioSchedule, dates: readonly string[], start = 0, end = dates.length - 1): SchedulePeriodCheck {
  const first = dates[start];
  const lastTrade = dates[end - 1];
  const period = `${first} … ${lastTrade}`;
  const warnings: string[] = [];
  let acting = 0;
  const dueOn = new Map<number, ReallocationEvent>();
  const sorted = [...s.reallocations].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  for (const e of sorted) {
    if (e.date < first) warnings.push(`the reallocation on ${e.date} is before the period's first trading day ${first}: it is ignored`);
    else if (e.date > lastTrade) warnings.push(`the reallocation on ${e.date} is after the period's last trading day ${lastTrade}: it never fires`);
    else {
      const t = lowerBound(dates, e.date);
      const earlier = dueOn.get(t);
      if (earlier) warnings.push(`the reallocations on ${earlier.date} and ${e.date} both fall due on ${dates[t]}: only the later one applies`);
      else acting++;
      dueOn.set(t, e);
    }
  }
  for (const t of s.targets) {
    if (t.date > lastTrade) warnings.push(`the target on ${t.date} is after the period's last trading day ${lastTrade}: it is never shown`);
    else acting++;
  }
  if (warnings.length && acting === 0) warnings.unshift(`no event of the ratio schedule acts in the period ${period}`);
  return { events: s.reallocations.length + s.targets.length, acting, warnings };
}

/** The first `max` lines of a list, then "… and N more". */
export function firstLines(lines: readonly string[], max = 3): string {
  return lines.length <= max ? lines.join('; ') : `${lines.slice(0, max).join('; ')}; … and ${lines.length - max} more`;
}

/**
 * Events of `s` dated inside the calendar range start … end (both included): reallocations within it,
 * targets up to its end (a target dated earlier is in force from the start). For a check before the
 * trading days are known; `schedulePeriodCheck` is the exact one.
 */
export function eventsInRange(s: RatioSchedule, start: string, end: string): number {
  return s.reallocations.filter((e) => e.date >= start && e.date <= end).length + s.targets.filter((t) => t.date <= end).length;
}
