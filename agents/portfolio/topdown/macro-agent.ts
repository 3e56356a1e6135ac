/**
 * The macro agent's offline stand-in: a rules-based business-cycle regime from released FRED indicators,
 * explained in words.
 *
 * Point in time: every value comes from `MacroStore.latest(id, date, …)`, which returns only the
 * observations whose `availableFrom` (src/data/macro.ts' conservative release-lag rule: a month's
 * figure from the first day of the second month after it) is on or before the decision date. The
 * dates reported with each value are that `availableFrom`, not the agency's actual release day.
 *
 * The paper's macro agent reads CPI, PPI, PCE, nonfarm payrolls and the ISM PMI (and FOMC minutes). The
 * bundled FRED file has CPI (CPIAUCSL), core PCE (PCEPILFE), payrolls (PAYEMS), industrial production
 * (INDPRO) and the 10y–2y spread (T10Y2Y); it has no PPI and no ISM PMI (ISM is not on FRED), so the
 * stand-in uses INDPRO for activity and the yield curve for the cycle's stage instead.
 *
 * The rules (thresholds in the units stated):
 * - growth score g = s_payrolls + s_indpro + s_curve, each −1, 0 or +1:
 *   - payrolls: 3-month average monthly change of PAYEMS (thousands of jobs): > +100 → +1, < 0 → −1;
 *   - industrial production: INDPRO change over 12 months: > +1% → +1, < 0% → −1;
 *   - yield curve: T10Y2Y (percentage points): < 0 (inverted) → −1, > +1.0 (steep) → +1.
 * - inflation trend: the mean of CPI and core PCE year-over-year inflation now minus the same 3 months
 *   earlier (percentage points): > +0.2 rising, < −0.2 falling, else stable.
 * - regime: contraction if g ≤ −2 or payrolls are shrinking (3-month average < 0); else expansion if
 *   g ≥ +1 and inflation is not rising; overheating if g ≥ +1 and it is rising; slowdown otherwise.
 */
import type { MacroObservation, MacroStore } from '../../../src/data/macro.ts';
import { StrategyError } from '../strategy.ts';

export const REGIMES = ['expansion', 'overheating', 'slowdown', 'contraction'] as const;
export type Regime = (typeof REGIMES)[number];

/** The series the stand-in reads (all in the bundled FRED file). */
export const MACRO_SERIES = ['CPIAUCSL', 'PCEPILFE', 'PAYEMS', 'INDPRO', 'T10Y2Y'] as const;

/** What the paper reads that the bundled data lacks, in words (describe(), journal, README). */
export const MACRO_MISSING =
  'PPI and the ISM PMI are not in the bundled FRED file (ISM is not on FRED): the stand-in uses industrial production (INDPRO) and the 10y–2y spread instead';

/** The thresholds of the rules, in the units the module comment states. */
export const MACRO_RULES = {
  payrollsUp: 100,
  payrollsDown: 0,
  indproUp: 0.01,
  indproDown: 0,
  curveInverted: 0,
  curveSteep: 1.0,
  inflationRising: 0.2,
  inflationFalling: -0.2,
} as const;

/** One value the regime used: the series, what was computed, and the observations behind it. */
export interface IndicatorUsed {
  id: string;
  /** What the value is, with its unit. */
  measure: string;
  value: number;
  /** The observations it was computed from: FRED period label, value, first date a decision may see it. */
  observations: { period: string; value: number; availableFrom: string }[];
}

export interface MacroView {
  date: string;
  regime: Regime;
  growthScore: number;
  growth: { payrolls: number; indpro: number; curve: number };
  inflationTrend: 'rising' | 'stable' | 'falling';
  /** The reasoning, in words. */
  reasoning: string;
  indicators: IndicatorUsed[];
}

const sign = (x: number, up: number, down: number): number => (x > up ? 1 : x < down ? -1 : 0);
const pct = (x: number, digits = 2): string => `${(x * 100).toFixed(digits)}%`;
const obs = (o: MacroObservation) => ({ period: o.date, value: o.value, availableFrom: o.availableFrom });

/** The latest `count` observations of `id` visible on `date`, or an error that says what to do. */
function need(store: MacroStore, id: string, date: string, count: number): MacroObservation[] {
  let got: MacroObservation[];
  try {
    got = store.latest(id, date, count);
  } catch (e) {
    throw new StrategyError(`macro agent: ${(e as Error).message}; give a FRED file with ${MACRO_SERIES.join(', ')} (option macroFile)`, date);
  }
  if (got.length < count) {
    throw new StrategyError(
      `macro agent: ${id} has ${got.length} observation(s) released before ${date}, ${count} are needed; start the trade period later or give a longer macro file`,
      date,
    );
  }
  return got;
}

/** The macro regime on `date` from the observations released before it. */
export function macroView(store: MacroStore, date: string): MacroView {
  const R = MACRO_RULES;
  // Payrolls: 4 levels give 3 monthly changes.
  const pay = need(store, 'PAYEMS', date, 4);
  const payAvg = (pay[3].value - pay[0].value) / 3;
  // INDPRO: 13 levels give the change over 12 months.
  const ip = need(store, 'INDPRO', date, 13);
  const ipYoY = ip[12].value / ip[0].value - 1;
  const curve = need(store, 'T10Y2Y', date, 1)[0];
  // Inflation: YoY now (t vs t−12) and 3 months earlier (t−3 vs t−15): 16 levels.
  const inflation = (id: string) => {
    const o = need(store, id, date, 16);
    return { now: o[15].value / o[3].value - 1, before: o[12].value / o[0].value - 1, o };
  };
  const cpi = inflation('CPIAUCSL');
  const pce = inflation('PCEPILFE');
  const inflNow = (cpi.now + pce.now) / 2;
  const inflBefore = (cpi.before + pce.before) / 2;
  const dInfl = (inflNow - inflBefore) * 100; // percentage points
  const s = {
    payrolls: sign(payAvg, R.payrollsUp, R.payrollsDown),
    indpro: sign(ipYoY, R.indproUp, R.indproDown),
    curve: sign(curve.value, R.curveSteep, R.curveInverted),
  };
  const g = s.payrolls + s.indpro + s.curve;
  const trend = dInfl > R.inflationRising ? 'rising' : dInfl < R.inflationFalling ? 'falling' : 'stable';
  const regime: Regime = g <= -2 || payAvg < R.payrollsDown ? 'contraction' : g >= 1 ? (trend === 'rising' ? 'overheating' : 'expansion') : 'slowdown';

  const word = (x: number) => (x > 0 ? '+1' : x < 0 ? '−1' : '0');
  const reasoning =
    `Payrolls changed ${payAvg >= 0 ? '+' : ''}${payAvg.toFixed(0)}k a month over the 3 months to ${pay[3].date.slice(0, 7)} (${word(s.payrolls)}); ` +
    `industrial production ${ipYoY >= 0 ? '+' : ''}${pct(ipYoY)} over 12 months to ${ip[12].date.slice(0, 7)} (${word(s.indpro)}); ` +
    `the 10y–2y spread is ${curve.value.toFixed(2)} pp on ${curve.date}${curve.value < 0 ? ', inverted' : ''} (${word(s.curve)}): growth score ${g >= 0 ? '+' : ''}${g}. ` +
    `Inflation (mean of CPI and core PCE, year over year) is ${pct(inflNow)} to ${cpi.o[15].date.slice(0, 7)}, ${pct(inflBefore)} three months earlier: ${trend} (${dInfl >= 0 ? '+' : ''}${dInfl.toFixed(2)} pp). ` +
    `Regime: ${regime}` +
    (regime === 'contraction'
      ? payAvg < R.payrollsDown
        ? ' (payrolls are shrinking).'
        : ' (growth score ≤ −2).'
      : regime === 'slowdown'
        ? ' (growth score ≤ 0).'
        : ` (growth score ≥ +1, inflation ${trend}).`);

  return {
    date,
    regime,
    growthScore: g,
    growth: s,
    inflationTrend: trend,
    reasoning,
    indicators: [
      { id: 'PAYEMS', measure: '3-month average monthly change, thousands of jobs', value: payAvg, observations: pay.map(obs) },
      { id: 'INDPRO', measure: 'change over 12 months, fraction', value: ipYoY, observations: [ip[0], ip[12]].map(obs) },
      { id: 'T10Y2Y', measure: '10-year minus 2-year Treasury yield, percentage points', value: curve.value, observations: [obs(curve)] },
      {
        id: 'CPIAUCSL',
        measure: 'CPI inflation over 12 months, fraction (and 3 months earlier)',
        value: cpi.now,
        observations: [cpi.o[0], cpi.o[3], cpi.o[12], cpi.o[15]].map(obs),
      },
      {
        id: 'PCEPILFE',
        measure: 'core PCE inflation over 12 months, fraction (and 3 months earlier)',
        value: pce.now,
        observations: [pce.o[0], pce.o[3], pce.o[12], pce.o[15]].map(obs),
      },
    ],
  };
}
