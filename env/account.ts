import type { EnvConfig } from './config.ts';
import { MaintenanceTracker, maintenance } from './maintenance-tracker.ts';
import { longMarketValue, shortMarketValue } from './market-value.ts';
import { argsortInto, pyFloorDiv } from './numpy-compat.ts';

/**
 * The margin account: two books (docs/mechanics.md#the-account), their balances and positions, the
 * running counters, and the four trade primitives that move them. Pure bookkeeping over typed arrays:
 * no dates, no observations, no rewards, no step order (that is `MarginCore`, env/core.ts).
 *
 * Arithmetic follows the original's order of operations wherever it changes the last bit
 * (fees as (p·n)·fee, sums left to right in ticker order, Python floor division): the exact replays
 * compare bits.
 */

/** Why a re-margin ran: the 30-step schedule, a strict-level margin call, or the last day. */
export type RemarginReason = 'periodic' | 'maintenance_call' | 'terminal';

/** Trade primitive tags as in the fixtures' trade logs: sell long, buy long, buy to cover, sell short. */
export type TradeOp = 'SL' | 'BL' | 'BS' | 'SS';
/** Who traded: the agent, the loan update, the credit update, or a reallocation. */
export type TradeCtx = 'A' | 'L' | 'C' | 'R';

export interface TradeRecord {
  op: TradeOp;
  i: number;
  requested: number;
  delta: number;
  ctx: TradeCtx;
}

export interface MarginEvent {
  fn: 'update_loan' | 'update_credit';
  reason: RemarginReason;
  branch: 'borrow_more' | 'repay_from_cash' | 'forced_liquidation' | 'raise_limit' | 'cut_limit' | 'forced_buy_in';
  diff: number;
  forced: number; // positions force-closed
}

/** Optional sink for traces (replays, debugging). Null in training: no allocation on the hot path. */
export interface CoreTrace {
  trades: TradeRecord[];
  margin: MarginEvent[];
}

/** Running totals over an episode. */
export interface CoreCounters {
  /** Fees paid on every trade, agent and forced, $. */
  fees: number;
  /** Financing costs accrued (loan interest + short-borrow fees; realistic preset), $. */
  financing: number;
  /** Slippage cost, $ (|fill − market| · shares). */
  slippageCost: number;
  /** Gross traded value, $. */
  tradedValue: number;
  /** Calls of a trade primitive that ran (the original's `trades` counter). */
  trades: number;
  /** Strict-level maintenance calls (long or short book below strictMaintenance). */
  marginCalls: number;
  /** Periodic re-margins run. */
  periodicRemargins: number;
  /** Positions closed by forced liquidation or buy-in (re-margin, reallocation, or turbulence). */
  forcedTrades: number;
}

export interface CoreState {
  account: number[];
  holdings: number[];
  prices: number[];
  day: number;
  turbulence: number;
  counters: CoreCounters;
}

export function zeroCounters(): CoreCounters {
  return { fees: 0, financing: 0, slippageCost: 0, tradedValue: 0, trades: 0, marginCalls: 0, periodicRemargins: 0, forcedTrades: 0 };
}

export class MarginAccount {
  readonly n: number;
  readonly cfg: EnvConfig;

  // The six-value account: state[0:6] of the original.
  /** b^l: cash in the long margin account (includes borrowed cash). */
  cash = 0;
  /** l^l: cash borrowed from the broker for longs. */
  loan = 0;
  /** e^l = b^l + long market value − l^l. */
  longEquity = 0;
  /** l^s: remaining short-sale capacity ($ market value still shortable). */
  limit = 0;
  /** b^s: credit balance (initial limit + deposit). */
  credit = 0;
  /** e^s = b^s − l^s − short market value. */
  shortEquity = 0;

  /** Signed holdings in shares (+ long, − short). Always integers. */
  readonly holdings: Float64Array;
  /** Prices the book is marked and trades at right now (state[6:6+N]). */
  readonly prices: Float64Array;
  /** MACD values of the current day for the original's tradability gate (null: gate open; set by the env when macdTradableGate is on). */
  macd: Float64Array | null = null;
  /** Offset of the current day's MACD values in `macd`. */
  macdOffset = 0;
  /** Env steps since the segment started: drives the periodic re-margin. */
  day = 0;
  /** Current value of the risk indicator read by the turbulence rule. */
  turbulence = 0;

  counters: CoreCounters = zeroCounters();
  trace: CoreTrace | null = null;

  /** Incremental market values for the maintenance tests of a step (exact decisions, fewer sums). */
  readonly tracker: MaintenanceTracker;

  // Config values read on every trade, cached as fields (hot path); read by the re-margin too.
  readonly buyFee: number;
  readonly sellFee: number;
  readonly slip: number;
  private readonly maint: number;
  private readonly turbTh: number;

  // Scratch for the forced closes of re-margins and reallocations (allocation-free).
  private readonly market: Float64Array;
  private readonly order: Int32Array;
  private readonly sortStack = new Int32Array(192);

  constructor(n: number, cfg: EnvConfig) {
    this.n = n;
    this.cfg = cfg;
    this.holdings = new Float64Array(n);
    this.prices = new Float64Array(n);
    this.tracker = new MaintenanceTracker(n, this.prices, this.holdings);
    this.market = new Float64Array(n);
    this.order = new Int32Array(n);
    this.buyFee = cfg.buyCost;
    this.sellFee = cfg.sellCost;
    this.slip = cfg.slippage;
    this.maint = cfg.maintenance;
    this.turbTh = cfg.turbulenceThreshold ?? Infinity;
  }

  // --- set-up --------------------------------------------------------------------------------------

  /**
   * The original's `_initiate_margin_state` with initial=True: split equity by the deposit ratio r
   * (long share r/(r+1), the original's arithmetic) or by a long share given directly, then lever each book by k.
   */
  openAccount(initialAmount: number, split: { ratio: number } | { longShare: number }, prices: ArrayLike<number>): void {
    const k = this.cfg.margin;
    const equityLong = 'ratio' in split ? (split.ratio / (split.ratio + 1)) * initialAmount : split.longShare * initialAmount;
    const equityShort = initialAmount - equityLong;
    this.cash = equityLong * k;
    this.loan = equityLong * (k - 1);
    this.longEquity = equityLong;
    this.limit = equityShort * k;
    this.credit = equityShort * k + equityShort;
    this.shortEquity = equityShort;
    this.holdings.fill(0);
    this.prices.set(prices);
    this.resetEpisodeState();
  }

  /** The original's initial=False: continue from a saved account and holdings at today's prices (not re-marked). */
  restoreAccount(account: ArrayLike<number>, holdings: ArrayLike<number>, prices: ArrayLike<number>): void {
    if (account.length !== 6) throw new Error(`restoreAccount: expected 6 account values, got ${account.length}`);
    if (holdings.length !== this.n) throw new Error(`restoreAccount: expected ${this.n} holdings, got ${holdings.length}`);
    [this.cash, this.loan, this.longEquity, this.limit, this.credit, this.shortEquity] = Array.from(account);
    this.holdings.set(holdings);
    this.prices.set(prices);
    this.resetEpisodeState();
  }

  /** Counters and step state of a fresh episode (the core also clears its step outputs). */
  protected resetEpisodeState(): void {
    this.tracker.invalidate();
    this.day = 0;
    this.turbulence = 0;
    this.counters = zeroCounters();
  }

  /** Everything needed to continue bit-identically (checkpoints). */
  getState(): CoreState {
    return {
      account: this.accountVector(),
      holdings: Array.from(this.holdings),
      prices: Array.from(this.prices),
      day: this.day,
      turbulence: this.turbulence,
      counters: { ...this.counters },
    };
  }

  setState(s: CoreState): void {
    [this.cash, this.loan, this.longEquity, this.limit, this.credit, this.shortEquity] = s.account;
    this.holdings.set(s.holdings);
    this.prices.set(s.prices);
    this.tracker.invalidate();
    this.day = s.day;
    this.turbulence = s.turbulence;
    this.counters = { ...s.counters };
  }

  accountVector(): number[] {
    return [this.cash, this.loan, this.longEquity, this.limit, this.credit, this.shortEquity];
  }

  get totalEquity(): number {
    return this.longEquity + this.shortEquity;
  }

  // --- market values and maintenance ----------------------------------------------------------------

  longMarketValue(): number {
    return longMarketValue(this.prices, this.holdings, this.n);
  }

  shortMarketValue(): number {
    return shortMarketValue(this.prices, this.holdings, this.n);
  }

  /** e^l / long market value; 1 with no longs (original `_check_long_maintenance`). */
  longMaintenance(): number {
    return maintenance(this.longEquity, this.longMarketValue());
  }

  /** e^s / short market value; 1 with no shorts. */
  shortMaintenance(): number {
    return maintenance(this.shortEquity, this.shortMarketValue());
  }

  /** The turbulence rule fires (risk value ≥ threshold): longs are sold whole, actions overridden. */
  get turbulent(): boolean {
    return this.turbulence >= this.turbTh;
  }

  /**
   * New buys and short sales are refused. The original allows them only when `turbulence < threshold`,
   * so an unknown (NaN) risk value blocks them without firing the rule; no threshold never blocks.
   */
  get blocked(): boolean {
    return this.turbTh !== Infinity && !(this.turbulence < this.turbTh);
  }

  private tradable(i: number): boolean {
    // The original tests state[6+2N+i] != True, i.e. the stock's MACD against 1.0.
    return this.macd === null || this.macd[this.macdOffset + i] !== 1;
  }

  /** A book's maintenance above the warning level (buys and short sales need it). */
  private gateAbove(long: boolean): boolean {
    return this.tracker.compare(long, long ? this.longEquity : this.shortEquity, this.maint) > 0;
  }

  // --- the four trade primitives (docs/mechanics.md#trades) -----------------------------------------

  /** Sell up to |action| shares of a long position. Under turbulence: the whole position. Returns shares sold. */
  sellLong(i: number, action: number, ctx: TradeCtx = 'A'): number {
    const h = this.holdings[i];
    const p = this.prices[i];
    let n = 0;
    if (this.turbulent) {
      if (p > 0 && h > 0) n = h;
    } else if (this.tradable(i) && h > 0) {
      const a = Math.abs(action);
      n = h < a ? h : a;
    }
    if (n !== 0) this.applySellLong(i, n);
    if (this.trace) this.trace.trades.push({ op: 'SL', i, requested: action, delta: -n, ctx });
    return n;
  }

  /** The bookkeeping of a long sale of `n` shares, without gate or turbulence test (also the reallocation's `sell_long_stock`). */
  applySellLong(i: number, n: number): void {
    const p = this.prices[i];
    const fee = this.sellFee;
    const s = this.slip;
    const fill = s === 0 ? p : p * (1 - s);
    this.cash += fill * n * (1 - fee);
    this.longEquity -= fill * n * fee;
    if (s !== 0) {
      const slip = (p - fill) * n;
      this.longEquity -= slip;
      this.counters.slippageCost += slip;
    }
    const before = this.holdings[i];
    this.holdings[i] -= n;
    this.tracker.onTrade(p, -n, before, this.holdings[i], true);
    this.counters.fees += fill * n * fee;
    this.counters.tradedValue += fill * n;
    this.counters.trades++;
  }

  /** Buy up to `action` shares long with the cash at hand, if long maintenance is above the warning level. */
  buyLong(i: number, action: number, ctx: TradeCtx = 'A'): number {
    let n = 0;
    if (!this.blocked && this.tradable(i) && this.gateAbove(true)) {
      const p = this.prices[i];
      const fee = this.buyFee;
      const s = this.slip;
      const fill = s === 0 ? p : p * (1 + s);
      const available = pyFloorDiv(this.cash, fill * (1 + fee));
      n = action < available ? action : available;
      this.cash -= fill * n * (1 + fee);
      this.longEquity -= fill * n * fee;
      if (s !== 0) {
        const slip = (fill - p) * n;
        this.longEquity -= slip;
        this.counters.slippageCost += slip;
      }
      const before = this.holdings[i];
      this.holdings[i] += n;
      this.tracker.onTrade(p, n, before, this.holdings[i], true);
      this.counters.fees += fill * n * fee;
      this.counters.tradedValue += fill * n;
      this.counters.trades++;
    }
    if (this.trace) this.trace.trades.push({ op: 'BL', i, requested: action, delta: n, ctx });
    return n;
  }

  /** Buy to cover up to `action` shares of a short position. Under turbulence: the whole position. */
  coverShort(i: number, action: number, ctx: TradeCtx = 'A'): number {
    const h = this.holdings[i];
    const p = this.prices[i];
    let n = 0;
    if (this.turbulent) {
      if (p > 0 && h < 0) n = Math.abs(h);
    } else if (this.tradable(i) && h < 0) {
      const a = Math.abs(h);
      n = a < action ? a : action;
    }
    if (n !== 0) this.applyCover(i, n);
    if (this.trace) this.trace.trades.push({ op: 'BS', i, requested: action, delta: n, ctx });
    return n;
  }

  /** The bookkeeping of covering `n` shares short, without gate or turbulence test (also the reallocation's `buy_short_stock`). */
  applyCover(i: number, n: number): void {
    const p = this.prices[i];
    const fee = this.buyFee;
    const s = this.slip;
    const fill = s === 0 ? p : p * (1 + s);
    const amount = fill * n;
    this.limit += amount;
    this.credit -= amount * fee;
    this.shortEquity -= amount * fee;
    if (s !== 0) {
      const slip = (fill - p) * n;
      this.shortEquity -= slip;
      this.counters.slippageCost += slip;
    }
    const before = this.holdings[i];
    this.holdings[i] += n;
    this.tracker.onTrade(p, -n, before, this.holdings[i], false);
    this.counters.fees += amount * fee;
    this.counters.tradedValue += amount;
    this.counters.trades++;
  }

  /** Sell short up to |action| shares against the remaining limit, if short maintenance is above the warning level. */
  sellShort(i: number, action: number, ctx: TradeCtx = 'A'): number {
    let n = 0;
    if (!this.blocked && this.tradable(i) && this.gateAbove(false)) {
      const p = this.prices[i];
      const fee = this.sellFee;
      const s = this.slip;
      const fill = s === 0 ? p : p * (1 - s);
      const available = pyFloorDiv(this.limit, fill);
      const a = Math.abs(action);
      n = a < available ? a : available;
      // Proceeds are not credited: the pre-funded limit is consumed instead (the original's design).
      const amount = fill * n;
      this.limit -= amount;
      this.credit -= amount * fee;
      this.shortEquity -= amount * fee;
      if (s !== 0) {
        const slip = (p - fill) * n;
        this.shortEquity -= slip;
        this.counters.slippageCost += slip;
      }
      const before = this.holdings[i];
      this.holdings[i] -= n;
      this.tracker.onTrade(p, n, before, this.holdings[i], false);
      this.counters.fees += amount * fee;
      this.counters.tradedValue += amount;
      this.counters.trades++;
    }
    if (this.trace) this.trace.trades.push({ op: 'SS', i, requested: action, delta: -n, ctx });
    return n;
  }

  // --- forced closes: which position goes first ------------------------------------------------------

  /** p·h of every stock into a scratch array (reused: valid until the next call). */
  positionValues(): Float64Array {
    const m = this.market;
    for (let i = 0; i < this.n; i++) m[i] = this.prices[i] * this.holdings[i];
    return m;
  }

  /** numpy's `argsort` of `values` (length n) into a scratch array: forced closes go smallest position first. */
  argsortPositions(values: Float64Array): Int32Array {
    return argsortInto(values, this.n, this.order, this.sortStack);
  }
}
