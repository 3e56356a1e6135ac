import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { BUNDLED_DATA_DIR } from './checksums.ts';
import { loadLongSeriesCsv, loadOhlcvCsv, type LongSeriesTable, type OhlcvTable } from './csv.ts';
import { computeIndicators, PAPER_INDICATORS } from './indicators.ts';
import type { MarketFrame } from './market-frame.ts';
import { buildPanel, dateRowRange, type Coverage, type GapPolicy } from './panel.ts';
import { closeSeries, longSeries, spliceVix, turbulenceIndex, valuesOn, type DailySeries } from './risk.ts';

export { BUNDLED_DATA_DIR } from './checksums.ts';
export { PAPER_INDICATORS } from './indicators.ts';

/** The paper's 27 stocks: the FinRL Dow 30 list less CRM, DOW and V, alphabetical (the fixtures' order). */
export const PAPER_TICKERS = [
  'AAPL', 'AMGN', 'AXP', 'BA', 'CAT', 'CSCO', 'CVX', 'DIS', 'GS', 'HD', 'HON', 'IBM', 'INTC', 'JNJ',
  'JPM', 'KO', 'MCD', 'MMM', 'MRK', 'MSFT', 'NKE', 'PG', 'TRV', 'UNH', 'VZ', 'WBA', 'WMT',
] as const;

/** The files a data folder provides, each with the names it may have (bundled gzip first, then the shared CSVs). */
const DATA_FILES = {
  stocks: ['dow30_daily_ohlcv.csv.gz', 'dow30_daily_ohlcv.csv'],
  index: ['index_daily_ohlc.csv.gz', 'index_daily_ohlc.csv'],
  dia: ['etf_dia_daily_ohlcv.csv.gz', 'etf_daily_ohlcv.csv.gz', 'etf_daily_ohlcv.csv'],
  macro: ['macro_fred_long.csv.gz', 'macro_fred_long.csv'],
  // Universes (src/data/universe.ts): the SPDR sector ETFs with SPY, the four coins, and the Dow GICS map.
  sectors: ['etf_sectors_daily_ohlcv.csv.gz', 'etf_daily_ohlcv.csv.gz', 'etf_daily_ohlcv.csv'],
  crypto: ['crypto_daily_ohlcv.csv.gz', 'crypto_daily_ohlcv.csv'],
  sectorMap: ['dow30_sectors.csv'],
} as const;

export type DataFileKind = keyof typeof DATA_FILES;

export function dataFile(dataDir: string, kind: DataFileKind): string {
  for (const name of DATA_FILES[kind]) {
    const path = resolve(dataDir, name);
    if (existsSync(path)) return path;
  }
  throw new Error(`no ${kind} file in ${dataDir}: expected one of ${DATA_FILES[kind].join(', ')} (the bundled data lives in ${BUNDLED_DATA_DIR})`);
}

// Parsed files, per process: tests and sweeps build many frames from the same few files. The tables
// are shared, so callers must treat them as read-only (everything built from them copies).
const ohlcvCache = new Map<string, OhlcvTable>();
const seriesCache = new Map<string, LongSeriesTable>();

export function cachedOhlcv(path: string): OhlcvTable {
  let table = ohlcvCache.get(path);
  if (!table) ohlcvCache.set(path, (table = loadOhlcvCsv(path)));
  return table;
}

export function cachedLongSeries(path: string): LongSeriesTable {
  let table = seriesCache.get(path);
  if (!table) seriesCache.set(path, (table = loadLongSeriesCsv(path)));
  return table;
}

/** Forgets the parsed files (for tests that rewrite a data folder). */
export function clearDataCache(): void {
  ohlcvCache.clear();
  seriesCache.clear();
}

export interface BuildFrameOptions {
  /** First date, inclusive (YYYY-MM-DD). */
  start: string;
  /** Last date, inclusive. */
  end: string;
  tickers?: readonly string[];
  dataDir?: string;
  indicators?: readonly string[];
  gapPolicy?: GapPolicy;
}

/**
 * The environment's input for start..end (both included): closes, opens, indicators, VIX and turbulence.
 *
 * Indicators and turbulence are computed on the history from the first date on which every selected
 * ticker trades (2008-01-02 for the paper's 27) up to `end`, then sliced, so their warm-up lies before
 * `start` whenever the history allows (turbulence needs 252 days, close_60_sma 60). Both are causal, so
 * the values do not depend on `end`.
 */
export function buildMarketFrame({
  start,
  end,
  tickers = PAPER_TICKERS,
  dataDir = BUNDLED_DATA_DIR,
  indicators = PAPER_INDICATORS,
  gapPolicy = 'error',
}: BuildFrameOptions): MarketFrame {
  const table = cachedOhlcv(dataFile(dataDir, 'stocks'));
  const selected = [...tickers];
  const { calendar, coverage } = historyCalendar(table, selected, start, end);
  const panel = buildPanel(table, { tickers: selected, calendar, gapPolicy });
  // The calendar stops at `end`: a range outside the data is reported with the file's own coverage.
  const { first, last } = dateRowRange(panel.dates, start, end, coverage);
  const N = selected.length;
  const K = indicators.length;
  const allIndicators = computeIndicators(panel, indicators);
  const dates = panel.dates.slice(first, last + 1);
  return {
    dates,
    tickers: selected,
    close: panel.close.slice(first * N, (last + 1) * N),
    open: panel.open.slice(first * N, (last + 1) * N),
    indicatorNames: [...indicators],
    indicators: allIndicators.slice(first * K * N, (last + 1) * K * N),
    vix: vixOn(dates, dataDir),
    turbulence: turbulenceIndex(panel.close, N, { first, last }),
  };
}

/**
 * Trading dates from the first day every selected ticker has a row, to `end`, and what the file covers
 * for these tickers (that first day to their last row). A range that starts before a late listing (V in
 * 2008-03, DOW in 2019-03) is refused rather than silently shortened.
 */
function historyCalendar(table: OhlcvTable, tickers: string[], start: string, end: string): { calendar: string[]; coverage: Coverage } {
  const wanted = new Set(tickers);
  const firstDate = new Map<string, string>();
  let lastDate = '';
  for (let r = 0; r < table.date.length; r++) {
    const t = table.ticker[r];
    if (!wanted.has(t)) continue;
    if (!firstDate.has(t)) firstDate.set(t, table.date[r]);
    if (table.date[r] > lastDate) lastDate = table.date[r];
  }
  const missing = tickers.filter((t) => !firstDate.has(t));
  if (missing.length > 0) {
    throw new Error(`${table.source} has no rows for ${missing.join(', ')}; choose tickers from: ${[...new Set(table.ticker)].sort().join(' ')}`);
  }
  let latest = tickers[0];
  for (const t of tickers) if (firstDate.get(t)! > firstDate.get(latest)!) latest = t;
  const historyStart = firstDate.get(latest)!;
  const dates = new Set<string>();
  let earlier = false;
  for (let r = 0; r < table.date.length; r++) {
    const d = table.date[r];
    if (!wanted.has(table.ticker[r]) || d > end) continue;
    if (d >= historyStart) dates.add(d);
    else if (d >= start) earlier = true;
  }
  if (earlier) {
    throw new Error(`${latest} has no data before ${historyStart}; start on or after ${historyStart}, or leave ${latest} out`);
  }
  return { calendar: [...dates].sort(), coverage: { first: historyStart, last: lastDate, source: table.source } };
}

/** ^VIX close from the index file, continued with FRED VIXCLS after the index file ends (see spliceVix). */
export function loadVix(dataDir: string = BUNDLED_DATA_DIR): DailySeries {
  const yahoo = closeSeries(cachedOhlcv(dataFile(dataDir, 'index')), '^VIX');
  const fred = longSeries(cachedLongSeries(dataFile(dataDir, 'macro')), 'VIXCLS');
  return spliceVix(yahoo, fred);
}

/** The VIX on each date (NaN where unknown); the FRED file is parsed only when the dates reach past ^VIX. */
export function vixOn(dates: string[], dataDir: string): Float64Array {
  const yahoo = closeSeries(cachedOhlcv(dataFile(dataDir, 'index')), '^VIX');
  const needsFred = dates.length > 0 && dates[dates.length - 1] > yahoo.dates[yahoo.dates.length - 1];
  return valuesOn(needsFred ? loadVix(dataDir) : yahoo, dates);
}

export interface Benchmark {
  dates: string[];
  close: Float64Array;
  /** Which series the numbers come from, and where they are spliced. */
  source: string;
}

/**
 * The DJIA level for the buy-and-hold benchmark, start..end inclusive.
 *
 * SPLICE: the index file's ^DJI ends 2022-11-18. After its last date the level is continued by
 * chaining the daily close-to-close returns of the DIA ETF (which tracks the DJIA) onto the last ^DJI
 * close. DIA's close is dividend-adjusted, so after the splice the benchmark is a total-return series
 * (about 2% a year above the price index, whose dividends are not reinvested). `source` says whether,
 * and from which date, the returned range is spliced.
 */
export function loadBenchmark({ start, end, dataDir = BUNDLED_DATA_DIR }: { start: string; end: string; dataDir?: string }): Benchmark {
  const dji = closeSeries(cachedOhlcv(dataFile(dataDir, 'index')), '^DJI');
  const dia = closeSeries(cachedOhlcv(dataFile(dataDir, 'dia')), 'DIA');
  const full = chainReturns(dji, dia);
  const { first, last } = dateRowRange(full.dates, start, end);
  const lastDji = dji.dates[dji.dates.length - 1];
  const spliced = full.dates[last] > lastDji;
  return {
    dates: full.dates.slice(first, last + 1),
    close: full.values.slice(first, last + 1),
    source: spliced ? `${full.source} (DIA is dividend-adjusted: total return after the splice)` : dji.source,
  };
}

/**
 * `base` continued past its last date with `extension`'s daily returns, anchored on base's last date
 * (which the extension must also have).
 */
export function chainReturns(base: DailySeries, extension: DailySeries): DailySeries {
  const anchorDate = base.dates[base.dates.length - 1];
  const j0 = extension.dates.indexOf(anchorDate);
  if (j0 < 0) throw new Error(`${extension.source} has no value on ${anchorDate}, the last date of ${base.source}; cannot chain its returns`);
  const dates = [...base.dates];
  const values = [...base.values];
  let level = values[values.length - 1];
  for (let j = j0 + 1; j < extension.dates.length; j++) {
    level *= extension.values[j] / extension.values[j - 1];
    dates.push(extension.dates[j]);
    values.push(level);
  }
  const source =
    j0 + 1 < extension.dates.length
      ? `${base.source} through ${anchorDate}, then chained daily returns of ${extension.source} from ${extension.dates[j0 + 1]}`
      : base.source;
  return { dates, values: Float64Array.from(values), source };
}
