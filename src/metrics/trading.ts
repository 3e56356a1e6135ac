/**
 * Trading statistics of one episode: how much the agent traded and what the margin mechanics did to it.
 * These are not in pyfolio's perf_stats (FinRL calls it without positions or transactions), but the
 * comparison the project makes (with and without the overlay) needs them: an overlay that raises the
 * return by trading three times as much, or by walking into margin calls, is a different result.
 */
import { mean } from './stats.ts';
import { perfStats, type PerfOptions, type PerfStats, type StatFormat } from './perf.ts';

/** What an environment run hands to the metrics: one entry per trading day, plus episode counters. */
export interface EpisodeLog {
  /** Trading days, ISO `YYYY-MM-DD`, strictly increasing. */
  dates: string[];
  /** Account value (equity) at each day's close, same length as `dates`. */
  equity: ArrayLike<number>;
  /** Gross value traded each day (buys + sells, including forced trades), same length as `dates`. */
  tradedValue?: ArrayLike<number>;
  /** Transaction fees paid each day, same length as `dates`. */
  fees?: ArrayLike<number>;
  /** Number of maintenance-margin breaches over the episode. */
  marginCalls?: number;
  /** Number of trades the environment forced (liquidations, margin re-balancing). */
  forcedTrades?: number;
}

export const TRADING_STAT_KEYS = ['annualTurnover', 'totalTraded', 'feesPaid', 'feesOverInitial', 'marginCalls', 'forcedTrades'] as const;
export type TradingStatKey = (typeof TRADING_STAT_KEYS)[number];

/** Each statistic is null when the log did not record what it needs. */
export type TradingStats = Record<TradingStatKey, number | null> & {
  /** Number of days in the log (account values), N + 1 for N daily returns. */
  days: number;
};

export const TRADING_STAT_LABELS: Readonly<Record<TradingStatKey, { label: string; meaning: string; format: StatFormat | 'money' | 'count' }>> = {
  annualTurnover: {
    label: 'Annual turnover',
    meaning: 'Value traded per year in multiples of the average account value (2.0 = the book traded twice a year).',
    format: 'ratio',
  },
  totalTraded: { label: 'Traded value', meaning: 'Gross value bought and sold over the episode.', format: 'money' },
  feesPaid: { label: 'Fees paid', meaning: 'Transaction fees paid over the episode.', format: 'money' },
  feesOverInitial: {
    label: 'Fees / initial equity',
    meaning: 'Fees paid as a fraction of the starting account value.',
    format: 'percent',
  },
  marginCalls: { label: 'Margin calls', meaning: 'Times the maintenance margin was breached.', format: 'count' },
  forcedTrades: { label: 'Forced trades', meaning: 'Trades the environment forced (liquidations, re-margining).', format: 'count' },
};

const DEFAULT_PERIODS_PER_YEAR = 252;

/**
 * Trading statistics of an episode with N + 1 days (N periods between the first and last close):
 * - totalTraded = Σₜ |vₜ| (vₜ = tradedValue; |·| so that a signed log cannot cancel buys against sells);
 * - annualTurnover = (Σₜ |vₜ| / mean(Vₜ)) · P / N: the book's average value traded per year, annualised
 *   over the N periods the episode spans (P = periods per year, 252);
 * - feesPaid = Σₜ feesₜ; feesOverInitial = feesPaid / V₀;
 * - marginCalls, forcedTrades: the log's counters as given.
 */
export function tradingStats(log: EpisodeLog, opts: Pick<PerfOptions, 'periodsPerYear'> = {}): TradingStats {
  checkLog(log);
  const periodsPerYear = opts.periodsPerYear ?? DEFAULT_PERIODS_PER_YEAR;
  const days = log.equity.length;
  let totalTraded: number | null = null;
  let annualTurnover: number | null = null;
  if (log.tradedValue) {
    let s = 0;
    for (let i = 0; i < log.tradedValue.length; i++) s += Math.abs(log.tradedValue[i]);
    totalTraded = s;
    annualTurnover = (s / mean(log.equity)) * (periodsPerYear / (days - 1));
  }
  let feesPaid: number | null = null;
  if (log.fees) {
    let s = 0;
    for (let i = 0; i < log.fees.length; i++) s += log.fees[i];
    feesPaid = s;
  }
  return {
    days,
    annualTurnover,
    totalTraded,
    feesPaid,
    feesOverInitial: feesPaid === null ? null : feesPaid / log.equity[0],
    marginCalls: log.marginCalls ?? null,
    forcedTrades: log.forcedTrades ?? null,
  };
}

/** Performance and trading statistics of one episode log. */
export function episodeStats(log: EpisodeLog, opts: PerfOptions = {}): { perf: PerfStats; trading: TradingStats } {
  const trading = tradingStats(log, opts);
  return { perf: perfStats(log.equity, opts), trading };
}

function checkLog(log: EpisodeLog): void {
  const n = log.dates.length;
  if (log.equity.length !== n) {
    throw new RangeError(`episode log: ${n} dates but ${log.equity.length} equity values; need one account value per date`);
  }
  if (n < 2) throw new RangeError(`episode log: ${n} day${n === 1 ? '' : 's'}; need at least 2 to measure anything`);
  for (let i = 1; i < n; i++) {
    if (!(log.dates[i] > log.dates[i - 1])) {
      throw new RangeError(`episode log: dates[${i}] = ${log.dates[i]} does not come after dates[${i - 1}] = ${log.dates[i - 1]}`);
    }
  }
  for (const field of ['equity', 'tradedValue', 'fees'] as const) {
    const xs = log[field];
    if (!xs) continue;
    if (xs.length !== n) throw new RangeError(`episode log: ${field} has ${xs.length} values for ${n} dates; need one per date`);
    for (let i = 0; i < xs.length; i++) {
      if (!Number.isFinite(xs[i])) throw new RangeError(`episode log: ${field}[${i}] = ${xs[i]} (${log.dates[i]}) is not a finite number`);
    }
  }
  if (!(log.equity[0] > 0)) throw new RangeError(`episode log: equity[0] = ${log.equity[0]}; the starting account value must be positive`);
  for (const field of ['marginCalls', 'forcedTrades'] as const) {
    const c = log[field];
    if (c !== undefined && !(Number.isInteger(c) && c >= 0)) {
      throw new RangeError(`episode log: ${field} = ${c}; expected a non-negative integer count`);
    }
  }
}
