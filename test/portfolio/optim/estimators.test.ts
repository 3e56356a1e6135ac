import fc from 'fast-check';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { covariance, expectedReturns, minEigenvalue, nearestPsd, type ReturnsWindow } from '../../../agents/portfolio/estimators.ts';
import { PortfolioError } from '../../../agents/portfolio/errors.ts';
import { stream } from '../../../src/rng.ts';

/** 6 days × 3 assets of daily returns, small enough to follow by hand. */
const R63 = [
  [0.01, 0.02, -0.01],
  [-0.02, 0.01, 0.0],
  [0.015, -0.005, 0.02],
  [0.0, 0.03, -0.015],
  [0.025, -0.01, 0.01],
  [-0.01, 0.0, 0.005],
];

function windowOf(rows: number[][]): ReturnsWindow {
  return { T: rows.length, N: rows[0].length, data: Float64Array.from(rows.flat()) };
}

function randomWindow(T: number, N: number, seed: number): ReturnsWindow {
  const rng = stream(seed, 'est-test');
  const beta = Array.from({ length: N }, () => rng.uniform(-0.5, 1.5));
  const data = new Float64Array(T * N);
  for (let t = 0; t < T; t++) {
    const f = 0.01 * rng.normal();
    for (let i = 0; i < N; i++) data[t * N + i] = 3e-4 + beta[i] * f + 0.015 * rng.normal();
  }
  return { T, N, data };
}

/** Demeaned columns, written out the long way. */
function demeaned(rows: number[][]): number[][] {
  const T = rows.length;
  const N = rows[0].length;
  const mean = Array.from({ length: N }, (_, i) => rows.reduce((s, r) => s + r[i], 0) / T);
  return rows.map((r) => r.map((v, i) => v - mean[i]));
}

describe('expectedReturns', () => {
  it('mean is the column average', () => {
    const mu = expectedReturns(windowOf(R63));
    expect(mu[0]).toBeCloseTo((0.01 - 0.02 + 0.015 + 0 + 0.025 - 0.01) / 6, 15);
    expect(mu[1]).toBeCloseTo((0.02 + 0.01 - 0.005 + 0.03 - 0.01 + 0) / 6, 15);
  });

  it('ema matches pandas ewm(span, adjust=True).mean() last value', () => {
    // span 3 → α = 0.5; weights newest→oldest 1, ½, ¼, ⅛, …
    const rows = [[1], [2], [3], [4]];
    const mu = expectedReturns(windowOf(rows), 'ema', { span: 3 });
    expect(mu[0]).toBeCloseTo((4 + 3 / 2 + 2 / 4 + 1 / 8) / (1 + 1 / 2 + 1 / 4 + 1 / 8), 14);
    // Default span = T = 4 → α = 0.4, decay 0.6.
    const d = 0.6;
    const mu2 = expectedReturns(windowOf(rows), 'ema');
    expect(mu2[0]).toBeCloseTo((4 + 3 * d + 2 * d * d + 1 * d ** 3) / (1 + d + d * d + d ** 3), 14);
  });

  it('rejects NaN and bad spans', () => {
    expect(() => expectedReturns({ T: 1, N: 1, data: Float64Array.of(NaN) })).toThrow(PortfolioError);
    expect(() => expectedReturns(windowOf(R63), 'ema', { span: 0.5 })).toThrow(PortfolioError);
  });
});

describe('covariance: sample', () => {
  it('is unbiased (T − 1)', () => {
    const x = demeaned(R63);
    const est = covariance(windowOf(R63), 'sample');
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const s = x.reduce((acc, r) => acc + r[i] * r[j], 0) / 5;
        expect(est.cov[i * 3 + j]).toBeCloseTo(s, 16);
      }
    }
    expect(est.repaired).toBe(false);
    expect(est.minEigenvalue).toBeGreaterThan(0);
    expect(est.shrinkage).toBeUndefined();
  });
});

describe('covariance: Ledoit–Wolf constant correlation (2004, "Honey, I shrunk…")', () => {
  it('shrinkage intensity equals the published formula computed by hand on 6×3', () => {
    const T = 6;
    const N = 3;
    const x = demeaned(R63);
    // Sample covariance with the paper's 1/T normalisation.
    const s = (i: number, j: number) => x.reduce((acc, r) => acc + r[i] * r[j], 0) / T;
    const r = (i: number, j: number) => s(i, j) / Math.sqrt(s(i, i) * s(j, j));
    const rBar = (r(0, 1) + r(0, 2) + r(1, 2)) / 3; // 2/((N−1)N) Σ_{i<j} r_ij
    const f = (i: number, j: number) => (i === j ? s(i, i) : rBar * Math.sqrt(s(i, i) * s(j, j)));
    // π̂_ij = (1/T) Σ_t (x_ti x_tj − s_ij)²
    const pi = (i: number, j: number) => x.reduce((acc, row) => acc + (row[i] * row[j] - s(i, j)) ** 2, 0) / T;
    // ϑ̂_ii,ij = (1/T) Σ_t (x_ti² − s_ii)(x_ti x_tj − s_ij)
    const theta = (i: number, j: number) => x.reduce((acc, row) => acc + (row[i] ** 2 - s(i, i)) * (row[i] * row[j] - s(i, j)), 0) / T;
    let piHat = 0;
    let rhoHat = 0;
    let gammaHat = 0;
    for (let i = 0; i < N; i++) {
      rhoHat += pi(i, i);
      for (let j = 0; j < N; j++) {
        piHat += pi(i, j);
        gammaHat += (f(i, j) - s(i, j)) ** 2;
        if (i !== j) rhoHat += (rBar / 2) * (Math.sqrt(s(j, j) / s(i, i)) * theta(i, j) + Math.sqrt(s(i, i) / s(j, j)) * theta(j, i));
      }
    }
    const kappa = (piHat - rhoHat) / gammaHat;
    const delta = Math.max(0, Math.min(1, kappa / T));
    const est = covariance(windowOf(R63), 'ledoit-wolf');
    expect(est.shrinkage).toBeCloseTo(delta, 12);
    expect(delta).toBeGreaterThan(0); // the case is not a trivial clip at 0 …
    expect(delta).toBeLessThanOrEqual(1); // … nor beyond 1
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) expect(est.cov[i * N + j]).toBeCloseTo(delta * f(i, j) + (1 - delta) * s(i, j), 15);
    }
  });

  it('two assets: the target equals S, so the estimate is S (1/T) whatever the intensity', () => {
    const rows = R63.map((r) => [r[0], r[1]]);
    const x = demeaned(rows);
    const est = covariance(windowOf(rows), 'ledoit-wolf');
    const s01 = x.reduce((acc, r) => acc + r[0] * r[1], 0) / 6;
    expect(est.cov[1]).toBeCloseTo(s01, 16);
  });

  it('keeps the diagonal, lies between S and F, and throws on a zero-variance asset', () => {
    const w = randomWindow(400, 8, 3);
    const est = covariance(w, 'ledoit-wolf');
    const x = covariance(w, 'sample');
    for (let i = 0; i < 8; i++) expect(est.cov[i * 8 + i]).toBeCloseTo((x.cov[i * 8 + i] * 399) / 400, 15);
    expect(est.shrinkage!).toBeGreaterThan(0);
    expect(est.shrinkage!).toBeLessThan(1);
    const flat = windowOf(R63.map((r) => [r[0], 0.001]));
    expect(() => covariance(flat, 'ledoit-wolf')).toThrow(/zero variance/);
  });
});

describe('covariance: Ledoit–Wolf identity target (2004, "A well-conditioned estimator…"; sklearn LedoitWolf)', () => {
  it('intensity equals the paper formula and scikit-learn formula by hand on 6×3 (demeaned)', () => {
    const T = 6;
    const N = 3;
    const x = demeaned(R63);
    const S = Array.from({ length: N }, (_, i) => Array.from({ length: N }, (_, j) => x.reduce((a, r) => a + r[i] * r[j], 0) / T));
    const m = (S[0][0] + S[1][1] + S[2][2]) / N;
    // Paper: d² = ‖S − mI‖², b̄² = (1/T²) Σ_t ‖x_t x_tᵀ − S‖², b² = min(b̄², d²), intensity b²/d².
    let d2 = 0;
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) d2 += (S[i][j] - (i === j ? m : 0)) ** 2;
    let b2bar = 0;
    for (const row of x) for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) b2bar += (row[i] * row[j] - S[i][j]) ** 2;
    b2bar /= T * T;
    const paper = Math.min(b2bar, d2) / d2;
    // scikit-learn's ledoit_wolf_shrinkage: beta = (Σ (X²)ᵀX² / T − Σ (XᵀX/T)²) / (N·T), delta = ‖S − mI‖²/N.
    let beta_ = 0;
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) beta_ += x.reduce((a, r) => a + r[i] ** 2 * r[j] ** 2, 0);
    let delta_ = 0;
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) delta_ += S[i][j] ** 2;
    const beta = (beta_ / T - delta_) / (N * T);
    const delta = d2 / N;
    const sk = Math.min(beta, delta) / delta;
    expect(sk).toBeCloseTo(paper, 14);
    const est = covariance(windowOf(R63), 'ledoit-wolf-identity');
    expect(est.shrinkage).toBeCloseTo(paper, 12);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) expect(est.cov[i * N + j]).toBeCloseTo((1 - paper) * S[i][j] + (i === j ? paper * m : 0), 15);
    }
  });

  it('preserves the trace and improves conditioning when T < N', () => {
    const w = randomWindow(20, 40, 9);
    const est = covariance(w, 'ledoit-wolf-identity');
    const s = covariance(w, 'sample');
    let t1 = 0;
    let t2 = 0;
    for (let i = 0; i < 40; i++) {
      t1 += est.cov[i * 40 + i];
      t2 += (s.cov[i * 40 + i] * 19) / 20;
    }
    expect(t1).toBeCloseTo(t2, 14);
    expect(est.minEigenvalue).toBeGreaterThan(0); // S is singular (rank ≤ 19), the shrunk estimate is not
    expect(s.minEigenvalue).toBeLessThan(1e-12);
  });
});

describe('covariance: EWMA (RiskMetrics)', () => {
  it('matches the recursion Σ_t = λΣ_{t−1} + (1−λ) r_t r_tᵀ normalised over the window (not demeaned)', () => {
    const lambda = 0.9;
    const N = 3;
    let A = new Array(9).fill(0);
    let B = 0;
    for (const r of R63) {
      A = A.map((v, k) => lambda * v + r[Math.floor(k / N)] * r[k % N]);
      B = lambda * B + 1;
    }
    const est = covariance(windowOf(R63), 'ewma', { lambda });
    for (let k = 0; k < 9; k++) expect(est.cov[k]).toBeCloseTo(A[k] / B, 16);
    // Default λ = 0.94; halfLife h ⇔ λ = 2^(−1/h).
    const d = covariance(windowOf(R63), 'ewma');
    const e = covariance(windowOf(R63), 'ewma', { lambda: 0.94 });
    expect(Array.from(d.cov)).toEqual(Array.from(e.cov));
    const h = covariance(windowOf(R63), 'ewma', { halfLife: 10 });
    const l = covariance(windowOf(R63), 'ewma', { lambda: Math.pow(2, -1 / 10) });
    for (let k = 0; k < 9; k++) expect(h.cov[k]).toBeCloseTo(l.cov[k], 17);
    expect(() => covariance(windowOf(R63), 'ewma', { lambda: 1 })).toThrow(PortfolioError);
    expect(() => covariance(windowOf(R63), 'ewma', { lambda: 0.9, halfLife: 3 })).toThrow(PortfolioError);
  });

  it('short windows (T < N) give a singular PSD estimate; any repair is reported with a note', () => {
    for (let seed = 0; seed < 5; seed++) {
      const est = covariance(randomWindow(5, 30, seed), 'ewma');
      expect(est.minEigenvalue).toBeLessThan(1e-10);
      if (est.repaired) expect(est.repairNote).toMatch(/nearest PSD/);
      else expect(est.repairNote).toBeUndefined();
      expect(minEigenvalue(est.cov, 30)).toBeGreaterThan(-1e-12 * 30 * 1e-3);
    }
  });
});

describe('minEigenvalue and nearestPsd', () => {
  it('minEigenvalue agrees with a full eigen-decomposition', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 1e6 }), (n, seed) => {
        const rng = stream(seed, 'eig');
        const a = new Float64Array(n * n);
        for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
        const rows = Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)));
        const ref = Math.min(...new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true }).realEigenvalues);
        expect(minEigenvalue(a, n)).toBeCloseTo(ref, 10);
      }),
      { numRuns: 60, seed: 20240621 },
    );
  });

  it('clips negative eigenvalues: [[1,2],[2,1]] → 1.5·[[1,1],[1,1]]', () => {
    const r = nearestPsd(Float64Array.of(1, 2, 2, 1), 2);
    expect(r.repaired).toBe(true);
    expect(r.minEigenvalue).toBeCloseTo(-1, 12);
    for (const v of r.cov) expect(v).toBeCloseTo(1.5, 12);
  });

  it('leaves a PSD matrix unchanged (as a copy) and rejects asymmetric input', () => {
    const a = Float64Array.of(2, 1, 1, 2);
    const r = nearestPsd(a, 2);
    expect(r.repaired).toBe(false);
    expect(r.minEigenvalue).toBeCloseTo(1, 12);
    expect(Array.from(r.cov)).toEqual([2, 1, 1, 2]);
    expect(r.cov).not.toBe(a);
    expect(() => nearestPsd(Float64Array.of(2, 1, 0, 2), 2)).toThrow(/not symmetric/);
  });

  it('the repaired matrix is PSD and is the nearest one: clipping a random indefinite matrix', () => {
    const rng = stream(4, 'psd');
    const n = 6;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
    const r = nearestPsd(a, n);
    expect(r.repaired).toBe(true);
    expect(minEigenvalue(r.cov, n)).toBeGreaterThan(-1e-12);
    // ‖A − A⁺‖²_F equals the sum of the squared negative eigenvalues.
    const rows = Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)));
    const lam = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true }).realEigenvalues;
    const expected = lam.filter((l) => l < 0).reduce((s, l) => s + l * l, 0);
    let dist = 0;
    for (let k = 0; k < n * n; k++) dist += (a[k] - r.cov[k]) ** 2;
    expect(dist).toBeCloseTo(expected, 10);
  });
});
