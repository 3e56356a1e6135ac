import { isIsoDate, type OhlcvTable } from './csv.ts';

/**
 * A dense panel: one row per trading date, one column per ticker, every field a Float64Array in
 * row-major order (ticker i on day t at index t * N + i). Built from a long-format table by aligning
 * its rows to a trading calendar under an explicit gap policy.
 */
export interface Panel {
  dates: string[];
  tickers: string[];
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

export const PANEL_FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;
export type PanelField = (typeof PANEL_FIELDS)[number];

/**
 * What to do when a ticker has no row on a calendar date:
 * - `error`: refuse, naming the ticker and its first missing date (the default: gaps are news);
 * - `ffill`: carry the last close forward as a flat, zero-volume bar (open = high = low = close);
 * - `drop-date`: remove the date from the calendar for every ticker.
 */
export type GapPolicy = 'error' | 'ffill' | 'drop-date';

export interface PanelOptions {
  /** Tickers in column order; default: every ticker in the table, alphabetical. */
  tickers?: string[];
  /** Trading calendar (ascending ISO dates); default: the union of the selected tickers' dates. Rows on other dates are not used. */
  calendar?: string[];
  gapPolicy?: GapPolicy;
}

/** Aligns long-format bars to a dense dates × tickers panel. */
export function buildPanel(table: OhlcvTable, { tickers, calendar, gapPolicy = 'error' }: PanelOptions = {}): Panel {
  const selected = tickers ?? [...new Set(table.ticker)].sort();
  if (selected.length === 0) throw new Error(`${table.source}: no tickers selected; pass at least one ticker`);
  const column = new Map<string, number>();
  selected.forEach((t, i) => {
    if (column.has(t)) throw new Error(`ticker ${t} is listed twice; list each ticker once`);
    column.set(t, i);
  });
  const present = new Set(table.ticker);
  const absent = selected.filter((t) => !present.has(t));
  if (absent.length > 0) {
    throw new Error(`${table.source} has no rows for ${absent.join(', ')}; choose tickers from: ${[...present].sort().join(' ')}`);
  }

  const dates = calendar ? checkedCalendar(calendar) : unionOfDates(table, column);
  const row = new Map<string, number>();
  dates.forEach((d, t) => row.set(d, t));

  const N = selected.length;
  const T = dates.length;
  const cols = { open: new Float64Array(T * N), high: new Float64Array(T * N), low: new Float64Array(T * N), close: new Float64Array(T * N), volume: new Float64Array(T * N) };
  const filled = new Uint8Array(T * N);
  for (let r = 0; r < table.date.length; r++) {
    const i = column.get(table.ticker[r]);
    if (i === undefined) continue;
    const t = row.get(table.date[r]);
    if (t === undefined) continue;
    const k = t * N + i;
    filled[k] = 1;
    cols.open[k] = table.open[r];
    cols.high[k] = table.high[r];
    cols.low[k] = table.low[r];
    cols.close[k] = table.close[r];
    cols.volume[k] = table.volume[r];
  }
  const panel: Panel = { dates, tickers: [...selected], ...cols };
  if (filled.every((f) => f === 1)) return panel;

  switch (gapPolicy) {
    case 'error': {
      const { ticker, date, count } = firstGap(filled, dates, selected);
      throw new Error(
        `${table.source}: ${ticker} has no row on ${date} (${count} missing ticker-days in all) within the calendar ` +
          `${dates[0]}..${dates[T - 1]}; pick a range where every ticker trades, or set gapPolicy to 'ffill' or 'drop-date'`,
      );
    }
    case 'ffill':
      return forwardFill(panel, filled, table.source);
    case 'drop-date':
      return dropIncompleteDates(panel, filled);
  }
}

function checkedCalendar(calendar: string[]): string[] {
  for (let t = 0; t < calendar.length; t++) {
    if (!isIsoDate(calendar[t])) throw new Error(`calendar[${t}] = ${JSON.stringify(calendar[t])}: expected a real date written YYYY-MM-DD`);
    if (t > 0 && calendar[t] <= calendar[t - 1]) {
      throw new Error(`calendar[${t}] = ${calendar[t]} does not follow ${calendar[t - 1]}: the calendar must be strictly ascending`);
    }
  }
  return [...calendar];
}

function unionOfDates(table: OhlcvTable, column: Map<string, number>): string[] {
  const dates = new Set<string>();
  for (let r = 0; r < table.date.length; r++) if (column.has(table.ticker[r])) dates.add(table.date[r]);
  return [...dates].sort();
}

function firstGap(filled: Uint8Array, dates: string[], tickers: string[]) {
  const N = tickers.length;
  let first = -1;
  let count = 0;
  for (let k = 0; k < filled.length; k++) {
    if (filled[k]) continue;
    count++;
    if (first < 0) first = k;
  }
  return { ticker: tickers[first % N], date: dates[Math.floor(first / N)], count };
}

function forwardFill(panel: Panel, filled: Uint8Array, source: string): Panel {
  const N = panel.tickers.length;
  const T = panel.dates.length;
  for (let i = 0; i < N; i++) {
    for (let t = 0; t < T; t++) {
      const k = t * N + i;
      if (filled[k]) continue;
      if (t === 0 || !filled[k - N]) {
        // Leading gap: there is nothing to carry forward, and inventing a price would be look-ahead.
        throw new Error(
          `${source}: ${panel.tickers[i]} has no row on ${panel.dates[t]} and no earlier price to carry forward; ` +
            `start the range on or after its first date, or use gapPolicy 'drop-date'`,
        );
      }
      // A day without trading has no range and no volume; its return is 0.
      const c = panel.close[k - N];
      panel.open[k] = c;
      panel.high[k] = c;
      panel.low[k] = c;
      panel.close[k] = c;
      panel.volume[k] = 0;
      filled[k] = 1;
    }
  }
  return panel;
}

function dropIncompleteDates(panel: Panel, filled: Uint8Array): Panel {
  const N = panel.tickers.length;
  const keep: number[] = [];
  for (let t = 0; t < panel.dates.length; t++) {
    let complete = true;
    for (let i = 0; i < N && complete; i++) complete = filled[t * N + i] === 1;
    if (complete) keep.push(t);
  }
  if (keep.length === 0) throw new Error(`no date has rows for all of ${panel.tickers.join(', ')}; select fewer tickers`);
  return pickRows(panel, keep);
}

/** A panel of the given rows (ascending row indices). */
function pickRows(panel: Panel, rows: number[]): Panel {
  const N = panel.tickers.length;
  const out: Panel = {
    dates: rows.map((t) => panel.dates[t]),
    tickers: [...panel.tickers],
    open: new Float64Array(rows.length * N),
    high: new Float64Array(rows.length * N),
    low: new Float64Array(rows.length * N),
    close: new Float64Array(rows.length * N),
    volume: new Float64Array(rows.length * N),
  };
  for (const f of PANEL_FIELDS) rows.forEach((t, j) => out[f].set(panel[f].subarray(t * N, t * N + N), j * N));
  return out;
}

/** The panel restricted to the given tickers, in the given order. */
export function selectTickers(panel: Panel, tickers: string[]): Panel {
  const from = tickers.map((t) => {
    const i = panel.tickers.indexOf(t);
    if (i < 0) throw new Error(`ticker ${t} is not in the panel; it has: ${panel.tickers.join(' ')}`);
    return i;
  });
  const N = panel.tickers.length;
  const M = tickers.length;
  const T = panel.dates.length;
  const out = { dates: [...panel.dates], tickers: [...tickers] } as Panel;
  for (const f of PANEL_FIELDS) {
    const src = panel[f];
    const dst = new Float64Array(T * M);
    for (let t = 0; t < T; t++) for (let j = 0; j < M; j++) dst[t * M + j] = src[t * N + from[j]];
    out[f] = dst;
  }
  return out;
}

/** What a data set covers, for messages: its first and last date and where it comes from. */
export interface Coverage {
  first: string;
  last: string;
  /** The file (or series) it comes from. */
  source?: string;
}

/**
 * The error text for a range without a trading date: the data's OWN coverage (the file's, not that of
 * the slice that was read), and whether the range lies outside it or falls between its trading days.
 */
export function noTradingDateMessage(start: string, end: string, coverage: Coverage | null): string {
  const head = `no trading date within ${start}..${end}`;
  if (!coverage) return `${head}; the data has no dates`;
  const span = `the data covers ${coverage.first}..${coverage.last}${coverage.source ? ` (${coverage.source})` : ''}`;
  const outside = end < coverage.first || start > coverage.last;
  return outside ? `${head}; ${span}: the range ${start}..${end} lies outside it` : `${head}; ${span} but has no trading day in the range ${start}..${end}`;
}

/**
 * Row range [first, last] (inclusive) of the dates within start..end, both ends included, as the
 * original's `data_split_include` does. Throws when no date falls inside, naming `coverage` (default: the
 * first and last of `dates`; pass the file's own when `dates` is a slice of it).
 */
export function dateRowRange(dates: string[], start: string, end: string, coverage?: Coverage | null): { first: number; last: number } {
  for (const [what, d] of [['start', start], ['end', end]] as const) {
    if (!isIsoDate(d)) throw new Error(`${what} date ${JSON.stringify(d)}: expected a real date written YYYY-MM-DD`);
  }
  if (start > end) throw new Error(`start ${start} is after end ${end}; swap them`);
  const first = lowerBound(dates, start);
  const last = lowerBound(dates, end + '\uffff') - 1; // last date ≤ end
  if (first > last) {
    const own = dates.length ? { first: dates[0], last: dates[dates.length - 1] } : null;
    throw new Error(noTradingDateMessage(start, end, coverage === undefined ? own : coverage));
  }
  return { first, last };
}

function lowerBound(sorted: string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The panel's dates from start to end, both included. */
export function sliceDates(panel: Panel, start: string, end: string): Panel {
  const { first, last } = dateRowRange(panel.dates, start, end);
  const N = panel.tickers.length;
  const out = { dates: panel.dates.slice(first, last + 1), tickers: [...panel.tickers] } as Panel;
  for (const f of PANEL_FIELDS) out[f] = panel[f].slice(first * N, (last + 1) * N);
  return out;
}

export interface DateRange {
  start: string;
  end: string;
}

/** Parses `'2009-01-01:2018-12-31'` (both ends included). */
export function parseDateRange(text: string, what = 'date range'): DateRange {
  const parts = text.split(':');
  if (parts.length !== 2) throw new Error(`${what} ${JSON.stringify(text)}: expected START:END, e.g. 2009-01-01:2018-12-31`);
  const [start, end] = parts.map((p) => p.trim());
  for (const d of [start, end]) {
    if (!isIsoDate(d)) throw new Error(`${what} ${JSON.stringify(text)}: ${JSON.stringify(d)} is not a real date written YYYY-MM-DD`);
  }
  if (start > end) throw new Error(`${what} ${JSON.stringify(text)}: start is after end; write START:END`);
  return { start, end };
}

/**
 * Named inclusive splits, e.g. `{ train: '2009-01-01:2018-12-31', trade: '2019-01-01:2019-12-31' }`.
 * Overlapping ranges are allowed (the original's segments share boundary days); empty ones are errors.
 */
export function splitByRanges<K extends string>(panel: Panel, ranges: Record<K, string | DateRange>): Record<K, Panel> {
  const out = {} as Record<K, Panel>;
  for (const name of Object.keys(ranges) as K[]) {
    const spec = ranges[name];
    const { start, end } = typeof spec === 'string' ? parseDateRange(spec, `split "${name}"`) : spec;
    try {
      out[name] = sliceDates(panel, start, end);
    } catch (e) {
      throw new Error(`split "${name}": ${(e as Error).message}`, { cause: e });
    }
  }
  return out;
}
