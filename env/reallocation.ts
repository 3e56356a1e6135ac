import type { MarginAccount } from './account.ts';

/** What a reallocation did: the clipped target long share, the equity moved (+ long → short), positions closed. */
export interface ReallocationResult {
  target: number;
  moved: number;
  forced: number;
}

/**
 * The reallocation between the books, the original's `utils.update_ratio`
 * (docs/mechanics.md#reallocation).
 *
 * Move equity between the books so the long share e^l/(e^l+e^s) reaches `target` (clipped to
 * [minShare, maxShare]), keeping k = 2 on both sides: d of equity moves as cash ∓2d, loan ∓d, e^l ∓d,
 * limit ±2d, credit ±3d, e^s ±d. When free cash (or limit/2) is short, whole positions are closed,
 * smallest market value first, re-evaluating after each. `change` applies the paper's rule
 * f* = f·(1 + c). Total equity moves only by the fees of forced trades. Returns the clipped target.
 */
export function reallocate(a: MarginAccount, spec: { target?: number; change?: number }, minShare = 0.1, maxShare = 0.9): ReallocationResult {
  const n = a.n;
  a.tracker.invalidate(); // holdings change below without the agent's trade primitives
  const market = a.positionValues();
  const order = a.argsortPositions(market);
  const sumEquity = a.longEquity + a.shortEquity;
  const current = a.longEquity / sumEquity;
  let target: number;
  if (spec.change !== undefined) target = current * (1 + spec.change);
  else if (spec.target !== undefined) target = spec.target;
  else throw new Error('reallocate: give a target long share or a change');
  target = Math.min(maxShare, target);
  target = Math.max(minShare, target);
  let forced = 0;
  let longDiff = a.longEquity - target * sumEquity;
  let moved: number;
  if (longDiff >= 0) {
    // Long → short, limited by the long book's free cash (cash − loan).
    let threshold = a.cash - a.loan;
    if (threshold < longDiff) {
      let count = 0;
      for (let i = 0; i < n; i++) if (market[i] > 0) count++;
      const from = count === 0 ? 0 : n - count;
      for (let k = from; k < n; k++) {
        const i = order[k];
        // utils.sell_long_stock: sells the whole holding, no gate, no turbulence test.
        const h = a.holdings[i];
        if (h !== 0) {
          a.applySellLong(i, h);
          forced++;
        }
        if (a.trace) a.trace.trades.push({ op: 'SL', i, requested: h, delta: -h, ctx: 'R' });
        threshold = a.cash - a.loan;
        longDiff = a.longEquity - (a.longEquity + a.shortEquity) * target;
        if (threshold >= longDiff) break;
      }
    }
    const d = longDiff < threshold ? longDiff : threshold;
    a.cash -= 2 * d;
    a.loan -= d;
    a.longEquity -= d;
    a.limit += 2 * d;
    a.credit += 3 * d;
    a.shortEquity += d;
    moved = d;
  } else {
    // Short → long, limited by half the remaining short limit.
    let shortDiff = Math.abs(longDiff);
    let threshold = a.limit / 2;
    if (threshold < shortDiff) {
      let count = 0;
      for (let i = 0; i < n; i++) if (market[i] < 0) count++;
      for (let k = count - 1; k >= 0; k--) {
        const i = order[k];
        // utils.buy_short_stock: covers the whole position.
        const bought = Math.abs(a.holdings[i]);
        if (bought !== 0) {
          a.applyCover(i, bought);
          forced++;
        }
        if (a.trace) a.trace.trades.push({ op: 'BS', i, requested: bought, delta: bought, ctx: 'R' });
        threshold = a.limit / 2;
        longDiff = a.longEquity - (a.longEquity + a.shortEquity) * target;
        shortDiff = Math.abs(longDiff);
        if (threshold >= shortDiff) break;
      }
    }
    const d = shortDiff < threshold ? shortDiff : threshold;
    a.cash += 2 * d;
    a.loan += d;
    a.longEquity += d;
    a.limit -= 2 * d;
    a.credit -= 3 * d;
    a.shortEquity -= d;
    moved = -d;
  }
  a.counters.forcedTrades += forced;
  return { target, moved, forced };
}
