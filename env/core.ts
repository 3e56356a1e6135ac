import type { EnvConfig } from './config.ts';
import { argsortInto, pyFloorDiv } from './numpy-compat.ts';

/**
 * The margin account and its mechanics, one-to-one with the original `MarginTradingEnv`
 * (spec §1.3, fixtures README §4). Pure bookkeeping over typed arrays: no dates, no observations,
 * no rewards. `MarginTradingEnv` and the vector env drive it; exact replays call it directly.
 *
 * Arithmetic follows the original's order of operations wherever it changes the last bit
 * (fees as (p·n)·fee, sums left to right in ticker order, Python floor division, numpy's argsort).
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

export function zeroCounters(): CoreCounters {
  return { fees: 0, financing: 0, slippageCost: 0, tradedValue: 0, trades: 0, marginCalls: 0, periodicRemargins: 0, forcedTrades: 0 };
}

export class MarginCore {
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
  /** MACD values of the current day for the original's tradability gate (null: gate open). */
  macd: Float64Array | null = null;
  /** Env steps since the segment started: drives the periodic re-margin. */
  day = 0;
  /** Current value of the risk indicator read by the turbulence rule. */
  turbulence = 0;

  counters: CoreCounters = zeroCounters();
  trace: CoreTrace | null = null;

  /** Shares the agent actually traded on the last step: long leg (+bought, −sold) then short leg (+covered, −shorted). */
  readonly executed: Float64Array;
  /** Actions after scaling, truncation and position fusion, before the turbulence override. */
  readonly fused: Float64Array;

  // scratch
  private readonly longAct: Float64Array;
  private readonly shortAct: Float64Array;
  private readonly market: Float64Array;
  private readonly order: Int32Array;
  private readonly sortStack = new Int32Array(192);
  private readonly loanFactor: number;

  constructor(n: number, cfg: EnvConfig) {
    this.n = n;
    this.cfg = cfg;
    this.holdings = new Float64Array(n);
    this.prices = new Float64Array(n);
    this.executed = new Float64Array(2 * n);
    this.fused = new Float64Array(2 * n);
    this.longAct = new Float64Array(n);
    this.shortAct = new Float64Array(n);
    this.market = new Float64Array(n);
    this.order = new Int32Array(n);
    this.loanFactor = cfg.margin - 1;
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

  private resetEpisodeState(): void {
    this.day = 0;
    this.turbulence = 0;
    this.counters = zeroCounters();
    this.executed.fill(0);
    this.fused.fill(0);
  }

  accountVector(): number[] {
    return [this.cash, this.loan, this.longEquity, this.limit, this.credit, this.shortEquity];
  }

  get totalEquity(): number {
    return this.longEquity + this.shortEquity;
  }

  // --- market values and maintenance (sums left to right in ticker order, like Python's sum) --------

  longMarketValue(): number {
    let s = 0;
    const p = this.prices;
    const h = this.holdings;
    for (let i = 0; i < this.n; i++) {
      const m = p[i] * h[i];
      if (m > 0) s += m;
    }
    return s;
  }

  shortMarketValue(): number {
    let s = 0;
    const p = this.prices;
    const h = this.holdings;
    for (let i = 0; i < this.n; i++) {
      const m = p[i] * h[i];
      if (m < 0) s += m;
    }
    return Math.abs(s);
  }

  /** e^l / long market value; 1 with no longs (original `_check_long_maintenance`). */
  longMaintenance(): number {
    const lm = this.longMarketValue();
    return lm !== 0 ? this.longEquity / lm : 1;
  }

  /** e^s / short market value; 1 with no shorts. */
  shortMaintenance(): number {
    const sm = this.shortMarketValue();
    return sm !== 0 ? this.shortEquity / sm : 1;
  }

  get turbulent(): boolean {
    const th = this.cfg.turbulenceThreshold;
    return th !== null && this.turbulence >= th;
  }

  private tradable(i: number): boolean {
    // The original tests state[6+2N+i] != True, i.e. the stock's MACD against 1.0.
    return !(this.cfg.macdTradableGate && this.macd !== null && this.macd[i] === 1);
  }

  // --- the four trade primitives --------------------------------------------------------------------

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

  private applySellLong(i: number, n: number): void {
    const p = this.prices[i];
    const fee = this.cfg.sellCost;
    const s = this.cfg.slippage;
    const fill = s === 0 ? p : p * (1 - s);
    this.cash += fill * n * (1 - fee);
    this.longEquity -= fill * n * fee;
    if (s !== 0) {
      const slip = (p - fill) * n;
      this.longEquity -= slip;
      this.counters.slippageCost += slip;
    }
    this.holdings[i] -= n;
    this.counters.fees += fill * n * fee;
    this.counters.tradedValue += fill * n;
    this.counters.trades++;
  }

  /** Buy up to `action` shares long with the cash at hand, if long maintenance is above the warning level. */
  buyLong(i: number, action: number, ctx: TradeCtx = 'A'): number {
    let n = 0;
    if (!this.turbulent && this.tradable(i) && this.longMaintenance() > this.cfg.maintenance) {
      const p = this.prices[i];
      const fee = this.cfg.buyCost;
      const s = this.cfg.slippage;
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
      this.holdings[i] += n;
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

  private applyCover(i: number, n: number): void {
    const p = this.prices[i];
    const fee = this.cfg.buyCost;
    const s = this.cfg.slippage;
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
    this.holdings[i] += n;
    this.counters.fees += amount * fee;
    this.counters.tradedValue += amount;
    this.counters.trades++;
  }

  /** Sell short up to |action| shares against the remaining limit, if short maintenance is above the warning level. */
  sellShort(i: number, action: number, ctx: TradeCtx = 'A'): number {
    let n = 0;
    if (!this.turbulent && this.tradable(i) && this.shortMaintenance() > this.cfg.maintenance) {
      const p = this.prices[i];
      const fee = this.cfg.sellCost;
      const s = this.cfg.slippage;
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
      this.holdings[i] -= n;
      this.counters.fees += amount * fee;
      this.counters.tradedValue += amount;
      this.counters.trades++;
    }
    if (this.trace) this.trace.trades.push({ op: 'SS', i, requested: action, delta: -n, ctx });
    return n;
  }

  // --- one trading step ----------------------------------------------------------------------------

  /**
   * Everything the original's `step` does before advancing the day: scale and truncate the 2N actions,
   * fuse the legs (a stock is never long and short at once), apply the turbulence override, trade the
   * long leg (sells ascending, then buys descending) and the short leg (covers descending, then short
   * sales ascending), then the periodic re-margin or the strict maintenance checks.
   * Results: `fused` and `executed`.
   */
  trade(actions: ArrayLike<number>): void {
    const n = this.n;
    const hmax = this.cfg.hmax;
    const la = this.longAct;
    const sa = this.shortAct;
    const h = this.holdings;
    // Scale, truncate toward zero (numpy astype(int)), fuse.
    for (let i = 0; i < n; i++) {
      const a = Math.trunc(actions[i] * hmax) + Math.trunc(actions[i + n] * hmax);
      if (h[i] > 0) {
        la[i] = a;
        sa[i] = 0;
      } else if (h[i] < 0) {
        sa[i] = a;
        la[i] = 0;
      } else if (a > 0) {
        la[i] = a;
        sa[i] = 0;
      } else if (a < 0) {
        sa[i] = a;
        la[i] = 0;
      } else {
        la[i] = 0;
        sa[i] = 0;
      }
      this.fused[i] = la[i];
      this.fused[i + n] = sa[i];
    }
    const turbulent = this.turbulent;
    if (turbulent) la.fill(-hmax);
    this.tradeLongLeg();
    if (turbulent) {
      if (this.cfg.coverShortsOnTurbulence) {
        for (let i = 0; i < n; i++) if (h[i] < 0) sa[i] = -h[i];
      } else {
        sa.fill(-hmax);
      }
    }
    this.tradeShortLeg();
    this.remarginOrMaintenance();
  }

  private tradeLongLeg(): void {
    const n = this.n;
    const la = this.longAct;
    const order = argsortInto(la, n, this.order, this.sortStack);
    let nNeg = 0;
    let nPos = 0;
    for (let i = 0; i < n; i++) {
      if (la[i] < 0) nNeg++;
      else if (la[i] > 0) nPos++;
    }
    const ex = this.executed;
    // Sells: most negative first. Buys: largest first (reverse order). Zero actions execute nothing.
    for (let k = 0; k < nNeg; k++) {
      const i = order[k];
      ex[i] = -this.sellLong(i, la[i]);
    }
    for (let k = 0; k < nPos; k++) {
      const i = order[n - 1 - k];
      ex[i] = this.buyLong(i, la[i]);
    }
    for (let i = 0; i < n; i++) if (la[i] === 0) ex[i] = 0;
  }

  private tradeShortLeg(): void {
    const n = this.n;
    const sa = this.shortAct;
    const order = argsortInto(sa, n, this.order, this.sortStack);
    let nNeg = 0;
    let nPos = 0;
    for (let i = 0; i < n; i++) {
      if (sa[i] < 0) nNeg++;
      else if (sa[i] > 0) nPos++;
    }
    const ex = this.executed;
    // Covers first (largest first), then short sales (most negative first).
    for (let k = 0; k < nPos; k++) {
      const i = order[n - 1 - k];
      ex[n + i] = this.coverShort(i, sa[i]);
    }
    for (let k = 0; k < nNeg; k++) {
      const i = order[k];
      ex[n + i] = -this.sellShort(i, sa[i]);
    }
    for (let i = 0; i < n; i++) if (sa[i] === 0) ex[n + i] = 0;
  }

  /** The Margin Adjustment Module (every `remarginPeriod` steps) or else the Maintenance Detection Module. */
  remarginOrMaintenance(): void {
    if (this.day !== 0 && this.day % this.cfg.remarginPeriod === 0) {
      this.counters.periodicRemargins++;
      this.updateLoan('periodic');
      this.updateCredit('periodic');
    } else {
      if (this.longMaintenance() < this.cfg.strictMaintenance) {
        this.counters.marginCalls++;
        this.updateLoan('maintenance_call');
      }
      if (this.shortMaintenance() < this.cfg.strictMaintenance) {
        this.counters.marginCalls++;
        this.updateCredit('maintenance_call');
      }
    }
  }

  /** The original's terminal call: re-margin both books at the last day's prices. */
  terminalRemargin(): void {
    this.updateLoan('terminal');
    this.updateCredit('terminal');
  }

  private fillMarket(): Float64Array {
    const m = this.market;
    for (let i = 0; i < this.n; i++) m[i] = this.prices[i] * this.holdings[i];
    return m;
  }

  /**
   * `_update_loan`: bring the loan back to its target (the original: loan = long equity). Profit → borrow
   * more; loss → repay from cash; not enough cash → sell whole long positions, smallest market value
   * first, until the shortfall is covered. The original repays with gross market value although only
   * MV·(1 − fee) was received (a fee leak the next re-mark refunds); kept for exact replay.
   */
  updateLoan(reason: RemarginReason): void {
    const market = this.fillMarket();
    const target = this.cfg.loanTargetFromMargin ? this.loanFactor * this.longEquity : this.longEquity;
    const diff = target - this.loan;
    let branch: MarginEvent['branch'];
    let forced = 0;
    if (diff > 0) {
      branch = 'borrow_more';
      this.loan = target;
      this.cash += diff;
    } else if (this.cash > Math.abs(diff)) {
      branch = 'repay_from_cash';
      this.cash -= Math.abs(diff);
      this.loan -= Math.abs(diff);
    } else {
      branch = 'forced_liquidation';
      let rest = Math.abs(diff) - this.cash;
      this.cash = 0;
      const n = this.n;
      const order = argsortInto(market, n, this.order, this.sortStack);
      let count = 0;
      for (let i = 0; i < n; i++) if (market[i] > 0) count++;
      // argsort[-count:] — with no longs numpy's [-0:] is the whole array (harmless: nothing sells).
      const from = count === 0 ? 0 : n - count;
      for (let k = from; k < n; k++) {
        const i = order[k];
        if (this.cfg.partialLiquidation) {
          const p = this.prices[i];
          const h = this.holdings[i];
          if (h <= 0) continue;
          const fill = this.cfg.slippage === 0 ? p : p * (1 - this.cfg.slippage);
          const perShare = fill * (1 - this.cfg.sellCost);
          const need = Math.min(h, Math.ceil(rest / perShare));
          const cashBefore = this.cash;
          this.sellLong(i, need, 'L');
          forced++;
          const proceeds = this.cash - cashBefore;
          if (proceeds < rest) {
            rest -= proceeds;
            this.cash = 0;
          } else {
            this.cash -= rest;
            break;
          }
        } else {
          const sold = this.sellLong(i, this.holdings[i], 'L');
          if (sold > 0) forced++;
          if (market[i] < rest) {
            rest -= market[i];
            this.cash = 0;
          } else {
            this.cash -= rest;
            break;
          }
        }
      }
      this.loan -= Math.abs(diff);
    }
    this.counters.forcedTrades += forced;
    if (this.trace) this.trace.margin.push({ fn: 'update_loan', reason, branch, diff, forced });
  }

  /**
   * `_update_credit`: keep limit + short MV = k·short equity. Profit → raise the limit; loss → cut it;
   * not enough limit → cover whole short positions, smallest |market value| first.
   */
  updateCredit(reason: RemarginReason): void {
    const market = this.fillMarket();
    let s = 0;
    for (let i = 0; i < this.n; i++) if (market[i] < 0) s += market[i];
    const shortMarket = Math.abs(s);
    const borrowLimit = this.limit + shortMarket;
    const diff = this.cfg.margin * this.shortEquity - borrowLimit;
    let branch: MarginEvent['branch'];
    let forced = 0;
    if (diff > 0) {
      branch = 'raise_limit';
      this.limit += diff;
      this.credit += diff;
    } else if (this.limit > Math.abs(diff)) {
      branch = 'cut_limit';
      this.limit += diff;
      this.credit += diff;
    } else {
      branch = 'forced_buy_in';
      let rest = diff + this.limit;
      this.limit = 0;
      const n = this.n;
      const order = argsortInto(market, n, this.order, this.sortStack);
      let count = 0;
      for (let i = 0; i < n; i++) if (market[i] < 0) count++;
      // argsort[:count][::-1]: shorts from the smallest |market value| up.
      for (let k = count - 1; k >= 0; k--) {
        const i = order[k];
        if (this.cfg.partialLiquidation) {
          const p = this.prices[i];
          const fill = this.cfg.slippage === 0 ? p : p * (1 + this.cfg.slippage);
          const need = Math.min(Math.abs(this.holdings[i]), Math.ceil(Math.abs(rest) / fill));
          const limitBefore = this.limit;
          this.coverShort(i, need, 'C');
          forced++;
          const freed = this.limit - limitBefore;
          if (freed < Math.abs(rest)) {
            rest += freed;
            this.limit = 0;
          } else {
            this.limit -= Math.abs(rest);
            break;
          }
        } else {
          const covered = this.coverShort(i, Math.abs(this.holdings[i]), 'C');
          if (covered > 0) forced++;
          if (market[i] > rest) {
            rest += Math.abs(market[i]);
            this.limit = 0;
          } else {
            this.limit -= Math.abs(rest);
            break;
          }
        }
      }
      this.credit -= Math.abs(diff);
    }
    this.counters.forcedTrades += forced;
    if (this.trace) this.trace.margin.push({ fn: 'update_credit', reason, branch, diff, forced });
  }

  // --- advancing the day ---------------------------------------------------------------------------

  /**
   * `_update_state`: re-mark both books at `newPrices`. Returns the original's exit test value
   * (previous short equity plus the change in short market value); negative means the original would
   * have called exit(). The book is re-marked either way.
   */
  remark(newPrices: ArrayLike<number>): number {
    const n = this.n;
    const h = this.holdings;
    const p = this.prices;
    let lm = 0;
    let sm = 0;
    let prevS = 0;
    for (let i = 0; i < n; i++) {
      const m = newPrices[i] * h[i];
      if (m > 0) lm += m;
      else if (m < 0) sm += m;
      const pm = p[i] * h[i];
      if (pm < 0) prevS += pm;
    }
    const shortMarket = Math.abs(sm);
    const previousShort = Math.abs(prevS);
    const shortActualEquity = this.shortEquity + (previousShort - shortMarket);
    this.longEquity = this.cash + lm - this.loan;
    this.shortEquity = this.credit - this.limit - shortMarket;
    for (let i = 0; i < n; i++) p[i] = newPrices[i];
    return shortActualEquity;
  }

  /** Realistic preset: one day of loan interest and short-borrow fee (annual rates ÷ 252). */
  accrueFinancing(): void {
    const { loanRate, shortBorrowFee } = this.cfg;
    if (loanRate > 0 && this.loan > 0) {
      const interest = (this.loan * loanRate) / 252;
      this.loan += interest;
      this.longEquity -= interest;
      this.counters.financing += interest;
    }
    if (shortBorrowFee > 0) {
      const fee = (this.shortMarketValue() * shortBorrowFee) / 252;
      if (fee > 0) {
        this.credit -= fee;
        this.shortEquity -= fee;
        this.counters.financing += fee;
      }
    }
  }

  // --- reallocation between the books (utils.update_ratio) ----------------------------------------

  /**
   * Move equity between the books so the long share e^l/(e^l+e^s) reaches `target` (clipped to
   * [minShare, maxShare]), keeping k = 2 on both sides: d of equity moves as cash ∓2d, loan ∓d, e^l ∓d,
   * limit ±2d, credit ±3d, e^s ±d. When free cash (or limit/2) is short, whole positions are closed,
   * smallest market value first, re-evaluating after each. `change` applies the paper's rule
   * f* = f·(1 + c). Total equity moves only by the fees of forced trades. Returns the clipped target.
   */
  reallocate(spec: { target?: number; change?: number }, minShare = 0.1, maxShare = 0.9): { target: number; moved: number; forced: number } {
    const n = this.n;
    const market = this.fillMarket();
    const order = argsortInto(market, n, this.order, this.sortStack);
    const sumEquity = this.longEquity + this.shortEquity;
    const current = this.longEquity / sumEquity;
    let target: number;
    if (spec.change !== undefined) target = current * (1 + spec.change);
    else if (spec.target !== undefined) target = spec.target;
    else throw new Error('reallocate: give a target long share or a change');
    target = Math.min(maxShare, target);
    target = Math.max(minShare, target);
    const sellFee = this.cfg.sellCost;
    const buyFee = this.cfg.buyCost;
    let forced = 0;
    let longDiff = this.longEquity - target * sumEquity;
    let moved: number;
    if (longDiff >= 0) {
      // Long → short, limited by the long book's free cash (cash − loan).
      let threshold = this.cash - this.loan;
      if (threshold < longDiff) {
        let count = 0;
        for (let i = 0; i < n; i++) if (market[i] > 0) count++;
        const from = count === 0 ? 0 : n - count;
        for (let k = from; k < n; k++) {
          const i = order[k];
          // utils.sell_long_stock: sells the whole holding, no gate, no turbulence test.
          const h = this.holdings[i];
          const p = this.prices[i];
          const sold = Math.abs(h) < h ? Math.abs(h) : h;
          this.cash += p * sold * (1 - sellFee);
          this.longEquity -= p * sold * sellFee;
          this.holdings[i] -= sold;
          this.counters.fees += p * sold * sellFee;
          this.counters.tradedValue += p * Math.abs(sold);
          if (sold !== 0) forced++;
          if (this.trace) this.trace.trades.push({ op: 'SL', i, requested: h, delta: -sold, ctx: 'R' });
          threshold = this.cash - this.loan;
          longDiff = this.longEquity - (this.longEquity + this.shortEquity) * target;
          if (threshold >= longDiff) break;
        }
      }
      const d = longDiff < threshold ? longDiff : threshold;
      this.cash -= 2 * d;
      this.loan -= d;
      this.longEquity -= d;
      this.limit += 2 * d;
      this.credit += 3 * d;
      this.shortEquity += d;
      moved = d;
    } else {
      // Short → long, limited by half the remaining short limit.
      let shortDiff = Math.abs(longDiff);
      let threshold = this.limit / 2;
      if (threshold < shortDiff) {
        let count = 0;
        for (let i = 0; i < n; i++) if (market[i] < 0) count++;
        for (let k = count - 1; k >= 0; k--) {
          const i = order[k];
          const h = this.holdings[i];
          const p = this.prices[i];
          const want = Math.abs(h);
          const bought = want < Math.abs(h) ? want : Math.abs(h);
          const amount = p * bought;
          this.limit += amount;
          this.credit -= amount * buyFee;
          this.shortEquity -= amount * buyFee;
          this.holdings[i] += bought;
          this.counters.fees += amount * buyFee;
          this.counters.tradedValue += amount;
          if (bought !== 0) forced++;
          if (this.trace) this.trace.trades.push({ op: 'BS', i, requested: want, delta: bought, ctx: 'R' });
          threshold = this.limit / 2;
          longDiff = this.longEquity - (this.longEquity + this.shortEquity) * target;
          shortDiff = Math.abs(longDiff);
          if (threshold >= shortDiff) break;
        }
      }
      const d = shortDiff < threshold ? shortDiff : threshold;
      this.cash += 2 * d;
      this.loan += d;
      this.longEquity += d;
      this.limit -= 2 * d;
      this.credit -= 3 * d;
      this.shortEquity -= d;
      moved = -d;
    }
    this.counters.forcedTrades += forced;
    return { target, moved, forced };
  }
}
