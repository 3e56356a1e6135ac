import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataError, isIsoDate, loadLongSeriesCsv, loadOhlcvCsv } from '../../src/data/csv.ts';
import { BUNDLED_DATA_DIR } from '../../src/data/checksums.ts';

const HEADER = 'date,ticker,open,high,low,close,volume';
const good = [HEADER, '2020-01-02,AAA,10,11,9,10.5,1000', '2020-01-02,BBB,20,21,19,20.5,0', '2020-01-03,AAA,10.5,12,10,11,1200'];

function csv(lines: string[], name = 'data/x.csv') {
  return { name, text: lines.join('\n') + '\n' };
}

/** The DataError a source raises (fails the test when it loads). */
function errorOf(load: () => unknown): DataError {
  try {
    load();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError, but the file loaded');
}

describe('loadOhlcvCsv', () => {
  it('reads long-format bars into columns, in file order, ignoring extra columns', () => {
    const t = loadOhlcvCsv(csv([HEADER + ',dividends', ...good.slice(1).map((l) => l + ',0')]));
    expect(t.date).toEqual(['2020-01-02', '2020-01-02', '2020-01-03']);
    expect(t.ticker).toEqual(['AAA', 'BBB', 'AAA']);
    expect([...t.close]).toEqual([10.5, 20.5, 11]);
    expect([...t.volume]).toEqual([1000, 0, 1200]);
    expect(t.source).toBe('data/x.csv');
  });

  it('finds the required columns in any order', () => {
    const t = loadOhlcvCsv(csv(['ticker,volume,close,low,high,open,date', 'AAA,5,4,3,6,4.5,2021-03-01']));
    expect([t.open[0], t.high[0], t.low[0], t.close[0], t.volume[0]]).toEqual([4.5, 6, 3, 4, 5]);
  });

  it('reads gzip files transparently and names the file in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'marginlab-csv-'));
    const path = join(dir, 'bars.csv.gz');
    writeFileSync(path, gzipSync(good.join('\n')));
    expect(loadOhlcvCsv(path).date).toHaveLength(3);
    const bad = join(dir, 'bad.csv.gz');
    writeFileSync(bad, gzipSync([HEADER, '2020-01-02,AAA,10,11,9,-1,5'].join('\n')));
    const e = errorOf(() => loadOhlcvCsv(bad));
    expect(e.message).toContain('bad.csv.gz:2: column "close"');
  });

  it('reports a missing required column on line 1', () => {
    const e = errorOf(() => loadOhlcvCsv(csv(['date,ticker,open,high,low,volume', '2020-01-02,AAA,1,1,1,1'])));
    expect([e.file, e.line, e.column]).toEqual(['data/x.csv', 1, 'close']);
    expect(e.message).toMatch(/^data\/x\.csv:1: column "close": expected a header with the columns date,ticker,open,high,low,close,volume/);
  });

  it('reports a non-numeric price with file, line, column, expectation and the text', () => {
    const lines = [...good];
    lines[2] = '2020-01-02,BBB,20,21,19,abc,0';
    const e = errorOf(() => loadOhlcvCsv(csv(lines)));
    expect(e.message).toBe('data/x.csv:3: column "close": expected a positive number, got "abc"');
    expect([e.file, e.line, e.column, e.expected, e.got]).toEqual(['data/x.csv', 3, 'close', 'a positive number', 'abc']);
  });

  it.each([
    ['open', '2020-01-02,AAA,0,11,9,10,5', '0'],
    ['high', '2020-01-02,AAA,10,-11,9,10,5', '-11'],
    ['low', '2020-01-02,AAA,10,11,,10,5', ''],
    ['close', '2020-01-02,AAA,10,11,9,Infinity,5', 'Infinity'],
    ['close', '2020-01-02,AAA,10,11,9,0x10,5', '0x10'],
  ])('rejects a non-positive or malformed %s', (column, row, got) => {
    const e = errorOf(() => loadOhlcvCsv(csv([HEADER, row])));
    expect([e.line, e.column, e.expected, e.got]).toEqual([2, column, 'a positive number', got]);
  });

  it('accepts zero volume but rejects negative volume', () => {
    expect(loadOhlcvCsv(csv([HEADER, '2020-01-02,AAA,1,1,1,1,0'])).volume[0]).toBe(0);
    const e = errorOf(() => loadOhlcvCsv(csv([HEADER, '2020-01-02,AAA,1,1,1,1,-3'])));
    expect(e.message).toBe('data/x.csv:2: column "volume": expected a number ≥ 0, got "-3"');
  });

  it.each(['2021-02-30', '2021-13-01', '2021-1-05', '05/01/2021', ''])('rejects the impossible or malformed date %j', (date) => {
    const e = errorOf(() => loadOhlcvCsv(csv([HEADER, '2020-01-02,AAA,1,1,1,1,1', `${date},AAA,1,1,1,1,1`])));
    expect([e.line, e.column, e.got]).toEqual([3, 'date', date]);
    expect(e.message).toContain('expected a real date written YYYY-MM-DD');
  });

  it('rejects a duplicate (date, ticker), naming both lines', () => {
    const e = errorOf(() => loadOhlcvCsv(csv([...good.slice(0, 3), '2020-01-02,AAA,1,1,1,1,1', good[3]])));
    expect([e.line, e.column]).toEqual([4, 'ticker']);
    expect(e.message).toContain('2020-01-02 AAA is already on line 2');
  });

  it('rejects dates that go backwards', () => {
    const e = errorOf(() => loadOhlcvCsv(csv([...good, '2020-01-02,CCC,1,1,1,1,1'])));
    expect(e.message).toBe('data/x.csv:5: column "date": expected dates in ascending order (this row follows 2020-01-03), got "2020-01-02"');
  });

  it('counts blank lines when reporting the line of an error', () => {
    const e = errorOf(() => loadOhlcvCsv(csv([HEADER, '2020-01-02,AAA,1,1,1,1,1', '', '', '2020-01-03,AAA,1,1,x,1,1'])));
    expect([e.line, e.column]).toEqual([5, 'low']);
  });

  it('rejects a ragged row with the line csv-parse stopped at', () => {
    const e = errorOf(() => loadOhlcvCsv(csv([HEADER, '2020-01-02,AAA,1,1,1,1,1', '2020-01-03,AAA,1,1,1,1'])));
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/^data\/x\.csv:3: column "\(row\)": expected well-formed CSV.*Invalid Record Length/);
  });

  // Its speed is measured by the benchmarks, not asserted here (a shared machine makes timed tests flaky).
  it('loads the bundled Dow file completely', () => {
    const t = loadOhlcvCsv(join(BUNDLED_DATA_DIR, 'dow30_daily_ohlcv.csv.gz'));
    expect(t.date).toHaveLength(137_804);
    expect(new Set(t.ticker).size).toBe(33);
    expect(t.date[0]).toBe('2008-01-02');
    expect(t.date[t.date.length - 1]).toBe('2024-12-06');
  });
});

describe('loadLongSeriesCsv', () => {
  const H = 'date,series_id,frequency,value';
  it('reads series sorted by series then date, negative values included', () => {
    const t = loadLongSeriesCsv(csv([H, '2020-01-01,A,D,1.5', '2020-01-02,A,D,-2', '2019-05-01,B,M,3'], 'm.csv'));
    expect(t.seriesId).toEqual(['A', 'A', 'B']);
    expect([...t.value]).toEqual([1.5, -2, 3]);
  });
  it('rejects a blank value, a duplicate and a date going backwards within a series', () => {
    expect(errorOf(() => loadLongSeriesCsv(csv([H, '2020-01-01,A,D,'], 'm.csv'))).message).toBe('m.csv:2: column "value": expected a finite number, got ""');
    expect(errorOf(() => loadLongSeriesCsv(csv([H, '2020-01-01,A,D,1', '2020-01-01,A,D,2'], 'm.csv'))).message).toContain('m.csv:3: column "series_id"');
    expect(errorOf(() => loadLongSeriesCsv(csv([H, '2020-01-02,A,D,1', '2020-01-01,A,D,2'], 'm.csv'))).message).toContain('m.csv:3: column "date"');
  });
});

describe('isIsoDate', () => {
  it('knows leap years', () => {
    expect(isIsoDate('2020-02-29')).toBe(true);
    expect(isIsoDate('2019-02-29')).toBe(false);
    expect(isIsoDate('2000-02-29')).toBe(true);
    expect(isIsoDate('1900-02-29')).toBe(false);
  });
});
