import type { Panel } from './panel.ts';

/**
 * Technical indicators of the paper's state, computed causally per ticker: the value on day t reads
 * prices on days ≤ t only. The recipe is the one the golden fixtures were generated with (pandas 1.5.3
 * on each ticker's history from 2008-01-02; test/fixtures/margintrader/README.md §1 "Indicators"), and it
 * reproduces every indicator slot of their observations exactly (864 of 864 values):
 *
 * - macd = EMA12(close) − EMA26(close), pandas `ewm(span, adjust=False)`: e_0 = x_0, α = 2/(span+1).
 * - boll_ub / boll_lb = SMA20 ± 2·std20, std with ddof 1.
 * - rsi_30 = 100 − 100/(1 + G/L), with G and L the `ewm(alpha=1/30, adjust=False)` of the close diff's
 *   gains and losses; the recursion starts on day 1 (day 0's diff is NaN). Only gains: 100.
 * - cci_30 = (TP − SMA30(TP)) / (0.015·MAD30(TP)), TP = (H+L+C)/3, MAD around the window's mean.
 * - dx_30 = 100·|+DI − −DI| / (+DI + −DI), ±DI = 100·W(±DM)/W(TR), W = `ewm(alpha=1/30, adjust=False)`;
 *   +DM = the up-move H−H₋₁ when it exceeds the down-move L₋₁−L and 0, −DM likewise;
 *   TR = max(H−L, |H−C₋₁|, |L−C₋₁|); all start on day 1.
 * - close_30_sma, close_60_sma = pandas `rolling(N).mean()`: a full window is required (no min_periods).
 *
 * Then NaN and ±Infinity become 0 (`fillna(0)`), so warm-up values are 0: day 0 of rsi_30 and dx_30,
 * the first N−1 days of windowed ones (19 for boll, 29 for cci_30 and close_30_sma, 59 for close_60_sma);
 * macd has a value from day 0. Finally values are rounded to 6 decimals the numpy way (scale by 1e6,
 * round half to even, unscale). Rounding ties are common, because prices carry 6
 * decimals, so the rolling mean replicates pandas' running sum bit for bit (see rollingMean). The
 * fixtures cannot distinguish the first-days conventions (their dates are years after 2008); these are
 * plain pandas defaults.
 */

/** One ticker's bars, oldest first. */
export interface Bars {
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
}

export type IndicatorFn = (bars: Bars) => Float64Array;

// ---------------------------------------------------------------------------------------------
// Building blocks with pandas semantics.

/**
 * pandas `ewm(alpha, adjust=False).mean()`: e_first = x_first, e_t = α·x_t + (1−α)·e_{t−1}.
 * Leading NaNs stay NaN and the recursion starts at the first number (the close diff's NaN on day 0).
 */
export function ewmAdjustFalse(x: Float64Array, alpha: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  let e = NaN;
  for (let t = 0; t < x.length; t++) {
    const v = x[t];
    if (Number.isNaN(v)) {
      out[t] = e;
      continue;
    }
    // pandas evaluates (old_wt·e + new_wt·x) / (old_wt + new_wt) with old_wt = 1 − α, new_wt = α, and
    // skips the update when x equals e (its guard against drift on constant series).
    if (Number.isNaN(e)) e = v;
    else if (e !== v) e = ((1 - alpha) * e + alpha * v) / (1 - alpha + alpha);
    out[t] = e;
  }
  return out;
}

/** pandas `ewm(span, adjust=False)`: α = 2 / (span + 1). */
export function emaSpan(x: Float64Array, span: number): Float64Array {
  return ewmAdjustFalse(x, 2 / (span + 1));
}

/**
 * pandas `rolling(n).mean()` (1.5): NaN until a full window, then a running sum that adds the entering
 * value and removes the leaving one, each with its own Kahan compensation. Replicated step by step
 * because prices carry 6 decimals, so about 1% of 30-day means land within an ulp of a rounding tie at
 * the 6th decimal, and a freshly summed window rounds those the other way (the fixtures tell them apart).
 * Like pandas, a window of identical values returns that value exactly.
 */
export function rollingMean(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  let sum = 0;
  let addComp = 0;
  let removeComp = 0;
  let sameRun = 0;
  let last = NaN;
  let negatives = 0;
  for (let t = 0; t < x.length; t++) {
    if (t >= n) {
      const v = x[t - n];
      const y = -v - removeComp;
      const s = sum + y;
      removeComp = s - sum - y;
      sum = s;
      if (v < 0) negatives--;
    }
    const v = x[t];
    const y = v - addComp;
    const s = sum + y;
    addComp = s - sum - y;
    sum = s;
    if (v < 0) negatives++;
    sameRun = v === last ? sameRun + 1 : 1;
    last = v;
    if (t < n - 1) continue;
    let mean = sum / n;
    if (sameRun >= n) mean = last;
    else if (negatives === 0 && mean < 0) mean = 0; // pandas clips float noise that flips the sign
    else if (negatives === n && mean > 0) mean = 0;
    out[t] = mean;
  }
  return out;
}

/** pandas `rolling(n).std()` (ddof 1), two-pass per window. */
export function rollingStd(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  for (let t = n - 1; t < x.length; t++) {
    let s = 0;
    for (let j = t - n + 1; j <= t; j++) s += x[j];
    const m = s / n;
    let ss = 0;
    for (let j = t - n + 1; j <= t; j++) ss += (x[j] - m) * (x[j] - m);
    out[t] = Math.sqrt(ss / (n - 1));
  }
  return out;
}

/** Rolling mean absolute deviation around the window's own mean (pandas' old `Series.mad`). */
export function rollingMeanAbsDev(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  for (let t = n - 1; t < x.length; t++) {
    let s = 0;
    for (let j = t - n + 1; j <= t; j++) s += x[j];
    const m = s / n;
    let a = 0;
    for (let j = t - n + 1; j <= t; j++) a += Math.abs(x[j] - m);
    out[t] = a / n;
  }
  return out;
}

/** x_t − x_{t−1}; NaN on day 0 (pandas `diff`). */
function diff(x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  out[0] = NaN;
  for (let t = 1; t < x.length; t++) out[t] = x[t] - x[t - 1];
  return out;
}

function map2(a: Float64Array, b: Float64Array, f: (x: number, y: number) => number): Float64Array {
  const out = new Float64Array(a.length);
  for (let t = 0; t < a.length; t++) out[t] = f(a[t], b[t]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The indicators.

export function macd({ close }: Bars, fast = 12, slow = 26): Float64Array {
  return map2(emaSpan(close, fast), emaSpan(close, slow), (f, s) => f - s);
}

export function bollinger({ close }: Bars, n = 20, k = 2): { upper: Float64Array; lower: Float64Array } {
  const m = rollingMean(close, n);
  const sd = rollingStd(close, n);
  return { upper: map2(m, sd, (a, b) => a + k * b), lower: map2(m, sd, (a, b) => a - k * b) };
}

/** RSI with Wilder smoothing (α = 1/n) of the close diff's gains and losses. */
export function rsi({ close }: Bars, n = 30): Float64Array {
  const d = diff(close);
  const gain = d.map((v) => (v > 0 ? v : Number.isNaN(v) ? NaN : 0));
  const loss = d.map((v) => (v < 0 ? -v : Number.isNaN(v) ? NaN : 0));
  const g = ewmAdjustFalse(gain, 1 / n);
  const l = ewmAdjustFalse(loss, 1 / n);
  // Only gains: g/0 = Infinity → 100, as in pandas; no moves at all: 0/0 = NaN → 0 later.
  return map2(g, l, (a, b) => 100 - 100 / (1 + a / b));
}

/** CCI = (TP − SMA_n(TP)) / (0.015 · MAD_n(TP)), TP = (H + L + C) / 3. */
export function cci({ high, low, close }: Bars, n = 30): Float64Array {
  const tp = new Float64Array(close.length);
  for (let t = 0; t < close.length; t++) tp[t] = (high[t] + low[t] + close[t]) / 3;
  const sma = rollingMean(tp, n);
  const mad = rollingMeanAbsDev(tp, n);
  const out = new Float64Array(close.length);
  for (let t = 0; t < close.length; t++) out[t] = (tp[t] - sma[t]) / (0.015 * mad[t]);
  return out;
}

/** DX from Wilder's directional movement: +DI, −DI and true range smoothed with α = 1/n. */
export function dx({ high, low, close }: Bars, n = 30): Float64Array {
  const T = close.length;
  const plusDm = new Float64Array(T).fill(NaN);
  const minusDm = new Float64Array(T).fill(NaN);
  const tr = new Float64Array(T).fill(NaN);
  for (let t = 1; t < T; t++) {
    const up = high[t] - high[t - 1];
    const down = low[t - 1] - low[t];
    plusDm[t] = up > down && up > 0 ? up : 0;
    minusDm[t] = down > up && down > 0 ? down : 0;
    tr[t] = Math.max(high[t] - low[t], Math.abs(high[t] - close[t - 1]), Math.abs(low[t] - close[t - 1]));
  }
  const atr = ewmAdjustFalse(tr, 1 / n);
  const pSm = ewmAdjustFalse(plusDm, 1 / n);
  const mSm = ewmAdjustFalse(minusDm, 1 / n);
  const out = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const pdi = (100 * pSm[t]) / atr[t];
    const mdi = (100 * mSm[t]) / atr[t];
    out[t] = (100 * Math.abs(pdi - mdi)) / (pdi + mdi);
  }
  return out;
}

/** The registry: every name a frame may ask for. */
export const INDICATORS: Record<string, IndicatorFn> = {
  macd: (b) => macd(b),
  boll_ub: (b) => bollinger(b).upper,
  boll_lb: (b) => bollinger(b).lower,
  rsi_30: (b) => rsi(b, 30),
  cci_30: (b) => cci(b, 30),
  dx_30: (b) => dx(b, 30),
  close_30_sma: (b) => rollingMean(b.close, 30),
  close_60_sma: (b) => rollingMean(b.close, 60),
};

/** The paper's 8 indicators, in state order. */
export const PAPER_INDICATORS = ['macd', 'boll_ub', 'boll_lb', 'rsi_30', 'cci_30', 'dx_30', 'close_30_sma', 'close_60_sma'] as const;

/** numpy's `round(x, 6)`: scale, round half to even, unscale. NaN and ±Infinity become 0 first (`fillna(0)`). */
export function cleanAndRound6(v: number): number {
  if (!Number.isFinite(v)) return 0;
  const y = v * 1e6;
  let r = Math.round(y);
  // Math.round sends halves up; numpy's rint sends them to the even neighbour.
  if (r - y === 0.5 && r % 2 !== 0) r -= 1;
  return r / 1e6;
}

/**
 * Indicators for every (day, ticker) of the panel, laid out T×(K·N) grouped by indicator within a row:
 * row t = [name0 × N tickers, name1 × N tickers, …], the paper's state order. Compute this on the
 * full loaded history, then slice: the warm-up windows then fall before the sliced range.
 */
export function computeIndicators(panel: Panel, names: readonly string[] = PAPER_INDICATORS): Float64Array {
  const unknown = names.filter((n) => !(n in INDICATORS));
  if (unknown.length > 0) throw new Error(`unknown indicator ${unknown.join(', ')}; choose from: ${Object.keys(INDICATORS).join(' ')}`);
  const T = panel.dates.length;
  const N = panel.tickers.length;
  const K = names.length;
  const out = new Float64Array(T * K * N);
  for (let i = 0; i < N; i++) {
    const bars = tickerBars(panel, i);
    names.forEach((name, k) => {
      const series = INDICATORS[name](bars);
      for (let t = 0; t < T; t++) out[t * K * N + k * N + i] = cleanAndRound6(series[t]);
    });
  }
  return out;
}

/** Column i of the panel as contiguous series. */
export function tickerBars(panel: Panel, i: number): Bars {
  const T = panel.dates.length;
  const N = panel.tickers.length;
  const bars: Bars = { high: new Float64Array(T), low: new Float64Array(T), close: new Float64Array(T) };
  for (let t = 0; t < T; t++) {
    bars.high[t] = panel.high[t * N + i];
    bars.low[t] = panel.low[t * N + i];
    bars.close[t] = panel.close[t * N + i];
  }
  return bars;
}
