import { MarginAccount, type RemarginReason } from './account.ts';
import type { EnvConfig } from './config.ts';
import { ExecutionOrder } from './execution-order.ts';
import { accrueFinancing, remark } from './mark-to-market.ts';
import { reallocate, type ReallocationResult } from './reallocation.ts';
import { updateCredit, updateLoan } from './remargin.ts';

// The account's types stay importable from here (the module other code has always imported).
export {
  zeroCounters,
  type CoreCounters,
  type CoreState,
  type CoreTrace,
  type MarginEvent,
  type RemarginReason,
  type TradeCtx,
  type TradeOp,
  type TradeRecord,
} from './account.ts';
export type { ReallocationResult } from './reallocation.ts';

function clipAction(x: number, i: number, clip: boolean): number {
  if (x !== x) throw new Error(`step: action ${i} is NaN`);
  if (!clip) return x;
  return x > 1 ? 1 : -1;
}

/**
 * The margin account and its mechanics, one-to-one with the original `MarginTradingEnv`
 * (docs/mechanics.md, fixtures README §4). `MarginTradingEnv` and the vector env drive it; exact
 * replays call it directly. This class is the step: what happens in what order. The parts live in
 * their own modules:
 *
 * - env/account.ts — the two books, their balances and positions, counters, the four trade primitives;
 * - env/execution-order.ts — the order a leg's trades run in (numpy's argsort, ties included);
 * - env/maintenance-tracker.ts — the maintenance tests, decided exactly without re-summing each time;
 * - env/remargin.ts — `_update_loan` / `_update_credit` with forced liquidation and buy-in;
 * - env/reallocation.ts — `update_ratio`, moving equity between the books;
 * - env/mark-to-market.ts — the re-mark at the next prices, the exit test, daily financing.
 */
export class MarginCore extends MarginAccount {
  /** Shares the agent actually traded on the last step: long leg (+bought, −sold) then short leg (+covered, −shorted). */
  readonly executed: Float64Array;
  /** Actions after scaling, truncation and position fusion, before the turbulence override. */
  readonly fused: Float64Array;

  // scratch
  private readonly longAct: Float64Array;
  private readonly shortAct: Float64Array;
  private readonly legOrder: ExecutionOrder;
  private readonly strict: number;
  private readonly clip: boolean;

  constructor(n: number, cfg: EnvConfig) {
    super(n, cfg);
    this.executed = new Float64Array(2 * n);
    this.fused = new Float64Array(2 * n);
    this.longAct = new Float64Array(n);
    this.shortAct = new Float64Array(n);
    this.legOrder = new ExecutionOrder(n);
    this.strict = cfg.strictMaintenance;
    this.clip = cfg.clipActions;
  }

  protected override resetEpisodeState(): void {
    super.resetEpisodeState();
    this.executed.fill(0);
    this.fused.fill(0);
  }

  // --- one trading step (docs/mechanics.md#execution-order) ------------------------------------------

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
    this.tracker.invalidate();
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

  private tradeLongLeg(): void {
    const n = this.n;
    const la = this.longAct;
    const ex = this.executed;
    const ord = this.legOrder;
    for (let i = 0; i < n; i++) ex[i] = 0;
    ord.compute(la);
    const neg = ord.neg;
    const pos = ord.pos;
    const nNeg = ord.nNeg;
    const nPos = ord.nPos;
    // Sells: most negative first. Buys: largest first.
    this.tracker.begin(true);
    for (let k = 0; k < nNeg; k++) {
      const i = neg[k];
      ex[i] = -this.sellLong(i, la[i]);
    }
    for (let k = 0; k < nPos; k++) {
      const i = pos[k];
      ex[i] = this.buyLong(i, la[i]);
    }
  }

  private tradeShortLeg(): void {
    const n = this.n;
    const sa = this.shortAct;
    const ex = this.executed;
    const ord = this.legOrder;
    for (let i = 0; i < n; i++) ex[n + i] = 0;
    ord.compute(sa);
    const neg = ord.neg;
    const pos = ord.pos;
    const nNeg = ord.nNeg;
    const nPos = ord.nPos;
    // Covers first (largest first), then short sales (most negative first).
    this.tracker.begin(false);
    for (let k = 0; k < nPos; k++) {
      const i = pos[k];
      ex[n + i] = this.coverShort(i, sa[i]);
    }
    for (let k = 0; k < nNeg; k++) {
      const i = neg[k];
      ex[n + i] = -this.sellShort(i, sa[i]);
    }
  }

  // --- re-margining (docs/mechanics.md#re-margining) ---------------------------------------------------

  /** The Margin Adjustment Module (every `remarginPeriod` steps) or else the Maintenance Detection Module. */
  remarginOrMaintenance(): void {
    if (this.day !== 0 && this.day % this.cfg.remarginPeriod === 0) {
      this.counters.periodicRemargins++;
      this.updateLoan('periodic');
      this.updateCredit('periodic');
    } else {
      if (this.tracker.compare(true, this.longEquity, this.strict) < 0) {
        this.counters.marginCalls++;
        this.updateLoan('maintenance_call');
      }
      if (this.tracker.compare(false, this.shortEquity, this.strict) < 0) {
        this.counters.marginCalls++;
        this.updateCredit('maintenance_call');
      }
    }
  }

  /** The original's terminal call: re-margin both books at the last day's prices (docs/mechanics.md#terminal-re-margin). */
  terminalRemargin(): void {
    this.updateLoan('terminal');
    this.updateCredit('terminal');
  }

  /** `_update_loan` (env/remargin.ts). */
  updateLoan(reason: RemarginReason): void {
    updateLoan(this, reason);
  }

  /** `_update_credit` (env/remargin.ts). */
  updateCredit(reason: RemarginReason): void {
    updateCredit(this, reason);
  }

  // --- advancing the day (env/mark-to-market.ts) --------------------------------------------------------

  /**
   * `_update_state`: re-mark both books at `newPrices`. Returns true when the original would have called
   * exit(): previous short equity plus the change in short market value below zero. The book is re-marked
   * either way.
   */
  remark(newPrices: ArrayLike<number>, offset = 0): boolean {
    return remark(this, newPrices, offset);
  }

  /** Realistic preset: one day of loan interest and short-borrow fee (annual rates ÷ 252). */
  accrueFinancing(): void {
    accrueFinancing(this);
  }

  // --- reallocation between the books (env/reallocation.ts) -------------------------------------------

  /**
   * `utils.update_ratio`: move equity between the books so the long share reaches `target` (clipped to
   * [minShare, maxShare]), or apply the paper's rule f* = f·(1 + c) for `change`. Returns the clipped target.
   */
  reallocate(spec: { target?: number; change?: number }, minShare = 0.1, maxShare = 0.9): ReallocationResult {
    return reallocate(this, spec, minShare, maxShare);
  }
}
