/**
 * Issue 11 §4, data: a range outside the data is reported with the file's own coverage; a price file with
 * an implausible jump is a warning naming file, line, ticker and date (a high below the low is an error);
 * a data file that does not match its SHA256SUMS is refused by every loader that reads it, naming it.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMarketFrame, clearDataCache, loadBenchmark } from '../../src/data/build.ts';
import { BUNDLED_DATA_DIR, verifyBundledData } from '../../src/data/checksums.ts';
import { DataError, loadOhlcvCsv, PRICE_JUMP_FACTOR, setDataWarningSink } from '../../src/data/csv.ts';
import { loadMacro } from '../../src/data/macro.ts';
import { dateRowRange } from '../../src/data/panel.ts';
import { buildUniverseFrame, resolveUniverse } from '../../src/data/universe.ts';

const TMP = mkdtempSync(join(tmpdir(), 'refused-data-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const HEADER = 'date,ticker,open,high,low,close,volume';
const csv = (name: string, rows: string[]) => ({ name, text: [HEADER, ...rows].join('\n') + '\n' });
/** Collects the loaders' warnings while `f` runs. */
function warningsOf<T>(f: () => T): { value: T; warnings: string[] } {
  const warnings: string[] = [];
  const previous = setDataWarningSink((m) => warnings.push(m));
  try {
    return { value: f(), warnings };
  } finally {
    setDataWarningSink(previous);
  }
}

describe('a date range outside the data', () => {
  it('names the file\'s own coverage, not "no dates" or the slice that was read', () => {
    for (const [start, end] of [['1990-01-01', '1990-12-31'], ['2007-06-01', '2007-12-31'], ['2030-01-01', '2030-12-31']]) {
      expect(() => buildMarketFrame({ start, end })).toThrow(
        new RegExp(`no trading date within ${start}\\.\\.${end}; the data covers 2008-01-02\\.\\.2024-12-06 \\(.*dow30_daily_ohlcv\\.csv\\.gz\\): the range ${start}\\.\\.${end} lies outside it`),
      );
    }
  });

  it('a range inside the coverage that holds no trading day says so', () => {
    expect(() => buildMarketFrame({ start: '2020-05-02', end: '2020-05-03' })).toThrow(/the data covers 2008-01-02\.\.2024-12-06 .* but has no trading day in the range 2020-05-02\.\.2020-05-03/);
    expect(() => dateRowRange(['2020-01-02', '2020-01-06'], '2020-01-04', '2020-01-05', { first: '2019-01-02', last: '2021-12-31', source: 'f.csv' })).toThrow(/the data covers 2019-01-02\.\.2021-12-31 \(f\.csv\) but has no trading day/);
  });

  it('universes and the benchmark say the same', () => {
    expect(() => buildUniverseFrame(resolveUniverse('crypto'), { start: '2030-01-01', end: '2030-02-01' })).toThrow(/the range 2030-01-01\.\.2030-02-01 lies outside it/);
    expect(() => loadBenchmark({ start: '1990-01-01', end: '1990-02-01' })).toThrow(/no trading date within 1990-01-01\.\.1990-02-01; the data covers .*: the range .* lies outside it/);
  });
});

describe('a price file with an implausible jump', () => {
  it('is a warning naming file, line, ticker and date (the loader keeps the rows: a researcher may mean it)', () => {
    const { value: t, warnings } = warningsOf(() =>
      loadOhlcvCsv(csv('prices.csv', ['2021-01-04,AAA,10,11,9,10,100', '2021-01-04,BBB,5,6,4,5,100', '2021-01-05,AAA,1000,1100,990,1000,100', '2021-01-05,BBB,5,6,4,5.5,100', '2021-01-06,AAA,10,11,9,10.2,100'])),
    );
    expect(t.close.length).toBe(5);
    expect(warnings).toEqual(t.warnings);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^prices\.csv:4: AAA on 2021-01-05: close 1000 is 100\.0× its previous close 10 \(2021-01-04\), an implausible jump \(beyond ×5 or ÷5\)/);
    expect(warnings[1]).toMatch(/^prices\.csv:6: AAA on 2021-01-06: close 10\.2 is 1\/98\.0 of its previous close 1000 \(2021-01-05\)/);
  });

  it('moves within the factor pass quietly, and the factor can be set (crypto)', () => {
    const rows = ['2021-01-04,AAA,10,11,9,10,100', '2021-01-05,AAA,30,40,29,40,100'];
    expect(warningsOf(() => loadOhlcvCsv(csv('ok.csv', rows))).warnings).toEqual([]);
    expect(warningsOf(() => loadOhlcvCsv(csv('strict.csv', rows), { jumpFactor: 3 })).warnings[0]).toMatch(/strict\.csv:3: AAA on 2021-01-05: close 40 is 4\.0×/);
    expect(PRICE_JUMP_FACTOR).toBe(5);
  });

  it('an open or close outside the day\'s range is a warning; a high below the low an error naming file and line', () => {
    const { warnings } = warningsOf(() => loadOhlcvCsv(csv('range.csv', ['2021-01-04,AAA,10,11,9,12,100'])));
    expect(warnings).toEqual(["range.csv:2: AAA on 2021-01-04: close 12 is outside the day's range [low 9, high 11]"]);
    expect(() => loadOhlcvCsv(csv('hl.csv', ['2021-01-04,AAA,10,9,11,10,100']))).toThrow(DataError);
    expect(() => loadOhlcvCsv(csv('hl.csv', ['2021-01-04,AAA,10,9,11,10,100']))).toThrow(/hl\.csv:2: column "high": expected a high ≥ the low \(AAA on 2021-01-04 has low 11\), got "9"/);
  });

  it('the bundled price files raise no such warning', () => {
    for (const f of ['dow30_daily_ohlcv.csv.gz', 'index_daily_ohlc.csv.gz', 'etf_dia_daily_ohlcv.csv.gz', 'etf_sectors_daily_ohlcv.csv.gz', 'crypto_daily_ohlcv.csv.gz']) {
      const { value, warnings } = warningsOf(() => loadOhlcvCsv(join(BUNDLED_DATA_DIR, f)));
      expect(warnings, f).toEqual([]);
      expect(value.warnings, f).toBeUndefined();
    }
  });
});

describe('a data file that does not match its checksum', () => {
  /** A copy of the bundled folder with one file rewritten so that it still parses (a changed close). */
  function corruptedCopy(file: string, edit: (text: string) => string): string {
    const dir = mkdtempSync(join(TMP, 'data-'));
    cpSync(BUNDLED_DATA_DIR, dir, { recursive: true });
    const path = join(dir, file);
    const text = gunzipSync(readFileSync(path)).toString('utf8');
    const changed = edit(text);
    expect(changed).not.toBe(text);
    writeFileSync(path, gzipSync(changed));
    clearDataCache();
    return dir;
  }

  it('is refused by the loader that reads it, naming the file and its SHA256SUMS', () => {
    const dir = corruptedCopy('dow30_daily_ohlcv.csv.gz', (t) => t.replace(/\n(2015-06-01,AAPL,[^,]*,[^,]*,[^,]*,)([0-9.]+)/, (_, head, close) => `\n${head}${(Number(close) * 1.001).toFixed(4)}`));
    expect(() => buildMarketFrame({ start: '2019-01-01', end: '2019-03-31', dataDir: dir })).toThrow(/data file .*dow30_daily_ohlcv\.csv\.gz does not match .*SHA256SUMS: sha256 [0-9a-f]{64}, expected 56228d02/);
    expect(() => verifyBundledData(dir)).toThrow(/dow30_daily_ohlcv\.csv\.gz does not match SHA256SUMS/);
    // Files that match still load from the same copy.
    expect(() => loadMacro(join(dir, 'macro_fred_long.csv.gz'))).not.toThrow();
  });

  it('covers every loader: the macro file read by the forecasts is checked the same way', () => {
    const dir = corruptedCopy('macro_fred_long.csv.gz', (t) => t.replace(/\n(\d{4}-\d{2}-\d{2},[A-Z0-9_]+,[A-Z]+,)([0-9.]+)/, (_, head, v) => `\n${head}${Number(v) + 1}`));
    expect(() => loadMacro(join(dir, 'macro_fred_long.csv.gz'))).toThrow(/macro_fred_long\.csv\.gz does not match/);
  });

  it('a file no checksum list names is not checked', () => {
    const path = join(TMP, 'mine.csv');
    writeFileSync(path, [HEADER, '2021-01-04,AAA,10,11,9,10,100'].join('\n') + '\n');
    expect(loadOhlcvCsv(path).close[0]).toBe(10);
  });

  it('the bundled folder is verified once per process (a second verification costs nothing)', () => {
    const first = verifyBundledData();
    const t0 = performance.now();
    const again = verifyBundledData();
    expect(performance.now() - t0).toBeLessThan(5);
    expect(again).toEqual(first);
  });
});
