import type { MarginAccount } from './account.ts';

/**
 * Advancing the day: re-mark both books at the next prices (docs/mechanics.md#execution-order, the
 * last two stages) and, in the realistic preset, charge a day of financing
 * (docs/mechanics.md#opt-in-realism).
 */

/**
 * `_update_state`: re-mark both books at `newPrices`. Returns true when the original would have called
 * exit(): previous short equity plus the change in short market value below zero. The book is re-marked
 * either way.
 */
export function remark(a: MarginAccount, newPrices: ArrayLike<number>, offset = 0): boolean {
  const n = a.n;
  const h = a.holdings;
  const p = a.prices;
  let lm = 0;
  let sm = 0;
  for (let i = 0; i < n; i++) {
    const m = newPrices[offset + i] * h[i];
    if (m > 0) lm += m;
    else if (m < 0) sm += m;
  }
  const shortMarket = Math.abs(sm);
  // Decided before the prices move: the test compares the short book at the old and the new prices.
  const exit = a.tracker.shortExit(a.shortEquity, shortMarket);
  a.longEquity = a.cash + lm - a.loan;
  a.shortEquity = a.credit - a.limit - shortMarket;
  for (let i = 0; i < n; i++) p[i] = newPrices[offset + i];
  a.tracker.invalidate();
  return exit;
}

/** Realistic preset: one day of loan interest and short-borrow fee (annual rates ÷ 252). */
export function accrueFinancing(a: MarginAccount): void {
  const { loanRate, shortBorrowFee } = a.cfg;
  if (loanRate > 0 && a.loan > 0) {
    const interest = (a.loan * loanRate) / 252;
    a.loan += interest;
    a.longEquity -= interest;
    a.counters.financing += interest;
  }
  if (shortBorrowFee > 0) {
    const fee = (a.shortMarketValue() * shortBorrowFee) / 252;
    if (fee > 0) {
      a.credit -= fee;
      a.shortEquity -= fee;
      a.counters.financing += fee;
    }
  }
}
