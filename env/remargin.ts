import type { MarginAccount, MarginEvent, RemarginReason } from './account.ts';

/**
 * Re-margining a book (docs/mechanics.md#re-margining): bring the long loan and the short limit back to
 * their targets after the book has moved, and close positions when the money to do so is not there
 * (docs/mechanics.md#forced-liquidation). The original's `_update_loan` and `_update_credit`; who calls
 * them and when is the step's business (env/core.ts).
 */

/**
 * `_update_loan`: bring the loan back to its target (the original: loan = long equity). Profit → borrow
 * more; loss → repay from cash; not enough cash → sell whole long positions, smallest market value
 * first, until the shortfall is covered. The original repays with gross market value although only
 * MV·(1 − fee) was received (a fee leak the next re-mark refunds); kept for exact replay.
 */
export function updateLoan(a: MarginAccount, reason: RemarginReason): void {
  const market = a.positionValues();
  const target = a.cfg.loanTargetFromMargin ? (a.cfg.margin - 1) * a.longEquity : a.longEquity;
  const diff = target - a.loan;
  let branch: MarginEvent['branch'];
  let forced = 0;
  if (diff > 0) {
    branch = 'borrow_more';
    a.loan = target;
    a.cash += diff;
  } else if (a.cash > Math.abs(diff)) {
    branch = 'repay_from_cash';
    a.cash -= Math.abs(diff);
    a.loan -= Math.abs(diff);
  } else {
    branch = 'forced_liquidation';
    let rest = Math.abs(diff) - a.cash;
    a.cash = 0;
    const n = a.n;
    const order = a.argsortPositions(market);
    let count = 0;
    for (let i = 0; i < n; i++) if (market[i] > 0) count++;
    // argsort[-count:] — with no longs numpy's [-0:] is the whole array (harmless: nothing sells).
    const from = count === 0 ? 0 : n - count;
    for (let k = from; k < n; k++) {
      const i = order[k];
      if (a.cfg.partialLiquidation) {
        const p = a.prices[i];
        const h = a.holdings[i];
        if (h <= 0) continue;
        const fill = a.slip === 0 ? p : p * (1 - a.slip);
        const perShare = fill * (1 - a.sellFee);
        const need = Math.min(h, Math.ceil(rest / perShare));
        const cashBefore = a.cash;
        a.sellLong(i, need, 'L');
        forced++;
        const proceeds = a.cash - cashBefore;
        if (proceeds < rest) {
          rest -= proceeds;
          a.cash = 0;
        } else {
          a.cash -= rest;
          break;
        }
      } else {
        const sold = a.sellLong(i, a.holdings[i], 'L');
        if (sold > 0) forced++;
        if (market[i] < rest) {
          rest -= market[i];
          a.cash = 0;
        } else {
          a.cash -= rest;
          break;
        }
      }
    }
    a.loan -= Math.abs(diff);
  }
  a.counters.forcedTrades += forced;
  if (a.trace) a.trace.margin.push({ fn: 'update_loan', reason, branch, diff, forced });
}

/**
 * `_update_credit`: keep limit + short MV = k·short equity. Profit → raise the limit; loss → cut it;
 * not enough limit → cover whole short positions, smallest |market value| first.
 */
export function updateCredit(a: MarginAccount, reason: RemarginReason): void {
  const market = a.positionValues();
  let s = 0;
  for (let i = 0; i < a.n; i++) if (market[i] < 0) s += market[i];
  const shortMarket = Math.abs(s);
  const borrowLimit = a.limit + shortMarket;
  const diff = a.cfg.margin * a.shortEquity - borrowLimit;
  let branch: MarginEvent['branch'];
  let forced = 0;
  if (diff > 0) {
    branch = 'raise_limit';
    a.limit += diff;
    a.credit += diff;
  } else if (a.limit > Math.abs(diff)) {
    branch = 'cut_limit';
    a.limit += diff;
    a.credit += diff;
  } else {
    branch = 'forced_buy_in';
    let rest = diff + a.limit;
    a.limit = 0;
    const order = a.argsortPositions(market);
    let count = 0;
    for (let i = 0; i < a.n; i++) if (market[i] < 0) count++;
    // argsort[:count][::-1]: shorts from the smallest |market value| up.
    for (let k = count - 1; k >= 0; k--) {
      const i = order[k];
      if (a.cfg.partialLiquidation) {
        const p = a.prices[i];
        const fill = a.slip === 0 ? p : p * (1 + a.slip);
        const need = Math.min(Math.abs(a.holdings[i]), Math.ceil(Math.abs(rest) / fill));
        const limitBefore = a.limit;
        a.coverShort(i, need, 'C');
        forced++;
        const freed = a.limit - limitBefore;
        if (freed < Math.abs(rest)) {
          rest += freed;
          a.limit = 0;
        } else {
          a.limit -= Math.abs(rest);
          break;
        }
      } else {
        const covered = a.coverShort(i, Math.abs(a.holdings[i]), 'C');
        if (covered > 0) forced++;
        if (market[i] > rest) {
          rest += Math.abs(market[i]);
          a.limit = 0;
        } else {
          a.limit -= Math.abs(rest);
          break;
        }
      }
    }
    a.credit -= Math.abs(diff);
  }
  a.counters.forcedTrades += forced;
  if (a.trace) a.trace.margin.push({ fn: 'update_credit', reason, branch, diff, forced });
}
