import { longMarketValue, shortMarketValue } from './market-value.ts';

/**
 * The maintenance tests of a step, decided as the original decides them but without its cost
 * (docs/mechanics.md#maintenance-levels-and-margin-calls).
 *
 * The original recomputes a book's market value (a 27-term sum) before every single buy or short sale,
 * and again for the strict-level test after trading. Within a step only the traded terms change, so we
 * track each book's market value incrementally from an exact sum at the start of its leg, and fall back
 * to the exact sum only when the tracked value cannot decide a comparison with certainty (1e-12
 * relative error bound, far above the rounding of either sum). Decisions, and so results, are identical.
 *
 * Book index: 0 long, 1 short. The tracker reads the account's own `prices` and `holdings` arrays
 * (shared, never copied) and is invalidated whenever they change outside the trade primitives.
 */
export class MaintenanceTracker {
  private readonly n: number;
  private readonly prices: Float64Array;
  private readonly holdings: Float64Array;
  /** Per book: tracked market value, scale for the error bound, open positions, valid flag. */
  private readonly trkMV = new Float64Array(2);
  private readonly trkScale = new Float64Array(2);
  private readonly trkCount = new Int32Array(2);
  private readonly trkValid = new Uint8Array(2);

  constructor(n: number, prices: Float64Array, holdings: Float64Array) {
    this.n = n;
    this.prices = prices;
    this.holdings = holdings;
  }

  /** Start tracking a book from an exact sum (at the start of its leg). */
  begin(long: boolean): void {
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
  onTrade(price: number, dShares: number, before: number, after: number, long: boolean): void {
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

  /** Prices or holdings changed outside the trade primitives: every test falls back to the exact sum. */
  invalidate(): void {
    this.trkValid[0] = 0;
    this.trkValid[1] = 0;
  }

  /**
   * Compare a book's maintenance (equity / market value, 1 with no position) with `level`:
   * returns +1 if above, −1 if below, 0 if equal — exactly as the exact computation would.
   */
  compare(long: boolean, equity: number, level: number): number {
    const b = long ? 0 : 1;
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
    const m = maintenance(equity, long ? longMarketValue(this.prices, this.holdings, this.n) : shortMarketValue(this.prices, this.holdings, this.n));
    return m > level ? 1 : m < level ? -1 : 0;
  }

  /**
   * The original's exit test at the re-mark, e^s + (previous short MV − new short MV) < 0, decided
   * exactly. `shortMarket` is the short market value at the new prices; `prices` still hold the old ones.
   */
  shortExit(shortEquity: number, shortMarket: number): boolean {
    const base = shortEquity - shortMarket;
    if (this.trkValid[1]) {
      // The tracked short MV at today's prices decides unless the sum is within its error bound of 0.
      const x = base + this.trkMV[1];
      const err = 1e-12 * this.trkScale[1] + 1e-9 * (Math.abs(shortEquity) + shortMarket);
      if (x > err) return false;
      if (x < -err) return true;
    }
    let prevS = 0;
    for (let i = 0; i < this.n; i++) {
      const pm = this.prices[i] * this.holdings[i];
      if (pm < 0) prevS += pm;
    }
    return shortEquity + (Math.abs(prevS) - shortMarket) < 0;
  }
}

/** A book's maintenance ratio: equity / market value, 1 with no position (the original's `_check_*_maintenance`). */
export function maintenance(equity: number, marketValue: number): number {
  return marketValue !== 0 ? equity / marketValue : 1;
}
