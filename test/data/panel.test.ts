import { describe, expect, it } from 'vitest';
import { loadOhlcvCsv } from '../../src/data/csv.ts';
import { buildPanel, parseDateRange, selectTickers, sliceDates, splitByRanges } from '../../src/data/panel.ts';

const HEADER = 'date,ticker,open,high,low,close,volume';

/** Bars whose close encodes (day, ticker) so misplaced values are visible: close = 100·day + ticker index + 1. */
function table(rows: [string, string, number][]) {
  const lines = rows.map(([d, t, c]) => `${d},${t},${c},${c + 1},${c - 1},${c},${c * 10}`);
  return loadOhlcvCsv({ name: 'bars.csv', text: [HEADER, ...lines].join('\n') });
}

const complete = table([
  ['2020-01-02', 'AAA', 101],
  ['2020-01-02', 'BBB', 102],
  ['2020-01-03', 'BBB', 202],
  ['2020-01-03', 'AAA', 201],
  ['2020-01-06', 'AAA', 301],
  ['2020-01-06', 'BBB', 302],
]);

// BBB has no bar on 2020-01-03.
const gappy = table([
  ['2020-01-02', 'AAA', 101],
  ['2020-01-02', 'BBB', 102],
  ['2020-01-03', 'AAA', 201],
  ['2020-01-06', 'AAA', 301],
  ['2020-01-06', 'BBB', 302],
]);

describe('buildPanel', () => {
  it('aligns long rows to a dense dates × tickers panel, row-major, whatever the row order', () => {
    const p = buildPanel(complete);
    expect(p.dates).toEqual(['2020-01-02', '2020-01-03', '2020-01-06']);
    expect(p.tickers).toEqual(['AAA', 'BBB']);
    expect([...p.close]).toEqual([101, 102, 201, 202, 301, 302]);
    expect([...p.high]).toEqual([102, 103, 202, 203, 302, 303]);
    expect([...p.volume]).toEqual([1010, 1020, 2010, 2020, 3010, 3020]);
  });

  it('puts columns in the requested ticker order', () => {
    const p = buildPanel(complete, { tickers: ['BBB', 'AAA'] });
    expect([...p.close]).toEqual([102, 101, 202, 201, 302, 301]);
  });

  it('uses the union of the selected tickers dates as the calendar', () => {
    const p = buildPanel(gappy, { tickers: ['BBB'] });
    expect(p.dates).toEqual(['2020-01-02', '2020-01-06']);
  });

  it('gap policy error (the default) names the ticker and its first missing date', () => {
    expect(() => buildPanel(gappy)).toThrow(/BBB has no row on 2020-01-03 \(1 missing ticker-days in all\).*'ffill' or 'drop-date'/);
  });

  it("gap policy 'ffill' carries the last close forward as a flat zero-volume bar", () => {
    const p = buildPanel(gappy, { gapPolicy: 'ffill' });
    expect(p.dates).toHaveLength(3);
    expect([p.open[3], p.high[3], p.low[3], p.close[3], p.volume[3]]).toEqual([102, 102, 102, 102, 0]);
    expect(p.close[2]).toBe(201);
  });

  it("gap policy 'ffill' refuses a leading gap (nothing earlier to carry)", () => {
    const late = table([
      ['2020-01-02', 'AAA', 101],
      ['2020-01-03', 'AAA', 201],
      ['2020-01-03', 'BBB', 202],
    ]);
    expect(() => buildPanel(late, { gapPolicy: 'ffill' })).toThrow(/BBB has no row on 2020-01-02 and no earlier price/);
  });

  it("gap policy 'drop-date' removes dates where any ticker is missing", () => {
    const p = buildPanel(gappy, { gapPolicy: 'drop-date' });
    expect(p.dates).toEqual(['2020-01-02', '2020-01-06']);
    expect([...p.close]).toEqual([101, 102, 301, 302]);
  });

  it('aligns to a given calendar: extra calendar dates are gaps, rows off the calendar are not used', () => {
    const p = buildPanel(complete, { calendar: ['2020-01-03', '2020-01-06', '2020-01-07'], gapPolicy: 'ffill' });
    expect(p.dates).toEqual(['2020-01-03', '2020-01-06', '2020-01-07']);
    expect([...p.close]).toEqual([201, 202, 301, 302, 301, 302]);
    expect(() => buildPanel(complete, { calendar: ['2020-01-03', '2020-01-07'] })).toThrow(/AAA has no row on 2020-01-07/);
    expect(() => buildPanel(complete, { calendar: ['2020-01-06', '2020-01-03'] })).toThrow(/strictly ascending/);
  });

  it('rejects unknown and repeated tickers', () => {
    expect(() => buildPanel(complete, { tickers: ['AAA', 'ZZZ'] })).toThrow(/no rows for ZZZ; choose tickers from: AAA BBB/);
    expect(() => buildPanel(complete, { tickers: ['AAA', 'AAA'] })).toThrow(/listed twice/);
  });
});

describe('selectTickers, sliceDates, splitByRanges', () => {
  const p = buildPanel(complete);

  it('selectTickers picks and reorders columns', () => {
    const s = selectTickers(p, ['BBB']);
    expect(s.tickers).toEqual(['BBB']);
    expect([...s.close]).toEqual([102, 202, 302]);
    expect(() => selectTickers(p, ['CCC'])).toThrow(/CCC is not in the panel/);
  });

  it('sliceDates includes both ends', () => {
    const s = sliceDates(p, '2020-01-03', '2020-01-06');
    expect(s.dates).toEqual(['2020-01-03', '2020-01-06']);
    expect([...s.close]).toEqual([201, 202, 301, 302]);
    expect(sliceDates(p, '2020-01-02', '2020-01-02').dates).toEqual(['2020-01-02']);
    // Bounds need not be trading days.
    expect(sliceDates(p, '2020-01-04', '2020-01-31').dates).toEqual(['2020-01-06']);
  });

  it('sliceDates refuses empty and inverted ranges', () => {
    expect(() => sliceDates(p, '2020-01-04', '2020-01-05')).toThrow(/no trading date within 2020-01-04..2020-01-05; the data covers 2020-01-02..2020-01-06/);
    expect(() => sliceDates(p, '2020-01-06', '2020-01-02')).toThrow(/after end/);
  });

  it('splitByRanges gives inclusive named splits that may share a boundary day', () => {
    const s = splitByRanges(p, { train: '2020-01-02:2020-01-03', trade: { start: '2020-01-03', end: '2020-01-06' } });
    expect(s.train.dates).toEqual(['2020-01-02', '2020-01-03']);
    expect(s.trade.dates).toEqual(['2020-01-03', '2020-01-06']);
    expect(() => splitByRanges(p, { validation: '2021-01-01:2021-12-31' })).toThrow(/^split "validation": no trading date/);
  });

  it('parseDateRange explains what is wrong', () => {
    expect(parseDateRange('2009-01-01:2018-12-31')).toEqual({ start: '2009-01-01', end: '2018-12-31' });
    expect(() => parseDateRange('2009-01-01')).toThrow(/expected START:END/);
    expect(() => parseDateRange('2009-01-01:2018-02-30', 'split "train"')).toThrow(/split "train" "2009-01-01:2018-02-30": "2018-02-30" is not a real date/);
    expect(() => parseDateRange('2019-01-01:2018-12-31')).toThrow(/start is after end/);
  });
});
