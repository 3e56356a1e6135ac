/**
 * Minimal readers of the bundled price files for the prices context and the offline forecasters
 * (`index_daily_ohlc.csv[.gz]`: date,ticker,open,high,low,close,volume; `dow30_daily_ohlcv.csv[.gz]`:
 * date,ticker,open,high,low,close,…). Only closes are read.
 *
 * The bundled ^DJI series ends on 2022-11-18 while the paper trades to 2024-04. `extendIndex` continues
 * it with DIA's daily returns (as the project's benchmark does, data/README.md), flagged through
 * `proxyAfter`, so every context and the oracle say when they read a proxy.
 */
import { bundledDataPath, readDataText } from '../../src/data/macro.ts';
import type { ClosePanel, IndexSeries } from './prices.ts';

/** The FinRL DOW_30 list (members as of Oct 2021) — the universe the paper's news prompts cover. */
export const DOW30_TICKERS = [
  'AXP', 'AMGN', 'AAPL', 'BA', 'CAT', 'CSCO', 'CVX', 'GS', 'HD', 'HON', 'IBM', 'INTC', 'JNJ', 'KO', 'JPM',
  'MCD', 'MMM', 'MRK', 'MSFT', 'NKE', 'PG', 'TRV', 'UNH', 'CRM', 'VZ', 'V', 'WBA', 'WMT', 'DIS', 'DOW',
] as const;

interface CloseRow {
  date: string;
  ticker: string;
  close: number;
}

function readCloses(path: string, keep: (ticker: string) => boolean): CloseRow[] {
  const lines = readDataText(path).split(/\r?\n/);
  const header = lines[0].split(',');
  const di = header.indexOf('date');
  const ti = header.indexOf('ticker');
  const ci = header.indexOf('close');
  if (di < 0 || ti < 0 || ci < 0) throw new Error(`${path}:1: expected columns date, ticker and close, got ${lines[0]}`);
  const rows: CloseRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const f = lines[i].split(',');
    if (!keep(f[ti])) continue;
    const close = Number(f[ci]);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(f[di]) || !(close > 0)) {
      throw new Error(`${path}:${i + 1}: expected an ISO date and a positive close, got "${lines[i]}"`);
    }
    rows.push({ date: f[di], ticker: f[ti], close });
  }
  return rows;
}

export function loadIndexSeries(ticker = '^DJI', path?: string): IndexSeries {
  const file = path ?? bundledDataPath('index_daily_ohlc.csv');
  const rows = readCloses(file, (t) => t === ticker).sort((a, b) => (a.date < b.date ? -1 : 1));
  if (rows.length === 0) throw new Error(`${file}: no rows for ${ticker}`);
  return { name: ticker, dates: rows.map((r) => r.date), close: Float64Array.from(rows, (r) => r.close) };
}

export function loadClosePanel(tickers: readonly string[] = DOW30_TICKERS, path?: string): ClosePanel {
  const file = path ?? bundledDataPath('dow30_daily_ohlcv.csv');
  const wanted = new Set(tickers);
  const rows = readCloses(file, (t) => wanted.has(t));
  const dates = [...new Set(rows.map((r) => r.date))].sort();
  const row = new Map(dates.map((d, t) => [d, t]));
  const col = new Map(tickers.map((tk, i) => [tk, i]));
  const N = tickers.length;
  const close = new Float64Array(dates.length * N).fill(NaN);
  for (const r of rows) close[row.get(r.date)! * N + col.get(r.ticker)!] = r.close;
  return { dates, tickers: [...tickers], close };
}

/**
 * Continues `index` past its last date by chaining the daily close-to-close returns of `tracker` (DIA,
 * the ETF that tracks the DJIA) onto its last level. Returns the index unchanged when the tracker ends
 * no later. DIA's closes are dividend-adjusted, so the proxy part is total-return-like (about 2% a year
 * above the price index); `proxyAfter` marks where it starts.
 */
export function extendIndex(index: IndexSeries, tracker: IndexSeries): IndexSeries {
  const lastDate = index.dates[index.dates.length - 1];
  const t0 = tracker.dates.indexOf(lastDate);
  if (t0 < 0 || t0 === tracker.dates.length - 1) return index;
  const dates = [...index.dates];
  const close = Array.from(index.close);
  let level = close[close.length - 1];
  for (let t = t0 + 1; t < tracker.dates.length; t++) {
    level *= tracker.close[t] / tracker.close[t - 1];
    dates.push(tracker.dates[t]);
    close.push(level);
  }
  return { name: index.name, dates, close: Float64Array.from(close), proxyAfter: lastDate, proxyName: tracker.name };
}

/** ^DJI from the bundle, continued with DIA past its end, plus the Dow constituents' closes. */
export function loadBundledPrices(dataDir?: string): { index: IndexSeries; panel: ClosePanel } {
  const panel = loadClosePanel(DOW30_TICKERS, bundledDataPath('dow30_daily_ohlcv.csv', dataDir));
  const dji = loadIndexSeries('^DJI', bundledDataPath('index_daily_ohlc.csv', dataDir));
  const dia = loadIndexSeries('DIA', bundledDataPath('etf_dia_daily_ohlcv.csv', dataDir));
  return { index: extendIndex(dji, dia), panel };
}
