import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMarketFrame, cachedOhlcv, dataFile, loadBenchmark, PAPER_TICKERS } from '../../src/data/build.ts';
import { BUNDLED_DATA_DIR, parseChecksumList, sha256OfFile, verifyBundledData } from '../../src/data/checksums.ts';
import { DataError } from '../../src/data/csv.ts';
import { closeSeries } from '../../src/data/risk.ts';
import {
  benchmarkSeries,
  buildUniverseFrame,
  CRYPTO_TICKERS,
  GICS_SECTORS,
  loadSectorMap,
  resolveUniverse,
  riskRuleFor,
  SECTOR_ETFS,
} from '../../src/data/universe.ts';

const tmp = mkdtempSync(join(tmpdir(), 'marginlab-universe-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const HEADER = 'date,ticker,open,high,low,close,volume';

/** Writes a small long-format file; each row is [date, ticker, close] (open = close, high/low ±1). */
function userCsv(name: string, rows: [string, string, number][]): string {
  const path = join(tmp, name);
  writeFileSync(path, [HEADER, ...rows.map(([d, t, c]) => `${d},${t},${c},${c + 1},${c - 1},${c},100`)].join('\n') + '\n');
  return path;
}

/** Weekdays from `from` (inclusive), `n` of them. */
function weekdays(from: string, n: number): string[] {
  const out: string[] = [];
  const d = new Date(`${from}T00:00:00Z`);
  while (out.length < n) {
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

const isWeekend = (d: string) => [0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay());

describe('dow30', () => {
  it('is the paper universe, and its frame is exactly buildMarketFrame', () => {
    const u = resolveUniverse('dow30');
    expect(u.tickers).toEqual([...PAPER_TICKERS]);
    expect([u.periodsPerYear, u.hasVix, u.benchmark.name]).toEqual([252, true, 'DJIA']);
    expect(u.source).toBe(dataFile(BUNDLED_DATA_DIR, 'stocks'));
    const today = buildMarketFrame({ start: '2019-01-01', end: '2019-12-31' });
    for (const requireFullHistory of [false, true]) {
      const uf = buildUniverseFrame(u, { start: '2019-01-01', end: '2019-12-31', requireFullHistory, historyStart: '2009-01-01' });
      expect(uf.frame).toEqual(today);
      expect(uf.available.every((a) => a === 1)).toBe(true);
      expect(uf.excluded).toEqual([]);
      expect(uf.periodsPerYear).toBe(252);
    }
  });

  it('the generic path (any other universe) reproduces buildMarketFrame on the same file and tickers', () => {
    // Same file and tickers under another name: alignedFrame instead of buildMarketFrame. Indicators,
    // turbulence and VIX must come out identical, or the sectors and crypto frames are built differently.
    const u = { ...resolveUniverse('dow30'), name: 'dow30-generic' };
    const uf = buildUniverseFrame(u, { start: '2018-06-01', end: '2018-12-31' });
    expect(uf.frame).toEqual(buildMarketFrame({ start: '2018-06-01', end: '2018-12-31' }));
  });

  it('keeps a late listing (DOW) unavailable before its first bar without touching the other columns', () => {
    const u = resolveUniverse('dow30');
    const tickers = [...PAPER_TICKERS, 'DOW'];
    const uf = buildUniverseFrame(u, { start: '2019-01-02', end: '2019-06-28', tickers });
    const paper = buildMarketFrame({ start: '2019-01-02', end: '2019-06-28' });
    const N = tickers.length;
    const K = paper.indicatorNames.length;
    const j = tickers.indexOf('DOW');
    expect(uf.firstDate.DOW).toBe('2019-03-20');
    const t0 = uf.frame.dates.indexOf('2019-03-20');
    for (let t = 0; t < uf.frame.dates.length; t++) {
      expect(uf.available[t * N + j]).toBe(t < t0 ? 0 : 1);
      for (let i = 0; i < 27; i++) expect(uf.frame.close[t * N + i]).toBe(paper.close[t * 27 + i]);
      for (let k = 0; k < K; k++) expect(uf.frame.indicators[t * K * N + k * N]).toBe(paper.indicators[t * K * 27 + k * 27]);
    }
    expect(uf.frame.close[j]).toBe(uf.frame.close[t0 * N + j]); // placeholder: the first real close
    // Under requireFullHistory it is excluded, and the rest is today's frame.
    const rl = buildUniverseFrame(u, { start: '2019-01-02', end: '2019-06-28', tickers, requireFullHistory: true });
    expect(rl.excluded).toEqual([{ ticker: 'DOW', reason: 'DOW: first bar 2019-03-20, after 2019-01-02' }]);
    expect(rl.frame).toEqual(paper);
  });

  it('benchmark: the DJIA of loadBenchmark, scaled to start at initial (what train.ts benchmarkOn returns)', () => {
    const u = resolveUniverse('dow30');
    const dates = buildMarketFrame({ start: '2022-06-01', end: '2023-06-30' }).dates;
    const got = benchmarkSeries(u, dates, 1_000_000);
    // benchmarkOn's algorithm as it stands in scripts/commands/train.ts.
    const b = loadBenchmark({ start: dates[0], end: dates[dates.length - 1] });
    const byDate = new Map(b.dates.map((d, i) => [d, b.close[i]]));
    let last = NaN;
    const closes = dates.map((d) => (last = byDate.get(d) ?? last));
    const first = closes.find((v) => Number.isFinite(v))!;
    expect(got.values).toEqual(closes.map((c) => (Number.isFinite(c) ? (c / first) * 1_000_000 : 1_000_000)));
    expect(got.source).toBe(b.source);
    expect(got.values[0]).toBe(1_000_000);
  });
});

describe('sectors', () => {
  const u = resolveUniverse('sectors');

  it('trades the 11 SPDR sector ETFs against SPY, each mapped to its GICS sector', () => {
    expect(u.tickers).toEqual(['XLB', 'XLC', 'XLE', 'XLF', 'XLI', 'XLK', 'XLP', 'XLRE', 'XLU', 'XLV', 'XLY']);
    expect(u.tickers).toEqual(SECTOR_ETFS);
    expect([u.periodsPerYear, u.hasVix, u.benchmark.name]).toEqual([252, true, 'SPY']);
    expect(Object.keys(u.sectorOf!)).toEqual(u.tickers);
    expect(new Set(Object.values(u.sectorOf!))).toEqual(new Set(GICS_SECTORS));
    expect(u.sectorOf!.XLK).toBe('Information Technology');
  });

  it('requireFullHistory from 2009 excludes XLC and XLRE, saying why', () => {
    const uf = buildUniverseFrame(u, { start: '2019-01-02', end: '2019-12-31', requireFullHistory: true, historyStart: '2009-01-01' });
    expect(uf.excluded).toEqual([
      { ticker: 'XLC', reason: 'XLC: first bar 2018-06-19, after 2009-01-01' },
      { ticker: 'XLRE', reason: 'XLRE: first bar 2015-10-08, after 2009-01-01' },
    ]);
    expect(uf.frame.tickers).toEqual(['XLB', 'XLE', 'XLF', 'XLI', 'XLK', 'XLP', 'XLU', 'XLV', 'XLY']);
    expect(uf.available.every((a) => a === 1)).toBe(true);
    expect(uf.frame.dates).toHaveLength(252);
    expect(uf.frame.vix.every((v) => v > 5 && v < 90)).toBe(true);
    expect(uf.frame.turbulence.every((v) => v > 0)).toBe(true);
    // From 2019 on, every ETF has a full history: all 11 stay.
    expect(buildUniverseFrame(u, { start: '2019-01-02', end: '2019-12-31', requireFullHistory: true }).frame.tickers).toEqual(u.tickers);
  });

  it('without requireFullHistory keeps XLC, unavailable before 2018-06-19, with finite placeholder prices', () => {
    const uf = buildUniverseFrame(u, { start: '2009-01-01', end: '2019-12-31' });
    const f = uf.frame;
    const N = f.tickers.length;
    const K = f.indicatorNames.length;
    const i = f.tickers.indexOf('XLC');
    const t0 = f.dates.indexOf('2018-06-19');
    expect(uf.excluded).toEqual([]);
    expect(uf.firstDate.XLC).toBe('2018-06-19');
    expect(uf.firstDate.XLRE).toBe('2015-10-08');
    expect(t0).toBeGreaterThan(2000);
    const xlc = closeSeries(cachedOhlcv(u.source), 'XLC');
    for (let t = 0; t < f.dates.length; t++) {
      expect(uf.available[t * N + i]).toBe(t < t0 ? 0 : 1);
      if (t < t0) {
        expect(f.close[t * N + i]).toBe(xlc.values[0]);
        expect(f.open[t * N + i]).toBe(xlc.values[0]);
        for (let k = 0; k < K; k++) expect(f.indicators[t * K * N + k * N + i]).toBe(0);
      }
    }
    expect(f.close.every((c) => Number.isFinite(c) && c > 0)).toBe(true);
    expect(f.open.every((c) => Number.isFinite(c) && c > 0)).toBe(true);
    expect(f.close[t0 * N + i]).toBe(xlc.values[0]);
    // Turbulence needs every ticker: 0 until a year after XLC's first bar, positive after.
    expect(f.turbulence.subarray(0, t0 + 252).every((v) => v === 0)).toBe(true);
    expect(f.turbulence.subarray(t0 + 252).every((v) => v > 0)).toBe(true);
  });

  it('benchmark: SPY closes, scaled to start at initial', () => {
    const dates = buildUniverseFrame(u, { start: '2020-01-02', end: '2020-12-31' }).frame.dates;
    const b = benchmarkSeries(u, dates, 1000);
    const spy = closeSeries(cachedOhlcv(u.source), 'SPY');
    const at = (d: string) => spy.values[spy.dates.indexOf(d)];
    expect(b.values[0]).toBe(1000);
    dates.forEach((d, t) => expect(b.values[t]).toBeCloseTo((1000 * at(d)) / at(dates[0]), 9));
    expect(b.source).toMatch(/^SPY close/);
  });
});

describe('crypto', () => {
  const u = resolveUniverse('crypto');

  it('trades every calendar day, 365 periods a year, without VIX', () => {
    expect(u.tickers).toEqual([...CRYPTO_TICKERS]);
    expect([u.periodsPerYear, u.hasVix, u.benchmark.name]).toEqual([365, false, 'BTC']);
    const uf = buildUniverseFrame(u, { start: '2022-01-01', end: '2022-12-31', requireFullHistory: true });
    expect(uf.periodsPerYear).toBe(365);
    expect(uf.frame.dates).toHaveLength(365);
    expect(uf.frame.dates.filter(isWeekend)).toHaveLength(105); // 2022 starts and ends on a Saturday
    expect(uf.frame.tickers).toEqual(['BNB-USD', 'BTC-USD', 'ETH-USD', 'SOL-USD']);
    expect(uf.frame.vix.every((v) => Number.isNaN(v))).toBe(true);
    expect(uf.frame.turbulence.every((v) => v > 0)).toBe(true);
    // Turbulence over a 365-day year once all four trade: SOL's first bar is 2020-04-10, so 2021-04-10 is the first value.
    const y = buildUniverseFrame(u, { start: '2021-01-01', end: '2021-12-31' });
    expect(y.frame.dates[y.frame.turbulence.findIndex((v) => v > 0)]).toBe('2021-04-10');
    // No VIX: the VIX rule would block every buy (NaN risk), so it is switched off; the turbulence rule stays.
    const off = riskRuleFor(u, { turbulenceThreshold: 70, riskIndicator: 'vix' as const });
    expect(off.rule.turbulenceThreshold).toBeNull();
    expect(off.note).toMatch(/no VIX/);
    expect(riskRuleFor(u, { turbulenceThreshold: 300, riskIndicator: 'turbulence' as const })).toEqual({ rule: { turbulenceThreshold: 300, riskIndicator: 'turbulence' }, note: null });
    expect(riskRuleFor(resolveUniverse('sectors'), { turbulenceThreshold: 70, riskIndicator: 'vix' as const }).note).toBeNull();
  });

  it('excludes SOL from a 2019 RL frame, keeps it for strategies, and accepts short names', () => {
    const rl = buildUniverseFrame(u, { start: '2020-01-01', end: '2020-12-31', requireFullHistory: true, tickers: ['BTC', 'SOL', 'ETH'] });
    expect(rl.frame.tickers).toEqual(['BTC-USD', 'ETH-USD']);
    expect(rl.excluded).toEqual([{ ticker: 'SOL-USD', reason: 'SOL-USD: first bar 2020-04-10, after 2020-01-01' }]);
    const st = buildUniverseFrame(u, { start: '2020-01-01', end: '2020-12-31', tickers: ['BTC', 'SOL'] });
    const t0 = st.frame.dates.indexOf('2020-04-10');
    expect(t0).toBe(100);
    expect(Array.from(st.available.subarray(2 * (t0 - 1), 2 * (t0 + 1)))).toEqual([1, 0, 1, 1]);
  });

  it('benchmark: BTC by default, or an equal-weight basket of the coins trading on the first day', () => {
    const dates = buildUniverseFrame(u, { start: '2020-01-01', end: '2020-06-30' }).frame.dates;
    const table = cachedOhlcv(u.source);
    const close = (t: string, d: string) => {
      const s = closeSeries(table, t);
      return s.values[s.dates.indexOf(d)];
    };
    const btc = benchmarkSeries(u, dates, 100);
    expect(btc.values[0]).toBe(100);
    dates.forEach((d, t) => expect(btc.values[t]).toBeCloseTo((100 * close('BTC-USD', d)) / close('BTC-USD', dates[0]), 9));
    const ew = benchmarkSeries(resolveUniverse('crypto', { benchmark: 'equal-weight' }), dates, 300);
    expect(ew.values[0]).toBeCloseTo(300, 9);
    const members = ['BNB-USD', 'BTC-USD', 'ETH-USD'];
    const d = dates[dates.length - 1];
    expect(ew.values[dates.length - 1]).toBeCloseTo(members.reduce((s, m) => s + (100 * close(m, d)) / close(m, dates[0]), 0), 6);
    expect(ew.source).toMatch(/BNB-USD BTC-USD ETH-USD from 2020-01-01.*left out, no bar on 2020-01-01: SOL-USD/);
    // ETH as benchmark, by its short name.
    expect(resolveUniverse('crypto', { benchmark: 'ETH' }).benchmark).toMatchObject({ kind: 'ticker', ticker: 'ETH-USD' });
  });
});

describe('a user file', () => {
  const days = weekdays('2021-01-04', 30);

  it('infers a trading-day calendar, trades the other tickers and benchmarks against --benchmark TICKER', () => {
    const path = userCsv('stocks.csv', days.flatMap((d, t) => [[d, 'AAA', 10 + t], [d, 'BBB', 20], [d, 'IDX', 100 + 2 * t]] as [string, string, number][]));
    const u = resolveUniverse(path, { benchmark: 'IDX' });
    expect(u.tickers).toEqual(['AAA', 'BBB']);
    expect([u.periodsPerYear, u.hasVix]).toEqual([252, true]);
    expect(u.name).toBe(path);
    const uf = buildUniverseFrame(u, { start: '2021-01-01', end: '2021-12-31' });
    expect(uf.frame.dates).toEqual(days);
    expect(uf.frame.tickers).toEqual(['AAA', 'BBB']);
    const b = benchmarkSeries(u, uf.frame.dates, 50);
    expect(b.values[0]).toBe(50);
    expect(b.values[29]).toBeCloseTo((50 * 158) / 100, 9);
    // Default benchmark for a file: equal-weight over its tickers.
    expect(resolveUniverse(path).benchmark.kind).toBe('equal-weight');
  });

  it('takes the VIX for a trading-day file, and says on which days it is unknown', () => {
    const early = weekdays('1999-12-20', 15); // 10 days in 1999; ^VIX starts 2000-01-03
    const u = resolveUniverse(userCsv('early.csv', early.map((d, t) => [d, 'AAA', 10 + t] as [string, string, number])));
    const f = buildUniverseFrame(u, { start: early[0], end: early[14] }).frame;
    expect(f.vix.slice(0, 10).every((v) => Number.isNaN(v))).toBe(true);
    expect(f.vix.slice(10).every((v) => v > 10)).toBe(true);
    const r = riskRuleFor(u, { turbulenceThreshold: 70, riskIndicator: 'vix' as const }, f);
    expect(r.rule.turbulenceThreshold).toBe(70);
    expect(r.note).toMatch(/VIX unknown on 10 of 15 days \(first 1999-12-20\)/);
  });

  it('infers 365 periods a year from weekend dates', () => {
    const every = Array.from({ length: 40 }, (_, t) => new Date(Date.UTC(2022, 0, 1 + t)).toISOString().slice(0, 10));
    const u = resolveUniverse(userCsv('coins.csv', every.map((d, t) => [d, 'X', 10 + t] as [string, string, number])));
    expect([u.periodsPerYear, u.hasVix]).toEqual([365, false]);
    expect(u.calendar).toMatch(/365/);
  });

  it('a gap inside a ticker history is an error naming the ticker and the date', () => {
    const rows = days.flatMap((d) => [[d, 'AAA', 10], [d, 'BBB', 20]] as [string, string, number][]).filter(([d, t]) => !(t === 'BBB' && d === days[12]));
    const u = resolveUniverse(userCsv('gap.csv', rows));
    for (const requireFullHistory of [false, true]) {
      expect(() => buildUniverseFrame(u, { start: days[0], end: days[29], requireFullHistory })).toThrow(
        new RegExp(`BBB has no bar on ${days[12]}, inside its history`),
      );
    }
  });

  it('a ticker that stops early is excluded for RL and an error for strategies', () => {
    const rows = days.flatMap((d, t) => (t < 20 ? [[d, 'AAA', 10], [d, 'BBB', 20]] : [[d, 'AAA', 10]]) as [string, string, number][]);
    const u = resolveUniverse(userCsv('stops.csv', rows));
    expect(buildUniverseFrame(u, { start: days[0], end: days[29], requireFullHistory: true }).excluded).toEqual([
      { ticker: 'BBB', reason: `BBB: last bar ${days[19]}, before ${days[29]}` },
    ]);
    expect(() => buildUniverseFrame(u, { start: days[0], end: days[29] })).toThrow(new RegExp(`BBB has no bar after ${days[19]}`));
    expect(buildUniverseFrame(u, { start: days[0], end: days[19] }).frame.tickers).toEqual(['AAA', 'BBB']);
  });

  it('keeps the file:line:column of a CSV error', () => {
    const path = join(tmp, 'bad.csv');
    writeFileSync(path, [HEADER, '2021-01-04,AAA,1,1,1,1,1', '2021-01-05,AAA,1,1,1,oops,1'].join('\n'));
    let e: unknown;
    try {
      resolveUniverse(path);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).message).toBe(`${path}:3: column "close": expected a positive number, got "oops"`);
  });

  it('takes a benchmark FILE (date,close), validated with file and line', () => {
    const stocks = userCsv('s2.csv', days.map((d) => [d, 'AAA', 10] as [string, string, number]));
    const bench = join(tmp, 'bench.csv');
    writeFileSync(bench, ['date,close', ...days.map((d, t) => `${d},${200 + t}`)].join('\n'));
    const u = resolveUniverse(stocks, { benchmark: bench });
    expect(u.benchmark).toMatchObject({ kind: 'file', path: bench });
    const b = benchmarkSeries(u, days, 200);
    expect(b.values[0]).toBe(200);
    expect(b.values[29]).toBeCloseTo(229, 9);
    // A date the benchmark lacks is named.
    const short = join(tmp, 'short.csv');
    writeFileSync(short, ['date,close', ...days.slice(0, 10).map((d) => `${d},5`)].join('\n'));
    expect(() => benchmarkSeries(resolveUniverse(stocks, { benchmark: short }), days, 1)).toThrow(new RegExp(`no value on ${days[10]}`));
    const bad = join(tmp, 'bad-bench.csv');
    writeFileSync(bad, ['date,close', `${days[0]},5`, `${days[1]},-1`].join('\n'));
    expect(() => resolveUniverse(stocks, { benchmark: bad })).toThrow(`${bad}:3: column "close": expected a positive number, got "-1"`);
  });
});

describe('resolveUniverse errors', () => {
  it('lists the choices for an unknown universe and says when a file is missing', () => {
    expect(() => resolveUniverse('nasdaq')).toThrow(/unknown universe "nasdaq": choose dow30, sectors or crypto, or pass the path of a long-format OHLCV CSV/);
    expect(() => resolveUniverse('/nonexistent/u.csv')).toThrow(/universe file \/nonexistent\/u.csv does not exist/);
  });

  it('rejects an unknown --benchmark with the tickers it could be', () => {
    expect(() => resolveUniverse('sectors', { benchmark: 'QQQ' })).toThrow(
      /benchmark "QQQ": not a ticker in .*etf_sectors_daily_ohlcv\.csv\.gz \(it has: SPY XLB XLC .* XLY\), not one of equal-weight, and no file at that path/,
    );
    expect(() => resolveUniverse('crypto', { benchmark: 'DOGE' })).toThrow(/benchmark "DOGE": not a ticker/);
    expect(() => resolveUniverse('dow30', { benchmark: 'DJI' })).toThrow(/not one of DJIA, equal-weight/);
  });

  it('rejects unknown tickers and ranges outside the data', () => {
    const u = resolveUniverse('crypto');
    expect(() => buildUniverseFrame(u, { start: '2021-01-01', end: '2021-02-01', tickers: ['DOGE'] })).toThrow(/no rows for DOGE; universe crypto trades: BNB-USD BTC-USD ETH-USD SOL-USD/);
    expect(() => buildUniverseFrame(u, { start: '2030-01-01', end: '2030-02-01' })).toThrow(/no trading date within 2030-01-01..2030-02-01; .*covers 2014-09-17..2024-12-06/);
    expect(() => buildUniverseFrame(u, { start: '2014-01-01', end: '2014-06-30' })).toThrow(/no trading date within/);
    expect(() => buildUniverseFrame(u, { start: '2015-01-01', end: '2015-12-31', requireFullHistory: true, tickers: ['SOL'] })).toThrow(
      /no ticker of crypto trades over 2015-01-01..2015-12-31.*SOL-USD: first bar 2020-04-10/,
    );
  });
});

describe('the Dow sector map', () => {
  it('covers the 27 paper tickers and every ticker of the bundled Dow file with GICS sector names', () => {
    const map = loadSectorMap();
    for (const t of PAPER_TICKERS) expect(GICS_SECTORS).toContain(map[t]);
    expect(Object.keys(map).sort()).toEqual([...new Set(cachedOhlcv(dataFile(BUNDLED_DATA_DIR, 'stocks')).ticker)].sort());
    expect([map.AAPL, map.AMGN, map.DIS, map.VZ, map.V, map.CRM, map.WMT]).toEqual([
      'Information Technology',
      'Health Care',
      'Communication Services',
      'Communication Services',
      'Financials',
      'Information Technology',
      'Consumer Staples',
    ]);
    expect(resolveUniverse('dow30').sectorOf).toEqual(map);
  });

  it('refuses an unknown sector (file:line) and a missing paper ticker', () => {
    const dir = mkdtempSync(join(tmp, 'map-'));
    const good = readFileSync(join(BUNDLED_DATA_DIR, 'dow30_sectors.csv'), 'utf8').split('\n');
    writeFileSync(join(dir, 'dow30_sectors.csv'), good.map((l) => l.replace('AMGN,Health Care', 'AMGN,Healthcare')).join('\n'));
    expect(() => loadSectorMap(dir)).toThrow(/dow30_sectors\.csv:3: column "gics_sector": expected one of the 11 GICS sectors .*got "Healthcare"/);
    writeFileSync(join(dir, 'dow30_sectors.csv'), good.filter((l) => !l.startsWith('KO,')).join('\n'));
    expect(() => loadSectorMap(dir)).toThrow(/has no sector for KO/);
  });
});

describe('bundled universe files', () => {
  it('are covered by SHA256SUMS and verified', () => {
    const listed = parseChecksumList(readFileSync(join(BUNDLED_DATA_DIR, 'SHA256SUMS'), 'utf8'));
    const sums = verifyBundledData();
    for (const f of ['etf_sectors_daily_ohlcv.csv.gz', 'crypto_daily_ohlcv.csv.gz', 'dow30_sectors.csv']) {
      expect(listed.get(f)).toBe(sha256OfFile(join(BUNDLED_DATA_DIR, f)));
      expect(sums[f]).toBe(listed.get(f));
    }
  });

  it('hold the source rows unchanged: the crypto file is the shared copy byte for byte, the ETF file its 12 tickers', () => {
    const crypto = gunzipSync(readFileSync(join(BUNDLED_DATA_DIR, 'crypto_daily_ohlcv.csv.gz')));
    // sha256 of the shared crypto_daily_ohlcv.csv (data/README.md).
    expect(createHash('sha256').update(crypto).digest('hex')).toBe('a1f6fd05db8dcbb66e7d802d462c182baf6adc5f3901ac5e1db5c46b264f17a6');
    const etf = cachedOhlcv(dataFile(BUNDLED_DATA_DIR, 'sectors'));
    expect(etf.date).toHaveLength(69_810);
    expect([...new Set(etf.ticker)].sort()).toEqual(['SPY', ...SECTOR_ETFS]);
  });
});
