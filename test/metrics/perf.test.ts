import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  PERF_STAT_KEYS,
  PERF_STAT_LABELS,
  annualReturn,
  annualVolatility,
  calmarRatio,
  cumulativeReturns,
  dailyReturns,
  kurtosis,
  maxDrawdown,
  omegaRatio,
  perfStats,
  sharpeRatio,
  skew,
  sortinoRatio,
  stability,
  tailRatio,
  valueAtRisk,
} from '../../src/metrics/perf.ts';

/** |actual − expected| ≤ tol · max(1, |expected|). */
function close(actual: number, expected: number, tol = 1e-12): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

function equityFrom(returns: number[], start = 1): number[] {
  const eq = [start];
  for (const r of returns) eq.push(eq[eq.length - 1] * (1 + r));
  return eq;
}

// The hand example. r = [0.01, −0.02, 0.03, 0, −0.01], n = 5, P = 252.
const R = [0.01, -0.02, 0.03, 0.0, -0.01];

describe('perf statistics, hand-computed example', () => {
  // Σr = 0.01, mean = 0.002.
  // Deviations from the mean: 0.008, −0.022, 0.028, −0.002, −0.012.
  // Squares: 6.4e-5 + 4.84e-4 + 7.84e-4 + 4e-6 + 1.44e-4 = 1.48e-3; var(ddof 1) = 1.48e-3/4 = 3.7e-4.
  // std = √3.7e-4 = 0.0192353840616713.
  it('cumulative and annual return', () => {
    // Growth: 1.01 · 0.98 = 0.9898; · 1.03 = 1.019494; · 1.00 = 1.019494; · 0.99 = 1.00929906.
    close(cumulativeReturns(R), 0.00929906);
    // CAGR = 1.00929906^(252/5) − 1 = 1.00929906^50.4 − 1 = e^(50.4 · 0.00925610…) − 1 = 0.594415054774720.
    close(annualReturn(R), 1.00929906 ** 50.4 - 1);
    close(annualReturn(R), 0.5944150547747202);
  });

  it('annual volatility', () => {
    // √3.7e-4 · √252 = √(0.09324) = 0.305352255599987.
    close(annualVolatility(R), Math.sqrt(0.09324));
    close(annualVolatility(R), 0.30535225559998735);
  });

  it('Sharpe ratio, rf = 0 and rf = 0.001 per day', () => {
    // 0.002 / √3.7e-4 · √252 = 0.002 · √(252 / 3.7e-4) = 0.002 · √681081.08… = 1.65055273297290.
    close(sharpeRatio(R), 0.002 * Math.sqrt(252 / 3.7e-4));
    close(sharpeRatio(R), 1.6505527329729037);
    // Subtracting a constant leaves the std unchanged and halves the mean (0.002 → 0.001): half the Sharpe.
    close(sharpeRatio(R, 0.001), 1.6505527329729037 / 2);
    close(sharpeRatio(R, 0.001), 0.8252763664864519);
  });

  it('Sortino ratio', () => {
    // min(r, 0)² = 0, 4e-4, 0, 0, 1e-4 → mean over all 5 = 1e-4 → downside = √1e-4 · √252 = 0.01 · √252.
    // Sortino = 0.002 · 252 / (0.01 · √252) = 50.4 / √252 = 0.2 · √252 = 3.17490157327751.
    close(sortinoRatio(R), 0.2 * Math.sqrt(252));
    close(sortinoRatio(R), 3.1749015732775074);
    // Required return 0.001: e = 0.009, −0.021, 0.029, −0.001, −0.011; negative squares
    // 4.41e-4 + 1e-6 + 1.21e-4 = 5.63e-4, /5 = 1.126e-4; Sortino = 0.001·252 / (√1.126e-4 · √252)
    // = 0.252 / √0.0283752 = 1.49599821430161.
    close(sortinoRatio(R, 0.001), 0.252 / Math.sqrt(1.126e-4 * 252));
    close(sortinoRatio(R, 0.001), 1.4959982143016093);
  });

  it('max drawdown and Calmar', () => {
    // Wealth 1 → 1.01 (peak) → 0.9898 (−0.0202/1.01 = −2%) → 1.019494 (new peak) → 1.019494 → 1.00929906 (−1%).
    close(maxDrawdown(R), -0.02);
    // Calmar = 0.594415054774720 / 0.02 = 29.7207527387360.
    close(calmarRatio(annualReturn(R), maxDrawdown(R)), 29.720752738736067, 1e-11);
  });

  it('Omega ratio', () => {
    // Gains 0.01 + 0.03 = 0.04, losses 0.02 + 0.01 = 0.03 → 4/3.
    close(omegaRatio(R), 4 / 3);
    // rf 0.001: gains 0.009 + 0.029 = 0.038, losses 0.021 + 0.001 + 0.011 = 0.033 → 38/33.
    close(omegaRatio(R, 0.001), 38 / 33);
  });

  it('skew and kurtosis (biased, Fisher)', () => {
    // m2 = 1.48e-3/5 = 2.96e-4.
    // m3 = (0.008³ − 0.022³ + 0.028³ − 0.002³ − 0.012³)/5 = (0.512 − 10.648 + 21.952 − 0.008 − 1.728)e-6/5 = 2.016e-6.
    // skew = 2.016e-6 / 2.96e-4^1.5 = 0.395870337343817.
    close(skew(R), 2.016e-6 / 2.96e-4 ** 1.5);
    close(skew(R), 0.3958703373438171);
    // m4 = (0.008⁴ + 0.022⁴ + 0.028⁴ + 0.002⁴ + 0.012⁴)/5 = (0.004096 + 0.234256 + 0.614656 + 0.000016 + 0.020736)e-6/5
    //    = 1.74752e-7; kurtosis = 1.74752e-7 / (2.96e-4)² − 3 = 1.74752e-7 / 8.7616e-8 − 3 = −1.00547845142440.
    close(kurtosis(R), 1.74752e-7 / 8.7616e-8 - 3);
    close(kurtosis(R), -1.0054784514243975);
  });

  it('tail ratio (numpy linear percentiles)', () => {
    // Sorted: −0.02, −0.01, 0, 0.01, 0.03. P95 at position 0.95·4 = 3.8: 0.01 + 0.8·0.02 = 0.026.
    // P5 at position 0.2: −0.02 + 0.2·0.01 = −0.018. Ratio 0.026/0.018 = 13/9.
    close(tailRatio(R), 13 / 9);
  });

  it('daily value at risk (pyfolio: mean − 2·std)', () => {
    // 0.002 − 2 · 0.0192353840616713 = −0.0364707681233427.
    close(valueAtRisk(R), 0.002 - 2 * Math.sqrt(3.7e-4));
    close(valueAtRisk(R), -0.03647076812334269);
  });

  it('stability', () => {
    // y = cumulative ln(1 + r) = ln 1.01, ln 0.9898, ln 1.019494, ln 1.019494, ln 1.00929906
    //   = 0.00995033, −0.01025232, 0.01930634, 0.01930634, 0.00925610; t = 0…4, t̄ = 2, Stt = 10.
    // R² = Sty² / (Stt · Syy) = 0.136176284690030 (scipy.stats.linregress(t, y).rvalue²).
    const y = [Math.log(1.01), Math.log(0.9898), Math.log(1.019494), Math.log(1.019494), Math.log(1.00929906)];
    const yBar = y.reduce((a, b) => a + b) / 5;
    const sty = y.reduce((s, v, t) => s + (t - 2) * (v - yBar), 0);
    const syy = y.reduce((s, v) => s + (v - yBar) ** 2, 0);
    close(stability(R), (sty * sty) / (10 * syy), 1e-11);
    close(stability(R), 0.13617628469003032, 1e-11);
  });

  it('perfStats on the account values gives the same numbers', () => {
    const s = perfStats(equityFrom(R, 1_000_000));
    close(s.annualReturn, 0.5944150547747202);
    close(s.cumulativeReturns, 0.00929906);
    close(s.annualVolatility, 0.30535225559998735);
    close(s.sharpeRatio, 1.6505527329729037);
    close(s.calmarRatio, 29.720752738736067, 1e-11);
    close(s.stability, 0.13617628469003032, 1e-11);
    close(s.maxDrawdown, -0.02);
    close(s.omegaRatio, 4 / 3);
    close(s.sortinoRatio, 3.1749015732775074);
    close(s.skew, 0.3958703373438171);
    close(s.kurtosis, -1.0054784514243975);
    close(s.tailRatio, 13 / 9);
    close(s.dailyValueAtRisk, -0.03647076812334269);
    const withRf = perfStats(equityFrom(R), { riskFree: 0.001 });
    close(withRf.sharpeRatio, 0.8252763664864519);
    close(withRf.sortinoRatio, 1.4959982143016093);
    close(withRf.omegaRatio, 38 / 33);
  });

  it("'finrl' convention: years from the number of account values, skew and kurtosis NaN", () => {
    const s = perfStats(equityFrom(R), { convention: 'finrl' });
    // FinRL's pct_change keeps a leading NaN, so empyrical counts 6 periods: 1.00929906^(252/6) − 1.
    close(s.annualReturn, 1.00929906 ** 42 - 1);
    close(s.annualReturn, 0.47514424288224055);
    close(s.calmarRatio, 0.47514424288224055 / 0.02, 1e-11);
    expect(s.skew).toBeNaN();
    expect(s.kurtosis).toBeNaN();
    close(s.sharpeRatio, 1.6505527329729037);
  });
});

describe('perf statistics against numpy/scipy (empyrical formulas) on a 300-day series', () => {
  // rₜ = ((1103515245·t + 12345) mod 2³¹)/2³¹ · 0.06 − 0.029, t = 0…299 (integer LCG, identical in Python),
  // compounded from 1e6; reference values from numpy 2.4 / scipy 1.17 applying empyrical's definitions to
  // the pct_change of that account series.
  const r: number[] = [];
  for (let t = 0; t < 300; t++) r.push((((1103515245 * t + 12345) % 2 ** 31) / 2 ** 31) * 0.06 - 0.029);
  const equity = equityFrom(r, 1e6);

  it('matches every statistic', () => {
    const ref = {
      annualReturn: 0.16681590254536993,
      cumulativeReturns: 0.2016131982334688,
      annualVolatility: 0.2763944069282187,
      sharpeRatio: 0.6960054283955754,
      calmarRatio: 1.2558670805772736,
      stability: 0.823929674924576,
      maxDrawdown: -0.13282926603083753,
      omegaRatio: 1.1069664792675618,
      sortinoRatio: 1.0239768044216626,
      skew: 0.004301608445093139,
      kurtosis: -1.1915769959126943,
      tailRatio: 1.0824334149545698,
      dailyValueAtRisk: -0.034059041136566826,
    };
    const s = perfStats(equity);
    for (const k of PERF_STAT_KEYS) close(s[k], ref[k], 1e-10);
  });

  it('with a daily risk-free rate of 1e-4', () => {
    const s = perfStats(equity, { riskFree: 1e-4 });
    close(s.sharpeRatio, 0.6048313692672926, 1e-10);
    close(s.omegaRatio, 1.0923273631575177, 1e-10);
    close(s.sortinoRatio, 0.8853247540602251, 1e-10);
  });

  it("with the 'finrl' convention", () => {
    const s = perfStats(equity, { convention: 'finrl' });
    close(s.annualReturn, 0.16621800027183342, 1e-10);
    close(s.calmarRatio, 1.25136579639945, 1e-10);
  });
});

describe('drawdown paths', () => {
  it('finds the deepest peak-to-trough fall, not the first', () => {
    // 100 → 120 → 90 (−25% from 120) → 150 → 60 (−60% from 150) → 80.
    const s = perfStats([100, 120, 90, 150, 60, 80]);
    close(s.maxDrawdown, -0.6);
  });
  it('counts the starting value as a peak', () => {
    // 100 → 80 → 90: −20% from the initial 100.
    close(perfStats([100, 80, 90]).maxDrawdown, -0.2);
  });
  it('is 0 for a rising series, and Calmar is then NaN', () => {
    const s = perfStats([1, 1.1, 1.2, 1.3]);
    expect(s.maxDrawdown).toBe(0);
    expect(s.calmarRatio).toBeNaN();
  });
});

describe('edge cases', () => {
  it('a flat account: Sharpe and Sortino 0, not NaN', () => {
    const s = perfStats([1e6, 1e6, 1e6, 1e6]);
    expect(s.sharpeRatio).toBe(0);
    expect(s.sortinoRatio).toBe(0);
    expect(s.annualReturn).toBe(0);
    expect(s.annualVolatility).toBe(0);
    expect(s.maxDrawdown).toBe(0);
    expect(s.dailyValueAtRisk).toBe(0);
    expect(s.stability).toBe(0);
    // Undefined ratios stay NaN, as in empyrical/scipy: no loss (Omega), no drawdown (Calmar), no spread.
    expect(s.omegaRatio).toBeNaN();
    expect(s.calmarRatio).toBeNaN();
    expect(s.skew).toBeNaN();
    expect(s.kurtosis).toBeNaN();
    expect(s.tailRatio).toBeNaN();
  });

  it('identical non-zero returns: Sharpe 0 by the same convention, Sortino +inf (no downside)', () => {
    expect(sharpeRatio([0.01, 0.01, 0.01])).toBe(0);
    expect(sortinoRatio([0.01, 0.01, 0.01])).toBe(Infinity);
    // From account values the returns carry ~1e-16 of rounding noise; still a constant series.
    for (const start of [1, 3.7, 1e6]) {
      const s = perfStats(equityFrom([-0.05, -0.05, -0.05, -0.05], start));
      expect(s.sharpeRatio).toBe(0);
      close(s.sortinoRatio, -Math.sqrt(252));
    }
  });

  it('a flat account with rounding wobble (±1 ulp) is still flat for Sharpe and Sortino', () => {
    const v = 1e6;
    const ulp = 1.1641532182693481e-10; // spacing of doubles near 1e6
    const s = perfStats([v, v + ulp, v, v - ulp, v]);
    expect(s.sharpeRatio).toBe(0);
    expect(s.sortinoRatio).toBe(0);
  });

  it('fewer than 2 account values is an error that says so', () => {
    expect(() => perfStats([1])).toThrow(/got 1 account value; need at least 2/);
    expect(() => perfStats([])).toThrow(/got 0 account values; need at least 2/);
  });

  it('a non-positive or non-finite value is an error naming the index', () => {
    expect(() => perfStats([1, 0, 1])).toThrow(/equity\[1\] = 0/);
    expect(() => perfStats([1, NaN, 1])).toThrow(/equity\[1\] = NaN/);
    expect(() => perfStats([1, -2])).toThrow(/equity\[1\] = -2/);
  });

  it('an account ending at 0 is allowed: −100%', () => {
    const s = perfStats([1, 0.5, 0]);
    expect(s.cumulativeReturns).toBe(-1);
    expect(s.annualReturn).toBe(-1);
    expect(s.maxDrawdown).toBe(-1);
  });

  it('one return only: dispersion-based statistics are NaN', () => {
    const s = perfStats([1, 1.01]);
    close(s.cumulativeReturns, 0.01);
    expect(s.annualVolatility).toBeNaN();
    expect(s.sharpeRatio).toBeNaN();
    expect(s.stability).toBeNaN();
  });

  it('rejects bad options', () => {
    expect(() => perfStats([1, 2, 3], { periodsPerYear: 0 })).toThrow(/periodsPerYear/);
    expect(() => perfStats([1, 2, 3], { riskFree: NaN })).toThrow(/riskFree/);
  });

  it('accepts a Float64Array and periodsPerYear', () => {
    const s = perfStats(Float64Array.from(equityFrom(R)), { periodsPerYear: 12 });
    close(s.annualReturn, 1.00929906 ** (12 / 5) - 1);
    close(s.annualVolatility, Math.sqrt(3.7e-4 * 12));
  });
});

describe('properties', () => {
  // Returns in whole basis points: ratios of floating-point noise (returns of 1e-17) are not meaningful,
  // so the generator stays on a grid where every non-zero return is far above rounding error.
  const returnsArb = fc.array(
    fc.integer({ min: -2000, max: 2000 }).map((bp) => bp / 10_000),
    { minLength: 3, maxLength: 60 },
  );

  it('statistics do not depend on the account currency (scale invariance)', () => {
    fc.assert(
      fc.property(returnsArb, fc.double({ min: 1e-3, max: 1e9, noNaN: true }), (rs, scale) => {
        const a = perfStats(equityFrom(rs, 1));
        const b = perfStats(equityFrom(rs, scale));
        for (const k of PERF_STAT_KEYS) {
          if (!Number.isFinite(a[k]) || !Number.isFinite(b[k])) {
            expect(Object.is(a[k], b[k]) || (Number.isNaN(a[k]) && Number.isNaN(b[k]))).toBe(true);
            continue;
          }
          expect(Math.abs(a[k] - b[k])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(a[k])));
        }
      }),
    );
  });

  it('max drawdown lies in [−1, 0] and dailyReturns round-trips', () => {
    fc.assert(
      fc.property(returnsArb, (rs) => {
        const eq = equityFrom(rs, 100);
        const back = dailyReturns(eq);
        back.forEach((v, i) => expect(Math.abs(v - rs[i])).toBeLessThan(1e-12));
        const mdd = maxDrawdown(back);
        expect(mdd).toBeLessThanOrEqual(0);
        expect(mdd).toBeGreaterThanOrEqual(-1);
      }),
    );
  });
});

describe('labels', () => {
  it('name every statistic with pyfolio’s display names, in perf_stats order', () => {
    expect(Object.keys(PERF_STAT_LABELS)).toEqual([...PERF_STAT_KEYS]);
    expect(PERF_STAT_KEYS.map((k) => PERF_STAT_LABELS[k].label)).toEqual([
      'Annual return',
      'Cumulative returns',
      'Annual volatility',
      'Sharpe ratio',
      'Calmar ratio',
      'Stability',
      'Max drawdown',
      'Omega ratio',
      'Sortino ratio',
      'Skew',
      'Kurtosis',
      'Tail ratio',
      'Daily value at risk',
    ]);
    for (const k of PERF_STAT_KEYS) expect(PERF_STAT_LABELS[k].meaning.length).toBeGreaterThan(10);
  });
});
