/**
 * Market values of the two books, summed left to right in ticker order like the original's Python
 * `sum`: the order changes the last bit, and the replays compare bits (docs/mechanics.md#the-account).
 */

/** Σ p·h over the long positions (p·h > 0). */
export function longMarketValue(prices: Float64Array, holdings: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const m = prices[i] * holdings[i];
    if (m > 0) s += m;
  }
  return s;
}

/** |Σ p·h| over the short positions (p·h < 0): the sum is taken signed, then its absolute value, as the original does. */
export function shortMarketValue(prices: Float64Array, holdings: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const m = prices[i] * holdings[i];
    if (m < 0) s += m;
  }
  return Math.abs(s);
}
