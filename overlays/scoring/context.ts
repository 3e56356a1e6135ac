/**
 * What an asset scorer reads for one (date, ticker): strictly point in time, information dated strictly
 * before the scoring date.
 *
 * - Prices: `assetPriceStats` over a COPY of the close rows dated strictly before the date (the last
 *   `window` of them), with cells where the ticker has no real bar (the universe frame's `available`
 *   mask: not yet listed) read as NaN. Later rows are never handed to a scorer, even by mistake: the
 *   view owns its copy.
 * - Listing: a ticker is scored on a date only when it has a real bar on the last visible row (listed
 *   before the date); a ticker that is not listed yet is not scored at all (no record, no default).
 * - News: the ticker's items dated strictly before the date and within `newsLookbackDays` of it, the
 *   newest `maxNewsItems` of them, shown oldest first, one line each, cut to `maxNewsChars`.
 * - Macro: the macro context source's rendering (release lags applied) for the date, the same text for
 *   every ticker of that date.
 *
 * News and macro text come from outside and are untrusted: the prompt builder quotes the whole rendered
 * body between content-addressed markers (prompts.ts `fence`), as the forecast prompts do.
 */
import { NewsStore, type NewsItem } from '../../src/data/news.ts';
import { buildUniverseFrame, type Universe } from '../../src/data/universe.ts';
import type { MacroContextSource } from '../context/macro.ts';
import { rowsBefore } from '../context/prices.ts';
import { addDays } from '../dates.ts';
import { assetPriceStats, percentileRanks, type AssetPriceStats, type VisibleCloses } from './price-stats.ts';

/** Close prices on a calendar, row-major T×N; `available` (T×N, 1 = real bar) when some cells are placeholders. */
export interface ClosePrices {
  readonly dates: readonly string[];
  readonly tickers: readonly string[];
  readonly close: Float64Array;
  readonly available?: Uint8Array | null;
  /** Ticker → sector, shown to the scorer when known. */
  readonly sectorOf?: Readonly<Record<string, string>>;
  /** Trading periods a year (252; 365 for crypto), for annualised volatilities. */
  readonly periodsPerYear?: number;
}

/** A scoring date whose last visible close is older than this (calendar days) is outside the data. */
export const MAX_STALE_DAYS = 14;

/** Rows a context copies: the 12-1 return needs 253 closes; a little more for the volatility window. */
export const CONTEXT_WINDOW_ROWS = 300;

/** A copy of the rows of `p` dated strictly before `date` (the last `window` of them); no-bar cells are NaN. */
export function visibleBefore(p: ClosePrices, date: string, window = CONTEXT_WINDOW_ROWS): VisibleCloses {
  const end = rowsBefore(p.dates as string[], date);
  const start = Math.max(0, end - window);
  const n = p.tickers.length;
  const close = p.close.slice(start * n, end * n);
  if (p.available) {
    const av = p.available;
    for (let k = 0; k < close.length; k++) if (!av[start * n + k]) close[k] = NaN;
  }
  const dates = p.dates.slice(start, end);
  return {
    tickers: p.tickers,
    rows: end - start,
    date: (row) => dates[row],
    close: (row, i) => close[row * n + i],
  };
}

export interface AssetContext {
  /** The scoring date: everything here is dated strictly before it. */
  date: string;
  ticker: string;
  /** The last close the context reads (the last trading day before `date`). */
  lastClose: string;
  sector?: string;
  /** This ticker's price statistics. */
  stats: AssetPriceStats;
  /** Every listed ticker's statistics on this date, in the universe's order (cross-sectional scorers rank within it). Shared by the date's contexts. */
  universe: readonly AssetPriceStats[];
  /** The ticker's news items shown, oldest first. */
  news: NewsItem[];
  /** The rendered macro picture, or null without a macro source. */
  macro: string | null;
  /** True: built from information strictly before `date`. */
  pointInTime: true;
  /** The rendered data (untrusted parts included), quoted into the prompt by the prompt builder. */
  body: string;
}

export interface ScoringContextOptions {
  prices: ClosePrices;
  news?: NewsStore | null;
  macro?: MacroContextSource | null;
  /** Calendar days of news before the date (default 30). */
  newsLookbackDays?: number;
  /** Newest items kept (default 20). */
  maxNewsItems?: number;
  /** Characters kept per item (default 300). */
  maxNewsChars?: number;
}

function pct(x: number | null): string {
  return x === null ? 'n/a' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

function oneLine(text: string, maxChars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th');
  return `${n}${s}`;
}

/** Builds the contexts of a run. Each (date) is computed once and shared by that date's tickers. */
export class ScoringContexts {
  readonly prices: ClosePrices;
  /** Each ticker's items, queried point in time as the forecast path queries the whole store. */
  private readonly newsByTicker = new Map<string, NewsStore>();
  private readonly macro: MacroContextSource | null;
  private readonly lookback: number;
  private readonly maxItems: number;
  private readonly maxChars: number;
  private readonly byDate = new Map<string, Map<string, AssetContext>>();

  constructor(options: ScoringContextOptions) {
    this.prices = options.prices;
    this.macro = options.macro ?? null;
    this.lookback = options.newsLookbackDays ?? 30;
    this.maxItems = options.maxNewsItems ?? 20;
    this.maxChars = options.maxNewsChars ?? 300;
    const byTicker = new Map<string, NewsItem[]>();
    for (const item of options.news?.items ?? []) {
      if (item.ticker === undefined) continue; // market-wide items: the macro picture covers the market
      const list = byTicker.get(item.ticker);
      if (list) list.push(item);
      else byTicker.set(item.ticker, [item]);
    }
    // The store's items are date-sorted; NewsStore's stable sort keeps that order within a day.
    for (const [ticker, items] of byTicker) this.newsByTicker.set(ticker, new NewsStore(items));
  }

  /** The ticker's news a scorer on `date` may read: dated in [date − lookback, date), the newest maxItems, oldest first. */
  newsFor(ticker: string, date: string): NewsItem[] {
    const window = this.newsByTicker.get(ticker)?.before(date, addDays(date, -this.lookback)) ?? [];
    return window.slice(Math.max(0, window.length - this.maxItems));
  }

  /**
   * The contexts of every ticker listed before `date` (a real bar on the last trading day before it),
   * keyed by ticker, in the universe's order. Tickers not listed yet are absent. Throws when no row
   * precedes the date (the data does not reach back that far).
   */
  forDate(date: string): Map<string, AssetContext> {
    const cached = this.byDate.get(date);
    if (cached) return cached;
    const p = this.prices;
    const view = visibleBefore(p, date);
    if (view.rows === 0) {
      throw new Error(
        `no price row before ${date}: the prices start ${p.dates[0] ?? 'never'}; score dates after that (the 12-month statistics want a year of history)`,
      );
    }
    const lastRow = view.date(view.rows - 1);
    if (lastRow < addDays(date, -MAX_STALE_DAYS)) {
      throw new Error(`no price within ${MAX_STALE_DAYS} days before ${date}: the prices end ${lastRow}; score dates the data covers`);
    }
    const all = assetPriceStats(view);
    const listed = all.filter((s) => s.lastDate !== null && s.lastDate === lastRow);
    const rank3m = percentileRanks(listed.map((s) => s.return3m));
    const macroText = this.macro ? this.macro.build(date).body : null;
    const out = new Map<string, AssetContext>();
    listed.forEach((stats, j) => {
      const news = this.newsFor(stats.ticker, date);
      const sector = p.sectorOf?.[stats.ticker];
      const lines = [
        `Asset: ${stats.ticker}${sector ? ` (sector: ${sector})` : ''}, one of ${listed.length} assets scored on ${date}.`,
        `Prices up to the close of ${stats.lastDate}, the last trading day before ${date}:`,
        `- returns: 1 month ${pct(stats.return1m)}, 3 months ${pct(stats.return3m)}, 6 months ${pct(stats.return6m)}, 12 months excluding the last month ${pct(stats.return12m1m)}`,
        `- annualised volatility over 3 months: ${stats.volatility3m === null ? 'n/a' : `${(stats.volatility3m * 100).toFixed(1)}%`}; drawdown from the 1-year high: ${pct(stats.drawdown1y)}`,
      ];
      if (rank3m[j] !== null) {
        const better = listed.filter((s) => s.return3m !== null && s.return3m > stats.return3m!).length;
        lines.push(`- 3-month return ranks ${ordinal(better + 1)} of ${rank3m.filter((r) => r !== null).length} assets in the universe`);
      }
      const since = addDays(date, -this.lookback);
      lines.push('');
      if (news.length === 0) lines.push(`News about ${stats.ticker} from ${since} to before ${date}: none in this window.`);
      else {
        lines.push(
          `News about ${stats.ticker} from ${since} to before ${date} (${news.length} items${news.length === this.maxItems ? `, the newest ${this.maxItems}` : ''}, oldest first):`,
        );
        for (const i of news) lines.push(`- ${i.date}${i.source ? ` [${i.source}]` : ''} ${oneLine(i.text, this.maxChars)}`);
      }
      if (macroText !== null) lines.push('', 'US macro picture:', macroText);
      out.set(stats.ticker, {
        date,
        ticker: stats.ticker,
        lastClose: stats.lastDate!,
        ...(sector ? { sector } : {}),
        stats,
        universe: listed,
        news,
        macro: macroText,
        pointInTime: true,
        body: lines.join('\n'),
      });
    });
    this.byDate.set(date, out);
    return out;
  }
}

/**
 * The universe's close prices for scoring dates `dates`: from `historyDays` calendar days before the
 * first date (the 12-1 statistics need a year) through `through` (default the last date; an evaluation or
 * the oracle asks for later rows, which contexts never read). Late listings keep `available` 0 before
 * their first bar (never forward-filled).
 */
export function universeClosePrices(
  u: Universe,
  dates: readonly string[],
  options: { through?: string; historyDays?: number; tickers?: string[] } = {},
): ClosePrices {
  if (dates.length === 0) throw new Error('no scoring dates');
  const first = dates[0];
  const last = dates[dates.length - 1];
  const start = addDays(first, -(options.historyDays ?? 550));
  const end = options.through !== undefined && options.through > last ? options.through : last;
  const uf = buildUniverseFrame(u, { start, end, tickers: options.tickers, indicators: [], requireFullHistory: false });
  return {
    dates: uf.frame.dates,
    tickers: uf.frame.tickers,
    close: uf.frame.close,
    available: uf.available,
    periodsPerYear: uf.periodsPerYear,
    ...(u.sectorOf ? { sectorOf: u.sectorOf } : {}),
  };
}
