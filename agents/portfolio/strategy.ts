/**
 * The strategy contract: a portfolio strategy sees the market only up to its decision day and returns
 * target weights. It never sees the env, the account or anything dated after the decision.
 *
 * Point-in-time rule (the env's): a decision at the close of day t may use closes up to and including
 * day t, so the last return it may use is day t's (close_t / close_{t−1} − 1). `PointInTimeHistory`
 * enforces it: it is built over a frame and a decision index and has no way to read a later row.
 */
import type { MarketFrame } from '../../src/data/market-frame.ts';
import type { MacroStore } from '../../src/data/macro.ts';
import type { NewsStore } from '../../src/data/news.ts';
import type { ScoreBook } from '../../overlays/scoring/record.ts';
import type { SignalRecord } from '../../overlays/signals.ts';
import type { ReturnsWindow } from './estimators.ts';

/**
 * Target weights per ticker as fractions of total equity (e^l + e^s): w > 0 long, w < 0 short.
 * Σ max(w, 0) is the long exposure L, Σ max(−w, 0) the short exposure S; a fully invested long-only
 * portfolio has L = 1, S = 0; 130/30 has L = 1.3, S = 0.3.
 */
export type Weights = Float64Array;

export interface DecisionContext {
  /** The decision date (a trading day of the frame); orders fill at its close (paper) or the next open. */
  date: string;
  /** Market data up to `date`, nothing after. */
  history: PointInTimeHistory;
  /** Weights in force before this decision (zeros at the first one). */
  previous: Weights;
  /** GICS-like sector per ticker where the universe has a map. */
  sectorOf?: Readonly<Record<string, string>>;
  /** Trading periods per year of the universe (252 stocks, 365 crypto): every annualised number uses it. */
  periodsPerYear: number;
}

/** The design exposure a strategy declares: the most it holds long and short, as fractions of equity. */
export interface BookDesign {
  long: number;
  short: number;
}

export interface Strategy {
  /** Registry name, e.g. "mvo", "equal-weight". */
  readonly name: string;
  /** Long and short exposure the account is set up for (1, 0 for a fully invested long-only portfolio). */
  readonly design: BookDesign;
  /** A decision calendar the strategy fixes by definition (buy-and-hold and FinRL's MVO: never), overriding the run's. */
  readonly rebalance?: RebalanceFrequency;
  /** One line for reports: the strategy and its parameters in words. */
  describe(): string;
  /** True for strategies that read the future (an oracle scorer's scores): every report marks them. */
  readonly cheating?: boolean;
  /**
   * Per-decision records with the reasoning behind each decision (the sector allocation's views, the
   * scores and views a score strategy used), in date order; the backtest writes them to decisions.jsonl.
   */
  journal?(): readonly DecisionNote[];
  /** Target weights for the decision day. Tickers not available (not trading yet) must get weight 0. */
  decide(ctx: DecisionContext): Weights;
  /**
   * Trading costs the strategy is defined with (a published set-up, e.g. the sector allocation's 10 bp
   * commission + 10 bp market impact), merged over the run's env config by `backtestStrategy`; absent:
   * the env's own costs. Every report states the costs actually traded under (`accountNote`).
   */
  readonly costs?: StrategyCosts;
}

/** Proportional trading costs, fractions of traded value (0.001 = 10 bp), as the env config's fields of the same names. */
export interface StrategyCosts {
  /** Fee on every buy (long buy or short cover). */
  buyCost?: number;
  /** Fee on every sell (long sell or short sale). */
  sellCost?: number;
  /** Slippage / market impact: buys fill at price·(1 + s), sells at price·(1 − s). */
  slippage?: number;
}

/** One decision's record for the run folder: its date, then whatever explains it (JSON-serialisable). */
export interface DecisionNote {
  date: string;
  [field: string]: unknown;
}

/**
 * Data beyond prices that some strategies read, all queried point in time by the strategy (a record
 * dated after the decision day is never used): asset scores (`score`), market forecasts (`forecast`'s
 * signals), news and macro observations. Strategies that need one and are not given it use their
 * documented offline stand-in, or say what is missing.
 */
export interface StrategyInputs {
  scores?: ScoreBook;
  /** Where the scores came from (a file path, or the stand-in's name), for reports. */
  scoresSource?: string;
  signals?: readonly SignalRecord[];
  news?: NewsStore;
  macro?: MacroStore;
}

/** Thrown when a strategy cannot decide on a date (estimation window too long, solver failure…). */
export class StrategyError extends Error {
  constructor(
    message: string,
    readonly date?: string,
  ) {
    super(message);
    this.name = 'StrategyError';
  }
}

/**
 * Read-only view of a frame's closes up to decision index `t` (inclusive), with each ticker's
 * availability (a real bar that day; placeholders of not-yet-listed tickers are never exposed).
 */
export class PointInTimeHistory {
  readonly tickers: readonly string[];
  readonly n: number;
  /** Index of the decision day in the frame: rows 0 … t are visible. */
  readonly t: number;
  private readonly close: Float64Array;
  private readonly available: Uint8Array | null;
  private readonly dates: readonly string[];

  constructor(frame: Pick<MarketFrame, 'dates' | 'tickers' | 'close'>, t: number, available: Uint8Array | null = null) {
    if (!(t >= 0 && t < frame.dates.length)) throw new RangeError(`PointInTimeHistory: decision index ${t} outside the frame (0 … ${frame.dates.length - 1})`);
    this.tickers = frame.tickers;
    this.n = frame.tickers.length;
    this.t = t;
    // Copy the visible rows: later rows of the frame cannot leak through this object, even by mistake.
    this.close = frame.close.slice(0, (t + 1) * this.n);
    this.available = available ? available.slice(0, (t + 1) * this.n) : null;
    this.dates = frame.dates.slice(0, t + 1);
  }

  get date(): string {
    return this.dates[this.t];
  }

  /** Number of daily returns visible (rows − 1). */
  get returnsAvailable(): number {
    return this.t;
  }

  dateAt(row: number): string {
    this.check(row);
    return this.dates[row];
  }

  closeAt(row: number, i: number): number {
    this.check(row);
    if (!this.isAvailable(row, i)) throw new StrategyError(`${this.tickers[i]} has no price on ${this.dates[row]} (not trading yet)`, this.date);
    return this.close[row * this.n + i];
  }

  isAvailable(row: number, i: number): boolean {
    this.check(row);
    return this.available === null || this.available[row * this.n + i] === 1;
  }

  /** Tickers with a real bar on every one of the last `rows` rows up to t (the estimation window's closes). */
  eligible(rows: number): number[] {
    const from = this.t - rows + 1;
    if (from < 0) return [];
    const out: number[] = [];
    for (let i = 0; i < this.n; i++) {
      let ok = true;
      for (let r = from; r <= this.t && ok; r++) ok = this.isAvailable(r, i);
      if (ok) out.push(i);
    }
    return out;
  }

  /**
   * The last `window` daily simple returns (ending with day t's) of the given tickers, row-major.
   * Errors when the history is shorter than the window.
   */
  returns(window: number, tickers: readonly number[]): ReturnsWindow {
    if (!(Number.isInteger(window) && window >= 1))
      throw new StrategyError(`estimation window must be a positive integer number of days, got ${window}`, this.date);
    if (window > this.t) {
      throw new StrategyError(
        `the estimation window (${window} returns) is longer than the history before ${this.date} (${this.t} returns from ${this.dates[0]}): shorten the window or start the trade period later`,
        this.date,
      );
    }
    const N = tickers.length;
    const data = new Float64Array(window * N);
    for (let r = 0; r < window; r++) {
      const row = this.t - window + 1 + r;
      for (let j = 0; j < N; j++) {
        const i = tickers[j];
        data[r * N + j] = this.closeAt(row, i) / this.closeAt(row - 1, i) - 1;
      }
    }
    return { T: window, N, data };
  }

  /** Returns over fixed dates [fromRow, t] (e.g. a training period), same layout. */
  returnsBetween(fromRow: number, tickers: readonly number[]): ReturnsWindow {
    return this.returns(this.t - fromRow, tickers);
  }

  /** Index of the last row on or before `date` (for fixed estimation periods), or −1. */
  rowOnOrBefore(date: string): number {
    let lo = 0;
    let hi = this.dates.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.dates[mid] <= date) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  private check(row: number): void {
    if (!(row >= 0 && row <= this.t)) throw new RangeError(`PointInTimeHistory: row ${row} is outside the visible history 0 … ${this.t} (no look-ahead)`);
  }
}

export const REBALANCE_FREQUENCIES = ['daily', 'weekly', 'monthly', 'quarterly', 'never'] as const;
export type RebalanceFrequency = (typeof REBALANCE_FREQUENCIES)[number];

/**
 * The decision days: the first day always, then the first trading day of each new period
 * (ISO week, calendar month, calendar quarter); `never` decides once, on the first day.
 */
export function rebalanceDays(dates: readonly string[], freq: RebalanceFrequency): boolean[] {
  const key = (d: string): string => {
    switch (freq) {
      case 'daily':
        return d;
      case 'weekly':
        return isoWeek(d);
      case 'monthly':
        return d.slice(0, 7);
      case 'quarterly':
        return `${d.slice(0, 4)}Q${Math.floor((Number(d.slice(5, 7)) - 1) / 3)}`;
      case 'never':
        return '';
    }
  };
  return dates.map((d, i) => i === 0 || key(d) !== key(dates[i - 1]));
}

/** The Monday of the date's week (UTC), as an ISO date: one key per calendar week. */
function isoWeek(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

/** Long and short exposure of signed weights. */
export function exposures(w: ArrayLike<number>): { long: number; short: number; gross: number; net: number } {
  let long = 0;
  let short = 0;
  for (let i = 0; i < w.length; i++) {
    if (w[i] > 0) long += w[i];
    else short -= w[i];
  }
  return { long, short, gross: long + short, net: long - short };
}
