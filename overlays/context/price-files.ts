/**
 * The price inputs of the prices context and the offline forecasters, from the bundled files through the
 * data layer (src/data). The bundled ^DJI series ends on 2022-11-18 while the paper trades to 2024-04; it
 * is continued with DIA's daily returns (as the benchmark is, data/README.md), flagged through
 * `proxyAfter`, so every context and the oracle say when they read a proxy.
 */
import { BUNDLED_DATA_DIR, cachedOhlcv, chainReturns, dataFile } from '../../src/data/build.ts';
import type { OhlcvTable } from '../../src/data/csv.ts';
import { closeSeries } from '../../src/data/risk.ts';
import type { ClosePanel, IndexSeries } from './prices.ts';

/** The FinRL DOW_30 list (members as of Oct 2021) — the universe the paper's news prompts cover. */
export const DOW30_TICKERS = [
  'AXP',
  'AMGN',
  'AAPL',
  'BA',
  'CAT',
  'CSCO',
  'CVX',
  'GS',
  'HD',
  'HON',
  'IBM',
  'INTC',
  'JNJ',
  'KO',
  'JPM',
  'MCD',
  'MMM',
  'MRK',
  'MSFT',
  'NKE',
  'PG',
  'TRV',
  'UNH',
  'CRM',
  'VZ',
  'V',
  'WBA',
  'WMT',
  'DIS',
  'DOW',
] as const;

/** Closes of `tickers` on the union of their dates (NaN where a ticker has no row, e.g. before a listing). */
export function closePanelOf(table: OhlcvTable, tickers: readonly string[] = DOW30_TICKERS): ClosePanel {
  const series = tickers.map((t) => closeSeries(table, t));
  const dates = [...new Set(series.flatMap((x) => x.dates))].sort();
  const row = new Map(dates.map((d, t) => [d, t]));
  const N = tickers.length;
  const close = new Float64Array(dates.length * N).fill(NaN);
  series.forEach((x, i) => x.dates.forEach((d, k) => (close[row.get(d)! * N + i] = x.values[k])));
  return { dates, tickers: [...tickers], close };
}

/**
 * ^DJI from the bundle, continued past its end (2022-11-18) with DIA's daily returns — the same series as
 * the benchmark (src/data/build.ts `chainReturns`) — plus the Dow constituents' closes. Read through the
 * data layer's validated loaders. `proxyAfter` marks where the DIA proxy starts.
 */
export function loadBundledPrices(dataDir: string = BUNDLED_DATA_DIR): { index: IndexSeries; panel: ClosePanel } {
  const panel = closePanelOf(cachedOhlcv(dataFile(dataDir, 'stocks')));
  const dji = closeSeries(cachedOhlcv(dataFile(dataDir, 'index')), '^DJI');
  const dia = closeSeries(cachedOhlcv(dataFile(dataDir, 'dia')), 'DIA');
  const full = chainReturns(dji, dia);
  const lastDji = dji.dates[dji.dates.length - 1];
  const spliced = full.dates[full.dates.length - 1] > lastDji;
  const index: IndexSeries = { name: '^DJI', dates: full.dates, close: full.values, ...(spliced ? { proxyAfter: lastDji, proxyName: 'DIA' } : {}) };
  return { index, panel };
}
