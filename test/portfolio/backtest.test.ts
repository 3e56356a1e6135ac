import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backtestConfig, backtestStrategy, runBacktest } from '../../agents/portfolio/backtest.ts';
import { makeStrategy, STRATEGY_NAMES } from '../../agents/portfolio/strategies.ts';
import { exposures } from '../../agents/portfolio/strategy.ts';
import { TOPDOWN_STRATEGY_NAMES } from '../../agents/portfolio/topdown/index.ts';
import { resolveUniverse } from '../../src/data/universe.ts';
import { std } from '../../src/metrics/stats.ts';

const dow = resolveUniverse('dow30');
const short = '2021-01-04:2021-06-30';

function dailyStd(equity: number[]): number {
  return std(equity.slice(1).map((v, i) => v / equity[i] - 1));
}

describe('backtest', () => {
  it('runs every strategy on the Dow stocks through the margin account, long books within bounds', () => {
    for (const name of STRATEGY_NAMES) {
      const res = backtestStrategy(backtestConfig({ strategy: name, trade: short, maxWeight: name === 'finrl-mvo' ? undefined : 0.4 }), { universe: dow });
      expect(res.rows[0].date, name).toBe('2021-01-04');
      expect(res.rows[res.rows.length - 1].date, name).toBe('2021-06-30');
      expect(res.decisions.length, name).toBeGreaterThan(0);
      if ((TOPDOWN_STRATEGY_NAMES as readonly string[]).includes(name)) {
        // The sector allocation and its benchmarks are long/short under the published 90% capital cap.
        for (const d of res.decisions) expect(exposures(d.weights).gross, name).toBeLessThanOrEqual(0.9 + 1e-9);
        continue;
      }
      for (const d of res.decisions) {
        let sum = 0;
        for (const w of d.weights) {
          expect(w, name).toBeGreaterThanOrEqual(-1e-9);
          sum += w;
        }
        expect(sum, name).toBeCloseTo(1, 6);
      }
      expect(res.metrics.costs, name).toBeGreaterThan(0);
    }
  });

  it("finrl-mvo is FinRL's preset: max-Sharpe, [0, 0.5], sample Σ, training-period returns, bought once", () => {
    const cfg = backtestConfig({ strategy: 'finrl-mvo', trade: short });
    expect(cfg).toMatchObject({ objective: 'max-sharpe', maxWeight: 0.5, minWeight: 0, cov: 'sample', mu: 'mean', rebalance: 'never' });
    const res = backtestStrategy(cfg, { universe: dow });
    expect(res.decisions).toHaveLength(1);
    expect(Math.max(...res.decisions[0].weights)).toBeLessThanOrEqual(0.5 + 1e-9);
    expect(res.description).toMatch(/fixed estimation period 2009-01-01:2018-12-31/);
    // min-variance is that objective whatever the options say
    expect(makeStrategy('min-variance', { objective: 'max-sharpe' }).describe()).toMatch(/minimum variance/);
  });

  it("annualises with the universe's own calendar (365 days for crypto, 252 for stocks)", () => {
    const c = backtestStrategy(backtestConfig({ strategy: 'equal-weight', universe: 'crypto', trade: '2021-01-01:2021-12-31' }));
    const eq = c.rows.map((r) => r.equity);
    expect(c.rows.some((r) => new Date(`${r.date}T00:00:00Z`).getUTCDay() === 6)).toBe(true);
    expect(c.metrics.annualVolatility).toBeCloseTo(dailyStd(eq) * Math.sqrt(365), 10);
    expect(c.benchmark.name).toMatch(/BTC/);
    const d = backtestStrategy(backtestConfig({ strategy: 'equal-weight', trade: short }), { universe: dow });
    expect(d.metrics.annualVolatility).toBeCloseTo(dailyStd(d.rows.map((r) => r.equity)) * Math.sqrt(252), 10);
  });

  it('a late entrant enters once its history covers the window, never forward-filled (XLC)', () => {
    const res = backtestStrategy(backtestConfig({ strategy: 'inverse-volatility', universe: 'sectors', window: 60, trade: '2018-06-01:2018-12-31' }));
    const xlc = res.tickers.indexOf('XLC');
    const before = res.decisions.filter((d) => d.date < '2018-09-01');
    const after = res.decisions.filter((d) => d.date >= '2018-10-01');
    for (const d of before) expect(d.weights[xlc]).toBe(0);
    for (const d of after) expect(d.weights[xlc]).toBeGreaterThan(0);
    expect(res.notes.join('\n')).toMatch(/XLC starts trading on 2018-06-19/);
  });

  it('sector limits use the bundled GICS map and hold', () => {
    const res = backtestStrategy(backtestConfig({ strategy: 'mvo', trade: short, sectorMax: 0.25 }), { universe: dow });
    const sectorOf = dow.sectorOf!;
    for (const d of res.decisions) {
      const by: Record<string, number> = {};
      d.weights.forEach((w, i) => (by[sectorOf[res.tickers[i]]] = (by[sectorOf[res.tickers[i]]] ?? 0) + w));
      for (const v of Object.values(by)) expect(v).toBeLessThanOrEqual(0.25 + 1e-7);
    }
  });

  it('130/30 holds longs ≈ 1.3 and shorts ≈ 0.3 of equity after the first trade', () => {
    const res = backtestStrategy(backtestConfig({ strategy: 'mvo', trade: short, minWeight: -0.1, maxWeight: 0.3, gross: 1.6, net: 1 }), { universe: dow });
    expect(res.envConfig.margin).toBeCloseTo(1.6, 12);
    const r = res.rows[1];
    expect(r.longMarketValue / r.equity).toBeGreaterThan(1.2);
    expect(r.shortMarketValue / r.equity).toBeGreaterThan(0.2);
    expect(r.shortMarketValue / r.equity).toBeLessThan(0.31);
  });

  it('each bad input gives its own clear error', () => {
    expect(() => backtestStrategy(backtestConfig({ strategy: 'mvo', trade: short, maxWeight: 0.02 }), { universe: dow })).toThrow(
      /mvo on 2021-01-04: .*(bound|upper)/i,
    );
    expect(() => backtestStrategy(backtestConfig({ strategy: 'mvo', trade: '2008-03-03:2008-06-30', window: 252 }), { universe: dow })).toThrow(
      /estimation window \(252 returns\) is longer than the history before 2008-03-03/,
    );
    expect(() =>
      backtestStrategy(backtestConfig({ strategy: 'mvo', trade: short, sectors: [{ name: 'Tech', tickers: ['AAPL', 'NOPE'], upper: 0.3 }] }), {
        universe: dow,
      }),
    ).toThrow(/sector limit "Tech": unknown ticker NOPE/);
    expect(() => backtestStrategy(backtestConfig({ strategy: 'mvo', trade: short, minWeight: -0.2 }), { universe: dow })).toThrow(/no gross exposure limit/);
    expect(() => backtestConfig({ strategy: 'mvo', rebalance: 'hourly' })).toThrow(/rebalance/);
    const dir = mkdtempSync(join(tmpdir(), 'bt-'));
    const csv = join(dir, 'gap.csv');
    const lines = ['date,ticker,open,high,low,close,volume'];
    const days = ['2021-01-04', '2021-01-05', '2021-01-06', '2021-01-07', '2021-01-08'];
    for (const d of days) for (const t of ['AAA', 'BBB']) if (!(t === 'BBB' && d === '2021-01-06')) lines.push(`${d},${t},10,11,9,10,100`);
    writeFileSync(csv, lines.join('\n') + '\n');
    expect(() => backtestStrategy(backtestConfig({ strategy: 'equal-weight', universe: csv, trade: '2021-01-05:2021-01-08' }))).toThrow(/BBB.*2021-01-06/);
  });

  it('writes the run folder: weights.csv (long format), account.csv, metrics.json, report.html', () => {
    const out = mkdtempSync(join(tmpdir(), 'bt-run-'));
    const res = runBacktest(backtestConfig({ strategy: 'risk-parity', trade: short, out }));
    const w = readFileSync(join(out, 'weights.csv'), 'utf8').trim().split('\n');
    expect(w[0]).toBe('date,ticker,weight');
    expect(w.length - 1).toBe(res.decisions.reduce((s, d) => s + d.weights.filter((x) => x !== 0).length, 0));
    const acct = readFileSync(join(out, 'account.csv'), 'utf8').trim().split('\n');
    expect(acct[0]).toMatch(/^date,equity,long_equity,.*,benchmark$/);
    expect(acct.length - 1).toBe(res.rows.length);
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(m.metrics.sharpeRatio).toBeCloseTo(res.metrics.sharpeRatio, 12);
    expect(m.account).toMatch(/hmax lifted/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/Target weights over time/);
    expect((html.match(/<svg/g) ?? []).length).toBe(3);
    // deterministic: the same config gives byte-identical files
    const out2 = mkdtempSync(join(tmpdir(), 'bt-run-'));
    runBacktest(backtestConfig({ strategy: 'risk-parity', trade: short, out: out2 }));
    for (const f of ['weights.csv', 'account.csv', 'metrics.json', 'report.html'])
      expect(readFileSync(join(out2, f), 'utf8'), f).toBe(readFileSync(join(out, f), 'utf8'));
  });
});
