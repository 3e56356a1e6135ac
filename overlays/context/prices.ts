/**
 * Prices context: a summary of the index and its constituents up to the last close before `asOf`
 * (trend, returns over 1/3/6 months, volatility, best and worst constituents). Inputs are plain arrays,
 * so any loader (the bundled files, a test, the env's panel) can feed it.
 */
import type { Context, ContextSource } from './types.ts';

/** Closing prices, row-major T×N (value of ticker i on day t at t·N + i); NaN where unknown. */
export interface ClosePanel {
  dates: string[];
  tickers: string[];
  close: Float64Array;
}

/** An index level series (ascending dates). */
export interface IndexSeries {
  name: string;
  dates: string[];
  close: Float64Array;
  /** When set, levels after this date are a proxy (see price-files.ts), not the published index. */
  proxyAfter?: string;
  /** What the proxy levels are chained from (e.g. DIA). */
  proxyName?: string;
}

export interface ConstituentReturn {
  ticker: string;
  return3m: number;
}

export interface PriceSummary {
  asOf: string;
  index: string;
  /** Last trading day before asOf. */
  lastDate: string;
  level: number;
  /** Simple returns over 21, 63, 126 trading days (≈1, 3, 6 months); null without enough history. */
  return1m: number | null;
  return3m: number | null;
  return6m: number | null;
  /** Annualised volatility of daily log returns over the last 63 trading days. */
  volatility3m: number | null;
  /** Level relative to its 200-day average minus 1 (positive: above it). */
  vsMa200: number | null;
  /** Drawdown from the 252-day high (≤ 0). */
  drawdown1y: number | null;
  best: ConstituentReturn[];
  worst: ConstituentReturn[];
  /** True when lastDate is past the published index (a proxy level). */
  proxy: boolean;
}

/** Number of dates strictly before asOf. */
export function rowsBefore(dates: readonly string[], asOf: string): number {
  let lo = 0;
  let hi = dates.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (dates[mid] < asOf) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function simpleReturn(close: Float64Array, last: number, days: number): number | null {
  if (last - days < 0) return null;
  const a = close[last - days];
  const b = close[last];
  return Number.isFinite(a) && Number.isFinite(b) && a > 0 ? b / a - 1 : null;
}

function volatility(close: Float64Array, last: number, days: number): number | null {
  if (last - days < 0) return null;
  let sum = 0;
  let sumSq = 0;
  for (let t = last - days + 1; t <= last; t++) {
    const r = Math.log(close[t] / close[t - 1]);
    sum += r;
    sumSq += r * r;
  }
  const mean = sum / days;
  return Math.sqrt(Math.max(0, sumSq / days - mean * mean) * 252);
}

function movingAverageGap(close: Float64Array, last: number, days: number): number | null {
  if (last - days + 1 < 0) return null;
  let s = 0;
  for (let t = last - days + 1; t <= last; t++) s += close[t];
  return close[last] / (s / days) - 1;
}

function drawdown(close: Float64Array, last: number, days: number): number | null {
  if (last - days + 1 < 0) return null;
  let high = -Infinity;
  for (let t = last - days + 1; t <= last; t++) high = Math.max(high, close[t]);
  return close[last] / high - 1;
}

/** 3-month returns of every constituent with prices at both ends, up to the last date before asOf. */
function constituentReturns(panel: ClosePanel, asOf: string): ConstituentReturn[] {
  const last = rowsBefore(panel.dates, asOf) - 1;
  const from = last - 63;
  if (from < 0) return [];
  const N = panel.tickers.length;
  const out: ConstituentReturn[] = [];
  for (let i = 0; i < N; i++) {
    const a = panel.close[from * N + i];
    const b = panel.close[last * N + i];
    if (Number.isFinite(a) && Number.isFinite(b) && a > 0) out.push({ ticker: panel.tickers[i], return3m: b / a - 1 });
  }
  return out.sort((x, y) => y.return3m - x.return3m || (x.ticker < y.ticker ? -1 : 1));
}

export function summarisePrices(index: IndexSeries, panel: ClosePanel | null, asOf: string, topK = 3): PriceSummary {
  const last = rowsBefore(index.dates, asOf) - 1;
  if (last < 0) throw new Error(`prices: no ${index.name} level before ${asOf} (series starts ${index.dates[0] ?? 'never'})`);
  const c = index.close;
  const ranked = panel ? constituentReturns(panel, asOf) : [];
  const lastDate = index.dates[last];
  return {
    asOf,
    index: index.name,
    lastDate,
    level: c[last],
    return1m: simpleReturn(c, last, 21),
    return3m: simpleReturn(c, last, 63),
    return6m: simpleReturn(c, last, 126),
    volatility3m: volatility(c, last, 63),
    vsMa200: movingAverageGap(c, last, 200),
    drawdown1y: drawdown(c, last, 252),
    best: ranked.slice(0, topK),
    worst: ranked.slice(Math.max(topK, ranked.length - topK)).reverse(),
    proxy: index.proxyAfter !== undefined && lastDate > index.proxyAfter,
  };
}

function pct(x: number | null): string {
  return x === null ? 'n/a' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

export function renderPriceSummary(s: PriceSummary): string {
  const lines = [
    `${s.index} closed at ${s.level.toFixed(2)} on ${s.lastDate}, the last trading day before ${s.asOf}${s.proxy ? ' (proxy level, see note)' : ''}.`,
    `Returns: 1 month ${pct(s.return1m)}, 3 months ${pct(s.return3m)}, 6 months ${pct(s.return6m)}.`,
    `Annualised volatility over 3 months: ${s.volatility3m === null ? 'n/a' : `${(s.volatility3m * 100).toFixed(1)}%`}.`,
    `Level vs its 200-day average: ${pct(s.vsMa200)}; drawdown from the 1-year high: ${pct(s.drawdown1y)}.`,
  ];
  if (s.best.length > 0) {
    lines.push(`Best constituents over 3 months: ${s.best.map((b) => `${b.ticker} ${pct(b.return3m)}`).join(', ')}.`);
    lines.push(`Worst constituents over 3 months: ${s.worst.map((b) => `${b.ticker} ${pct(b.return3m)}`).join(', ')}.`);
  }
  return lines.join('\n');
}

export class PricesContextSource implements ContextSource {
  readonly name = 'prices' as const;
  readonly pointInTime = true;

  constructor(
    private readonly index: IndexSeries,
    private readonly panel: ClosePanel | null = null,
  ) {}

  summary(asOf: string): PriceSummary {
    return summarisePrices(this.index, this.panel, asOf);
  }

  build(asOf: string): Context {
    const prices = this.summary(asOf);
    return {
      source: 'prices',
      asOf,
      pointInTime: true,
      note: prices.proxy
        ? `${this.index.name} levels after ${this.index.proxyAfter} are chained from ${this.index.proxyName ?? 'a proxy'}'s daily returns: the bundled series ends there`
        : undefined,
      title: 'Market prices',
      body: renderPriceSummary(prices),
      prices,
    };
  }
}
