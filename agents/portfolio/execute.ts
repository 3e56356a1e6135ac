/**
 * Target weights → share orders → the project's own margin accounting.
 *
 * A strategy trades through `MarginTradingEnv` exactly as an agent does (same fees, slippage, execution
 * timing, loan and interest, maintenance checks, re-margining, turbulence rule); this module is the
 * Gymnasium-style action wrapper that turns its weights into the env's 2N actions.
 *
 * How the account is set up (the strategy's design exposure L long, S short, fractions of equity):
 * - Without a ratio schedule: margin rate k = max(1, L + S) and the long book starts with the share
 *   L / (L + S) of equity, so each book can hold its side exactly. A long-only strategy (S = 0) holds all
 *   equity in the long book with no loan (k = 1) unless it asks for leverage (L > 1). The loan target
 *   after re-margining is (k − 1)·long equity (`loanTargetFromMargin`): the paper's hard-coded
 *   loan = long equity is its k = 2 case and would lend a k = 1 book money it never asked for.
 * - With a ratio schedule (an overlay's): the books use the paper's margin 2 and its 1:1 opening split, and
 *   equity moves between them on the schedule's dates; each book invests its own equity, scaled so the
 *   strategy's weights hold exactly at the 1:1 split (long book: w⁺·e^l/0.5, short book: |w⁻|·e^s/0.5). A
 *   long-only strategy's long exposure then follows the target long share (2·τ: 1.0 at τ = 0.5).
 * - Each book invests its own equity; equity moves between books only through a schedule (the paper's
 *   accounting has no other transfer). Targets beyond a book's buying power (cash + long value, or short
 *   limit + short value, less fees) are scaled down to fit.
 * - hmax (the paper's 100 shares per stock per day) is lifted to 2^30: a $1M book could not reach its
 *   targets at 100 shares a day. Orders are exact share counts (2^30 is a power of two, so a/2^30·2^30 = a).
 * - The paper's position fusion holds: a stock is never long and short at once, so a flip (long → short)
 *   closes the position on the decision day and opens the other side on the next trading day.
 */
import { dailyRow, type DailyRow } from '../evaluate.ts';
import type { EnvConfig } from '../../env/config.ts';
import type { CoreCounters } from '../../env/core.ts';
import { MarginTradingEnv } from '../../env/margin-env.ts';
import type { MarketFrame } from '../../src/data/market-frame.ts';
import type { RatioSchedule } from '../../src/schedule.ts';
import {
  exposures,
  PointInTimeHistory,
  rebalanceDays,
  StrategyError,
  type BookDesign,
  type RebalanceFrequency,
  type Strategy,
  type Weights,
} from './strategy.ts';

/** Shares per order are exact up to this (a power of two). */
export const STRATEGY_HMAX = 2 ** 30;

export interface ExecutionOptions {
  /** First and last trading day (inclusive; default: the frame's). The frame may start earlier: that is the estimation history. */
  start?: string;
  end?: string;
  rebalance: RebalanceFrequency;
  /** The overlay's ratio schedule; null: the strategy's own split, no reallocation. */
  schedule?: RatioSchedule | null;
  /** T×N availability (1 = a real bar); null: every ticker trades every day. */
  available?: Uint8Array | null;
  sectorOf?: Readonly<Record<string, string>>;
  periodsPerYear?: number;
  /** What to do when the strategy throws on a date: stop with the error, hold the current book, or go to equal weights. */
  onFailure?: 'error' | 'hold' | 'equal';
  /** Called after each decision (progress). */
  onDecision?(date: string, index: number, total: number): void;
}

export interface WeightRecord {
  date: string;
  weights: Weights;
  /** Set when the decision failed and the failure policy replaced it. */
  note?: string;
}

export interface ExecutionResult {
  rows: DailyRow[];
  decisions: WeightRecord[];
  endedBy: string;
  /** The env config the strategy actually traded under (k, split, hmax, loan target). */
  config: EnvConfig;
  /** Opening long share of equity. */
  openingLongShare: number;
  /** Column order of every weight vector. */
  tickers: string[];
  /** The core's counters at the end (fees, financing, slippage, traded value, margin calls, forced trades). */
  counters: CoreCounters;
  notes: string[];
}

/** The env config and opening split a strategy with this design trades under. */
export function strategyAccount(base: EnvConfig, design: BookDesign, withSchedule: boolean): { cfg: EnvConfig; longShare: number } {
  if (!(design.long > 0))
    throw new StrategyError(
      `a strategy must hold a long book (design long exposure ${design.long}); short-only portfolios are not supported by the two-book account`,
    );
  if (withSchedule) return { cfg: { ...base, hmax: STRATEGY_HMAX }, longShare: 0.5 };
  const gross = design.long + design.short;
  return {
    cfg: { ...base, hmax: STRATEGY_HMAX, margin: Math.max(1, gross), loanTargetFromMargin: true },
    longShare: design.long / gross,
  };
}

export function executeStrategy(strategy: Strategy, frame: MarketFrame, base: EnvConfig, opts: ExecutionOptions): ExecutionResult {
  const withSchedule = !!opts.schedule;
  const { cfg, longShare } = strategyAccount(base, strategy.design, withSchedule);
  const env = new MarginTradingEnv(frame, cfg, { schedule: opts.schedule ?? null });
  const n = frame.tickers.length;
  const startIndex = opts.start ? firstOnOrAfter(frame.dates, opts.start) : 0;
  const endIndex = opts.end ? lastOnOrBefore(frame.dates, opts.end) : frame.dates.length - 1;
  if (!(endIndex > startIndex))
    throw new StrategyError(
      `the trade period ${opts.start ?? frame.dates[0]} … ${opts.end ?? frame.dates[frame.dates.length - 1]} holds fewer than 2 trading days of the data`,
    );
  let reset;
  if (longShare >= 1) {
    // All equity in the long book: the env's opening split must leave both books non-empty, so open it
    // as the original's initial=False continuation of an empty short book.
    const E = cfg.initialAmount;
    const k = cfg.margin;
    reset = env.reset({ options: { startIndex, endIndex, previousState: { account: [k * E, (k - 1) * E, E, 0, 0, 0], holdings: new Float64Array(n) } } });
  } else {
    reset = env.reset({ options: { startIndex, endIndex, longShare } });
  }
  const dates = frame.dates.slice(startIndex, endIndex + 1);
  const decideOn = rebalanceDays(dates, strategy.rebalance ?? opts.rebalance);
  const totalDecisions = decideOn.filter(Boolean).length;
  const rows: DailyRow[] = [dailyRow(env, reset.info.markDate, 0, false)];
  const decisions: WeightRecord[] = [];
  const notes: string[] = [];
  const action = new Float64Array(2 * n);
  let current: Weights = new Float64Array(n);
  /** Tickers whose position flipped side: the new side opens on the next day. */
  let pendingFlip: number[] = [];
  let endedBy = 'end_of_data';
  const core = env.core;
  const refLong = withSchedule ? 0.5 : longShare;
  const refShort = withSchedule ? 0.5 : 1 - longShare;

  const targetShares = (w: Weights, only: number[] | null): Float64Array => {
    const target = new Float64Array(n);
    const prices = core.prices;
    let longSum = 0;
    let shortSum = 0;
    const raw = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (w[i] > 0) raw[i] = (w[i] * core.longEquity) / refLong;
      else if (w[i] < 0) raw[i] = refShort > 0 ? (w[i] * core.shortEquity) / refShort : 0;
      if (raw[i] > 0) longSum += raw[i];
      else shortSum -= raw[i];
    }
    // Buying power of each book if it were rebalanced from scratch, less the costs of getting there.
    const longPower = (core.cash + core.longMarketValue()) / ((1 + cfg.buyCost) * (1 + cfg.slippage));
    const shortPower = (core.limit + core.shortMarketValue()) / (1 + cfg.slippage);
    const ls = longSum > longPower ? longPower / longSum : 1;
    const ss = shortSum > shortPower ? shortPower / shortSum : 1;
    for (let i = 0; i < n; i++) {
      if (only && !only.includes(i)) {
        target[i] = core.holdings[i];
        continue;
      }
      const v = raw[i] > 0 ? raw[i] * ls : raw[i] * ss;
      target[i] = v === 0 || !(prices[i] > 0) ? 0 : Math.trunc(v / prices[i]);
    }
    return target;
  };

  for (let d = 0; d < dates.length - 1; d++) {
    const t = startIndex + d;
    action.fill(0);
    let target: Float64Array | null = null;
    if (decideOn[d]) {
      const history = new PointInTimeHistory(frame, t, opts.available ?? null);
      let w: Weights;
      let note: string | undefined;
      try {
        w = strategy.decide({ date: dates[d], history, previous: current, sectorOf: opts.sectorOf, periodsPerYear: opts.periodsPerYear ?? cfg.periodsPerYear });
        checkWeights(w, n, strategy.name, dates[d], history, strategy.design);
      } catch (e) {
        const policy = opts.onFailure ?? 'error';
        const msg = (e as Error).message;
        if (policy === 'error') throw e instanceof StrategyError ? e : new StrategyError(`${strategy.name} on ${dates[d]}: ${msg}`, dates[d]);
        if (policy === 'hold') {
          w = current;
          note = `failed (${msg}); held the previous weights`;
        } else {
          w = equalWeights(history, strategy.design.long);
          note = `failed (${msg}); equal weights instead`;
        }
        notes.push(`${dates[d]}: ${strategy.name} ${note}`);
      }
      current = w;
      decisions.push({ date: dates[d], weights: w.slice(), note });
      opts.onDecision?.(dates[d], decisions.length, totalDecisions);
      target = targetShares(w, null);
      pendingFlip = [];
      for (let i = 0; i < n; i++) if (core.holdings[i] * target[i] < 0) pendingFlip.push(i);
    } else if (pendingFlip.length > 0) {
      target = targetShares(current, pendingFlip);
      pendingFlip = [];
    }
    if (target) for (let i = 0; i < n; i++) action[i] = (target[i] - core.holdings[i]) / STRATEGY_HMAX;
    const r = env.step(action);
    if (r.info.reallocation) rows[rows.length - 1].reallocated = true;
    rows.push(dailyRow(env, r.info.markDate, r.reward, false));
    if (r.terminated || r.truncated) {
      endedBy = r.info.reason ?? 'unknown';
      break;
    }
  }
  return {
    rows,
    decisions,
    endedBy,
    config: cfg,
    openingLongShare: withSchedule ? 0.5 : longShare,
    tickers: [...frame.tickers],
    counters: { ...core.counters },
    notes,
  };
}

/** Equal weights over the tickers available on the decision day, long exposure `long`. */
export function equalWeights(history: PointInTimeHistory, long = 1): Weights {
  const w = new Float64Array(history.n);
  const live = history.eligible(1);
  for (const i of live) w[i] = long / live.length;
  return w;
}

function checkWeights(w: Weights, n: number, name: string, date: string, history: PointInTimeHistory, design: BookDesign): void {
  if (w.length !== n) throw new StrategyError(`${name} returned ${w.length} weights for ${n} tickers on ${date}`, date);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(w[i])) throw new StrategyError(`${name} returned a non-finite weight for ${history.tickers[i]} on ${date}`, date);
    if (w[i] !== 0 && !history.isAvailable(history.t, i))
      throw new StrategyError(`${name} gave ${history.tickers[i]} weight ${w[i]} on ${date}, before it trades`, date);
  }
  // The account is set up for the strategy's declared design: weights beyond it would be cut silently.
  const e = exposures(w);
  const tol = 1e-6;
  if (e.short > tol && design.short === 0)
    throw new StrategyError(`${name} returned short weights (short exposure ${e.short}) on ${date}, but declares a long-only design`, date);
  if (e.long > design.long * (1 + tol) + tol || e.short > design.short * (1 + tol) + tol) {
    throw new StrategyError(
      `${name} returned exposures long ${e.long}, short ${e.short} on ${date}, beyond its declared design (long ${design.long}, short ${design.short})`,
      date,
    );
  }
}

function firstOnOrAfter(dates: readonly string[], d: string): number {
  const i = dates.findIndex((x) => x >= d);
  if (i < 0) throw new StrategyError(`no trading day on or after ${d} in the data (it ends ${dates[dates.length - 1]})`);
  return i;
}

function lastOnOrBefore(dates: readonly string[], d: string): number {
  for (let i = dates.length - 1; i >= 0; i--) if (dates[i] <= d) return i;
  throw new StrategyError(`no trading day on or before ${d} in the data (it starts ${dates[0]})`);
}
