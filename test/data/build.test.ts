import { describe, expect, it } from 'vitest';
import { buildMarketFrame, loadBenchmark, PAPER_INDICATORS, PAPER_TICKERS } from '../../src/data/build.ts';
import { frameDims } from '../../src/data/market-frame.ts';

describe('buildMarketFrame', () => {
  it('builds the paper training range 2009-01-01..2018-12-31: 2,516 days × 27 tickers × 8 indicators', () => {
    const t0 = performance.now();
    const f = buildMarketFrame({ start: '2009-01-01', end: '2018-12-31' });
    const ms = performance.now() - t0;
    const { T, N, K } = frameDims(f);
    expect([T, N, K]).toEqual([2516, 27, 8]);
    expect(f.tickers).toEqual([...PAPER_TICKERS]);
    expect(f.indicatorNames).toEqual([...PAPER_INDICATORS]);
    expect([f.dates[0], f.dates[T - 1]]).toEqual(['2009-01-02', '2018-12-31']);
    expect(f.close.length).toBe(T * N);
    expect(f.open.length).toBe(T * N);
    expect(f.indicators.length).toBe(T * K * N);
    expect(f.vix.length).toBe(T);
    expect(f.turbulence.length).toBe(T);
    expect(f.close.every((c) => c > 0)).toBe(true);
    expect(f.vix.every((v) => v > 5 && v < 90)).toBe(true);
    // The 252-day warm-up lies in 2008, so every day has a turbulence value.
    expect(f.turbulence.every((v) => v > 0)).toBe(true);
    expect(ms).toBeLessThan(15_000);
  });

  it('gives strictly ascending dates that are trading days (no weekends)', () => {
    const f = buildMarketFrame({ start: '2019-01-01', end: '2019-12-31' });
    expect(f.dates).toHaveLength(252);
    for (let t = 1; t < f.dates.length; t++) expect(f.dates[t] > f.dates[t - 1]).toBe(true);
    expect(f.dates.some((d) => [0, 6].includes(new Date(d + 'T00:00:00Z').getUTCDay()))).toBe(false);
  });

  it('takes tickers and indicators in the requested order', () => {
    const f = buildMarketFrame({ start: '2019-03-01', end: '2019-03-29', tickers: ['MSFT', 'AAPL'], indicators: ['close_30_sma', 'macd'] });
    const paper = buildMarketFrame({ start: '2019-03-01', end: '2019-03-29' });
    const N = 27;
    const iA = PAPER_TICKERS.indexOf('AAPL');
    const iM = PAPER_TICKERS.indexOf('MSFT');
    // Row 0: [close_30_sma × (MSFT, AAPL), macd × (MSFT, AAPL)]; paper row: macd is indicator 0, close_30_sma 6.
    expect(Array.from(f.indicators.subarray(0, 4))).toEqual([paper.indicators[6 * N + iM], paper.indicators[6 * N + iA], paper.indicators[iM], paper.indicators[iA]]);
    expect([f.close[0], f.close[1]]).toEqual([paper.close[iM], paper.close[iA]]);
  });

  it('explains what is wrong with a request', () => {
    expect(() => buildMarketFrame({ start: '2018-01-01', end: '2019-12-31', tickers: ['AAPL', 'DOW'] })).toThrow(
      /DOW has no data before 2019-03-20; start on or after 2019-03-20, or leave DOW out/,
    );
    expect(() => buildMarketFrame({ start: '2019-01-01', end: '2019-12-31', tickers: ['AAPL', 'XYZ'] })).toThrow(/no rows for XYZ/);
    expect(() => buildMarketFrame({ start: '2019-01-01', end: '2019-12-31', indicators: ['macd', 'rsi_14'] })).toThrow(/unknown indicator rsi_14/);
    expect(() => buildMarketFrame({ start: '2030-01-01', end: '2030-12-31' })).toThrow(/no trading date within 2030-01-01..2030-12-31; the data covers 2008-01-02..2024-12-06/);
    expect(() => buildMarketFrame({ start: '2019-12-31', end: '2019-01-01' })).toThrow(/after end/);
    expect(() => buildMarketFrame({ start: '2019-01-01', end: '2019-12-31', dataDir: '/nonexistent' })).toThrow(/no stocks file in \/nonexistent/);
  });

  it('allows a late-listed ticker once the range starts after its listing', () => {
    const f = buildMarketFrame({ start: '2020-01-02', end: '2020-01-31', tickers: ['DOW', 'V'] });
    expect(f.dates[0]).toBe('2020-01-02');
    expect(f.tickers).toEqual(['DOW', 'V']);
  });
});

describe('loadBenchmark', () => {
  it('is the ^DJI close inside the index file', () => {
    const b = loadBenchmark({ start: '2020-03-01', end: '2020-03-31' });
    expect(b.source).toMatch(/^\^DJI close/);
    expect(b.source).not.toMatch(/DIA/);
    const i = b.dates.indexOf('2020-03-16');
    expect(b.close[i] / b.close[i - 1] - 1).toBeCloseTo(-0.1293, 4);
  });

  it('continues after 2022-11-18 with DIA returns chained onto the last ^DJI close, and says so', () => {
    const b = loadBenchmark({ start: '2022-11-01', end: '2024-12-06' });
    expect(b.source).toMatch(/\^DJI close .* through 2022-11-18, then chained daily returns of DIA close .* from 2022-11-21 \(DIA is dividend-adjusted/);
    const i = b.dates.indexOf('2022-11-18');
    expect(b.close[i]).toBe(33745.6914);
    expect(b.dates[i + 1]).toBe('2022-11-21');
    expect(b.dates[b.dates.length - 1]).toBe('2024-12-06');
    // Same calendar as the stocks over the spliced part.
    const f = buildMarketFrame({ start: '2022-11-01', end: '2024-12-06' });
    expect(b.dates).toEqual(f.dates);
    // The DJIA was about 44,700 on 2024-12-06; DIA's dividends push the chained level ~2%/yr above it.
    expect(b.close[b.dates.length - 1]).toBeGreaterThan(44_000);
    expect(b.close[b.dates.length - 1]).toBeLessThan(48_000);
  });
});
