import { readFileSync } from 'node:fs';
import { relative, isAbsolute } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { isIsoDate } from '../dates.ts';
import { checkListedFile } from './checksums.ts';
import { firstIssue } from '../validation.ts';

export { isIsoDate };

/**
 * Loaders for the long-format CSV files in data/ (one row per date × instrument or series).
 * Every row is validated; bad input throws a DataError naming file, line and column. Nothing is
 * silently dropped, filled or reordered: what the file says is what the table holds.
 */

/** A file path (`.csv` or `.csv.gz`), or an in-memory file for tests. */
export type CsvSource = string | { name: string; text: string };

/** A problem in an input file, located precisely enough to fix it by hand. */
export class DataError extends Error {
  constructor(
    readonly file: string,
    /** 1-based line number in the file; the header is line 1. */
    readonly line: number,
    readonly column: string,
    readonly expected: string,
    /** The offending raw text, when there is one. */
    readonly got?: string,
  ) {
    const tail = got === undefined ? '' : `, got ${JSON.stringify(got)}`;
    super(`${file}:${line}: column "${column}": expected ${expected}${tail}`);
    this.name = 'DataError';
  }
}

/** Long-format daily bars, columnar, in file order. */
export interface OhlcvTable {
  /** Where the rows came from (shown in error messages downstream). */
  source: string;
  date: string[];
  ticker: string[];
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  /** Plausibility warnings of the loader (implausible jumps, open or close outside the day's range), in file order. */
  warnings?: string[];
}

/**
 * A day-over-day close ratio beyond this factor (up or down) is reported as implausible: a warning naming
 * file, line, ticker and date, since a researcher may mean it (a crash, a coin), but it is far more often an
 * unadjusted split (5:1 and up) or a unit slip (cents for dollars). The bundled files stay well inside it:
 * their largest moves are ^VIX ×2.16 (2018-02-05), BNB-USD ×1.70 and ETH-USD ×0.58; the Dow file is
 * split-adjusted (largest ×1.35).
 */
export const PRICE_JUMP_FACTOR = 5;

/** Receives the loaders' plausibility warnings (one line each, naming the file). */
export type DataWarningSink = (message: string) => void;
const stderrSink: DataWarningSink = (m) => void process.stderr.write(`warning: ${m}\n`);
let warningSink: DataWarningSink = stderrSink;

/** Where plausibility warnings go (default: stderr as `warning: …`); null restores the default. Returns the previous sink. */
export function setDataWarningSink(sink: DataWarningSink | null): DataWarningSink {
  const previous = warningSink;
  warningSink = sink ?? stderrSink;
  return previous;
}

/** Warnings reported one by one per file; the rest are counted in one line (all stay in `table.warnings`). */
const WARNINGS_SHOWN = 5;

/** Long-format series (e.g. FRED: `date,series_id,frequency,value`), columnar, in file order. */
export interface LongSeriesTable {
  source: string;
  date: string[];
  seriesId: string[];
  value: Float64Array;
}

export const OHLCV_COLUMNS = ['date', 'ticker', 'open', 'high', 'low', 'close', 'volume'] as const;
export const LONG_SERIES_COLUMNS = ['date', 'series_id', 'value'] as const;

/** Reads a text file, gunzipping it when it is gzip (by magic bytes, so a renamed file still works). */
export function readTextFile(path: string): string {
  const bytes = readFileSync(path);
  // A file listed in a SHA256SUMS (the bundled data) must match it: corruption is refused, naming the file.
  checkListedFile(path, bytes);
  const gzipped = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  return (gzipped ? gunzipSync(bytes) : bytes).toString('utf8');
}

/** Short, clickable name for messages: relative to the working directory when the file lies below it. */
export function displayName(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

// ---------------------------------------------------------------------------------------------
// Field schemas. Each failing field reports what it expected; the loader adds file, line, column.

const EXPECT_DATE = 'a real date written YYYY-MM-DD';
const EXPECT_POSITIVE = 'a positive number';
const EXPECT_NON_NEGATIVE = 'a number ≥ 0';
const EXPECT_NUMBER = 'a finite number';
const EXPECT_SYMBOL = 'a non-empty symbol';

/** Number() accepts '' and '  ' as 0, and hex; data files must spell out a decimal number. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function numberField(expected: string, ok: (v: number) => boolean) {
  return z.string().transform((s, ctx) => {
    const v = DECIMAL.test(s) ? Number(s) : NaN;
    if (!Number.isFinite(v) || !ok(v)) {
      ctx.addIssue({ code: 'custom', message: expected });
      return z.NEVER;
    }
    return v;
  });
}

// A file repeats each date once per instrument, so remembering the valid ones saves most checks.
const knownValidDates = new Set<string>();
function isKnownIsoDate(s: string): boolean {
  if (knownValidDates.has(s)) return true;
  if (!isIsoDate(s)) return false;
  knownValidDates.add(s);
  return true;
}
const dateField = z.string().refine(isKnownIsoDate, { message: EXPECT_DATE });
const symbolField = z.string().min(1, { message: EXPECT_SYMBOL });

const ohlcvRow = z.object({
  date: dateField,
  ticker: symbolField,
  open: numberField(EXPECT_POSITIVE, (v) => v > 0),
  high: numberField(EXPECT_POSITIVE, (v) => v > 0),
  low: numberField(EXPECT_POSITIVE, (v) => v > 0),
  close: numberField(EXPECT_POSITIVE, (v) => v > 0),
  volume: numberField(EXPECT_NON_NEGATIVE, (v) => v >= 0),
});

const longSeriesRow = z.object({
  date: dateField,
  series_id: symbolField,
  // Macro values can be negative (spreads, CFNAI), so only finiteness is required.
  value: numberField(EXPECT_NUMBER, () => true),
});

// ---------------------------------------------------------------------------------------------

interface RawRecords {
  name: string;
  /** Index of each required column in a record. */
  at: Record<string, number>;
  records: string[][];
  /** File line of records[r]; computed only when an error needs it. */
  lineOf: (r: number) => number;
}

const CSV_OPTIONS = { skip_empty_lines: true, bom: true } as const;

function readRecords(source: CsvSource, required: readonly string[]): RawRecords {
  const name = typeof source === 'string' ? displayName(source) : source.name;
  const text = typeof source === 'string' ? readTextFile(source) : source.text;
  let records: string[][];
  // Line numbers matter only for messages, and asking csv-parse for them on every record costs more
  // than the parse itself (a context object per row), so a second, annotated pass runs on error only.
  let lines: number[] | undefined;
  const lineOf = (r: number): number => {
    lines ??= (parse(text, { ...CSV_OPTIONS, info: true }) as unknown as { info: { lines: number } }[]).map((x) => x.info.lines);
    return lines[r];
  };
  try {
    records = parse(text, CSV_OPTIONS) as string[][];
  } catch (e) {
    // csv-parse reports ragged rows and broken quoting with the line it stopped at.
    const err = e as Error & { lines?: number; code?: string };
    throw new DataError(name, err.lines ?? 0, '(row)', 'well-formed CSV with the same number of fields on every row', err.message);
  }
  if (records.length === 0) throw new DataError(name, 1, required[0], `a header row with the columns ${required.join(',')}`, '');
  const header = records[0].map((h) => h.trim());
  const at: Record<string, number> = {};
  for (const col of required) {
    const i = header.indexOf(col);
    if (i < 0) {
      throw new DataError(name, 1, col, `a header with the columns ${required.join(',')} (extra columns are fine)`, header.join(','));
    }
    at[col] = i;
  }
  return { name, at, records, lineOf };
}

function rowError(name: string, line: number, error: z.ZodError, raw: Record<string, string>): DataError {
  const issue = firstIssue(error);
  const column = String(issue.path[0] ?? '*');
  return new DataError(name, line, column, issue.message, raw[column]);
}

/**
 * Loads daily bars in long format: `date,ticker,open,high,low,close,volume[,extra…]`.
 * Rejects (with file:line and column): a missing required column, a non-numeric or non-positive price,
 * a negative volume, an impossible date, a duplicate (date, ticker), dates that go backwards, and a high
 * below the low. Warns (file:line, ticker, date; `table.warnings` and the warning sink): a close more than
 * `jumpFactor` (PRICE_JUMP_FACTOR) times, or less than 1/jumpFactor of, the ticker's previous close, and an
 * open or close outside the day's [low, high].
 */
export function loadOhlcvCsv(source: CsvSource, opts: { jumpFactor?: number } = {}): OhlcvTable {
  const jump = opts.jumpFactor ?? PRICE_JUMP_FACTOR;
  if (!(jump > 1)) throw new Error(`loadOhlcvCsv: jumpFactor must be > 1, got ${jump}`);
  const { name, at, records, lineOf } = readRecords(source, OHLCV_COLUMNS);
  const n = records.length - 1;
  const table: OhlcvTable = {
    source: name,
    date: new Array<string>(n),
    ticker: new Array<string>(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  const c = at as Record<(typeof OHLCV_COLUMNS)[number], number>;
  let prevDate = '';
  // Rows are sorted by date, so duplicates can only occur within one date's block (record index by ticker).
  let seenToday = new Map<string, number>();
  const warnings: string[] = [];
  const previous = new Map<string, { close: number; date: string }>();
  for (let r = 0; r < n; r++) {
    const record = records[r + 1];
    const raw = {
      date: record[c.date],
      ticker: record[c.ticker],
      open: record[c.open],
      high: record[c.high],
      low: record[c.low],
      close: record[c.close],
      volume: record[c.volume],
    };
    const parsed = ohlcvRow.safeParse(raw);
    if (!parsed.success) throw rowError(name, lineOf(r + 1), parsed.error, raw);
    const row = parsed.data;
    if (row.date < prevDate) {
      throw new DataError(name, lineOf(r + 1), 'date', `dates in ascending order (this row follows ${prevDate})`, row.date);
    }
    if (row.date !== prevDate) {
      seenToday = new Map();
      prevDate = row.date;
    }
    const first = seenToday.get(row.ticker);
    if (first !== undefined) {
      throw new DataError(name, lineOf(r + 1), 'ticker', `one row per (date, ticker); ${row.date} ${row.ticker} is already on line ${lineOf(first)}`, row.ticker);
    }
    seenToday.set(row.ticker, r + 1);
    if (row.high < row.low) {
      throw new DataError(name, lineOf(r + 1), 'high', `a high ≥ the low (${row.ticker} on ${row.date} has low ${raw.low})`, raw.high);
    }
    const slack = 1e-6 * row.high;
    for (const col of ['open', 'close'] as const) {
      if (row[col] > row.high + slack || row[col] < row.low - slack) {
        warnings.push(`${name}:${lineOf(r + 1)}: ${row.ticker} on ${row.date}: ${col} ${raw[col]} is outside the day's range [low ${raw.low}, high ${raw.high}]`);
      }
    }
    const prev = previous.get(row.ticker);
    if (prev) {
      const ratio = row.close / prev.close;
      if (ratio > jump || ratio < 1 / jump) {
        const move = ratio > 1 ? `${ratio.toFixed(1)}× its previous close` : `1/${(1 / ratio).toFixed(1)} of its previous close`;
        warnings.push(
          `${name}:${lineOf(r + 1)}: ${row.ticker} on ${row.date}: close ${raw.close} is ${move} ${prev.close} (${prev.date}), an implausible jump ` +
            `(beyond ×${jump} or ÷${jump}); check for an unadjusted split or a unit slip, or ignore this if the move is real`,
        );
      }
    }
    previous.set(row.ticker, { close: row.close, date: row.date });
    table.date[r] = row.date;
    table.ticker[r] = row.ticker;
    table.open[r] = row.open;
    table.high[r] = row.high;
    table.low[r] = row.low;
    table.close[r] = row.close;
    table.volume[r] = row.volume;
  }
  if (warnings.length) {
    table.warnings = warnings;
    warnings.slice(0, WARNINGS_SHOWN).forEach((w) => warningSink(w));
    if (warnings.length > WARNINGS_SHOWN) warningSink(`${name}: ${warnings.length - WARNINGS_SHOWN} more implausible price(s) like these (${warnings.length} in all)`);
  }
  return table;
}

/**
 * Loads long-format series: `date,series_id,value[,extra…]` (FRED's `macro_fred_long.csv`). That file is
 * sorted by series then date, so the order rule here is per series: dates ascending within each series,
 * and no duplicate (date, series_id).
 */
export function loadLongSeriesCsv(source: CsvSource): LongSeriesTable {
  const { name, at, records, lineOf } = readRecords(source, LONG_SERIES_COLUMNS);
  const n = records.length - 1;
  const table: LongSeriesTable = { source: name, date: new Array<string>(n), seriesId: new Array<string>(n), value: new Float64Array(n) };
  const last = new Map<string, { date: string; record: number }>();
  for (let r = 0; r < n; r++) {
    const record = records[r + 1];
    const raw = { date: record[at.date], series_id: record[at.series_id], value: record[at.value] };
    const parsed = longSeriesRow.safeParse(raw);
    if (!parsed.success) throw rowError(name, lineOf(r + 1), parsed.error, raw);
    const row = parsed.data;
    const prev = last.get(row.series_id);
    if (prev && row.date === prev.date) {
      throw new DataError(name, lineOf(r + 1), 'series_id', `one row per (date, series_id); ${row.date} ${row.series_id} is already on line ${lineOf(prev.record)}`, row.series_id);
    }
    if (prev && row.date < prev.date) {
      throw new DataError(name, lineOf(r + 1), 'date', `dates in ascending order within series ${row.series_id} (this row follows ${prev.date})`, row.date);
    }
    last.set(row.series_id, { date: row.date, record: r + 1 });
    table.date[r] = row.date;
    table.seriesId[r] = row.series_id;
    table.value[r] = row.value;
  }
  return table;
}
