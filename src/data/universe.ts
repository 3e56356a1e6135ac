import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { buildMarketFrame, cachedOhlcv, dataFile, loadBenchmark, PAPER_TICKERS, vixOn } from './build.ts';
import { BUNDLED_DATA_DIR } from './checksums.ts';
import { DataError, displayName, isIsoDate, readTextFile, type OhlcvTable } from './csv.ts';
import { computeIndicators, PAPER_INDICATORS } from './indicators.ts';
import type { MarketFrame } from './market-frame.ts';
import { dateRowRange, noTradingDateMessage, type Panel } from './panel.ts';
import { closeSeries, turbulenceIndex, type DailySeries } from './risk.ts';
import { ParameterError } from '../parameter-error.ts';

/**
 * Universes: which instruments an agent or a strategy trades, on which calendar, against which
 * benchmark, and how many periods make a year.
 *
 * - `dow30`: the paper's 27 Dow stocks (`PAPER_TICKERS`) from `dow30_daily_ohlcv.csv.gz`, NYSE calendar,
 *   252 periods a year, the DJIA benchmark (^DJI, continued with DIA returns: `loadBenchmark`). Its frame
 *   is exactly `buildMarketFrame` (today's results, bit for bit).
 * - `sectors`: the 11 SPDR sector ETFs from `etf_sectors_daily_ohlcv.csv.gz`, NYSE calendar, 252 a
 *   year, SPY as benchmark (in the same file, not tradable). XLRE starts 2015-10-08 and XLC 2018-06-19.
 * - `crypto`: BTC-USD BNB-USD ETH-USD SOL-USD from `crypto_daily_ohlcv.csv.gz`, every calendar day (UTC),
 *   365 a year, BTC as benchmark. ETH and BNB start 2017-11-09, SOL 2020-04-10. No VIX (see `hasVix`).
 * - a FILE: any long-format OHLCV CSV (`date,ticker,open,high,low,close,volume[,…]`), validated by
 *   `loadOhlcvCsv` like the bundled files.
 *
 * Late entrants are never forward-filled: see `buildUniverseFrame`.
 */

export type UniverseName = 'dow30' | 'sectors' | 'crypto';
export const UNIVERSE_NAMES: readonly UniverseName[] = ['dow30', 'sectors', 'crypto'];

/** The 11 GICS sectors (names as GICS spells them, structure in force since 2023-03-17). */
export const GICS_SECTORS = [
  'Communication Services',
  'Consumer Discretionary',
  'Consumer Staples',
  'Energy',
  'Financials',
  'Health Care',
  'Industrials',
  'Information Technology',
  'Materials',
  'Real Estate',
  'Utilities',
] as const;

/** The SPDR Select Sector ETFs, alphabetical, each with the GICS sector it tracks. */
export const SECTOR_ETF_GICS: Readonly<Record<string, string>> = {
  XLB: 'Materials',
  XLC: 'Communication Services',
  XLE: 'Energy',
  XLF: 'Financials',
  XLI: 'Industrials',
  XLK: 'Information Technology',
  XLP: 'Consumer Staples',
  XLRE: 'Real Estate',
  XLU: 'Utilities',
  XLV: 'Health Care',
  XLY: 'Consumer Discretionary',
};
export const SECTOR_ETFS: readonly string[] = Object.keys(SECTOR_ETF_GICS);

/** The four coins, alphabetical, named as in the source (Yahoo's `-USD` pairs). */
export const CRYPTO_TICKERS: readonly string[] = ['BNB-USD', 'BTC-USD', 'ETH-USD', 'SOL-USD'];
/** Short names accepted wherever the crypto universe takes a ticker (`--tickers`, `--benchmark`). */
export const CRYPTO_ALIASES: Readonly<Record<string, string>> = { BNB: 'BNB-USD', BTC: 'BTC-USD', ETH: 'ETH-USD', SOL: 'SOL-USD' };

/** `--benchmark equal-weight`: buy-and-hold of equal amounts of the universe's tickers. */
export const EQUAL_WEIGHT = 'equal-weight';

export interface UniverseBenchmark {
  /** Short label for tables: 'DJIA', 'SPY', 'BTC', 'equal-weight', a ticker or a file's name. */
  name: string;
  /** One sentence for reports: what the series is and how it was made. */
  describe: string;
  /** How `benchmarkSeries` builds it. */
  kind: 'djia' | 'ticker' | 'equal-weight' | 'file';
  /** kind 'ticker': the ticker in the universe's file. */
  ticker?: string;
  /** kind 'file': the file's path. */
  path?: string;
}

export interface Universe {
  /** 'dow30' | 'sectors' | 'crypto' | the user file's display name. */
  name: string;
  /** Tradable instruments in column order. */
  tickers: string[];
  /** 252 for stocks and ETFs, 365 for crypto: every annualised metric must use this. */
  periodsPerYear: number;
  benchmark: UniverseBenchmark;
  /** Ticker → GICS sector (dow30: data/dow30_sectors.csv; sectors: the sector each ETF tracks). */
  sectorOf?: Record<string, string>;
  /** The OHLCV file read. */
  source: string;
  /** Whether a VIX exists for this calendar; without one the frame's `vix` is NaN (see `riskRuleFor`). */
  hasVix: boolean;
  /** Folder of the index, VIX and DJIA files (the bundled data unless `dataDir` was given). */
  dataDir: string;
  /** The calendar in words, including how `periodsPerYear` was chosen for a user file. */
  calendar: string;
  /** Short names accepted for tickers (crypto: BTC → BTC-USD). */
  aliases?: Record<string, string>;
}

export interface ResolveUniverseOptions {
  /** A ticker in the universe's file, 'equal-weight', 'DJIA' (dow30), or the path of a benchmark CSV. */
  benchmark?: string;
  dataDir?: string;
}

/**
 * A universe by name ('dow30', 'sectors', 'crypto') or by the path of a long-format OHLCV CSV.
 *
 * For a FILE: tickers are all the file's tickers, alphabetical, less a `--benchmark TICKER`; periodsPerYear
 * is 365 when at least 10% of the file's dates fall on a Saturday or Sunday (a market that trades every
 * day), else 252; VIX is used for a 252-day calendar only; the default benchmark is 'equal-weight'.
 * `benchmark` may name a ticker in the file (then not tradable), 'equal-weight', or a FILE: a long-format
 * OHLCV CSV holding one ticker, or a `date,close` CSV.
 */
export function resolveUniverse(spec: string, opts: ResolveUniverseOptions = {}): Universe {
  const dataDir = opts.dataDir ?? BUNDLED_DATA_DIR;
  const name = spec.trim();
  switch (name) {
    case 'dow30': {
      const u: Universe = {
        name,
        tickers: [...PAPER_TICKERS],
        periodsPerYear: 252,
        benchmark: DJIA,
        // The GICS map is classification, not market data: a dataDir without one (the shared CSV folder) uses the bundled map.
        sectorOf: loadSectorMap(existsSync(resolve(dataDir, 'dow30_sectors.csv')) ? dataDir : BUNDLED_DATA_DIR),
        source: dataFile(dataDir, 'stocks'),
        hasVix: true,
        dataDir,
        calendar: 'NYSE trading days of the Dow stocks file (252 a year)',
      };
      return withBenchmark(u, opts.benchmark, false);
    }
    case 'sectors': {
      const u: Universe = {
        name,
        tickers: [...SECTOR_ETFS],
        periodsPerYear: 252,
        benchmark: tickerBenchmark('SPY', 'SPY buy-and-hold (SPDR S&P 500 ETF, dividend-adjusted close: a total-return series)'),
        sectorOf: { ...SECTOR_ETF_GICS },
        source: dataFile(dataDir, 'sectors'),
        hasVix: true,
        dataDir,
        calendar: 'NYSE trading days of the sector ETF file (252 a year)',
      };
      return withBenchmark(u, opts.benchmark, false);
    }
    case 'crypto': {
      const u: Universe = {
        name,
        tickers: [...CRYPTO_TICKERS],
        periodsPerYear: 365,
        benchmark: tickerBenchmark('BTC-USD', 'BTC buy-and-hold (BTC-USD daily close, UTC days)', 'BTC'),
        source: dataFile(dataDir, 'crypto'),
        hasVix: false,
        dataDir,
        calendar: 'every calendar day, UTC (365 a year); no VIX',
        aliases: { ...CRYPTO_ALIASES },
      };
      return withBenchmark(u, opts.benchmark, false);
    }
  }
  const path = resolve(name);
  if (name === '' || !existsSync(path) || !statSync(path).isFile()) {
    const looksLikePath = /[/\\]|\.csv(\.gz)?$/i.test(name);
    throw new Error(
      looksLikePath
        ? `universe file ${name} does not exist; pass dow30, sectors, crypto, or the path of a long-format OHLCV CSV`
        : `unknown universe ${JSON.stringify(name)}: choose dow30, sectors or crypto, or pass the path of a long-format OHLCV CSV (date,ticker,open,high,low,close,volume)`,
    );
  }
  const table = cachedOhlcv(path);
  const dates = distinctDates(table);
  const weekend = dates.filter(isWeekend).length;
  const daily = weekend >= 0.1 * dates.length;
  const u: Universe = {
    name: displayName(path),
    tickers: [...new Set(table.ticker)].sort(),
    periodsPerYear: daily ? 365 : 252,
    benchmark: equalWeightBenchmark(),
    source: path,
    hasVix: !daily,
    dataDir,
    calendar: daily
      ? `every day the file has (${weekend} of its ${dates.length} dates are weekends, so 365 periods a year); no VIX`
      : `the file's dates (${weekend} of ${dates.length} on weekends: a trading-day calendar, 252 periods a year)`,
  };
  return withBenchmark(u, opts.benchmark, true);
}

const DJIA: UniverseBenchmark = {
  name: 'DJIA',
  describe: 'DJIA buy-and-hold: ^DJI close through 2022-11-18, then DIA daily returns chained on (dividend-adjusted, so total return after the splice)',
  kind: 'djia',
};

function tickerBenchmark(ticker: string, describe?: string, name = ticker): UniverseBenchmark {
  return { name, describe: describe ?? `${ticker} buy-and-hold (its close in the universe's file)`, kind: 'ticker', ticker };
}

function equalWeightBenchmark(): UniverseBenchmark {
  return {
    name: EQUAL_WEIGHT,
    describe: 'equal-weight buy-and-hold: the same amount in each tradable ticker that trades on the first date, never rebalanced',
    kind: 'equal-weight',
  };
}

/** Applies a `--benchmark` choice. In a FILE universe a benchmark ticker leaves the tradable set. */
function withBenchmark(u: Universe, choice: string | undefined, excludeTicker: boolean): Universe {
  if (choice === undefined) {
    if (u.tickers.length === 0) throw new Error(`${displayName(u.source)} has no tickers`);
    return u;
  }
  const c = choice.trim();
  if (c === EQUAL_WEIGHT) return { ...u, benchmark: equalWeightBenchmark() };
  if (u.name === 'dow30' && (c === 'DJIA' || c === '^DJI')) return { ...u, benchmark: DJIA };
  const ticker = u.aliases?.[c] ?? c;
  const inFile = new Set(cachedOhlcv(u.source).ticker);
  if (inFile.has(ticker)) {
    const defaultSame = u.benchmark.kind === 'ticker' && u.benchmark.ticker === ticker;
    const tickers = excludeTicker ? u.tickers.filter((t) => t !== ticker) : u.tickers;
    if (tickers.length === 0) throw new ParameterError(['benchmark'], (n) => `${n('benchmark')} ${c}: ${displayName(u.source)} has no other ticker left to trade`);
    return { ...u, tickers, benchmark: defaultSame ? u.benchmark : tickerBenchmark(ticker, undefined, c) };
  }
  const path = resolve(c);
  if (existsSync(path) && statSync(path).isFile()) {
    const series = loadBenchmarkFile(path); // validates now, so a bad file fails before any training
    return {
      ...u,
      benchmark: { name: displayName(path), describe: `buy-and-hold of ${series.source}`, kind: 'file', path },
    };
  }
  const named = [...(u.name === 'dow30' ? ['DJIA'] : []), EQUAL_WEIGHT].join(', ');
  const choices = [...inFile].sort().join(' ');
  throw new ParameterError(
    ['benchmark'],
    (n) => `${n('benchmark')} ${JSON.stringify(c)}: not a ticker in ${displayName(u.source)} (it has: ${choices}), not one of ${named}, and no file at that path`,
  );
}

/** Dow stocks → GICS sector (`data/dow30_sectors.csv`), validated: every paper ticker present, known GICS names. */
export function loadSectorMap(dataDir: string = BUNDLED_DATA_DIR): Record<string, string> {
  const path = dataFile(dataDir, 'sectorMap');
  const name = displayName(path);
  const text = readTextFile(path);
  const rows = parse(text, { skip_empty_lines: true, bom: true, info: true, relax_column_count: false }) as unknown as {
    record: string[];
    info: { lines: number };
  }[];
  if (rows.length === 0) throw new DataError(name, 1, 'ticker', 'a header with the columns ticker,gics_sector,source', '');
  const header = rows[0].record.map((h) => h.trim());
  const at = { ticker: header.indexOf('ticker'), sector: header.indexOf('gics_sector') };
  for (const [col, i] of [['ticker', at.ticker], ['gics_sector', at.sector]] as const) {
    if (i < 0) throw new DataError(name, 1, col, 'a header with the columns ticker,gics_sector,source', header.join(','));
  }
  const known = new Set<string>(GICS_SECTORS);
  const map: Record<string, string> = {};
  const lineOf = new Map<string, number>();
  for (const { record, info } of rows.slice(1)) {
    const ticker = record[at.ticker].trim();
    const sector = record[at.sector].trim();
    if (ticker === '') throw new DataError(name, info.lines, 'ticker', 'a non-empty ticker', record[at.ticker]);
    if (lineOf.has(ticker)) throw new DataError(name, info.lines, 'ticker', `one row per ticker; ${ticker} is already on line ${lineOf.get(ticker)}`, ticker);
    if (!known.has(sector)) throw new DataError(name, info.lines, 'gics_sector', `one of the 11 GICS sectors (${GICS_SECTORS.join(', ')})`, sector);
    lineOf.set(ticker, info.lines);
    map[ticker] = sector;
  }
  const missing = PAPER_TICKERS.filter((t) => !(t in map));
  if (missing.length > 0) throw new Error(`${name} has no sector for ${missing.join(', ')}; every paper ticker needs one`);
  return map;
}

/**
 * The turbulence-rule settings to trade a universe with. Where the universe has no VIX (crypto, a daily
 * FILE) the frame's `vix` is NaN, and the env refuses every new buy or short on a NaN risk value (env/core
 * `blocked`), so a VIX rule is switched off (threshold null) and the note says so; the rule on the
 * universe's own turbulence index (`riskIndicator: 'turbulence'`) stays as asked.
 */
export function riskRuleFor<R extends { turbulenceThreshold: number | null; riskIndicator: 'vix' | 'turbulence' }>(
  u: Universe,
  rule: R,
  /** When given, a universe with a VIX is checked for days without one (a user file outside 2000-01-03..2025-12-30). */
  frame?: MarketFrame,
): { rule: R; note: string | null } {
  if (rule.riskIndicator !== 'vix' || rule.turbulenceThreshold === null) return { rule, note: null };
  if (u.hasVix) {
    const unknown = frame ? frame.dates.filter((_, t) => Number.isNaN(frame.vix[t])) : [];
    if (unknown.length === 0) return { rule, note: null };
    return {
      rule,
      note: `VIX unknown on ${unknown.length} of ${frame!.dates.length} days (first ${unknown[0]}): the env refuses new buys and shorts on those days under the VIX rule`,
    };
  }
  return {
    rule: { ...rule, turbulenceThreshold: null },
    note: `universe ${u.name} has no VIX (${u.calendar}): the VIX turbulence rule is off; use riskIndicator 'turbulence' for a rule on its own returns`,
  };
}

// ---------------------------------------------------------------------------------------------
// Frames

export interface UniverseFrame {
  frame: MarketFrame;
  /** T×N, row-major like the frame: 1 where the ticker has a real bar that day. */
  available: Uint8Array;
  /** First bar of every requested ticker (excluded ones too). */
  firstDate: Record<string, string>;
  excluded: { ticker: string; reason: string }[];
  periodsPerYear: number;
}

export interface UniverseFrameOptions {
  start: string;
  end: string;
  /** A subset of the universe's file (aliases accepted); default the universe's tickers. */
  tickers?: string[];
  /**
   * true (RL agents: the observation needs every ticker every day): a ticker without a bar on every
   * date from `historyStart` to `end` is excluded and listed in `excluded`. false (strategies): kept,
   * with `available` 0 before its first bar.
   */
  requireFullHistory?: boolean;
  /** Start of the full-history test (default `start`; an earlier date keeps the ticker set of a training range). */
  historyStart?: string;
  indicators?: readonly string[];
}

/**
 * The frame of a universe for start..end (both included), with which cells are real bars.
 *
 * - Calendar: the union of the dates of the universe's tickers (and of its benchmark ticker) in its
 *   file: an exchange calendar for stocks and ETFs, every day for crypto.
 * - dow30 with tickers that all trade over the whole range: exactly `buildMarketFrame`.
 * - Late entrants are never forward-filled. With `requireFullHistory` they are excluded (with a reason);
 *   otherwise `available` is 0 before their first bar, and their open/close there hold the ticker's first
 *   real close, because the env marks the book with every cell and needs a finite, positive price. That
 *   placeholder is safe: a strategy never holds or trades a name before it is available, so a position
 *   in it is 0 and the placeholder never enters P&L. The strategy layer must read `available`, never
 *   the placeholder. Indicators there are 0.
 * - A missing day inside a ticker's history (after its first bar) is an error naming ticker and date;
 *   so is a ticker whose bars stop before `end` when it is kept.
 * - Indicators: per ticker over its own history in the file (from its first bar), so warm-ups lie before
 *   `start` where the history allows. Turbulence: the universe's own returns, from the first day every
 *   selected ticker trades, over a one-year window (`periodsPerYear` rows: 252, or 365 for crypto; 0 before
 *   that day and in the warm-up). VIX: as buildMarketFrame where the
 *   universe has one, else NaN.
 */
export function buildUniverseFrame(u: Universe, opts: UniverseFrameOptions): UniverseFrame {
  const { start, end, requireFullHistory = false, indicators = PAPER_INDICATORS } = opts;
  for (const [what, d] of [['start', start], ['end', end], ['historyStart', opts.historyStart ?? start]] as const) {
    if (!isIsoDate(d)) throw new Error(`${what} date ${JSON.stringify(d)}: expected a real date written YYYY-MM-DD`);
  }
  if (start > end) throw new Error(`start ${start} is after end ${end}; swap them`);
  const historyStart = opts.historyStart !== undefined && opts.historyStart < start ? opts.historyStart : start;
  const table = cachedOhlcv(u.source);
  const requested = selectTickers(u, table, opts.tickers);
  const calendarTickers = new Set([...u.tickers, ...requested]);
  if (u.benchmark.kind === 'ticker' && u.benchmark.ticker) calendarTickers.add(u.benchmark.ticker);
  const calendar = distinctDates(table, calendarTickers).filter((d) => d <= end);
  const inRange = calendar.filter((d) => d >= start);
  if (inRange.length === 0) {
    const all = distinctDates(table, calendarTickers);
    throw new Error(noTradingDateMessage(start, end, all.length ? { first: all[0], last: all[all.length - 1], source: displayName(u.source) } : null));
  }
  const lastDate = inRange[inRange.length - 1];
  const firstNeeded = calendar.find((d) => d >= historyStart)!;
  const span = tickerSpans(table);
  const firstDate: Record<string, string> = {};
  for (const t of requested) firstDate[t] = span.get(t)!.first;

  const excluded: { ticker: string; reason: string }[] = [];
  const kept: string[] = [];
  for (const t of requested) {
    const { first, last } = span.get(t)!;
    if (first > lastDate) {
      excluded.push({ ticker: t, reason: `${t}: first bar ${first}, after the period's last date ${lastDate}` });
    } else if (requireFullHistory && first > firstNeeded) {
      excluded.push({ ticker: t, reason: `${t}: first bar ${first}, after ${historyStart}` });
    } else if (last < lastDate) {
      if (requireFullHistory) excluded.push({ ticker: t, reason: `${t}: last bar ${last}, before ${lastDate}` });
      else throw new Error(`${displayName(u.source)}: ${t} has no bar after ${last}, before the period's last date ${lastDate}; end the period on or before ${last}, or leave ${t} out`);
    } else {
      kept.push(t);
    }
  }
  if (kept.length === 0) {
    throw new Error(`no ticker of ${u.name} trades over ${start}..${end}${requireFullHistory ? ` with full history from ${historyStart}` : ''}: ${excluded.map((e) => e.reason).join('; ')}`);
  }

  // dow30 whose tickers all trade from `start`: today's frame, from buildMarketFrame itself.
  const allFromStart = kept.every((t) => span.get(t)!.first <= inRange[0]);
  if (u.name === 'dow30' && u.source === dataFile(u.dataDir, 'stocks') && allFromStart) {
    checkNoGaps(u, table, kept, calendar);
    const frame = buildMarketFrame({ start, end, tickers: kept, dataDir: u.dataDir, indicators });
    return { frame, available: new Uint8Array(frame.close.length).fill(1), firstDate, excluded, periodsPerYear: u.periodsPerYear };
  }
  const built = alignedFrame(u, table, kept, calendar, start, end, indicators);
  return { ...built, firstDate, excluded, periodsPerYear: u.periodsPerYear };
}

function selectTickers(u: Universe, table: OhlcvTable, tickers: string[] | undefined): string[] {
  const inFile = new Set(table.ticker);
  const list = (tickers ?? u.tickers).map((t) => u.aliases?.[t] ?? t);
  if (list.length === 0) throw new Error(`no tickers selected for universe ${u.name}; pass at least one`);
  const absent = list.filter((t) => !inFile.has(t));
  if (absent.length > 0) {
    throw new Error(`${displayName(u.source)} has no rows for ${absent.join(', ')}; universe ${u.name} trades: ${u.tickers.join(' ')}`);
  }
  const seen = new Set<string>();
  for (const t of list) {
    if (seen.has(t)) throw new Error(`ticker ${t} is listed twice; list each ticker once`);
    seen.add(t);
  }
  return list;
}

/** Throws on the first calendar date, from a ticker's first bar to the calendar's end, where it has no bar. */
function checkNoGaps(u: Universe, table: OhlcvTable, tickers: string[], calendar: string[]): void {
  const row = new Map(calendar.map((d, t) => [d, t]));
  const wanted = new Map(tickers.map((t, i) => [t, i]));
  const N = tickers.length;
  const has = new Uint8Array(calendar.length * N);
  for (let r = 0; r < table.date.length; r++) {
    const i = wanted.get(table.ticker[r]);
    const t = row.get(table.date[r]);
    if (i !== undefined && t !== undefined) has[t * N + i] = 1;
  }
  tickers.forEach((ticker, i) => {
    let t = 0;
    while (t < calendar.length && !has[t * N + i]) t++;
    for (; t < calendar.length; t++) {
      if (!has[t * N + i]) {
        throw new Error(
          `${displayName(u.source)}: ${ticker} has no bar on ${calendar[t]}, inside its history (other tickers trade that day); ` +
            `gaps are not filled: fix the file or leave ${ticker} out`,
        );
      }
    }
  });
}

/** The generic frame: a dense panel on the calendar, placeholders before late first bars, per-ticker indicators. */
function alignedFrame(u: Universe, table: OhlcvTable, tickers: string[], calendar: string[], start: string, end: string, indicators: readonly string[]) {
  checkNoGaps(u, table, tickers, calendar);
  const N = tickers.length;
  const T = calendar.length;
  const K = indicators.length;
  const row = new Map(calendar.map((d, t) => [d, t]));
  const column = new Map(tickers.map((t, i) => [t, i]));
  const open = new Float64Array(T * N);
  const high = new Float64Array(T * N);
  const low = new Float64Array(T * N);
  const close = new Float64Array(T * N);
  const volume = new Float64Array(T * N);
  const available = new Uint8Array(T * N);
  for (let r = 0; r < table.date.length; r++) {
    const i = column.get(table.ticker[r]);
    const t = row.get(table.date[r]);
    if (i === undefined || t === undefined) continue;
    const k = t * N + i;
    open[k] = table.open[r];
    high[k] = table.high[r];
    low[k] = table.low[r];
    close[k] = table.close[r];
    volume[k] = table.volume[r];
    available[k] = 1;
  }
  const firstRow = tickers.map((_, i) => {
    let t = 0;
    while (!available[t * N + i]) t++;
    return t;
  });
  // Placeholders before a late first bar: the first real close (see buildUniverseFrame: never in P&L).
  tickers.forEach((_, i) => {
    const c = close[firstRow[i] * N + i];
    for (let t = 0; t < firstRow[i]; t++) {
      const k = t * N + i;
      open[k] = high[k] = low[k] = close[k] = c;
    }
  });
  // Indicators per ticker over its own bars (0 before its first bar), laid out as buildMarketFrame's.
  const allIndicators = new Float64Array(T * K * N);
  tickers.forEach((ticker, i) => {
    const f = firstRow[i];
    const n = T - f;
    const own: Panel = {
      dates: calendar.slice(f),
      tickers: [ticker],
      open: new Float64Array(n),
      high: new Float64Array(n),
      low: new Float64Array(n),
      close: new Float64Array(n),
      volume: new Float64Array(n),
    };
    for (let t = 0; t < n; t++) {
      const k = (f + t) * N + i;
      own.open[t] = open[k];
      own.high[t] = high[k];
      own.low[t] = low[k];
      own.close[t] = close[k];
      own.volume[t] = volume[k];
    }
    const values = computeIndicators(own, indicators);
    for (let t = 0; t < n; t++) for (let k = 0; k < K; k++) allIndicators[(f + t) * K * N + k * N + i] = values[t * K + k];
  });
  const { first, last } = dateRowRange(calendar, start, end);
  const dates = calendar.slice(first, last + 1);
  // Turbulence on the rows where every ticker trades; 0 before (and in the warm-up after) that.
  const turbulence = new Float64Array(last - first + 1);
  const common = Math.max(...firstRow);
  if (common <= last) {
    const from = Math.max(first, common);
    // A year of history, as FinRL's 252 trading days: 365 rows on a calendar that trades every day.
    const window = u.periodsPerYear;
    const values = turbulenceIndex(close.subarray(common * N, (last + 1) * N), N, { window, first: from - common, last: last - common });
    turbulence.set(values, from - first);
  }
  const frame: MarketFrame = {
    dates,
    tickers: [...tickers],
    close: close.slice(first * N, (last + 1) * N),
    open: open.slice(first * N, (last + 1) * N),
    indicatorNames: [...indicators],
    indicators: allIndicators.slice(first * K * N, (last + 1) * K * N),
    vix: u.hasVix ? vixOn(dates, u.dataDir) : new Float64Array(dates.length).fill(NaN),
    turbulence,
  };
  return { frame, available: available.slice(first * N, (last + 1) * N) };
}

// ---------------------------------------------------------------------------------------------
// Benchmarks

/**
 * The universe's benchmark on exactly these dates, scaled to start at `initial`. Throws naming the first
 * date without a value (no filling). dow30's DJIA gives the numbers `loadBenchmark` gives (as train's
 * `benchmarkOn`). 'equal-weight': `initial` split equally over the tickers (default the universe's) that
 * trade on dates[0], bought and held; a ticker that starts later is not in the basket (the source says so).
 */
export function benchmarkSeries(u: Universe, dates: string[], initial: number, opts: { tickers?: string[] } = {}): { values: number[]; source: string } {
  if (dates.length === 0) throw new Error('benchmarkSeries: no dates');
  const b = u.benchmark;
  if (b.kind === 'equal-weight') return equalWeight(u, dates, initial, opts.tickers ?? u.tickers);
  let series: DailySeries;
  if (b.kind === 'djia') {
    const dj = loadBenchmark({ start: dates[0], end: dates[dates.length - 1], dataDir: u.dataDir });
    series = { dates: dj.dates, values: dj.close, source: dj.source };
  } else if (b.kind === 'ticker') {
    series = closeSeries(cachedOhlcv(u.source), b.ticker!);
  } else {
    series = loadBenchmarkFile(b.path!);
  }
  const closes = valuesStrict(series, dates, b.name);
  const first = closes[0];
  return { values: closes.map((c) => (c / first) * initial), source: series.source };
}

function valuesStrict(series: DailySeries, dates: string[], what: string): number[] {
  const at = new Map<string, number>();
  series.dates.forEach((d, j) => at.set(d, series.values[j]));
  return dates.map((d) => {
    const v = at.get(d);
    if (v === undefined) {
      const span = series.dates.length ? `${series.dates[0]}..${series.dates[series.dates.length - 1]}` : 'no dates';
      throw new ParameterError(['benchmark'], (n) => `benchmark ${what} has no value on ${d} (${series.source} covers ${span}); pick dates it covers, or another ${n('benchmark')}`);
    }
    return v;
  });
}

function equalWeight(u: Universe, dates: string[], initial: number, tickers: string[]): { values: number[]; source: string } {
  const table = cachedOhlcv(u.source);
  const names = tickers.map((t) => u.aliases?.[t] ?? t);
  const members: { ticker: string; closes: number[] }[] = [];
  const late: string[] = [];
  for (const t of names) {
    const s = closeSeries(table, t);
    if (!s.dates.includes(dates[0])) {
      late.push(t);
      continue;
    }
    members.push({ ticker: t, closes: valuesStrict(s, dates, `equal-weight member ${t}`) });
  }
  if (members.length === 0) throw new Error(`benchmark equal-weight: none of ${names.join(' ')} trades on ${dates[0]}`);
  const share = initial / members.length;
  const values = dates.map((_, t) => members.reduce((sum, m) => sum + (share * m.closes[t]) / m.closes[0], 0));
  const source =
    `equal-weight buy-and-hold of ${members.map((m) => m.ticker).join(' ')} from ${dates[0]} (${displayName(u.source)})` +
    (late.length ? `; left out, no bar on ${dates[0]}: ${late.join(' ')}` : '');
  return { values, source };
}

/**
 * A benchmark file: a long-format OHLCV CSV with exactly one ticker (its close), or a `date,close` CSV
 * (dates ascending, closes positive). Errors name file, line and column.
 */
export function loadBenchmarkFile(path: string): DailySeries {
  const name = displayName(path);
  const text = readTextFile(path);
  const firstLine = text.slice(0, text.indexOf('\n') < 0 ? text.length : text.indexOf('\n'));
  const header = firstLine.replace(/^\uFEFF/, '').split(',').map((h) => h.trim());
  if (header.includes('ticker')) {
    const table = cachedOhlcv(path);
    const tickers = [...new Set(table.ticker)];
    if (tickers.length !== 1) throw new Error(`benchmark file ${name} holds ${tickers.length} tickers (${tickers.join(' ')}); a benchmark file holds one, or is a date,close CSV`);
    return closeSeries(table, tickers[0]);
  }
  const rows = parse(text, { skip_empty_lines: true, bom: true, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
  const at = { date: header.indexOf('date'), close: header.indexOf('close') };
  for (const [col, i] of [['date', at.date], ['close', at.close]] as const) {
    if (i < 0) throw new DataError(name, 1, col, 'a header with the columns date,close (or a long-format OHLCV file with one ticker)', header.join(','));
  }
  const dates: string[] = [];
  const values: number[] = [];
  for (const { record, info } of rows.slice(1)) {
    const d = record[at.date];
    const raw = record[at.close];
    if (!isIsoDate(d)) throw new DataError(name, info.lines, 'date', 'a real date written YYYY-MM-DD', d);
    if (dates.length && d <= dates[dates.length - 1]) throw new DataError(name, info.lines, 'date', `dates strictly ascending (this row follows ${dates[dates.length - 1]})`, d);
    const v = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw) ? Number(raw) : NaN;
    if (!(Number.isFinite(v) && v > 0)) throw new DataError(name, info.lines, 'close', 'a positive number', raw);
    dates.push(d);
    values.push(v);
  }
  if (dates.length === 0) throw new DataError(name, 2, 'date', 'at least one row', '');
  return { dates, values: Float64Array.from(values), source: `close (${name})` };
}

// ---------------------------------------------------------------------------------------------
// Table helpers (cached per parsed table, which build.ts caches per file)

const spanCache = new WeakMap<OhlcvTable, Map<string, { first: string; last: string }>>();

/** First and last date of every ticker in the table. */
function tickerSpans(table: OhlcvTable): Map<string, { first: string; last: string }> {
  let spans = spanCache.get(table);
  if (!spans) {
    spans = new Map();
    for (let r = 0; r < table.date.length; r++) {
      const s = spans.get(table.ticker[r]);
      if (s) s.last = table.date[r];
      else spans.set(table.ticker[r], { first: table.date[r], last: table.date[r] });
    }
    spanCache.set(table, spans);
  }
  return spans;
}

/** Sorted distinct dates of the table's rows (of the given tickers only, when given). */
function distinctDates(table: OhlcvTable, tickers?: Set<string>): string[] {
  const dates = new Set<string>();
  for (let r = 0; r < table.date.length; r++) if (!tickers || tickers.has(table.ticker[r])) dates.add(table.date[r]);
  return [...dates].sort();
}

function isWeekend(d: string): boolean {
  const day = new Date(`${d}T00:00:00Z`).getUTCDay();
  return day === 0 || day === 6;
}
