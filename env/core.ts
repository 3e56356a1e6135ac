import type { EnvConfig } from './config.ts';
import { argsortInto, argsortSelected, pyFloorDiv } from './numpy-compat.ts';

const nonZero = (x: number): boolean => x !== 0;

/**
 * Within each run of equal `act` values in `list[0..m)`, order the indices by `at` (ascending for
 * dir = 1, descending for dir = −1). Runs are short: insertion sort.
 */
function reorderTies(list: Int32Array, m: number, act: Float64Array, at: Int32Array, dir: number): void {
  let a = 0;
  while (a < m) {
    let b = a + 1;
    while (b < m && act[list[b]] === act[list[a]]) b++;
    for (let p = a + 1; p < b; p++) {
      const x = list[p];
      const key = dir * at[x];
      let q = p;
      while (q > a && dir * at[list[q - 1]] > key) {
        list[q] = list[q - 1];
        q--;
      }
      list[q] = x;
    }
    a = b;
  }
}

function clipAction(x: number, i: number, clip: boolean): number {
  if (x !== x) throw new Error(`step: action ${i} is NaN`);
  if (!clip) return x;
  return x > 1 ? 1 : -1;
}

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

  /** Shares the agent actually traded on the last step: long leg (+bought, −sold) then short leg (+covered, −shorted). */
  readonly executed: Float64Array;
  /** Actions after scaling, truncation and position fusion, before the turbulence override. */
  readonly fused: Float64Array;

  // scratch
  private readonly longAct: Float64Array;
  private readonly shortAct: Float64Array;
  private readonly market: Float64Array;
  private readonly order: Int32Array;
  private readonly negIdx: Int32Array;
  private readonly negKeys: Float64Array;
  private readonly posKeys: Float64Array;
  private readonly sortedKeys: Float64Array;
  private readonly positionOf: Int32Array;
  private readonly keyMul: number;
  /** Largest |action| for which keys and their differences stay inside int32. */
  private readonly intKeyLimit: number;
  private readonly nzIdx: Int32Array;
  private readonly sortScratch: { idx: Int32Array; stack: Int32Array; leaves: Int32Array };
  private readonly posIdx: Int32Array;
  private nNeg = 0;
  private nPos = 0;
  private readonly sortStack = new Int32Array(192);
  private readonly loanFactor: number;
  // Config values read on every trade, cached as fields (hot path).
  private readonly buyFee: number;
  private readonly sellFee: number;
  private readonly slip: number;
  private readonly maint: number;
  private readonly strict: number;
  private readonly clip: boolean;
  private readonly turbTh: number;

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
    this.negIdx = new Int32Array(n);
    this.negKeys = new Float64Array(n);
    this.posKeys = new Float64Array(n);
    this.sortedKeys = new Float64Array(n);
    this.positionOf = new Int32Array(n);
    this.keyMul = 2 ** Math.ceil(Math.log2(n + 1));
    this.intKeyLimit = Math.floor(2 ** 29 / this.keyMul) - 2;
    this.nzIdx = new Int32Array(n);
    this.sortScratch = { idx: new Int32Array(n), stack: new Int32Array(192), leaves: new Int32Array(1 + 3 * (n + 1)) };
    this.posIdx = new Int32Array(n);
    this.loanFactor = cfg.margin - 1;
    this.buyFee = cfg.buyCost;
    this.sellFee = cfg.sellCost;
    this.slip = cfg.slippage;
    this.maint = cfg.maintenance;
    this.strict = cfg.strictMaintenance;
    this.clip = cfg.clipActions;
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

  private resetEpisodeState(): void {
    this.invalidateTrackers();
    this.day = 0;
    this.turbulence = 0;
    this.counters = zeroCounters();
    this.executed.fill(0);
    this.fused.fill(0);
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
    this.invalidateTrackers();
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
    this.gateTrade(p, -n, before, this.holdings[i], true);
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
      this.gateTrade(p, n, before, this.holdings[i], true);
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
    this.gateTrade(p, -n, before, this.holdings[i], false);
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
      this.gateTrade(p, n, before, this.holdings[i], false);
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
    this.invalidateTrackers();
    // Clip to [-1, 1] (as SB3 does before `step`; off for exact replays), scale, truncate toward zero (numpy astype(int)), fuse.
    for (let i = 0; i < n; i++) {
      let x = actions[i];
      let y = actions[i + n];
      if (!(x >= -1 && x <= 1)) x = clipAction(x, i, this.clip);
      if (!(y >= -1 && y <= 1)) y = clipAction(y, i + n, this.clip);
      const a = Math.trunc(x * hmax) + Math.trunc(y * hmax);
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
    // The trackers stay valid until the re-mark (prices and holdings do not change in between).
  }

  /**
   * Execution order of one leg, exactly as the original's `np.argsort` gives it: indices of the negative
   * actions ascending into `neg`, of the positive actions descending into `pos` (numpy's tie order, which
   * decides which stock trades first). Zero actions execute nothing, so only non-zero ones are ordered.
   * When the non-zero actions are all distinct the order is unique and a plain insertion sort of those
   * few finds it; with ties, numpy's partition-then-insertion order is reproduced (argsortSelected).
   */
  private executionOrder(act: Float64Array): void {
    const n = this.n;
    const M = this.keyMul;
    const nk = this.negKeys;
    const pk = this.posKeys;
    // Actions are integers (shares), so value·M + index is an exact, unique key that sorts by value, then
    // index. Branch-free compaction and counting ranks: signs and orders of random actions are
    // unpredictable, and mispredicted branches, not arithmetic, dominate a sort of a dozen values.
    let nn = 0;
    let np = 0;
    let big = false;
    const lim = this.intKeyLimit;
    for (let i = 0; i < n; i++) {
      const v = act[i];
      nk[nn] = v * M + i;
      pk[np] = -v * M + i; // descending by value
      // Sign bits as 0/1, no branches (exact while |v| stays well inside int32, checked below).
      nn += (v | 0) >>> 31;
      np += (-v | 0) >>> 31;
      big = big || v > lim || v < -lim;
    }
    if (big) {
      // Huge share counts (e.g. covering a huge short under turbulence): the same compaction with comparisons.
      nn = 0;
      np = 0;
      for (let i = 0; i < n; i++) {
        const v = act[i];
        if (v < 0) nk[nn++] = v * M + i;
        else if (v > 0) pk[np++] = -v * M + i;
      }
    }
    this.nNeg = nn;
    this.nPos = np;
    const neg = this.negIdx;
    const pos = this.posIdx;
    const ks = this.sortedKeys;
    // Counting ranks: keys are distinct integers, so rank = number of smaller keys. The int32 sign bit of
    // the difference avoids a branch per comparison.
    for (let a = 0; a < nn; a++) {
      const ka = nk[a];
      let r = 0;
      if (big) for (let b = 0; b < nn; b++) r += nk[b] < ka ? 1 : 0;
      else for (let b = 0; b < nn; b++) r += ((nk[b] - ka) | 0) >>> 31;
      ks[r] = ka;
    }
    let tie = false;
    let prev = NaN;
    for (let k = 0; k < nn; k++) {
      const q = Math.floor(ks[k] / M);
      neg[k] = ks[k] - q * M;
      tie = tie || q === prev;
      prev = q;
    }
    for (let a = 0; a < np; a++) {
      const ka = pk[a];
      let r = 0;
      if (big) for (let b = 0; b < np; b++) r += pk[b] < ka ? 1 : 0;
      else for (let b = 0; b < np; b++) r += ((pk[b] - ka) | 0) >>> 31;
      ks[r] = ka;
    }
    prev = NaN;
    for (let k = 0; k < np; k++) {
      const q = Math.floor(ks[k] / M);
      pos[k] = ks[k] - q * M;
      tie = tie || q === prev;
      prev = q;
    }
    if (!tie) return;
    this.numpyTieOrder(act, nn, np);
  }

  /**
   * Equal actions: numpy's tie order decides. numpy's introsort partitions the array, then
   * insertion-sorts each small range (stable), and ranges are in value order; so equal values come out in
   * the order of their positions after the partition phase. We run that phase exactly and reorder each
   * group of equal actions by those positions (reversed for the descending buy list). A range that
   * numpy heap-sorts (never for a few dozen stocks) falls back to the full emulation.
   */
  private numpyTieOrder(act: Float64Array, nn: number, np: number): void {
    const n = this.n;
    const sc = this.sortScratch;
    const idx = argsortInto(act, n, sc.idx, sc.stack, sc.leaves);
    const leaves = sc.leaves;
    for (let k = 0; k < leaves[0]; k++) {
      if (leaves[1 + 3 * k + 2] === 1 && leaves[1 + 3 * k] !== leaves[1 + 3 * k + 1]) {
        const nz = this.nzIdx;
        const m = argsortSelected(act, n, nonZero, nz, sc);
        for (let q = 0; q < nn; q++) this.negIdx[q] = nz[q];
        for (let q = 0; q < np; q++) this.posIdx[q] = nz[m - 1 - q];
        return;
      }
    }
    const at = this.positionOf;
    for (let p = 0; p < n; p++) at[idx[p]] = p;
    reorderTies(this.negIdx, nn, act, at, 1);
    reorderTies(this.posIdx, np, act, at, -1);
  }

  private tradeLongLeg(): void {
    const n = this.n;
    const la = this.longAct;
    const ex = this.executed;
    for (let i = 0; i < n; i++) ex[i] = 0;
    this.executionOrder(la);
    // Sells: most negative first. Buys: largest first.
    this.beginGate(true);
    for (let k = 0; k < this.nNeg; k++) {
      const i = this.negIdx[k];
      ex[i] = -this.sellLong(i, la[i]);
    }
    for (let k = 0; k < this.nPos; k++) {
      const i = this.posIdx[k];
      ex[i] = this.buyLong(i, la[i]);
    }
  }

  private tradeShortLeg(): void {
    const n = this.n;
    const sa = this.shortAct;
    const ex = this.executed;
    for (let i = 0; i < n; i++) ex[n + i] = 0;
    this.executionOrder(sa);
    // Covers first (largest first), then short sales (most negative first).
    this.beginGate(false);
    for (let k = 0; k < this.nPos; k++) {
      const i = this.posIdx[k];
      ex[n + i] = this.coverShort(i, sa[i]);
    }
    for (let k = 0; k < this.nNeg; k++) {
      const i = this.negIdx[k];
      ex[n + i] = -this.sellShort(i, sa[i]);
    }
  }

  // --- maintenance tests during a step ------------------------------------------------------------
  // The original recomputes a book's market value (a 27-term sum) before every single buy or short sale,
  // and again for the strict-level test after trading. Within a step only the traded terms change, so we
  // track each book's market value incrementally from an exact sum at the start of its leg, and fall back
  // to the exact sum only when the tracked value cannot decide a comparison with certainty (1e-12
  // relative error bound, far above the rounding of either sum). Decisions, and so results, are identical.

  /** Per book (0 long, 1 short): tracked market value, scale for the error bound, open positions, valid flag. */
  private readonly trkMV = new Float64Array(2);
  private readonly trkScale = new Float64Array(2);
  private readonly trkCount = new Int32Array(2);
  private readonly trkValid = new Uint8Array(2);

  private beginGate(long: boolean): void {
    const h = this.holdings;
    const p = this.prices;
    let count = 0;
    let s = 0;
    // Same sum, same order as long/shortMarketValue.
    if (long) {
      for (let i = 0; i < this.n; i++) {
        const m = p[i] * h[i];
        if (m > 0) {
          s += m;
          count++;
        }
      }
    } else {
      for (let i = 0; i < this.n; i++) {
        const m = p[i] * h[i];
        if (m < 0) {
          s += m;
          count++;
        }
      }
      s = Math.abs(s);
    }
    const b = long ? 0 : 1;
    this.trkMV[b] = s;
    this.trkScale[b] = s;
    this.trkCount[b] = count;
    this.trkValid[b] = 1;
  }

  /** After shares of a position changed by `dShares` (signed for that book's market value). */
  private gateTrade(price: number, dShares: number, before: number, after: number, long: boolean): void {
    const b = long ? 0 : 1;
    if (!this.trkValid[b]) return;
    const dmv = price * dShares;
    this.trkMV[b] += dmv;
    this.trkScale[b] += Math.abs(dmv);
    const wasOpen = long ? before > 0 : before < 0;
    const isOpen = long ? after > 0 : after < 0;
    if (wasOpen && !isOpen) this.trkCount[b]--;
    else if (!wasOpen && isOpen) this.trkCount[b]++;
  }

  private invalidateTrackers(): void {
    this.trkValid[0] = 0;
    this.trkValid[1] = 0;
  }

  /**
   * Compare a book's maintenance (equity / market value, 1 with no position) with `level`:
   * returns +1 if above, −1 if below, 0 if equal — exactly as the exact computation would.
   */
  private compareMaintenance(long: boolean, level: number): number {
    const b = long ? 0 : 1;
    const equity = long ? this.longEquity : this.shortEquity;
    if (this.trkValid[b]) {
      if (this.trkCount[b] === 0) return 1 > level ? 1 : 1 < level ? -1 : 0;
      const mv = this.trkMV[b];
      const err = 1e-12 * this.trkScale[b];
      if (mv - err > 0) {
        const x = equity / (mv + err);
        const y = equity / (mv - err);
        const lo = x < y ? x : y;
        const hi = x < y ? y : x;
        if (lo > level) return 1;
        if (hi < level) return -1;
      }
    }
    const m = long ? this.longMaintenance() : this.shortMaintenance();
    return m > level ? 1 : m < level ? -1 : 0;
  }

  private gateAbove(long: boolean): boolean {
    return this.compareMaintenance(long, this.maint) > 0;
  }

  /** The Margin Adjustment Module (every `remarginPeriod` steps) or else the Maintenance Detection Module. */
  remarginOrMaintenance(): void {
    if (this.day !== 0 && this.day % this.cfg.remarginPeriod === 0) {
      this.counters.periodicRemargins++;
      this.updateLoan('periodic');
      this.updateCredit('periodic');
    } else {
      if (this.compareMaintenance(true, this.strict) < 0) {
        this.counters.marginCalls++;
        this.updateLoan('maintenance_call');
      }
      if (this.compareMaintenance(false, this.strict) < 0) {
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
          const fill = this.slip === 0 ? p : p * (1 - this.slip);
          const perShare = fill * (1 - this.sellFee);
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
          const fill = this.slip === 0 ? p : p * (1 + this.slip);
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
   * `_update_state`: re-mark both books at `newPrices`. Returns true when the original would have called
   * exit(): previous short equity plus the change in short market value below zero. The book is re-marked
   * either way.
   */
  remark(newPrices: ArrayLike<number>, offset = 0): boolean {
    const n = this.n;
    const h = this.holdings;
    const p = this.prices;
    let lm = 0;
    let sm = 0;
    for (let i = 0; i < n; i++) {
      const m = newPrices[offset + i] * h[i];
      if (m > 0) lm += m;
      else if (m < 0) sm += m;
    }
    const shortMarket = Math.abs(sm);
    const exit = this.shortExitTest(shortMarket);
    this.longEquity = this.cash + lm - this.loan;
    this.shortEquity = this.credit - this.limit - shortMarket;
    for (let i = 0; i < n; i++) p[i] = newPrices[offset + i];
    this.invalidateTrackers();
    return exit;
  }

  /** The original's exit test, e^s + (previous short MV − new short MV) < 0, decided exactly. */
  private shortExitTest(shortMarket: number): boolean {
    const base = this.shortEquity - shortMarket;
    if (this.trkValid[1]) {
      // The tracked short MV at today's prices decides unless the sum is within its error bound of 0.
      const x = base + this.trkMV[1];
      const err = 1e-12 * this.trkScale[1] + 1e-9 * (Math.abs(this.shortEquity) + shortMarket);
      if (x > err) return false;
      if (x < -err) return true;
    }
    let prevS = 0;
    for (let i = 0; i < this.n; i++) {
      const pm = this.prices[i] * this.holdings[i];
      if (pm < 0) prevS += pm;
    }
    return this.shortEquity + (Math.abs(prevS) - shortMarket) < 0;
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
    this.invalidateTrackers(); // holdings change below without the trade primitives
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
          if (h !== 0) {
            this.applySellLong(i, h);
            forced++;
          }
          if (this.trace) this.trace.trades.push({ op: 'SL', i, requested: h, delta: -h, ctx: 'R' });
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
          // utils.buy_short_stock: covers the whole position.
          const bought = Math.abs(this.holdings[i]);
          if (bought !== 0) {
            this.applyCover(i, bought);
            forced++;
          }
          if (this.trace) this.trace.trades.push({ op: 'BS', i, requested: bought, delta: bought, ctx: 'R' });
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
