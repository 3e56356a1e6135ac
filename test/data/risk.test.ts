import fc from 'fast-check';
import { Matrix, pseudoInverse } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { buildMarketFrame, loadVix } from '../../src/data/build.ts';
import { pinvQuadraticForm, spliceVix, turbulenceIndex, valuesOn, type DailySeries } from '../../src/data/risk.ts';

/** Closes (T×N row-major) whose close-to-close returns are exactly the given rows (day 0 has none). */
function closesFromReturns(returns: number[][], N: number): Float64Array {
  const close = new Float64Array((returns.length + 1) * N).fill(100);
  returns.forEach((r, s) => r.forEach((x, i) => (close[(s + 1) * N + i] = close[s * N + i] * (1 + x))));
  return close;
}

describe('turbulenceIndex', () => {
  it('matches a hand computation on 2 tickers (window 4)', () => {
    const R = [
      [0.01, 0.02],
      [-0.02, 0.0],
      [0.03, -0.01],
      [0.05, 0.04],
      [-0.01, 0.02],
    ];
    const close = closesFromReturns(R, 2);
    const turb = turbulenceIndex(close, 2, { window: 4 });
    expect(turb.length).toBe(6);
    expect(Array.from(turb.subarray(0, 4))).toEqual([0, 0, 0, 0]); // warm-up
    // Day 4: history = returns of days 1..3 (day 0 has none, as in FinRL); day 5: days 1..4.
    const actual = (s: number, i: number) => close[s * 2 + i] / close[(s - 1) * 2 + i] - 1;
    for (const [t, from] of [
      [4, 1],
      [5, 1],
    ]) {
      const rows = Array.from({ length: t - from }, (_, j) => [actual(from + j, 0), actual(from + j, 1)]);
      const m = rows.length;
      const ma = rows.reduce((s, r) => s + r[0], 0) / m;
      const mb = rows.reduce((s, r) => s + r[1], 0) / m;
      const a = rows.reduce((s, r) => s + (r[0] - ma) ** 2, 0) / (m - 1);
      const d = rows.reduce((s, r) => s + (r[1] - mb) ** 2, 0) / (m - 1);
      const b = rows.reduce((s, r) => s + (r[0] - ma) * (r[1] - mb), 0) / (m - 1);
      const x = actual(t, 0) - ma;
      const y = actual(t, 1) - mb;
      // 2×2 inverse: [[d, −b], [−b, a]] / (ad − b²).
      const want = (d * x * x - 2 * b * x * y + a * y * y) / (a * d - b * b);
      expect(turb[t]).toBeCloseTo(want, 9);
      expect(want).toBeGreaterThan(0);
    }
    // Day 4 on paper: returns (0.01, 0.02), (−0.02, 0), (0.03, −0.01) have mean (1/150, 1/300) and
    // cov [[19/30000, −1/12000], [−1/12000, 7/30000]]; today's (0.05, 0.04) deviates by (13/300, 11/300).
    expect(turb[4]).toBeCloseTo(11.0375, 3);
  });

  it('uses the pseudo-inverse on a singular covariance (two identical tickers)', () => {
    // Both tickers move alike: cov = v·[[1,1],[1,1]], pinv = [[1,1],[1,1]]/(4v), so q = (2x)²/(4v) = x²/v.
    const r = [0.01, -0.02, 0.03, 0.005, 0.04];
    const close = closesFromReturns(r.map((x) => [x, x]), 2);
    const turb = turbulenceIndex(close, 2, { window: 4 });
    const rets = [1, 2, 3, 4].map((s) => close[s * 2] / close[(s - 1) * 2] - 1);
    const mean = rets.reduce((s, x) => s + x, 0) / 4;
    const v = rets.reduce((s, x) => s + (x - mean) ** 2, 0) / 3;
    const x = close[10] / close[8] - 1 - mean;
    expect(turb[5]).toBeCloseTo((x * x) / v, 6);
  });

  it('agrees with ml-matrix pseudoInverse on both solver paths', () => {
    const N = 4;
    let s = 7;
    const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
    const X = Array.from({ length: 30 }, () => Array.from({ length: N }, rand));
    const d = Float64Array.from({ length: N }, rand);
    for (const singular of [false, true]) {
      // Singular: the last column repeats the first.
      const rows = X.map((r) => (singular ? [r[0], r[1], r[2], r[0]] : r));
      const S = new Float64Array(N * N);
      for (const r of rows) for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) S[i * N + j] += r[i] * r[j];
      const P = pseudoInverse(new Matrix(Array.from({ length: N }, (_, i) => Array.from(S.subarray(i * N, i * N + N)))));
      const dm = Matrix.rowVector(Array.from(d));
      const want = dm.mmul(P).mmul(dm.transpose()).get(0, 0);
      expect(pinvQuadraticForm(S, N, 1, d)).toBeCloseTo(want, 8);
    }
  });

  it('on real data: spikes in March 2020 and agrees with a direct pseudoInverse computation', () => {
    const frame = buildMarketFrame({ start: '2020-03-02', end: '2020-03-31' });
    const t = frame.dates.indexOf('2020-03-16');
    expect(frame.turbulence[t]).toBeGreaterThan(300);
    const calm = buildMarketFrame({ start: '2019-06-03', end: '2019-12-31' });
    expect(Math.max(...calm.turbulence)).toBeLessThan(200);
    // Recompute 2020-03-16 directly from a frame holding the 253 closes it reads.
    const wide = buildMarketFrame({ start: '2019-03-01', end: '2020-03-16' });
    const N = wide.tickers.length;
    const T = wide.dates.length;
    const ret = (s: number) => Array.from({ length: N }, (_, i) => wide.close[s * N + i] / wide.close[(s - 1) * N + i] - 1);
    const hist = Array.from({ length: 252 }, (_, j) => ret(T - 253 + j));
    const mean = Array.from({ length: N }, (_, i) => hist.reduce((a, r) => a + r[i], 0) / 252);
    const centred = new Matrix(hist.map((r) => r.map((x, i) => x - mean[i])));
    const cov = centred.transpose().mmul(centred).div(251);
    const dev = Matrix.rowVector(ret(T - 1).map((x, i) => x - mean[i]));
    const want = dev.mmul(pseudoInverse(cov)).mmul(dev.transpose()).get(0, 0);
    expect(frame.turbulence[t] / want).toBeCloseTo(1, 9);
  });

  it("gives a day the same value whatever rows were requested", () => {
    const T = 60;
    const N = 3;
    let s = 11;
    const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 0.04;
    const close = closesFromReturns(Array.from({ length: T - 1 }, () => [rand(), rand(), rand()]), N);
    const all = turbulenceIndex(close, N, { window: 8 });
    for (const [first, last] of [
      [0, T - 1],
      [13, 13],
      [17, 40],
      [8, 9],
      [3, 30],
    ]) {
      expect(Array.from(turbulenceIndex(close, N, { window: 8, first, last }))).toEqual(Array.from(all.subarray(first, last + 1)));
    }
  });

  it('refuses a bad window or range', () => {
    const close = new Float64Array(20);
    expect(() => turbulenceIndex(close, 2, { window: 2 })).toThrow(/at least 3 days/);
    expect(() => turbulenceIndex(close, 2, { first: 5, last: 10 })).toThrow(/outside 0..9/);
    expect(() => turbulenceIndex(close, 3)).toThrow(/not a multiple of 3/);
  });

  it('no look-ahead: altering prices after day t changes no turbulence value at or before t', () => {
    const T = 40;
    const N = 3;
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -0.05, max: 0.05, noNaN: true }), { minLength: (T - 1) * N, maxLength: (T - 1) * N }),
        fc.integer({ min: 0, max: T - 2 }),
        fc.double({ min: 0.5, max: 2, noNaN: true }),
        (flat, t, factor) => {
          const rows = Array.from({ length: T - 1 }, (_, s) => flat.slice(s * N, s * N + N));
          const close = closesFromReturns(rows, N);
          const altered = close.slice();
          for (let k = (t + 1) * N; k < T * N; k++) altered[k] *= factor * (1 + (k % 5) / 20);
          const a = turbulenceIndex(close, N, { window: 10 });
          const b = turbulenceIndex(altered, N, { window: 10 });
          expect(Array.from(b.subarray(0, t + 1))).toEqual(Array.from(a.subarray(0, t + 1)));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('VIX', () => {
  it('is ^VIX through 2022-11-18, then FRED VIXCLS, with no gap on the stock calendar', () => {
    const vix = loadVix();
    expect(vix.source).toMatch(/\^VIX close .* through 2022-11-18, then VIXCLS .* from 2022-11-21/);
    const frame = buildMarketFrame({ start: '2020-03-16', end: '2024-12-06' });
    expect(frame.vix[0]).toBe(82.69);
    expect(frame.vix.some(Number.isNaN)).toBe(false);
    const at = (d: string) => frame.vix[frame.dates.indexOf(d)];
    expect(at('2022-11-18')).toBe(23.12); // Yahoo
    expect(at('2022-11-21')).toBe(22.36); // FRED
    // Yahoo and FRED disagree on 2014-10-15 (25.27 vs 26.25): before the splice, Yahoo wins.
    expect(buildMarketFrame({ start: '2014-10-15', end: '2014-10-15' }).vix[0]).toBe(25.27);
  });

  it('splices only after the first source ends, and leaves unknown dates NaN', () => {
    const a: DailySeries = { dates: ['2020-01-02', '2020-01-03'], values: Float64Array.from([10, 11]), source: 'A' };
    const b: DailySeries = { dates: ['2020-01-02', '2020-01-03', '2020-01-06'], values: Float64Array.from([99, 98, 12]), source: 'B' };
    const s = spliceVix(a, b);
    expect(s.dates).toEqual(['2020-01-02', '2020-01-03', '2020-01-06']);
    expect([...s.values]).toEqual([10, 11, 12]);
    expect(s.source).toBe('A through 2020-01-03, then B from 2020-01-06');
    const v = valuesOn(s, ['2020-01-03', '2020-01-04']);
    expect(v[0]).toBe(11);
    expect(Number.isNaN(v[1])).toBe(true);
  });
});
