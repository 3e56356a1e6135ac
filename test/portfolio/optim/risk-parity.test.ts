import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PortfolioError, SolverError } from '../../../agents/portfolio/errors.ts';
import { inverseVolatility, riskContributions, riskParity } from '../../../agents/portfolio/risk-parity.ts';
import { stream } from '../../../src/rng.ts';

function randomCov(N: number, seed: number, corr = 1): Float64Array {
  const rng = stream(seed, 'rp-test');
  const K = 3;
  const B = Array.from({ length: N }, () => Array.from({ length: K }, () => rng.normal()));
  const cov = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) cov[i * N + j] += corr * 1e-4 * B[i][k] * B[j][k];
    cov[i * N + i] += rng.uniform(0.2e-4, 4e-4);
  }
  return cov;
}

function maxRelDeviation(cov: Float64Array, N: number, w: ArrayLike<number>, budgets?: number[]): number {
  const rc = riskContributions(cov, N, w);
  const total = rc.reduce((a, b) => a + b, 0);
  let dev = 0;
  for (let i = 0; i < N; i++) dev = Math.max(dev, Math.abs(rc[i] / ((budgets?.[i] ?? 1 / N) * total) - 1));
  return dev;
}

describe('riskParity (ERC)', () => {
  it('two assets: w ∝ 1/σ whatever the correlation', () => {
    for (const rho of [-0.6, 0, 0.4, 0.9]) {
      const s1 = 0.01;
      const s2 = 0.03;
      const cov = Float64Array.of(s1 * s1, rho * s1 * s2, rho * s1 * s2, s2 * s2);
      const r = riskParity(cov, 2);
      expect(r.weights[0]).toBeCloseTo(s2 / (s1 + s2), 12);
      expect(r.maxDeviation).toBeLessThanOrEqual(1e-10);
    }
  });

  it('constant correlation: ERC equals inverse volatility', () => {
    const sd = [0.01, 0.015, 0.02, 0.03, 0.012];
    const N = sd.length;
    const cov = new Float64Array(N * N);
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) cov[i * N + j] = (i === j ? 1 : 0.35) * sd[i] * sd[j];
    const r = riskParity(cov, N);
    const iv = inverseVolatility(cov, N);
    for (let i = 0; i < N; i++) expect(r.weights[i]).toBeCloseTo(iv[i], 11);
  });

  it('random covariances: risk contributions equal to 1e-10, long-only, fully invested', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 1e6 }), fc.constantFrom(0.2, 1, 10), (N, seed, corr) => {
        const cov = randomCov(N, seed, corr);
        const r = riskParity(cov, N);
        expect(r.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 13);
        for (const w of r.weights) expect(w).toBeGreaterThan(0);
        expect(maxRelDeviation(cov, N, r.weights)).toBeLessThanOrEqual(1e-10);
        expect(r.maxDeviation).toBeLessThanOrEqual(1e-10);
        expect(r.iterations).toBeLessThan(60);
      }),
      { numRuns: 50, seed: 20240622 },
    );
  });

  it('risk budgets: RC_i / wᵀΣw = b_i (budgets normalised)', () => {
    const N = 8;
    const cov = randomCov(N, 42);
    const budgets = [1, 2, 3, 4, 1, 2, 3, 4];
    const r = riskParity(cov, N, { budgets });
    const b = budgets.map((x) => x / 20);
    expect(maxRelDeviation(cov, N, r.weights, b)).toBeLessThanOrEqual(1e-10);
    // and this differs from plain ERC
    const erc = riskParity(cov, N);
    expect(Math.abs(erc.weights[3] - r.weights[3])).toBeGreaterThan(1e-3);
  });

  it('a 300-asset problem converges in a handful of Newton steps', () => {
    const N = 300;
    const cov = randomCov(N, 7);
    const r = riskParity(cov, N);
    expect(r.maxDeviation).toBeLessThanOrEqual(1e-10);
    expect(r.iterations).toBeLessThan(40);
  });

  it('throws SolverError when not converged and PortfolioError on bad input', () => {
    const cov = randomCov(10, 3);
    expect(() => riskParity(cov, 10, { maxIter: 1 })).toThrow(SolverError);
    expect(() => riskParity(cov, 10, { tol: 1e-30 })).toThrow(SolverError);
    expect(() => riskParity(Float64Array.of(1, 0, 0, 0), 2)).toThrow(PortfolioError);
    expect(() => riskParity(cov, 10, { budgets: [1, 2] })).toThrow(PortfolioError);
    expect(() => riskParity(cov, 10, { budgets: new Array(10).fill(0) })).toThrow(PortfolioError);
  });
});

describe('inverseVolatility', () => {
  it('w_i ∝ 1/σ_i', () => {
    const cov = Float64Array.of(0.04, 0.01, 0.01, 0.01);
    const w = inverseVolatility(cov, 2);
    expect(w[0]).toBeCloseTo(1 / 0.2 / (1 / 0.2 + 1 / 0.1), 14);
    expect(w[1]).toBeCloseTo(1 / 0.1 / (1 / 0.2 + 1 / 0.1), 14);
  });
});
