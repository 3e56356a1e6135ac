/**
 * FRED macro series, point in time.
 *
 * The bundled file (`data/macro_fred_long.csv.gz`, columns `date,series_id,frequency,value`) is the
 * latest FRED vintage: revisions are baked in, and each row is labelled with the start of its period
 * (FRED's convention), not with the day it was published. A back-test that used a row from its label
 * date on would read April's CPI on April 1st. So every observation gets an `availableFrom` date, the
 * first decision date allowed to see it, from a conservative release-lag rule:
 *
 * | frequency | label P means          | available from (default)                                  | example                      |
 * |-----------|------------------------|-----------------------------------------------------------|------------------------------|
 * | D (daily) | the day P              | P + 1 day (the close of P is known after P)               | 2020-04-30 → 2020-05-01      |
 * | W (weekly)| the week ending/dated P| P + 7 days (FRED weekly series publish ≤ 6 days after P)  | 2020-04-04 → 2020-04-11      |
 * | M         | the month starting P   | first day of the 2nd month after P (period end + 1 month) | April 2020 → 2020-06-01      |
 * | Q         | the quarter starting P | first day of the 2nd month after the quarter ends         | Q2 2020 (04-01) → 2020-08-01 |
 *
 * Monthly: US statistical agencies publish a month's figure during the following month (CPI ~12th,
 * payrolls ~first Friday, retail sales / industrial production mid-month), so "one month after the period
 * ends" always covers the release: April's value is not visible on May 1 (nor May 31), only from June 1.
 * Quarterly: the BEA advance GDP estimate comes ~30 days after the quarter; Q2's (July 30) is visible
 * from August 1. A decision on date d sees exactly the observations with `availableFrom <= d`, which is
 * "published strictly before d". Per-series overrides are allowed (`lagOverrides`).
 *
 * Revisions are not modelled (no ALFRED vintages): a visible value is the latest vintage's value.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { addDays, addMonths, isIsoDate } from '../dates.ts';
import { BUNDLED_DATA_DIR } from './checksums.ts';
import { readTextFile } from './csv.ts';
import { ParameterError } from '../parameter-error.ts';

export type MacroFrequency = 'D' | 'W' | 'M' | 'Q';

/** How long after its period an observation becomes usable. */
export type ReleaseLag =
  | { unit: 'days'; afterLabel: number }
  | { unit: 'months'; afterPeriodEnd: number };

export const DEFAULT_RELEASE_LAGS: Readonly<Record<MacroFrequency, ReleaseLag>> = {
  D: { unit: 'days', afterLabel: 1 },
  W: { unit: 'days', afterLabel: 7 },
  M: { unit: 'months', afterPeriodEnd: 1 },
  Q: { unit: 'months', afterPeriodEnd: 1 },
};

/**
 * Series whose latest-vintage values are known only long after their period. NBER recession dating
 * (USREC) is announced 6–21 months late, so its default lag is 12 months after the period.
 */
export const SERIES_LAG_OVERRIDES: Readonly<Record<string, ReleaseLag>> = {
  USREC: { unit: 'months', afterPeriodEnd: 12 },
};

/** The repository's bundled data folder (one definition: src/data/checksums.ts). */
export function repoDataDir(): string {
  return BUNDLED_DATA_DIR;
}

/**
 * Path of a data file: `<dir>/<name>.gz` if present, else `<dir>/<name>`. `dir` defaults to the
 * repository's `data/`, as for every other loader.
 */
export function bundledDataPath(name: string, dir?: string): string {
  const base = dir ?? BUNDLED_DATA_DIR;
  const gz = join(base, name.endsWith('.gz') ? name : `${name}.gz`);
  if (existsSync(gz)) return gz;
  const plain = join(base, name.replace(/\.gz$/, ''));
  if (existsSync(plain)) return plain;
  throw new ParameterError(['dataDir'], (n) => `data file not found: looked for ${gz} and ${plain} (check ${n('dataDir')})`);
}

/** Reads a text file, gunzipping it when it is gzip (the data layer's reader). */
export const readDataText = readTextFile;

export interface MacroSeries {
  id: string;
  frequency: MacroFrequency;
  /** Period labels (ISO dates), ascending. */
  dates: string[];
  values: Float64Array;
  /** First decision date allowed to see each observation, ascending (same order as `dates`). */
  availableFrom: string[];
}

export interface MacroObservation {
  date: string;
  value: number;
  availableFrom: string;
}

export interface LoadMacroOptions {
  /** Lag per frequency; missing keys fall back to DEFAULT_RELEASE_LAGS. */
  lags?: Partial<Record<MacroFrequency, ReleaseLag>>;
  /** Lag per series id, taking precedence over the frequency lag (merged over SERIES_LAG_OVERRIDES). */
  lagOverrides?: Record<string, ReleaseLag>;
}

/** First day of the month `months` after the month containing `iso`. */
function firstOfMonthAfter(iso: string, months: number): string {
  return addMonths(`${iso.slice(0, 7)}-01`, months);
}

/** The first date an observation labelled `label` may be used, under `lag`. */
export function availableFromDate(label: string, frequency: MacroFrequency, lag: ReleaseLag): string {
  if (lag.unit === 'days') return addDays(label, lag.afterLabel);
  // Period end month: the label's month for M, two months later for Q (FRED labels quarters by their
  // first month). Available from the first day of the month after "period end + afterPeriodEnd months".
  const periodMonths = frequency === 'Q' ? 3 : frequency === 'M' ? 1 : 0;
  if (periodMonths === 0) throw new Error(`a months lag needs a monthly or quarterly series, got frequency ${frequency}`);
  return firstOfMonthAfter(label, periodMonths - 1 + lag.afterPeriodEnd + 1);
}

/** Parsed FRED long file, with release dates, queried by decision date. */
export class MacroStore {
  constructor(readonly series: ReadonlyMap<string, MacroSeries>) {}

  ids(): string[] {
    return [...this.series.keys()].sort();
  }

  get(id: string): MacroSeries {
    const s = this.series.get(id);
    if (!s) throw new Error(`macro series ${id} is not in the data (have: ${this.ids().join(', ')})`);
    return s;
  }

  /** Observations of `id` usable by a decision on `asOf` (availableFrom <= asOf), oldest first. */
  visible(id: string, asOf: string): MacroObservation[] {
    const s = this.get(id);
    const n = countAvailable(s.availableFrom, asOf);
    const out: MacroObservation[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = { date: s.dates[i], value: s.values[i], availableFrom: s.availableFrom[i] };
    return out;
  }

  /** The latest `count` observations of `id` usable on `asOf`, oldest first. */
  latest(id: string, asOf: string, count: number): MacroObservation[] {
    const all = this.visible(id, asOf);
    return all.slice(Math.max(0, all.length - count));
  }
}

/** Number of leading entries of the ascending `availableFrom` that are <= asOf (binary search). */
function countAvailable(availableFrom: string[], asOf: string): number {
  let lo = 0;
  let hi = availableFrom.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (availableFrom[mid] <= asOf) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Parses FRED long CSV text (`date,series_id,frequency,value`); `where` names the file in errors. */
export function parseMacroCsv(text: string, where: string, options: LoadMacroOptions = {}): MacroStore {
  const lines = text.split(/\r?\n/);
  const header = lines[0]?.trim();
  if (header !== 'date,series_id,frequency,value') {
    throw new Error(`${where}:1: expected the header "date,series_id,frequency,value", got "${header ?? ''}"`);
  }
  const lags = { ...DEFAULT_RELEASE_LAGS, ...options.lags };
  const overrides = { ...SERIES_LAG_OVERRIDES, ...options.lagOverrides };
  const raw = new Map<string, { frequency: MacroFrequency; dates: string[]; values: number[] }>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    const at = `${where}:${i + 1}`;
    const parts = line.split(',');
    if (parts.length !== 4) throw new Error(`${at}: expected 4 comma-separated fields, got ${parts.length}`);
    const [date, id, freq, valueText] = parts;
    if (!isIsoDate(date)) throw new Error(`${at}: date: expected YYYY-MM-DD, got "${date}"`);
    if (!/^[A-Z0-9_]+$/.test(id)) throw new Error(`${at}: series_id: expected a FRED id like UNRATE, got "${id}"`);
    if (freq !== 'D' && freq !== 'W' && freq !== 'M' && freq !== 'Q') {
      throw new Error(`${at}: frequency: expected D, W, M or Q, got "${freq}"`);
    }
    const value = Number(valueText);
    if (valueText.trim() === '' || !Number.isFinite(value)) {
      throw new Error(`${at}: value: expected a finite number, got "${valueText}"`);
    }
    let s = raw.get(id);
    if (!s) raw.set(id, (s = { frequency: freq, dates: [], values: [] }));
    if (s.frequency !== freq) throw new Error(`${at}: frequency: series ${id} was ${s.frequency} above, now ${freq}`);
    const prev = s.dates[s.dates.length - 1];
    if (prev !== undefined && prev >= date) {
      throw new Error(`${at}: date: series ${id} must be strictly ascending, ${date} follows ${prev}`);
    }
    s.dates.push(date);
    s.values.push(value);
  }
  const series = new Map<string, MacroSeries>();
  for (const [id, s] of raw) {
    const lag = overrides[id] ?? lags[s.frequency];
    series.set(id, {
      id,
      frequency: s.frequency,
      dates: s.dates,
      values: Float64Array.from(s.values),
      availableFrom: s.dates.map((d) => availableFromDate(d, s.frequency, lag)),
    });
  }
  return new MacroStore(series);
}

/** Loads the FRED long file (default: the bundled `macro_fred_long.csv[.gz]`). */
export function loadMacro(path?: string, options: LoadMacroOptions = {}): MacroStore {
  const file = path ?? bundledDataPath('macro_fred_long.csv');
  return parseMacroCsv(readDataText(file), file, options);
}
