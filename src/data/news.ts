/**
 * News items from a file, queried point in time.
 *
 * A file is CSV (header with `date` and `text` — `headline` is accepted for `text` — and optionally
 * `ticker`, `source`; other columns are ignored) or JSONL (one object per line with exactly `date`,
 * `text` and optionally `ticker`, `source`). `date` is the publication date (YYYY-MM-DD). Intraday times are
 * not known, so an item dated d is treated as public only after d: a decision on d sees items dated
 * strictly before d.
 *
 * Well-formed but meaningless input is refused, naming the file: a file that is not UTF-8 (the byte offset
 * of the first bad sequence; UTF-16 and binary files included), a file with NUL bytes, and a file with no
 * news items (empty, blank lines only, a CSV header without rows). A UTF-8 byte-order mark is accepted.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { isIsoDate } from '../dates.ts';
import { formatIssues } from '../validation.ts';
import { jsonlLines } from '../jsonl.ts';

export interface NewsItem {
  date: string;
  text: string;
  ticker?: string;
  source?: string;
}

const isoDate = z.string().refine(isIsoDate, 'expected a calendar date YYYY-MM-DD');

/** One news row, as validated from either file format. */
export const NewsItemSchema = z
  .object({
    date: isoDate,
    text: z.string().trim().min(1, 'expected non-empty text'),
    ticker: z
      .string()
      .regex(/^[A-Z][A-Z0-9.\-^]{0,9}$/, 'expected an upper-case ticker like AAPL')
      .optional(),
    source: z.string().max(200).optional(),
  })
  .strict();

function validateRow(value: unknown, at: string): NewsItem {
  const r = NewsItemSchema.safeParse(value);
  if (!r.success) throw new Error(`${at}: ${formatIssues(r.error, { whole: '(row)' })}`);
  return r.data;
}

function parseJsonl(text: string, where: string): NewsItem[] {
  return jsonlLines(text, where, { what: 'a JSON object per line', partial: 'keep' }).map(({ value, line }) => validateRow(value, `${where}:${line}`));
}

function parseCsvNews(text: string, where: string): NewsItem[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, { columns: true, skip_empty_lines: true, info: true, bom: true }) as typeof records;
  } catch (e) {
    throw new Error(`${where}: not valid CSV: ${(e as Error).message}`, { cause: e });
  }
  if (records.length === 0) return [];
  const columns = Object.keys(records[0].record);
  const textColumn = columns.includes('text') ? 'text' : columns.includes('headline') ? 'headline' : null;
  if (!columns.includes('date') || textColumn === null) {
    throw new Error(`${where}:1: expected columns date and text (or headline), got ${columns.join(',')}`);
  }
  return records.map(({ record, info }) => {
    const row: Record<string, string> = { date: record.date, text: record[textColumn] };
    if (record.ticker) row.ticker = record.ticker;
    if (record.source) row.source = record.source;
    // info.lines is the line the record ends on; multi-line quoted texts still point near the row.
    return validateRow(row, `${where}:${info.lines}`);
  });
}

/** News items sorted by date, answering "what was published before d". */
export class NewsStore {
  readonly items: readonly NewsItem[];

  constructor(items: NewsItem[]) {
    // Stable sort keeps the file's order within a day.
    this.items = [...items].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  }

  /** Items dated strictly before `asOf`, oldest first, optionally only those on or after `since`. */
  before(asOf: string, since?: string): NewsItem[] {
    const end = lowerBound(this.items, asOf);
    const start = since === undefined ? 0 : lowerBound(this.items, since);
    return this.items.slice(Math.min(start, end), end);
  }
}

/** Index of the first item dated >= date. */
function lowerBound(items: readonly NewsItem[], date: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid].date < date) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Parses news text; the format follows the file name (`.jsonl`/`.ndjson` or `.csv`, optionally `.gz`). */
export function parseNews(text: string, where: string): NewsStore {
  const name = where.replace(/\.gz$/, '').toLowerCase();
  let items: NewsItem[];
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) items = parseJsonl(text.replace(/^\uFEFF/, ''), where);
  else if (name.endsWith('.csv')) items = parseCsvNews(text, where);
  else throw new Error(`${where}: expected a .csv or .jsonl news file (optionally .gz)`);
  if (items.length === 0) {
    const what = text.trim() === '' ? (text.length === 0 ? 'is empty' : 'holds only blank lines') : 'holds no news items (a header without rows?)';
    throw new Error(`${where}: the news file ${what}; expected at least one item with date and text`);
  }
  return new NewsStore(items);
}

/** The file's text, strictly UTF-8 (gunzipped first if it is gzip): an error names the file and byte offset. */
export function readNewsText(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read the news file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new Error(`${path}: not a valid gzip file (${(e as Error).message})`, { cause: e });
    }
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new Error(`${path}: the news file is UTF-16 (byte-order mark ${bytes[0].toString(16)} ${bytes[1].toString(16)}); expected UTF-8 — convert it, e.g. iconv -f UTF-16 -t UTF-8`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new Error(`${path}: the news file is not UTF-8 (invalid byte 0x${bytes[at]?.toString(16).padStart(2, '0')} at byte offset ${at}); expected UTF-8 text — convert it, e.g. iconv -f latin1 -t UTF-8`);
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) throw new Error(`${path}: the news file contains NUL bytes (first at character ${nul}); expected UTF-8 text, not UTF-16 or binary`);
  return text;
}

/** Offset of the first byte that does not start a valid UTF-8 sequence (RFC 3629: no overlongs, surrogates). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0 || i + n >= b.length) return i;
    for (let k = 1; k <= n; k++) if ((b[i + k] & 0xc0) !== 0x80) return i;
    const d = b[i + 1];
    if ((c === 0xe0 && d < 0xa0) || (c === 0xed && d > 0x9f) || (c === 0xf0 && d < 0x90) || (c === 0xf4 && d > 0x8f)) return i;
    i += n + 1;
  }
  return 0;
}

export function loadNews(path: string): NewsStore {
  return parseNews(readNewsText(path), path);
}
