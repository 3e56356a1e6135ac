import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cappedScoreWeights,
  crossSectionalZ,
  projectCappedSimplex,
  publishedScoreWeights,
  scoreRuleWeights,
  selectByScore,
} from '../../agents/portfolio/score-rules.ts';

const PUB = { lower: 0.02, upper: 0.3 };

describe('score rules: the published rule (Chapter 74 generate_portfolio)', () => {
  it('reproduces the clamp-then-renormalise bug: [9, 2, 2, 2] with max 0.30 gives [0.4286, 0.1905, 0.1905, 0.1905]', () => {
    const w = publishedScoreWeights([9, 2, 2, 2], PUB);
    // raw [0.6, 2/15 ×3] → clamp [0.3, 2/15 ×3] → Σ 0.7 → [3/7, 4/21 ×3]
    expect(w[0]).toBeCloseTo(3 / 7, 14);
    for (let i = 1; i < 4; i++) expect(w[i]).toBeCloseTo(4 / 21, 14);
    expect(w[0]).toBeCloseTo(0.4286, 4);
    expect(w[1]).toBeCloseTo(0.1905, 4);
    expect(w[0]).toBeGreaterThan(0.3); // its own max broken
  });

  it('with n·max < 1 it silently returns 1/n when every raw weight is above max, and the rule says so', () => {
    const w = publishedScoreWeights([6, 5, 5], PUB);
    for (const x of w) expect(x).toBeCloseTo(1 / 3, 14);
    const r = scoreRuleWeights('published', [6, 5, 5], { minScore: 4, maxAssets: 10, total: 1, ...PUB });
    expect(Array.from(r.weights)).toEqual(Array.from(w));
    expect(r.notes.join(' ')).toMatch(/3 weight\(s\) above maxWeight 0.3.*3 × 0.3 < 1: no weights can satisfy them/);
  });

  it('all-zero scores give 1/n (published) and the minimum weight is a floor before renormalising', () => {
    expect(Array.from(publishedScoreWeights([0, 0], PUB))).toEqual([0.5, 0.5]);
    // raw [0.98, 0.01, 0.01]·… clamp to [0.3, 0.02, 0.02] → Σ 0.34
    const w = publishedScoreWeights([98, 1, 1], PUB);
    expect(w[0]).toBeCloseTo(0.3 / 0.34, 14);
    expect(w[1]).toBeCloseTo(0.02 / 0.34, 14);
  });

  it('selection: composite ≥ minScore, best first, ties in input order, top maxAssets; the published fallback uses every asset', () => {
    expect(selectByScore([5, 7, 3.9, 7, 4], 4, 10).selected).toEqual([1, 3, 0, 4]);
    expect(selectByScore([5, 7, 3.9, 7, 4], 4, 2).selected).toEqual([1, 3]);
    expect(selectByScore([3, 2], 4, 10)).toEqual({ selected: [], fellBackToAll: false });
    expect(selectByScore([3, 2], 4, 10, true)).toEqual({ selected: [0, 1], fellBackToAll: true });
    const r = scoreRuleWeights('published', [3, 2], { minScore: 4, maxAssets: 10, total: 1, lower: 0, upper: 1 });
    expect(r.weights[0]).toBeCloseTo(0.6, 14);
    expect(r.notes[0]).toMatch(/no asset has composite ≥ 4: the published rule falls back to every scored asset/);
    expect(() => scoreRuleWeights('capped', [3, 2], { minScore: 4, maxAssets: 10, total: 1, lower: 0, upper: 1 })).toThrow(
      /no asset has composite ≥ minScore 4 \(best 3\); lower minScore/,
    );
  });

  it('selection keeps only the top maxAssets; the rest get 0', () => {
    const scores = [9, 8, 7, 6, 5, 4.5, 4.2, 4.1];
    const r = scoreRuleWeights('capped', scores, { minScore: 4, maxAssets: 5, total: 1, lower: 0, upper: 1 });
    expect(r.selected).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(r.weights.slice(5))).toEqual([0, 0, 0]);
    r.selected.forEach((i) => expect(r.weights[i]).toBeCloseTo(scores[i] / 35, 14));
  });
});

describe('score rules: the corrected rule (exact capped-simplex projection)', () => {
  it('[9, 2, 2, 2] with max 0.30 gives [0.30, 0.2333, 0.2333, 0.2333]', () => {
    const w = cappedScoreWeights([9, 2, 2, 2], 1, PUB);
    expect(w[0]).toBeCloseTo(0.3, 14);
    for (let i = 1; i < 4; i++) expect(w[i]).toBeCloseTo(0.7 / 3, 14);
  });

  it('another exposure: Σw = total within the same bounds', () => {
    const w = cappedScoreWeights([9, 2, 2, 2, 2], 1.2, { lower: 0.02, upper: 0.3 });
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1.2, 13);
    expect(w[0]).toBeCloseTo(0.3, 14);
    for (let i = 1; i < 5; i++) expect(w[i]).toBeCloseTo(0.9 / 4, 14);
  });

  it('a lower bound lifts small weights, the shift taken from the others', () => {
    // v = [0.9, 0.05, 0.05]·… with bounds [0.1, 0.8]: w = clip(v − λ): [0.8, 0.1, 0.1]
    const w = projectCappedSimplex([0.9, 0.05, 0.05], 1, { lower: 0.1, upper: 0.8 });
    expect(Array.from(w).map((x) => Number(x.toFixed(14)))).toEqual([0.8, 0.1, 0.1]);
  });

  it('infeasible bounds raise an error with the numbers', () => {
    expect(() => cappedScoreWeights([6, 5, 5], 1, PUB)).toThrow(
      /infeasible score-rule bounds: 3 held asset\(s\) × maxWeight 0.3 = 0.9 < exposure 1; raise maxWeight to ≥ 0.333333/,
    );
    expect(() => cappedScoreWeights([5, 5, 5, 5, 5, 5], 1, { lower: 0.2, upper: 0.5 })).toThrow(
      /6 held asset\(s\) × minWeight 0.2 = 1.2 > exposure 1; lower minWeight to ≤ 0.166667/,
    );
    expect(() => scoreRuleWeights('capped', [5, 5], { minScore: 4, maxAssets: 10, total: 1, lower: -0.1, upper: 0.5 })).toThrow(
      /long-only: minWeight -0.1 < 0/,
    );
    expect(() => scoreRuleWeights('capped', [5, 5], { minScore: 4, maxAssets: 10, total: 1, lower: 0.6, upper: 0.5 })).toThrow(/minWeight 0.6 > maxWeight 0.5/);
    expect(() => scoreRuleWeights('capped', [], { minScore: 4, maxAssets: 10, total: 1, lower: 0, upper: 1 })).toThrow(/no asset is scored/);
    expect(() => scoreRuleWeights('capped', [5, NaN], { minScore: 4, maxAssets: 10, total: 1, lower: 0, upper: 1 })).toThrow(
      /not finite.*never given a default/,
    );
  });

  it('random cases: bounds and exposure hold, the KKT conditions of the projection hold, order is kept (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 10, noNaN: true }), { minLength: 1, maxLength: 30 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0.5, max: 2, noNaN: true }),
        (scores, a, b, total) => {
          const n = scores.length;
          // lower ∈ [0, total/n], upper ∈ [total/n, total]: always feasible
          const lower = (a * total) / n;
          const upper = total / n + b * (total - total / n);
          const w = cappedScoreWeights(scores, total, { lower, upper });
          const tol = 1e-12 * Math.max(1, total);
          expect(Math.abs(w.reduce((s, x) => s + x, 0) - total)).toBeLessThan(1e-11);
          const s = scores.reduce((x, y) => x + y, 0);
          const v = scores.map((x) => (total * x) / s);
          // KKT: one shift λ with wᵢ = clip(vᵢ − λ, lower, upper)
          const free = w.map((x, i) => (x > lower + tol && x < upper - tol ? v[i] - x : NaN)).filter((x) => !Number.isNaN(x));
          const lam = free.length ? free[0] : null;
          for (let i = 0; i < n; i++) {
            expect(w[i]).toBeGreaterThanOrEqual(lower - tol);
            expect(w[i]).toBeLessThanOrEqual(upper + tol);
            if (lam !== null) expect(w[i]).toBeCloseTo(Math.min(upper, Math.max(lower, v[i] - lam)), 10);
            for (let j = 0; j < n; j++) if (scores[i] > scores[j]) expect(w[i]).toBeGreaterThanOrEqual(w[j] - tol);
          }
        },
      ),
      { numRuns: 300, seed: 74 },
    );
  });

  it('random cases: infeasible bounds always raise, never return weights (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 10, noNaN: true }), { minLength: 2, maxLength: 20 }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        (scores, f) => {
          const n = scores.length;
          expect(() => cappedScoreWeights(scores, 1, { lower: 0, upper: (f * 1) / n })).toThrow(/infeasible score-rule bounds/);
          expect(() => cappedScoreWeights(scores, 1, { lower: 1 / n / f, upper: Math.max(1, 1 / n / f) })).toThrow(/infeasible score-rule bounds/);
        },
      ),
      { numRuns: 100, seed: 7 },
    );
  });

  it('the projection is the nearest feasible point: no random feasible point is closer (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1, max: 2, noNaN: true }), { minLength: 2, maxLength: 12 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 12, maxLength: 12 }),
        (v, r) => {
          const n = v.length;
          const lower = 0.5 / n;
          const upper = 2 / n;
          const w = projectCappedSimplex(v, 1, { lower, upper });
          const d = (x: ArrayLike<number>) => v.reduce((s, vi, i) => s + (vi - x[i]) ** 2, 0);
          // a feasible competitor: the projection of a random point (feasible by the first property)
          const other = projectCappedSimplex(r.slice(0, n), 1, { lower, upper });
          for (const t of [0.1, 0.5, 0.9]) {
            const mix = w.map((x, i) => (1 - t) * x + t * other[i]);
            expect(d(w)).toBeLessThanOrEqual(d(mix) + 1e-12);
          }
        },
      ),
      { numRuns: 200, seed: 11 },
    );
  });
});

describe('crossSectionalZ', () => {
  it('uses the population σ (numpy np.std) and gives zeros for a constant cross-section', () => {
    const z = crossSectionalZ([1, 2, 3]);
    expect(z[0]).toBeCloseTo(-Math.sqrt(1.5), 14);
    expect(z[1]).toBe(0);
    expect(z[2]).toBeCloseTo(Math.sqrt(1.5), 14);
    expect(Array.from(crossSectionalZ([5, 5, 5]))).toEqual([0, 0, 0]);
    expect(Array.from(crossSectionalZ([]))).toEqual([]);
  });
});
