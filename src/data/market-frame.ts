/**
 * The dense, aligned market data the environment consumes: one row per trading date, one column per
 * ticker, all typed arrays in row-major order (value of ticker i on day t at index t * N + i).
 *
 * Built by `buildMarketFrame` (src/data/build.ts) from the CSV loaders; tests and fixture replays build
 * them directly. Everything in row t is known at the close of dates[t] (indicators are causal).
 */
export interface MarketFrame {
  /** ISO dates (YYYY-MM-DD), strictly ascending trading days. */
  dates: string[];
  /** Ticker symbols, column order of every per-ticker array. */
  tickers: string[];
  /** Adjusted close, T×N. Trades execute at this price in the paper preset. */
  close: Float64Array;
  /** Adjusted open, T×N. Used by next-open execution (realistic preset). */
  open: Float64Array;
  /** Indicator names in state order, e.g. the paper's 8: macd, boll_ub, boll_lb, rsi_30, cci_30, dx_30, close_30_sma, close_60_sma. */
  indicatorNames: string[];
  /** Indicators, T×(K·N), grouped by indicator within a row: [ind0×N, ind1×N, …] exactly as the paper's state. */
  indicators: Float64Array;
  /** VIX close per date (T); NaN where unknown. The paper's turbulence rule reads this column. */
  vix: Float64Array;
  /** Turbulence index per date (T): 252-day Mahalanobis distance of the day's returns; 0 in the warm-up. */
  turbulence: Float64Array;
}

export function frameDims(f: MarketFrame): { T: number; N: number; K: number } {
  return { T: f.dates.length, N: f.tickers.length, K: f.indicatorNames.length };
}
