/**
 * News items from a file, queried point in time.
 *
 * A file is CSV (header with `date` and `text` — `headline` is accepted for `text` — and optionally
 * `ticker`, `source`; other columns are ignored) or JSONL (one object per line with exactly `date`,
 * `text` and optionally `ticker`, `source`). `date` is the publication date (YYYY-MM-DD). Intraday times are
 * not known, so an item dated d is treated as public only after d: a decision on d sees items dated
 * strictly before d.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { isIsoDate } from '../dates.ts';
import { readDataText } from './macro.ts';

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

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.join('.') : '(row)';
  return `${field}: ${issue.message}`;
}

function validateRow(value: unknown, at: string): NewsItem {
  const r = NewsItemSchema.safeParse(value);
  if (!r.success) throw new Error(`${at}: ${r.error.issues.map(describeIssue).join('; ')}`);
  return r.data;
}

function parseJsonl(text: string, where: string): NewsItem[] {
  const items: NewsItem[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new Error(`${where}:${i + 1}: expected a JSON object per line (${(e as Error).message})`);
    }
    items.push(validateRow(value, `${where}:${i + 1}`));
  }
  return items;
}

function parseCsvNews(text: string, where: string): NewsItem[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, { columns: true, skip_empty_lines: true, info: true, bom: true }) as typeof records;
  } catch (e) {
    throw new Error(`${where}: not valid CSV: ${(e as Error).message}`);
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
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) return new NewsStore(parseJsonl(text, where));
  if (name.endsWith('.csv')) return new NewsStore(parseCsvNews(text, where));
  throw new Error(`${where}: expected a .csv or .jsonl news file (optionally .gz)`);
}

export function loadNews(path: string): NewsStore {
  return parseNews(readDataText(path), path);
}
