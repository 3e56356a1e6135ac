import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  EULER_GAMMA,
  blockBootstrapDiff,
  comparisonFacts,
  comparisonSentence,
  deflatedSharpeRatio,
  expectedMaxSharpe,
  holmAdjust,
  holmCiLevels,
  interquartileMean,
  minimumSeedsFor,
  pairedTTest,
  politisWhiteBlockLength,
  probabilisticSharpeRatio,
  probabilityOfImprovement,
  probabilityOfImprovementCI,
  sharpeMoments,
  stratifiedBootstrapCI,
} from '../../src/metrics/robust.ts';
import { normalCdf, normalQuantile, summarize } from '../../src/metrics/stats.ts';
import { sharpeRatio } from '../../src/metrics/perf.ts';
import { Rng } from '../../src/rng.ts';

function close(actual: number, expected: number, tol = 1e-12): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

function normals(n: number, name: string, mu = 0, sd = 1): Float64Array {
  const r = new Rng(name);
  return Float64Array.from({ length: n }, () => mu + sd * r.normal());
}

function ar1(n: number, phi: number, name: string): Float64Array {
  const r = new Rng(name);
  const x = new Float64Array(n);
  let v = 0;
  for (let i = 0; i < n; i++) {
    v = phi * v + r.normal();
    x[i] = v;
  }
  return x;
}

describe('interquartileMean (scipy trim_mean(x, 0.25): drop ⌊n/4⌋ from each end)', () => {
  const x = [7, 1, 10, 3, 12, 5, 2, 8, 4, 100];

  it('matches hand computations for n = 4, 5, 8, 10', () => {
    // n = 4: sorted 1 3 7 10, drop 1 each side → (3 + 7)/2 = 5 (the plain mean would be 5.25).
    expect(interquartileMean(x.slice(0, 4))).toBe(5);
    // n = 5: sorted 1 3 7 10 12, ⌊1.25⌋ = 1 → (3 + 7 + 10)/3 = 20/3 (dropping 2 would give the median 7).
    close(interquartileMean(x.slice(0, 5)), 20 / 3);
    // n = 8: sorted 1 2 3 5 7 8 10 12, drop 2 → (3 + 5 + 7 + 8)/4 = 5.75 (mean 6).
    close(interquartileMean(x.slice(0, 8)), 5.75);
    // n = 10: sorted 1 2 3 4 5 7 8 10 12 100, ⌊2.5⌋ = 2 → (3 + 4 + 5 + 7 + 8 + 10)/6 = 37/6;
    // rounding 2.5 up to 3 would give (4 + 5 + 7 + 8)/4 = 6.
    close(interquartileMean(x), 37 / 6);
  });

  it('n ≤ 3 is the plain mean; a runs × tasks matrix is pooled (rliable aggregate_iqm, axis=None)', () => {
    close(interquartileMean([1, 2, 9]), 4);
    // 4 runs × 2 tasks: pooled 1 2 3 4 5 6 7 100 → drop 2 → (3 + 4 + 5 + 6)/4 = 4.5.
    close(
      interquartileMean([
        [1, 5],
        [2, 6],
        [3, 7],
        [4, 100],
      ]),
      4.5,
    );
  });

  it('rejects empty, ragged and non-finite input', () => {
    expect(() => interquartileMean([])).toThrow(/no scores/);
    expect(() => interquartileMean([[1, 2], [3]])).toThrow(/runs × tasks/);
    expect(() => interquartileMean([1, NaN])).toThrow(/score 1 is NaN/);
  });
});

describe('stratifiedBootstrapCI', () => {
  const x = [0.12, 0.08, 0.15, 0.1, 0.05];

  it('is reproducible for a seed, differs with another, and reports its settings', () => {
    const a = stratifiedBootstrapCI(x, 'mean', { seed: 3 });
    const b = stratifiedBootstrapCI(x, 'mean', { seed: 3 });
    expect(a).toEqual(b);
    const y = normals(12, 'strat-seed');
    const c = stratifiedBootstrapCI(y, 'mean', { seed: 3 });
    const d = stratifiedBootstrapCI(y, 'mean', { seed: 4 });
    expect(d.lo).not.toBe(c.lo);
    expect(d.hi).not.toBe(c.hi);
    expect(a).toMatchObject({ resamples: 2000, seed: 3, confidence: 0.95, method: 'percentile' });
    close(a.estimate, 0.1);
    expect(a.lo).toBeLessThan(0.1);
    expect(a.hi).toBeGreaterThan(0.1);
    expect(a.lo).toBeGreaterThanOrEqual(0.05);
    expect(a.hi).toBeLessThanOrEqual(0.15);
  });

  it('resamples runs within each task only', () => {
    // Every task is constant over runs: a stratified resample cannot change any task mean, so the
    // interval collapses; pooling the cells across tasks would not.
    const scores = [
      [1, 10],
      [1, 10],
      [1, 10],
    ];
    const ci = stratifiedBootstrapCI(scores, 'mean', { resamples: 200 });
    expect([ci.estimate, ci.lo, ci.hi]).toEqual([5.5, 5.5, 5.5]);
    // And a custom statistic sees only values of its own task in each column.
    const m = [
      [1, 100],
      [2, 200],
      [3, 300],
    ];
    stratifiedBootstrapCI(
      m,
      (tasks) => {
        for (const v of tasks[0]) expect([1, 2, 3]).toContain(v);
        for (const v of tasks[1]) expect([100, 200, 300]).toContain(v);
        return tasks[0][0];
      },
      { resamples: 50 },
    );
  });

  it("'iqm' uses the interquartile mean for the estimate and the resamples", () => {
    const y = [0.3, -2, 0.1, 0.2, 5, 0.25, 0.15, 0.05];
    const ci = stratifiedBootstrapCI(y, 'iqm', { resamples: 500 });
    close(ci.estimate, interquartileMean(y));
    expect(ci.lo).toBeGreaterThan(-2);
    expect(ci.hi).toBeLessThan(5);
  });

  it('covers the true mean at about its nominal rate (400 samples of n = 20 normals)', () => {
    let covered = 0;
    for (let rep = 0; rep < 400; rep++) {
      const xs = normals(20, `coverage:${rep}`, 1, 2);
      const ci = stratifiedBootstrapCI(xs, 'mean', { resamples: 400, seed: rep });
      if (ci.lo <= 1 && 1 <= ci.hi) covered++;
    }
    const rate = covered / 400;
    expect(rate).toBeGreaterThanOrEqual(0.91);
    expect(rate).toBeLessThanOrEqual(0.98);
  });

  it('rejects bad options', () => {
    expect(() => stratifiedBootstrapCI(x, 'mean', { resamples: 0 })).toThrow(/resamples/);
    expect(() => stratifiedBootstrapCI(x, 'mean', { confidence: 1 })).toThrow(/confidence/);
    expect(() => stratifiedBootstrapCI(x, 'median' as never)).toThrow(/statistic/);
  });
});

describe('probability of improvement', () => {
  it('hand cases with ties (ties count ½; scipy mannwhitneyu(..., "greater").statistic / (n·m))', () => {
    // x=1: 0; x=2: ½ + ½ + 0 = 1; x=3: 1 + 1 + 0 = 2 → 3/9.
    close(probabilityOfImprovement([1, 2, 3], [2, 2, 4]), 1 / 3);
    // x=3: 2; x=1: 1; x=2: ½ + 1 = 1.5 (twice) → 6/12.
    close(probabilityOfImprovement([3, 1, 2, 2], [2, 0, 5]), 0.5);
    expect(probabilityOfImprovement([1, 2, 3], [1, 2, 3])).toBe(0.5);
    expect(probabilityOfImprovement([5, 6], [1, 2, 3])).toBe(1);
    expect(probabilityOfImprovement([0], [1, 2, 3])).toBe(0);
  });

  it('averages per-task probabilities over tasks', () => {
    // task 0: [1,2,3] vs [2,2,4] = 1/3; task 1: [5,6,7] vs [0,0,0] = 1 → mean 2/3.
    const x = [
      [1, 5],
      [2, 6],
      [3, 7],
    ];
    const y = [
      [2, 0],
      [2, 0],
      [4, 0],
    ];
    close(probabilityOfImprovement(x, y), 2 / 3);
  });

  it('P(X > Y) + P(Y > X) = 1', () => {
    const small = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(small, small, (x, y) => {
        close(probabilityOfImprovement(x, y) + probabilityOfImprovement(y, x), 1, 1e-14);
      }),
    );
  });

  it('has a stratified bootstrap interval, independent (rliable) or paired', () => {
    const x = [1.2, 0.8, 1.5, 1.1, 0.9];
    const y = [1.0, 0.7, 1.2, 1.15, 0.6];
    const a = probabilityOfImprovementCI(x, y);
    const b = probabilityOfImprovementCI(x, y, { paired: true });
    close(a.estimate, probabilityOfImprovement(x, y));
    expect(a.paired).toBe(false);
    expect(b.paired).toBe(true);
    for (const ci of [a, b]) {
      expect(ci.lo).toBeLessThanOrEqual(ci.estimate);
      expect(ci.hi).toBeGreaterThanOrEqual(ci.estimate);
      expect(ci.lo).toBeGreaterThanOrEqual(0);
      expect(ci.hi).toBeLessThanOrEqual(1);
    }
    expect(probabilityOfImprovementCI(x, y)).toEqual(a);
    expect(b).not.toEqual({ ...a, paired: true });
    const dominated = probabilityOfImprovementCI([5, 6, 7], [1, 2], { resamples: 100 });
    expect([dominated.lo, dominated.hi]).toEqual([1, 1]);
    expect(() => probabilityOfImprovementCI([1, 2], [1, 2, 3], { paired: true })).toThrow(/paired/);
  });
});

describe('Holm adjustment', () => {
  it('textbook example', () => {
    // sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, max(0.04·1, 0.06) = 0.06.
    const adj = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    const want = [0.03, 0.06, 0.06, 0.02];
    adj.forEach((p, i) => close(p, want[i], 1e-14));
    expect(holmAdjust([0.5, 0.6])).toEqual([1, 1]);
    expect(holmAdjust([])).toEqual([]);
    expect(holmAdjust([0.2])).toEqual([0.2]);
    expect(() => holmAdjust([0.1, NaN])).toThrow(/p-value 1/);
    expect(() => holmAdjust([1.2])).toThrow(/\[0, 1\]/);
  });

  it('is monotone in the raw p, never below it, capped at 1', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 25 }), (ps) => {
        const adj = holmAdjust(ps);
        for (let i = 0; i < ps.length; i++) {
          expect(adj[i]).toBeGreaterThanOrEqual(ps[i]);
          expect(adj[i]).toBeLessThanOrEqual(1);
          for (let j = 0; j < ps.length; j++) if (ps[i] <= ps[j]) expect(adj[i]).toBeLessThanOrEqual(adj[j]);
        }
      }),
    );
  });

  it('decision-compatible CI levels: the t interval at that level excludes 0 iff Holm rejects', () => {
    // sorted 0.005 (< 0.05/4: level 1 − 0.0125), 0.01 (< 0.05/3: 1 − 0.05/3), 0.03 (≥ 0.05/2: stop,
    // level 1 − 0.025 from here on), 0.04.
    const lv = holmCiLevels([0.01, 0.04, 0.03, 0.005]);
    const want = [1 - 0.05 / 3, 0.975, 0.975, 0.9875];
    lv.forEach((l, i) => close(l, want[i], 1e-14));
    // The first non-rejection fixes the level for all later ranks: 0.02 ≥ 0.05/3 stops at rank 1.
    for (const l of holmCiLevels([0.04, 0.02, 0.03])) close(l, 1 - 0.05 / 3, 1e-14);
    expect(holmCiLevels([0.001, 0.002], 0.01)).toEqual([1 - 0.01 / 2, 1 - 0.01]);

    const rng = new Rng('holm-ci');
    for (let family = 0; family < 40; family++) {
      const m = 2 + rng.int(6);
      const tests = Array.from({ length: m }, () => {
        const n = 4 + rng.int(8);
        const shift = rng.uniform(-1.5, 1.5);
        const a = Array.from({ length: n }, () => rng.normal() + shift);
        const b = Array.from({ length: n }, () => rng.normal());
        return { a, b, p: pairedTTest(a, b).p };
      });
      const ps = tests.map((t) => t.p);
      const adj = holmAdjust(ps);
      const levels = holmCiLevels(ps);
      tests.forEach((t, i) => {
        const ci = pairedTTest(t.a, t.b, levels[i]).ci;
        const excludesZero = ci[0] > 0 || ci[1] < 0;
        expect(excludesZero).toBe(adj[i] < 0.05);
      });
    }
  });
});

describe('pairedTTest', () => {
  it('matches scipy.stats.ttest_rel and reuses pairedDiff', () => {
    const t = pairedTTest([1, 2, 3, 4, 5], [0.5, 2.2, 2.1, 3, 4.4]);
    close(t.t, 2.651676853338118, 1e-12);
    close(t.p, 0.056882119948358296, 1e-10);
    expect(t.df).toBe(4);
    close(t.meanDiff, 0.56);
    expect(t.ci[0]).toBeLessThan(0); // p > 0.05 ⇔ the 95% interval holds 0
    expect(t.ci[1]).toBeGreaterThan(0);
    expect([t.wins, t.ties, t.losses]).toEqual([4, 0, 1]);
  });

  it('degenerate cases', () => {
    expect(pairedTTest([1, 2, 3], [1, 2, 3])).toMatchObject({ t: 0, p: 1 });
    expect(pairedTTest([2, 3, 4], [1, 2, 3])).toMatchObject({ t: Infinity, p: 0 });
    expect(pairedTTest([2], [1]).p).toBeNaN();
  });
});

describe('minimumSeedsFor', () => {
  it('iterates on n with t quantiles', () => {
    // d = 1: n = 9 needs ((t_{.975,8} + t_{.8,8})·1)² = (2.306 + 0.889)² = 10.21 > 9; n = 10 needs
    // (2.262 + 0.883)² = 9.89 ≤ 10. (G*Power's noncentral-t answer is also 10.)
    expect(minimumSeedsFor(1, 1)).toBe(10);
    expect(minimumSeedsFor(-1, 1)).toBe(10);
    expect(minimumSeedsFor(0.5, 1)).toBe(34);
    expect(minimumSeedsFor(1, 1, 0.9)).toBeGreaterThan(10);
    expect(minimumSeedsFor(1, 1, 0.8, 0.01)).toBeGreaterThan(10);
    expect(minimumSeedsFor(0, 1)).toBe(Infinity);
    expect(minimumSeedsFor(1, 0)).toBe(2);
    expect(minimumSeedsFor(1e-6, 1)).toBe(Infinity);
  });
});

describe('probabilistic Sharpe ratio', () => {
  it('hand-computed case with known skewness and kurtosis', () => {
    // r = [−1, 0, 0, 3]%. mean 0.5%, deviations −1.5, −0.5, −0.5, 2.5 (%):
    // m₂ = 9/4, m₃ = (−3.375 − 0.125 − 0.125 + 15.625)/4 = 3, m₄ = (5.0625 + 0.0625·2 + 39.0625)/4 = 177/16;
    // γ₃ = 3/(9/4)^{3/2} = 8/9, γ₄ = (177/16)/(81/16) = 59/27; sd (ddof 1) = √3 %, ŜR = 0.5/√3.
    const r = [-0.01, 0, 0, 0.03];
    const mo = sharpeMoments(r);
    close(mo.sharpe, 0.5 / Math.sqrt(3));
    close(mo.skew, 8 / 9);
    close(mo.kurtosis, 59 / 27);
    // z = ŜR·√3 / √(1 − (8/9)·ŜR + (32/27)/4·ŜR²) = 0.5/√(1 − 4/(9√3) + 2/81).
    const z = 0.5 / Math.sqrt(1 - 4 / (9 * Math.sqrt(3)) + 2 / 81);
    close(probabilisticSharpeRatio(r), normalCdf(z));
    close(probabilisticSharpeRatio(r), 0.7158342295424509, 1e-12); // scipy, same formula
    const z1 = ((0.5 / Math.sqrt(3) - 0.1) * Math.sqrt(3)) / Math.sqrt(1 - 4 / (9 * Math.sqrt(3)) + 2 / 81);
    close(probabilisticSharpeRatio(r, 0.1), normalCdf(z1));
  });

  it('reduces to Φ((ŜR − SR*)√(n−1)/√(1 + ŜR²/2)) for zero skew and kurtosis 3', () => {
    // Exact normal moments: each block [−c, 0, 0, 0, 0, c] + μ has m₃ = 0 and m₄/m₂² = (c⁴/3)/(c²/3)² = 3.
    // μ = 1%, c = 2%, five blocks (n = 30): ss = 5·2·0.0004 = 0.004, sd = √(0.004/29), ŜR = √0.725.
    const block = [-0.01, 0.01, 0.01, 0.01, 0.01, 0.03];
    const r = [...block, ...block, ...block, ...block, ...block];
    const sr = Math.sqrt(0.725);
    for (const bench of [0, 0.5, 0.7, 1]) {
      const want = normalCdf(((sr - bench) * Math.sqrt(29)) / Math.sqrt(1 + (sr * sr) / 2));
      close(probabilisticSharpeRatio(r, bench), want, 1e-12);
    }
  });

  it('a seeded normal sample is close to the normal reduction', () => {
    // 500 antithetic pairs μ ± e (skew exactly 0, kurtosis ≈ 3), per-period SR ≈ 0.1.
    const e = normals(500, 'psr-normal', 0, 0.01);
    const r = new Float64Array(1000);
    for (let i = 0; i < 500; i++) {
      r[2 * i] = 0.001 + e[i];
      r[2 * i + 1] = 0.001 - e[i];
    }
    const mo = sharpeMoments(r);
    expect(Math.abs(mo.skew)).toBeLessThan(1e-10);
    expect(Math.abs(mo.kurtosis - 3)).toBeLessThan(0.4);
    const sr = mo.sharpe;
    for (const bench of [0, 0.05, 0.1]) {
      const want = normalCdf(((sr - bench) * Math.sqrt(999)) / Math.sqrt(1 + (sr * sr) / 2));
      expect(Math.abs(probabilisticSharpeRatio(r, bench) - want)).toBeLessThan(1e-3);
    }
  });

  it('flat returns: Sharpe 0, normal moments, PSR(0) = ½; needs two returns', () => {
    expect(sharpeMoments([0.001, 0.001, 0.001])).toEqual({ n: 3, sharpe: 0, skew: 0, kurtosis: 3 });
    expect(probabilisticSharpeRatio([0, 0, 0, 0])).toBe(0.5);
    expect(() => probabilisticSharpeRatio([0.01])).toThrow(/at least 2/);
  });
});

describe('deflated Sharpe ratio', () => {
  it('SR₀ by hand for V = 0.0004, N = 10', () => {
    // √V = 0.02; Φ⁻¹(0.9) = 1.2815515655446004, Φ⁻¹(1 − 1/(10e)) = 1.7892417645816283;
    // SR₀ = 0.02·(0.42278433509846713·1.2815515655446004 + 0.5772156649015329·1.7892417645816283)
    //     = 0.02·(0.5418199265331735 + 1.0327783748125765) = 0.031491966026915.
    close(normalQuantile(1 - 1 / (10 * Math.E)), 1.7892417645816283, 1e-13);
    close(expectedMaxSharpe(10, 0.0004), 0.031491966026915, 1e-12);
    close(EULER_GAMMA, 0.5772156649015329, 1e-16);
    expect(expectedMaxSharpe(1, 0.5)).toBe(0);
    expect(expectedMaxSharpe(10, 0)).toBe(0);
  });

  it('DSR = PSR(SR₀) with V the sample variance of the trials', () => {
    const r = normals(500, 'dsr', 0.001, 0.01);
    const trials = [0.02, 0.05, 0.03, 0.06, 0.04]; // mean 0.04, variance (4+1+1+4+0)e-4/4 = 0.00025
    const d = deflatedSharpeRatio(r, trials);
    close(d.trialsVariance, 0.00025);
    expect(d.nTrials).toBe(5);
    close(d.benchmarkSR, 0.018856566835299467, 1e-12); // scipy, same formula
    close(d.dsr, probabilisticSharpeRatio(r, d.benchmarkSR));
    close(d.psr, probabilisticSharpeRatio(r, 0));
    expect(d.dsr).toBeLessThan(d.psr);
    // Overrides: an effective number of trials and a known variance.
    const e = deflatedSharpeRatio(r, trials, { nTrials: 10, trialsVariance: 0.0004 });
    close(e.benchmarkSR, 0.031491966026915, 1e-12);
  });

  it('DSR ≤ PSR(0) whenever N > 1; N = 1 and identical trials do not deflate', () => {
    const r = normals(300, 'dsr-prop', 0.0005, 0.01);
    fc.assert(
      fc.property(fc.array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), { minLength: 2, maxLength: 30 }), (trials) => {
        const d = deflatedSharpeRatio(r, trials);
        expect(d.benchmarkSR).toBeGreaterThanOrEqual(0);
        expect(d.dsr).toBeLessThanOrEqual(d.psr);
      }),
    );
    const one = deflatedSharpeRatio(r, [0.05]);
    expect(one.benchmarkSR).toBe(0);
    expect(one.dsr).toBe(one.psr);
    const same = deflatedSharpeRatio(r, [0.05, 0.05, 0.05]);
    expect(same.trialsVariance).toBe(0);
    expect(same.dsr).toBe(same.psr);
    expect(() => deflatedSharpeRatio(r, [])).toThrow(/empty/);
  });
});

describe('blockBootstrapDiff', () => {
  const a = normals(1000, 'bb-a', 0.0005, 0.01);
  const b = normals(1000, 'bb-b', 0.0003, 0.01);

  it('identical series give [0, 0] and p = 1', () => {
    for (const method of ['circular', 'stationary'] as const) {
      const r = blockBootstrapDiff(a, a, 'sharpe', { method, resamples: 300 });
      expect([r.estimate, r.lo, r.hi, r.pValue]).toEqual([0, 0, 0, 1]);
    }
  });

  it('is deterministic for a seed and reports its settings', () => {
    const r1 = blockBootstrapDiff(a, b, 'sharpe', { seed: 7 });
    const r2 = blockBootstrapDiff(a, b, 'sharpe', { seed: 7 });
    const r3 = blockBootstrapDiff(a, b, 'sharpe', { seed: 8 });
    expect(r1).toEqual(r2);
    expect(r3.lo).not.toBe(r1.lo);
    // default block length ⌈1000^{1/3}⌉ = 10
    expect(r1).toMatchObject({ blockLength: 10, resamples: 2000, seed: 7, confidence: 0.95, method: 'circular' });
    close(r1.estimate, sharpeRatio(a) - sharpeRatio(b));
    expect(blockBootstrapDiff(a, b, 'sharpe', { seed: 7, method: 'stationary' })).toEqual(
      blockBootstrapDiff(a, b, 'sharpe', { seed: 7, method: 'stationary' }),
    );
  });

  it('periodsPerYear scales the Sharpe difference by √P', () => {
    const d252 = blockBootstrapDiff(a, b, 'sharpe', { resamples: 10 });
    const d365 = blockBootstrapDiff(a, b, 'sharpe', { resamples: 10, periodsPerYear: 365 });
    close(d365.estimate, d252.estimate * Math.sqrt(365 / 252));
  });

  it('on AR(1) data the block interval is wider than the iid one', () => {
    const x = ar1(500, 0.8, 'bb-ar');
    const zero = new Float64Array(500);
    const iid = blockBootstrapDiff(x, zero, 'mean', { blockLength: 1 });
    const circ = blockBootstrapDiff(x, zero, 'mean', { blockLength: 20 });
    const stat = blockBootstrapDiff(x, zero, 'mean', { blockLength: 20, method: 'stationary' });
    expect(circ.hi - circ.lo).toBeGreaterThan(1.8 * (iid.hi - iid.lo));
    expect(stat.hi - stat.lo).toBeGreaterThan(1.5 * (iid.hi - iid.lo));
  });

  it('keeps the day-by-day pairing of the two series', () => {
    // b = a − 0.001 every day: resampling the same days for both makes every resampled mean difference
    // 0.001 (independent resampling of the two would give a wide interval).
    const c = Float64Array.from(a, (v) => v - 0.001);
    const r = blockBootstrapDiff(a, c, 'mean', { resamples: 500 });
    close(r.lo, 0.001, 1e-9);
    close(r.hi, 0.001, 1e-9);
  });

  it('a big enough shift in mean gives an interval that excludes 0, no shift does not', () => {
    const noise = normals(1000, 'bb-shift', 0, 0.01);
    const shifted = Float64Array.from(noise, (v, i) => v + 0.003 + 0.002 * Math.sin(i));
    const unshifted = normals(1000, 'bb-null', 0, 0.01);
    const big = blockBootstrapDiff(shifted, b, 'sharpe');
    expect(big.lo).toBeGreaterThan(0);
    expect(big.pValue).toBeLessThan(0.01);
    const bigMean = blockBootstrapDiff(shifted, b, 'mean');
    expect(bigMean.lo).toBeGreaterThan(0);
    const none = blockBootstrapDiff(unshifted, noise, 'sharpe');
    expect(none.lo).toBeLessThan(0);
    expect(none.hi).toBeGreaterThan(0);
    expect(none.pValue).toBeGreaterThan(0.05);
  });

  it('Politis–White picks longer blocks for persistent series', () => {
    const iid = politisWhiteBlockLength(ar1(1000, 0, 'pw-iid'));
    const persistent = politisWhiteBlockLength(ar1(1000, 0.8, 'pw-ar'));
    expect(iid).toBeLessThanOrEqual(3);
    expect(persistent).toBeGreaterThan(10);
    expect(persistent).toBeLessThanOrEqual(Math.ceil(Math.min(3 * Math.sqrt(1000), 1000 / 3)));
    expect(politisWhiteBlockLength(new Float64Array(100))).toBe(1);
    const auto = blockBootstrapDiff(ar1(1000, 0.8, 'pw-ar'), b, 'mean', { blockLength: 'auto', resamples: 50 });
    expect(auto.blockLength).toBe(persistent);
  });

  it('rejects mismatched series and bad block lengths', () => {
    expect(() => blockBootstrapDiff(a, b.subarray(1))).toThrow(/share their dates/);
    expect(() => blockBootstrapDiff(a, b, 'sharpe', { blockLength: 0 })).toThrow(/blockLength/);
    expect(() => blockBootstrapDiff(a, b, 'sharpe', { blockLength: 2.5 })).toThrow(/blockLength/);
  });
});

describe('comparisonSentence', () => {
  // d = 0.1, −0.1, 0.2, 0.2, 0.2: mean 0.12, 4 wins of 5; deviations −0.02, −0.22, 0.08 (×3):
  // ss = 0.0004 + 0.0484 + 3·0.0064 = 0.068, sd = √0.017 = 0.1304; sd/Δ = 1.0865.
  // Seeds for 80% power: n = 11 needs ((2.2281 + 0.8791)·1.0865)² = 11.40 > 11;
  // n = 12 needs ((2.2010 + 0.8760)·1.0865)² = 11.18 ≤ 12 → 12.
  const base = {
    arm: 'the conditioned agent with the macro overlay',
    baseline: 'the same agent without it',
    armValues: [1.1, 0.9, 1.3, 1.0, 1.2],
    baselineValues: [1.0, 1.0, 1.1, 0.8, 1.0],
    adjustedP: 0.31,
    ci: [-0.05, 0.29] as [number, number],
  };

  it('exact text, with the few-seeds warning', () => {
    expect(comparisonSentence(base)).toBe(
      'the conditioned agent with the macro overlay beats the same agent without it in 4 of 5 seeds; ' +
        'ΔSharpe +0.12, 95% CI [−0.05, 0.29], Holm-adjusted p = 0.31: not significant. ' +
        '5 seeds cannot rule out an effect of this size; about 12 seeds would be needed for 80% power at the observed effect and spread.',
    );
    const f = comparisonFacts(base);
    expect(f).toMatchObject({ n: 5, wins: 4, ties: 0, losses: 1, significant: false, seedsNeeded: 12 });
    close(f.meanDiff, 0.12);
  });

  it('"significant" switches on the adjusted p, and a significant result carries no warning', () => {
    const sig = comparisonSentence({ ...base, adjustedP: 0.012, ci: [0.04, 0.2] });
    expect(sig).toBe(
      'the conditioned agent with the macro overlay beats the same agent without it in 4 of 5 seeds; ' +
        'ΔSharpe +0.12, 95% CI [0.04, 0.20], Holm-adjusted p = 0.012: significant.',
    );
    expect(comparisonSentence({ ...base, adjustedP: 0.049 })).toMatch(/p = 0\.049: significant\.$/);
    expect(comparisonSentence({ ...base, adjustedP: 0.05 })).toMatch(/p = 0\.050: not significant\. 5 seeds/);
    // Rounding never crosses α: 0.0496 is significant and must not print as 0.050.
    expect(comparisonSentence({ ...base, adjustedP: 0.0496 })).toMatch(/p = 0\.0496: significant\.$/);
    expect(comparisonSentence({ ...base, adjustedP: 0.0004 })).toMatch(/p < 0\.001: significant\.$/);
    expect(comparisonSentence({ ...base, adjustedP: 0.2, alpha: 0.25 })).toMatch(/p = 0\.20: significant\.$/);
  });

  it('the warning disappears when the seeds would suffice or there is no effect to detect', () => {
    // 20 seeds with the same effect and spread: 12 would do, so a non-significant (Holm-adjusted) result
    // gets no seed-count warning.
    const arm20 = [...base.armValues, ...base.armValues, ...base.armValues, ...base.armValues];
    const base20 = [...base.baselineValues, ...base.baselineValues, ...base.baselineValues, ...base.baselineValues];
    const f = comparisonFacts({ ...base, armValues: arm20, baselineValues: base20, adjustedP: 0.2 });
    expect(f.warning).toBeNull();
    expect(f.sentence).toMatch(/in 16 of 20 seeds; .*: not significant\.$/);
    // Zero mean difference: nothing to detect, no warning.
    const zero = comparisonFacts({ ...base, armValues: [1, 2, 3], baselineValues: [2, 1, 3], adjustedP: 1, ci: [-1, 1] });
    expect(zero.warning).toBeNull();
    expect(zero.sentence).toBe(
      'the conditioned agent with the macro overlay beats the same agent without it in 1 of 3 seeds (1 tie); ' +
        'ΔSharpe 0.00, 95% CI [−1.00, 1.00], Holm-adjusted p = 1.00: not significant.',
    );
  });

  it('one seed: a warning that no interval is possible; options for metric, digits, level and label', () => {
    const one = comparisonSentence({ ...base, armValues: [1.2], baselineValues: [1.0], adjustedP: 1, ci: [NaN, NaN] });
    expect(one).toMatch(/in 1 of 1 seed; .* 1 seed gives no spread and no interval/);
    const custom = comparisonSentence({
      ...base,
      metric: ' annual return',
      digits: 3,
      ciLevel: 0.9875,
      pLabel: 'p',
      power: 0.9,
      armValues: [0.11, 0.12],
      baselineValues: [0.1, 0.1],
      ci: [-0.0312, 0.0612],
    });
    expect(custom).toMatch(
      /^the conditioned .* in 2 of 2 seeds; Δ annual return \+0\.015, 98\.75% CI \[−0\.031, 0\.061\], p = 0\.31: not significant\. 2 seeds .* for 90% power/,
    );
  });
});

describe('comparisonSentence without seed counts', () => {
  it('drops the seed clause and the seed warning', () => {
    const f = comparisonFacts({
      arm: 'buy and hold',
      baseline: 'the equal-weight portfolio',
      armValues: [0.8],
      baselineValues: [0.5],
      adjustedP: 0.2,
      ci: [-0.1, 0.7],
      pLabel: 'Holm-adjusted day-bootstrap p',
      seedCounts: false,
    });
    expect(f.sentence).toBe(
      'buy and hold against the equal-weight portfolio: ΔSharpe +0.30, 95% CI [−0.10, 0.70], Holm-adjusted day-bootstrap p = 0.20: not significant.',
    );
    expect(f.warning).toBeNull();
  });
});

describe('performance', () => {
  it('20 comparisons × 2000 resamples × 5 seeds, and 1000 days × 2000 block resamples, are fast', () => {
    const rng = new Rng('perf');
    const arms = Array.from({ length: 21 }, () => Array.from({ length: 5 }, () => rng.normal()));
    let t0 = performance.now();
    for (let i = 1; i < 21; i++) {
      stratifiedBootstrapCI(arms[i], 'iqm');
      stratifiedBootstrapCI(
        arms[i].map((v, k) => v - arms[0][k]),
        'mean',
      );
      probabilityOfImprovementCI(arms[i], arms[0], { paired: true });
    }
    const seedLevel = performance.now() - t0;
    const a = normals(1000, 'perf-a', 0.0005, 0.01);
    const b = normals(1000, 'perf-b', 0.0005, 0.01);
    t0 = performance.now();
    blockBootstrapDiff(a, b, 'sharpe');
    const block = performance.now() - t0;
    // Typically ~0.3 s and ~0.15 s on one core; generous bounds for a shared machine.
    expect(seedLevel).toBeLessThan(3000);
    expect(block).toBeLessThan(3000);
  });
});

describe('summaries stay consistent with stats.ts', () => {
  it('pairedTTest interval equals summarize of the differences', () => {
    const a = [0.3, 0.5, 0.1, 0.4];
    const b = [0.2, 0.1, 0.2, 0.1];
    const s = summarize(a.map((v, i) => v - b[i]));
    const t = pairedTTest(a, b);
    close(t.ci[0], s.ci[0]);
    close(t.ci[1], s.ci[1]);
  });
});
