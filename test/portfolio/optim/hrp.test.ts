import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PortfolioError } from '../../../agents/portfolio/errors.ts';
import { hrp, linkage, quasiDiagonalOrder, type Linkage } from '../../../agents/portfolio/hrp.ts';
import { stream } from '../../../src/rng.ts';

/** Distances |x_i − x_j| of points on a line. */
function lineDistances(x: number[]): Float64Array {
  const n = x.length;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i * n + j] = Math.abs(x[i] - x[j]);
  return d;
}

const X = [0, 1, 3, 7, 15];

describe('linkage', () => {
  const cases: [Linkage, [number, number, number][]][] = [
    [
      'single',
      [
        [0, 1, 1],
        [2, 5, 2],
        [3, 6, 4],
        [4, 7, 8],
      ],
    ],
    [
      'complete',
      [
        [0, 1, 1],
        [2, 5, 3],
        [3, 6, 7],
        [4, 7, 15],
      ],
    ],
    // UPGMA: mean pairwise distance between the merged clusters.
    [
      'average',
      [
        [0, 1, 1],
        [2, 5, 2.5],
        [3, 6, 17 / 3],
        [4, 7, (15 + 14 + 12 + 8) / 4],
      ],
    ],
    // Ward on a line: √(2 n_a n_b/(n_a + n_b)) · |centroid_a − centroid_b|.
    [
      'ward',
      [
        [0, 1, 1],
        [2, 5, Math.sqrt(4 / 3) * 2.5],
        [3, 6, Math.sqrt(1.5) * (7 - 4 / 3)],
        [4, 7, Math.sqrt(1.6) * (15 - 2.75)],
      ],
    ],
  ];
  for (const [method, expected] of cases) {
    it(`${method}: merges and heights on points 0, 1, 3, 7, 15 (scipy ids: leaves 0–4, merges 5…)`, () => {
      const steps = linkage(lineDistances(X), 5, method);
      expect(steps.map((s) => [s.left, s.right])).toEqual(expected.map(([a, b]) => [a, b]));
      steps.forEach((s, k) => expect(s.distance).toBeCloseTo(expected[k][2], 12));
      expect(steps.map((s) => s.size)).toEqual([2, 3, 4, 5]);
    });
  }

  it('ties: the lexicographically smallest (smaller id, larger id) pair merges first', () => {
    const n = 4;
    const d = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i * n + j] = i === j ? 0 : 1;
    const steps = linkage(d, n, 'single');
    expect(steps.map((s) => [s.left, s.right])).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(quasiDiagonalOrder(steps, n)).toEqual([0, 1, 2, 3]);
  });
});

describe('hrp', () => {
  // Two uncorrelated clusters, deliberately interleaved: A = {0, 2} (ρ = 0.5), B = {1, 3} (ρ = 0.3).
  const sd = [0.1, 0.2, 0.15, 0.3];
  const rho = (i: number, j: number) => (i === j ? 1 : i % 2 === j % 2 ? (i % 2 === 0 ? 0.5 : 0.3) : 0);
  const cov = new Float64Array(16);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) cov[i * 4 + j] = rho(i, j) * sd[i] * sd[j];

  it('block-diagonal covariance: inverse-variance between the clusters and within each', () => {
    // Quasi-diagonal order [0, 2, 1, 3]; the first bisection separates the clusters.
    const ivpVar = (a: number, b: number) => {
      const wa = 1 / sd[a] ** 2 / (1 / sd[a] ** 2 + 1 / sd[b] ** 2);
      const wb = 1 - wa;
      return wa * wa * sd[a] ** 2 + wb * wb * sd[b] ** 2 + 2 * wa * wb * rho(a, b) * sd[a] * sd[b];
    };
    const vA = ivpVar(0, 2);
    const vB = ivpVar(1, 3);
    const alpha = 1 - vA / (vA + vB); // to cluster A
    const within = (a: number, b: number) => 1 / sd[a] ** 2 / (1 / sd[a] ** 2 + 1 / sd[b] ** 2);
    const expected = [alpha * within(0, 2), (1 - alpha) * within(1, 3), alpha * within(2, 0), (1 - alpha) * within(3, 1)];
    const w = hrp(cov, 4);
    for (let i = 0; i < 4; i++) expect(w[i]).toBeCloseTo(expected[i], 14);
    // Without the quasi-diagonalisation the first cut would be {0, 1} | {2, 3} and give other weights.
    const naiveFirst = 1 - ivpVar(0, 1) / (ivpVar(0, 1) + ivpVar(2, 3));
    expect(Math.abs(naiveFirst * within(0, 1) - w[0])).toBeGreaterThan(1e-3);
  });

  it('every linkage gives the same answer on this clear two-cluster structure', () => {
    const ref = hrp(cov, 4);
    for (const l of ['average', 'complete', 'ward'] as const) {
      const w = hrp(cov, 4, { linkage: l });
      for (let i = 0; i < 4; i++) expect(w[i]).toBeCloseTo(ref[i], 14);
    }
    const e = hrp(cov, 4, { distance: 'correlation-euclidean' });
    for (let i = 0; i < 4; i++) expect(e[i]).toBeCloseTo(ref[i], 14);
  });

  it('one and two assets: weight 1, then inverse variance', () => {
    expect(Array.from(hrp(Float64Array.of(0.04), 1))).toEqual([1]);
    const w = hrp(Float64Array.of(0.04, 0.01, 0.01, 0.01), 2);
    expect(w[0]).toBeCloseTo(0.01 / 0.05, 14);
  });

  it('random covariances: positive weights summing to 1, deterministic', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.constantFrom<Linkage>('single', 'average', 'complete', 'ward'),
        (n, seed, l) => {
          const rng = stream(seed, 'hrp');
          const B = Array.from({ length: n }, () => [rng.normal(), rng.normal()]);
          const c = new Float64Array(n * n);
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < n; j++) c[i * n + j] = B[i][0] * B[j][0] + B[i][1] * B[j][1];
            c[i * n + i] += rng.uniform(0.1, 1);
          }
          const w = hrp(c, n, { linkage: l });
          expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
          for (const v of w) expect(v).toBeGreaterThan(0);
          expect(Array.from(hrp(c, n, { linkage: l }))).toEqual(Array.from(w));
        },
      ),
      { numRuns: 60, seed: 20240624 },
    );
  });

  it('rejects zero variances', () => {
    expect(() => hrp(Float64Array.of(0, 0, 0, 1), 2)).toThrow(PortfolioError);
  });
});
