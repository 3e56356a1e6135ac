import { Matrix, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { meanVariance, type MvConstraints } from '../../../agents/portfolio/mean-variance.ts';
import { stream } from '../../../src/rng.ts';

const P = 252;

/** A daily covariance from a 2-factor model plus idiosyncratic variance, and daily means. */
function problem(N: number, seed: number): { mu: Float64Array; cov: Float64Array } {
  const rng = stream(seed, 'mv-test');
  const B = Array.from({ length: N }, () => [rng.uniform(0.5, 1.5), rng.normal() * 0.5]);
  const cov = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) cov[i * N + j] = 1e-4 * (B[i][0] * B[j][0] + B[i][1] * B[j][1]);
    cov[i * N + i] += rng.uniform(1e-4, 4e-4);
  }
  const mu = Float64Array.from({ length: N }, () => 4e-4 + 4e-4 * rng.normal());
  return { mu, cov };
}

function mat(cov: Float64Array, N: number): Matrix {
  return new Matrix(Array.from({ length: N }, (_, i) => Array.from(cov.subarray(i * N, (i + 1) * N))));
}

function solveVec(A: Matrix, b: ArrayLike<number>): number[] {
  return solve(A, Matrix.columnVector(Array.from(b))).getColumn(0);
}

function quad(cov: Float64Array, w: ArrayLike<number>, N: number): number {
  let q = 0;
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) q += w[i] * cov[i * N + j] * w[j];
  return q;
}

function matVec(cov: Float64Array, w: ArrayLike<number>, N: number): number[] {
  return Array.from({ length: N }, (_, i) => {
    let s = 0;
    for (let j = 0; j < N; j++) s += cov[i * N + j] * w[j];
    return s;
  });
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);
const normalized = (v: number[]) => {
  const s = v.reduce((a, b) => a + b, 0);
  return v.map((x) => x / s);
};
const WIDE: MvConstraints = { lower: -10, upper: 10 };

function expectVec(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThan(tol);
}

describe('closed forms', () => {
  it('two-asset minimum variance: w₁ = (σ₂² − σ₁₂)/(σ₁² + σ₂² − 2σ₁₂)', () => {
    const s1 = 4e-4;
    const s2 = 9e-4;
    const s12 = 1e-4;
    const r = meanVariance([1e-4, 2e-4], Float64Array.of(s1, s12, s12, s2), { kind: 'min-variance' });
    const w1 = (s2 - s12) / (s1 + s2 - 2 * s12);
    expectVec(r.weights, [w1, 1 - w1], 1e-10);
    expect(r.volatility).toBeCloseTo(Math.sqrt(252 * (w1 * w1 * s1 + 2 * w1 * (1 - w1) * s12 + (1 - w1) ** 2 * s2)), 12);
    expect(r.status).toBe('optimal');
  });

  it('unconstrained min-variance Σ⁻¹1 / 1ᵀΣ⁻¹1 (shorts allowed, wide bounds)', () => {
    const N = 6;
    const { mu, cov } = problem(N, 1);
    const x = solveVec(mat(cov, N), new Array(N).fill(1));
    const r = meanVariance(mu, cov, { kind: 'min-variance' }, WIDE);
    expectVec(r.weights, normalized(x), 1e-9);
  });

  it('unconstrained tangency Σ⁻¹μ / 1ᵀΣ⁻¹μ, and Σ⁻¹(μ − rf) with a risk-free rate', () => {
    const N = 6;
    const { mu, cov } = problem(N, 2);
    const x = solveVec(mat(cov, N), mu);
    expect(x.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const r = meanVariance(mu, cov, { kind: 'max-sharpe' }, WIDE);
    expectVec(r.weights, normalized(x), 1e-8);
    const rfAnnual = 0.03;
    const xr = solveVec(
      mat(cov, N),
      Array.from(mu, (m) => m - rfAnnual / P),
    );
    const rr = meanVariance(mu, cov, { kind: 'max-sharpe', riskFree: rfAnnual }, WIDE);
    expectVec(rr.weights, normalized(xr), 1e-8);
    expect(rr.sharpe).toBeCloseTo((rr.expectedReturn - rfAnnual) / rr.volatility, 12);
    // The Sharpe ratio of the tangency portfolio is √((μ−rf)ᵀΣ⁻¹(μ−rf)) (annualised), the maximum.
    const ex = Array.from(mu, (m) => m - rfAnnual / P);
    expect(rr.sharpe).toBeCloseTo(Math.sqrt(dot(ex, xr) * P), 8);
  });

  it('unconstrained max-utility: w = Σ⁻¹(μ − ν1)/δ with ν fixing 1ᵀw = 1', () => {
    const N = 5;
    const { mu, cov } = problem(N, 3);
    const delta = 4;
    const a = solveVec(mat(cov, N), mu);
    const b = solveVec(mat(cov, N), new Array(N).fill(1));
    const nu = (a.reduce((s, v) => s + v, 0) - delta) / b.reduce((s, v) => s + v, 0);
    const w = a.map((v, i) => (v - nu * b[i]) / delta);
    const r = meanVariance(mu, cov, { kind: 'max-utility', riskAversion: delta }, WIDE);
    expectVec(r.weights, w, 1e-8);
  });

  it('unconstrained efficient-return: the two-fund solution of min wᵀΣw s.t. μᵀw = r, 1ᵀw = 1', () => {
    const N = 5;
    const { mu, cov } = problem(N, 4);
    const a = solveVec(mat(cov, N), mu);
    const b = solveVec(mat(cov, N), new Array(N).fill(1));
    const A = dot(mu, b); // 1ᵀΣ⁻¹μ
    const Bq = dot(mu, a); // μᵀΣ⁻¹μ
    const C = b.reduce((s, v) => s + v, 0); // 1ᵀΣ⁻¹1
    const target = 0.3; // annual, above the min-variance return so the row binds
    const rd = target / P;
    const D = Bq * C - A * A;
    const lam = (C * rd - A) / D;
    const gam = (Bq - A * rd) / D;
    const w = a.map((v, i) => lam * v + gam * b[i]);
    expect(dot(mu, b) / C).toBeLessThan(rd);
    const r = meanVariance(mu, cov, { kind: 'efficient-return', targetReturn: target }, WIDE);
    expectVec(r.weights, w, 1e-8);
    expect(r.expectedReturn).toBeCloseTo(target, 10);
  });

  it('efficient-risk hits the target volatility and lies on the efficient-return frontier', () => {
    const N = 5;
    const { mu, cov } = problem(N, 5);
    const target = 0.25;
    const r = meanVariance(mu, cov, { kind: 'efficient-risk', targetVolatility: target }, WIDE);
    expect(Math.abs(r.volatility - target)).toBeLessThan(1e-8 * target);
    const back = meanVariance(mu, cov, { kind: 'efficient-return', targetReturn: r.expectedReturn }, WIDE);
    expectVec(r.weights, back.weights, 1e-6);
  });

  it('l2: min-variance gives (PΣ + γI)⁻¹1 normalised; max-sharpe gives (PΣ + γI)⁻¹(Pμ − rf) normalised', () => {
    const N = 5;
    const { mu, cov } = problem(N, 6);
    const gamma = 0.05;
    const reg = mat(cov, N).mul(P).add(Matrix.eye(N).mul(gamma));
    const mv = meanVariance(mu, cov, { kind: 'min-variance' }, { ...WIDE, l2: gamma });
    expectVec(mv.weights, normalized(solveVec(reg, new Array(N).fill(1))), 1e-8);
    const ms = meanVariance(mu, cov, { kind: 'max-sharpe' }, { ...WIDE, l2: gamma });
    const x = solveVec(
      reg,
      Array.from(mu, (m) => m * P),
    );
    expectVec(ms.weights, normalized(x), 1e-8);
    // … and differs from the plain tangency portfolio.
    const plain = meanVariance(mu, cov, { kind: 'max-sharpe' }, WIDE);
    expect(Math.max(...Array.from(plain.weights, (v, i) => Math.abs(v - ms.weights[i])))).toBeGreaterThan(1e-3);
  });

  it('reports annual figures: expectedReturn = P·μᵀw, volatility = √(P·wᵀΣw); periodsPerYear is honoured', () => {
    const N = 4;
    const { mu, cov } = problem(N, 7);
    const r = meanVariance(mu, cov, { kind: 'max-sharpe' });
    expect(r.expectedReturn).toBeCloseTo(P * dot(mu, r.weights), 12);
    expect(r.volatility).toBeCloseTo(Math.sqrt(P * quad(cov, r.weights, N)), 12);
    const m = meanVariance(mu, cov, { kind: 'max-sharpe' }, {}, { periodsPerYear: 12 });
    expect(m.expectedReturn).toBeCloseTo(12 * dot(mu, m.weights), 12);
    expectVec(m.weights, r.weights, 1e-7); // rf = 0: the tangency portfolio does not depend on P
  });
});

// ---------------------------------------------------------------------------------------------------------
// KKT conditions, multipliers recovered by least squares on the active set.

interface Con {
  g: number[];
  lo: number;
  hi: number;
  name: string;
}

function linearConstraints(
  N: number,
  c: { lower: number[]; upper: number[]; net: [number, number]; sectors?: { members: number[]; lower?: number; upper?: number; name: string }[] },
): Con[] {
  const out: Con[] = [];
  for (let i = 0; i < N; i++) out.push({ g: Array.from({ length: N }, (_, j) => (j === i ? 1 : 0)), lo: c.lower[i], hi: c.upper[i], name: `w${i}` });
  out.push({ g: new Array(N).fill(1), lo: c.net[0], hi: c.net[1], name: 'net' });
  for (const s of c.sectors ?? [])
    out.push({ g: Array.from({ length: N }, (_, j) => (s.members.includes(j) ? 1 : 0)), lo: s.lower ?? -Infinity, hi: s.upper ?? Infinity, name: s.name });
  return out;
}

/**
 * For min f: ∇f + Σ λ_k a_k = 0 with a_k = +g on an active upper side, −g on an active lower side (λ ≥ 0),
 * g with a free λ on an equality. Returns the relative stationarity residual, the most negative
 * inequality multiplier (relative to ‖∇f‖), and the active constraint names.
 */
function kkt(grad: number[], w: ArrayLike<number>, cons: Con[], tol = 1e-7): { residual: number; minMultiplier: number; active: string[] } {
  const cols: number[][] = [];
  const signed: boolean[] = [];
  const active: string[] = [];
  for (const c of cons) {
    const v = dot(c.g, w);
    const scale = 1 + Math.abs(v);
    if (c.lo === c.hi && Math.abs(v - c.lo) <= tol * scale) {
      cols.push(c.g);
      signed.push(false);
      active.push(`${c.name}=`);
      continue;
    }
    if (Math.abs(v - c.hi) <= tol * scale) {
      cols.push(c.g);
      signed.push(true);
      active.push(`${c.name}≤`);
    }
    if (Math.abs(v - c.lo) <= tol * scale) {
      cols.push(c.g.map((x) => -x));
      signed.push(true);
      active.push(`${c.name}≥`);
    }
  }
  const gnorm = Math.sqrt(grad.reduce((s, v) => s + v * v, 0));
  if (!cols.length) return { residual: gnorm, minMultiplier: 0, active };
  const A = new Matrix(grad.map((_, i) => cols.map((c) => c[i])));
  const lam = solve(A, Matrix.columnVector(grad.map((v) => -v)), true).getColumn(0);
  const res = grad.map((v, i) => v + cols.reduce((s, c, k) => s + lam[k] * c[i], 0));
  const residual = Math.sqrt(res.reduce((s, v) => s + v * v, 0)) / gnorm;
  let minMultiplier = 0;
  lam.forEach((l, k) => {
    if (signed[k]) minMultiplier = Math.min(minMultiplier, l / gnorm);
  });
  return { residual, minMultiplier, active };
}

describe('KKT conditions of constrained solutions', () => {
  const N = 6;
  const { mu, cov } = problem(N, 11);
  const base = {
    lower: new Array(N).fill(0),
    upper: new Array(N).fill(0.3),
    net: [1, 1] as [number, number],
    sectors: [{ name: 'S', members: [0, 1, 2], upper: 0.4 }],
  };
  const cons = linearConstraints(N, base);
  const mvc: MvConstraints = { lower: 0, upper: 0.3, sectors: base.sectors };

  function expectKkt(grad: number[], w: ArrayLike<number>, extra: Con[] = [], minActive = 2) {
    const k = kkt(grad, w, [...cons, ...extra]);
    expect(k.active.length).toBeGreaterThanOrEqual(minActive);
    expect(k.residual).toBeLessThan(1e-6);
    expect(k.minMultiplier).toBeGreaterThan(-1e-6);
    return k;
  }

  it('min-variance: 2Σw + Σλa = 0 with λ ≥ 0 on active bounds / sector limits', () => {
    const r = meanVariance(mu, cov, { kind: 'min-variance' }, mvc);
    const k = expectKkt(
      matVec(cov, r.weights, N).map((v) => 2 * v),
      r.weights,
      [],
      2,
    );
    expect(k.active.some((a) => a !== 'net=')).toBe(true);
  });

  it('max-utility: −μ + δΣw + Σλa = 0', () => {
    const delta = 2;
    const r = meanVariance(mu, cov, { kind: 'max-utility', riskAversion: delta }, mvc);
    const g = matVec(cov, r.weights, N).map((v, i) => delta * v - mu[i]);
    const k = expectKkt(g, r.weights);
    expect(k.active.filter((a) => a.endsWith('≤')).length).toBeGreaterThan(0); // some upper limit binds
  });

  // Targets between the minimum-variance portfolio and an aggressive (δ = 0.5) utility portfolio.
  const minVar = meanVariance(mu, cov, { kind: 'min-variance' }, mvc);
  const aggressive = meanVariance(mu, cov, { kind: 'max-utility', riskAversion: 0.5 }, mvc);

  it('efficient-return: the target-return row is active with a positive multiplier', () => {
    const target = (minVar.expectedReturn + aggressive.expectedReturn) / 2;
    const r = meanVariance(mu, cov, { kind: 'efficient-return', targetReturn: target }, mvc);
    const ret: Con = { g: Array.from(mu), lo: target / P, hi: Infinity, name: 'return' };
    const k = expectKkt(
      matVec(cov, r.weights, N).map((v) => 2 * v),
      r.weights,
      [ret],
    );
    expect(k.active).toContain('return≥');
    expect(r.expectedReturn).toBeCloseTo(target, 9);
  });

  it('efficient-risk: −μ + λ·2Σw + Σλa = 0 with the volatility constraint active', () => {
    const target = (minVar.volatility + aggressive.volatility) / 2;
    const r = meanVariance(mu, cov, { kind: 'efficient-risk', targetVolatility: target }, mvc);
    expect(Math.abs(r.volatility - target)).toBeLessThan(1e-8);
    // Linearised quadratic constraint: gradient 2Σw, active at σ = target.
    const q: Con = { g: matVec(cov, r.weights, N).map((v) => 2 * v), lo: -Infinity, hi: 2 * quad(cov, r.weights, N), name: 'vol' };
    const k = expectKkt(
      Array.from(mu, (m) => -m),
      r.weights,
      [q],
    );
    expect(k.active).toContain('vol≤');
  });

  it('max-sharpe: −∇S(w) + Σλa = 0, ∇S = (m̃Σw − σ²μ̃)/σ³ negated', () => {
    const rf = 0.02;
    const r = meanVariance(mu, cov, { kind: 'max-sharpe', riskFree: rf }, mvc);
    const ex = Array.from(mu, (m) => m - rf / P);
    const m = dot(ex, r.weights);
    const s2 = quad(cov, r.weights, N);
    const Sw = matVec(cov, r.weights, N);
    const gradS = ex.map((e, i) => (e * s2 - m * Sw[i]) / Math.pow(s2, 1.5));
    const k = expectKkt(
      gradS.map((v) => -v),
      r.weights,
    );
    expect(k.active.length).toBeGreaterThan(1);
  });

  it('the KKT check can fail: a perturbed solution is rejected', () => {
    const r = meanVariance(mu, cov, { kind: 'min-variance' }, mvc);
    const w = Array.from(r.weights);
    // Move weight between two interior assets, keeping feasibility: stationarity breaks.
    const interior = w
      .map((v, i) => [v, i] as const)
      .filter(([v]) => v > 0.02 && v < 0.28)
      .map(([, i]) => i);
    expect(interior.length).toBeGreaterThanOrEqual(2);
    w[interior[0]] += 0.01;
    w[interior[1]] -= 0.01;
    const k = kkt(
      matVec(cov, w, N).map((v) => 2 * v),
      w,
      cons,
    );
    expect(k.residual > 1e-6 || k.minMultiplier < -1e-6).toBe(true);
  });
});
