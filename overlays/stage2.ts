/**
 * Stage 2: forecasts → a long-short ratio schedule for the environment (src/schedule.ts).
 *
 * The trade period [start, end) is cut at boundaries start, start + k, start + 2k, … (k = freqMonths).
 * At each boundary the rule uses the forecast dated AT that boundary. The original used the next one
 * for the first segment (`ratio_list[1]`, docs/mechanics.md#first-segment-forecast), a look-ahead this code does not repeat:
 * a boundary without its own forecast is an error, never filled from another date.
 *
 * - Paper rule (`update_ratio`, docs/mechanics.md#position-reallocation-stage-2): c = scale · score; at each boundary the env sets
 *   f* = clip(f · (1 + c), minShare, maxShare) from the actual long share f. Emits `change` events. The
 *   schedule's `targets` are the nominal path (f as if it had not drifted since the last boundary).
 * - Direct mapping: target long share = clip(neutral + maxTilt · (score / 3) · confidence), confidence
 *   defaulting to 1 when the format has none. Emits absolute `target` events.
 *
 * A failed forecast at a boundary holds the ratio (change 0 / previous target) and is reported in
 * `warnings`, or throws with `onFailure: 'error'`.
 */
import type { RatioSchedule, ReallocationEvent } from '../src/schedule.ts';
import { monthlySteps } from './dates.ts';
import { readSignals } from './signals.ts';

/** What stage 2 reads of a forecast (a SignalRecord has all of it). */
export interface ForecastPoint {
  date: string;
  score: number | null;
  confidence: number | null;
  failure?: string;
}

export interface Stage2Options {
  /** First trading date of the period (the first boundary). */
  start: string;
  /** End of the period, exclusive: no boundary on or after it. */
  end: string;
  /** Months between reallocations: the paper allows 3, 6 or 12 (quarterly forecasts). */
  freqMonths: 3 | 6 | 12;
  minShare?: number;
  maxShare?: number;
  onFailure?: 'hold' | 'error';
}

export interface PaperRuleOptions extends Stage2Options {
  /** c = scale · score (the paper's 0.1: "10% of changes"). */
  scale?: number;
  /** Long share before the first boundary (the paper starts 1:1). */
  initialShare?: number;
}

export interface DirectMappingOptions extends Stage2Options {
  neutral?: number;
  /** Long share moved by a score of ±3 at full confidence. */
  maxTilt?: number;
}

export interface Stage2Decision {
  boundary: string;
  score: number | null;
  /** The event emitted (change or target). */
  event: ReallocationEvent;
  /** Nominal long share from this boundary on. */
  longShare: number;
  note?: string;
}

export interface Stage2Result {
  schedule: RatioSchedule;
  decisions: Stage2Decision[];
  warnings: string[];
}

export const PAPER_BOUNDS = { minShare: 0.1, maxShare: 0.9 } as const;

function clip(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** Reallocation boundaries in [start, end). */
export function boundaries(start: string, end: string, freqMonths: number): string[] {
  if (![3, 6, 12].includes(freqMonths)) throw new Error(`freqMonths must be 3, 6 or 12 (quarterly forecasts), got ${freqMonths}`);
  if (!(start < end)) throw new Error(`stage 2: start ${start} must be before end ${end}`);
  return monthlySteps(start, end, freqMonths).filter((d) => d < end);
}

/** The forecast dated exactly at each boundary (a missing one is an error: no borrowing from other dates). */
function forecastsAt(points: readonly ForecastPoint[], dates: readonly string[]): ForecastPoint[] {
  const byDate = new Map(points.map((p) => [p.date, p]));
  return dates.map((d) => {
    const p = byDate.get(d);
    if (!p) {
      const have = [...byDate.keys()].sort();
      throw new Error(
        `stage 2: no forecast dated ${d} (a reallocation boundary); the signals have ${have.length ? `${have[0]} … ${have[have.length - 1]} (${have.length} dates)` : 'no dates'}`,
      );
    }
    return p;
  });
}

function usableScore(p: ForecastPoint, options: Stage2Options, warnings: string[]): number | null {
  if (p.failure === undefined && p.score !== null) return p.score;
  const why = `forecast for ${p.date} failed${p.failure ? ` (${p.failure.slice(0, 200)})` : ''}`;
  if (options.onFailure === 'error') throw new Error(`stage 2: ${why}`);
  warnings.push(`${why}: holding the ratio at this boundary`);
  return null;
}

function bounds(options: Stage2Options): { lo: number; hi: number } {
  const lo = options.minShare ?? PAPER_BOUNDS.minShare;
  const hi = options.maxShare ?? PAPER_BOUNDS.maxShare;
  if (!(lo >= 0 && lo < hi && hi <= 1)) throw new Error(`stage 2: need 0 ≤ minShare < maxShare ≤ 1, got ${lo}, ${hi}`);
  return { lo, hi };
}

/** The paper's update_ratio rule, with the forecast dated at each boundary. */
export function paperRuleSchedule(points: readonly ForecastPoint[], options: PaperRuleOptions): Stage2Result {
  const { lo, hi } = bounds(options);
  const scale = options.scale ?? 0.1;
  const dates = boundaries(options.start, options.end, options.freqMonths);
  const warnings: string[] = [];
  let share = clip(options.initialShare ?? 0.5, lo, hi);
  const decisions = forecastsAt(points, dates).map((p, i): Stage2Decision => {
    const score = usableScore(p, options, warnings);
    const change = score === null ? 0 : scale * score;
    share = clip(share * (1 + change), lo, hi);
    return { boundary: dates[i], score, event: { date: dates[i], change }, longShare: share, note: score === null ? 'failed forecast: held' : undefined };
  });
  return resultOf(decisions, lo, hi, warnings);
}

/** The schedule a list of decisions makes: each boundary's nominal share is its target, its event the reallocation. */
function resultOf(decisions: Stage2Decision[], lo: number, hi: number, warnings: string[]): Stage2Result {
  return {
    schedule: {
      targets: decisions.map((d) => ({ date: d.boundary, longShare: d.longShare })),
      reallocations: decisions.map((d) => d.event),
      minShare: lo,
      maxShare: hi,
    },
    decisions,
    warnings,
  };
}

/** Direct mapping of score and confidence to a target long share. */
export function directMappingSchedule(points: readonly ForecastPoint[], options: DirectMappingOptions): Stage2Result {
  const { lo, hi } = bounds(options);
  const neutral = options.neutral ?? 0.5;
  const maxTilt = options.maxTilt ?? 0.4;
  const dates = boundaries(options.start, options.end, options.freqMonths);
  const warnings: string[] = [];
  let share = clip(neutral, lo, hi);
  const decisions = forecastsAt(points, dates).map((p, i): Stage2Decision => {
    const score = usableScore(p, options, warnings);
    if (score !== null) share = clip(neutral + maxTilt * (score / 3) * (p.confidence ?? 1), lo, hi);
    return {
      boundary: dates[i],
      score,
      event: { date: dates[i], target: share },
      longShare: share,
      note: score === null ? 'failed forecast: held' : undefined,
    };
  });
  return resultOf(decisions, lo, hi, warnings);
}

/**
 * The control arm: reallocation events on the same boundaries with zero change, so segmentation effects
 * can be told apart from the overlay's.
 */
export function zeroChangeSchedule(options: Omit<PaperRuleOptions, 'onFailure' | 'scale'>): RatioSchedule {
  const { lo, hi } = bounds(options);
  const share = clip(options.initialShare ?? 0.5, lo, hi);
  const dates = boundaries(options.start, options.end, options.freqMonths);
  return {
    targets: dates.map((date) => ({ date, longShare: share })),
    reallocations: dates.map((date) => ({ date, change: 0 })),
    minShare: lo,
    maxShare: hi,
  };
}

export type Stage2Rule = ({ rule: 'paper' } & PaperRuleOptions) | ({ rule: 'direct' } & DirectMappingOptions);

/** The schedule from forecasts under either rule. */
export function scheduleFor(points: readonly ForecastPoint[], options: Stage2Rule): Stage2Result {
  return options.rule === 'paper' ? paperRuleSchedule(points, options) : directMappingSchedule(points, options);
}

/** Reads a signals file and builds the schedule. */
export function scheduleFromSignalsFile(path: string, options: Stage2Rule): Stage2Result {
  return scheduleFor(readSignals(path).latest, options);
}
