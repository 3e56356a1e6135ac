import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InfeasibleConstraintError } from '../../../agents/portfolio/errors.ts';
import { meanVariance, type MvConstraints, type MvObjective, type SectorLimit } from '../../../agents/portfolio/mean-variance.ts';
import { solveQp, type QpRow } from '../../../agents/portfolio/qp.ts';
import { stream, type Rng } from '../../../src/rng.ts';

const P = 252;

interface Case {
  N: number;
  mu: Float64Array;
  cov: Float64Array;
  w0: number[]; // a feasible portfolio the constraints were built around
  lower: number[];
  upper: number[];
  net: [number, number];
  gross: number;
  sectors: SectorLimit[];
  constraints: MvConstraints;
}

/** A random problem whose constraint set contains w0 by construction. */
function randomCase(seed: number): Case {
  const rng: Rng = stream(seed, 'mv-prop');
  const N = 2 + rng.int(7);
  const K = 1 + rng.int(2);
  const B = Array.from({ length: N }, () => Array.from({ length: K }, () => rng.normal()));
  const cov = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) cov[i * N + j] += 1e-4 * B[i][k] * B[j][k];
    cov[i * N + i] += rng.uniform(0.5e-4, 3e-4);
  }
  const shorts = rng.next() < 0.5;
  const neutral = shorts && rng.next() < 0.3;
  let w0 = Array.from({ length: N }, () => (shorts ? rng.uniform(-0.5, 1) : rng.uniform(0.05, 1)));
  const s = w0.reduce((a, b) => a + b, 0);
  if (neutral) w0 = w0.map((v) => v - s / N);
  else if (Math.abs(s) > 1e-3) w0 = w0.map((v) => v / s);
  const s0 = w0.reduce((a, b) => a + b, 0);
  const lower = w0.map((v) => (shorts ? v - rng.uniform(0, 0.4) : Math.max(0, v - rng.uniform(0, 0.4))));
  const upper = w0.map((v) => v + rng.uniform(0.01, 0.5));
  const netMode = rng.int(3);
  const net: [number, number] = netMode === 0 ? [s0, s0] : netMode === 1 ? [s0 - rng.uniform(0, 0.3), s0 + rng.uniform(0, 0.3)] : [s0, s0];
  const gross0 = w0.reduce((a, b) => a + Math.abs(b), 0);
  const gross = shorts && rng.next() < 0.7 ? gross0 + rng.uniform(0, 0.4) : Infinity;
  const sectors: SectorLimit[] = [];
  const nSec = rng.int(3);
  for (let k = 0; k < nSec; k++) {
    const members = Array.from({ length: N }, (_, i) => i).filter(() => rng.next() < 0.5);
    if (!members.length) continue;
    const t = members.reduce((a, i) => a + w0[i], 0);
    const lim: SectorLimit = { name: `S${k}`, members };
    if (rng.next() < 0.7) lim.lower = t - rng.uniform(0, 0.2);
    if (rng.next() < 0.7) lim.upper = t + rng.uniform(0, 0.2);
    sectors.push(lim);
  }
  let mu = Float64Array.from({ length: N }, () => 3e-4 + 6e-4 * rng.normal());
  // Max-Sharpe needs some feasible portfolio with positive excess return: make w0 one.
  if (mu.reduce((a, m, i) => a + m * w0[i], 0) <= 1e-6) mu = mu.map((m) => -m + 1e-4 * Math.sign(s0 || 1));
  // Last resort: shift μ₀ so that μᵀw0 rises by 1e-4 + |μᵀw0|. Divide by w0₀ itself: dividing by |w0₀| (as
  // this line once did) LOWERED μᵀw0 when w0₀ < 0, leaving cases (seed 531223728) where every feasible
  // portfolio has negative excess return and max-sharpe rightly throws.
  if (mu.reduce((a, m, i) => a + m * w0[i], 0) <= 1e-6) mu[0] += (1e-4 + Math.abs(mu.reduce((a, m, i) => a + m * w0[i], 0))) / (w0[0] || 1);
  if (!(mu.reduce((a, m, i) => a + m * w0[i], 0) > 1e-6)) throw new Error(`randomCase(${seed}): w0 has no positive excess return`);
  const constraints: MvConstraints = { lower, upper, net: net[0] === net[1] ? net[0] : net, sectors };
  if (gross < Infinity) constraints.gross = gross;
  return { N, mu, cov, w0, lower, upper, net, gross, sectors, constraints };
}

/** Largest violation, computed here from the case (independent of the library's own checker). */
function violation(c: Case, w: ArrayLike<number>): number {
  let v = 0;
  let s = 0;
  let g = 0;
  for (let i = 0; i < c.N; i++) {
    v = Math.max(v, c.lower[i] - w[i], w[i] - c.upper[i]);
    s += w[i];
    g += Math.abs(w[i]);
  }
  v = Math.max(v, c.net[0] - s, s - c.net[1], g - c.gross);
  for (const sec of c.sectors) {
    const t = sec.members.reduce((a, i) => a + w[i], 0);
    v = Math.max(v, (sec.lower ?? -Infinity) - t, t - (sec.upper ?? Infinity));
  }
  return v;
}

/** Feasible sample points: w0 and LP vertices max cᵀw for random c (checked feasible here). */
function feasiblePoints(c: Case, seed: number, count: number): number[][] {
  const rng = stream(seed, 'vertices');
  const { N } = c;
  const shortable = c.lower.map((l, i) => l < 0 && c.upper[i] > 0);
  const tIdx: number[] = [];
  let n = N;
  for (let i = 0; i < N; i++) tIdx.push(c.gross < Infinity && shortable[i] ? n++ : -1);
  const rows: QpRow[] = [{ indices: Array.from({ length: N }, (_, i) => i), values: new Array(N).fill(1), lower: c.net[0], upper: c.net[1] }];
  for (const s of c.sectors) rows.push({ indices: s.members, values: s.members.map(() => 1), lower: s.lower ?? -Infinity, upper: s.upper ?? Infinity });
  if (c.gross < Infinity) {
    const gi: number[] = [];
    const gv: number[] = [];
    for (let i = 0; i < N; i++) {
      if (tIdx[i] >= 0) {
        rows.push({ indices: [i, tIdx[i]], values: [1, -1], lower: -Infinity, upper: 0 });
        rows.push({ indices: [i, tIdx[i]], values: [-1, -1], lower: -Infinity, upper: 0 });
        gi.push(tIdx[i]);
      } else gi.push(i);
      gv.push(tIdx[i] >= 0 ? 1 : c.lower[i] >= 0 ? 1 : -1);
    }
    rows.push({ indices: gi, values: gv, lower: -Infinity, upper: c.gross });
  }
  const lower = [...c.lower, ...new Array(n - N).fill(0)];
  const upper = [...c.upper, ...new Array(n - N).fill(Infinity)];
  const pts: number[][] = [c.w0];
  for (let k = 0; k < count; k++) {
    const cost = Array.from({ length: n }, (_, j) => (j < N ? rng.normal() : 0));
    const sol = solveQp({ n, linear: cost, lower, upper, rows });
    if (sol.status !== 'optimal') continue;
    const v = Array.from(sol.x.subarray(0, N));
    if (violation(c, v) <= 1e-9) pts.push(v);
  }
  // Midpoints keep feasibility (convex set) and probe directions away from the vertices.
  const m = pts.length;
  for (let k = 1; k < m; k++) pts.push(pts[k].map((v, i) => 0.5 * (v + c.w0[i])));
  return pts;
}

function quad(c: Case, w: ArrayLike<number>): number {
  let q = 0;
  for (let i = 0; i < c.N; i++) for (let j = 0; j < c.N; j++) q += w[i] * c.cov[i * c.N + j] * w[j];
  return q;
}
function grad2(c: Case, w: ArrayLike<number>): number[] {
  return Array.from({ length: c.N }, (_, i) => {
    let s = 0;
    for (let j = 0; j < c.N; j++) s += 2 * c.cov[i * c.N + j] * w[j];
    return s;
  });
}
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);

/**
 * First-order optimality on a convex set (variational inequality): ∇f(w)ᵀ(v − w) ≥ −tol·G for every feasible
 * sample v, where `gradAt` is ∇f and G the largest ‖∇f‖₁ over w and the samples: the scale of the objective's
 * slope on this feasible set. Dividing by ‖∇f(w)‖₁ alone is not a valid scale. At an optimum where the
 * gradient vanishes (the unconstrained minimiser is feasible, e.g. w = 0 for min-variance with net 0),
 * ∇f(w) is rounding noise (~1e-21), and the quotient becomes ±(v − w) in the noise's direction, an O(0.1)
 * "violation" at an exact optimum. Seed 1942105955 did that.
 */
function expectVariational(gradAt: (w: ArrayLike<number>) => number[], w: ArrayLike<number>, pts: number[][]): void {
  const grad = gradAt(w);
  const norm1 = (g: number[]) => g.reduce((a, b) => a + Math.abs(b), 0);
  let G = norm1(grad);
  for (const v of pts) G = Math.max(G, norm1(gradAt(v)));
  G += 1e-300;
  for (const v of pts) {
    const d = dot(
      grad,
      v.map((x, i) => x - w[i]),
    );
    expect(d / G).toBeGreaterThan(-1e-7);
  }
}

const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });
// Seeds that once failed: HiGHS returned NaN weights as "optimal" (efficient-risk path), HiGHS errored on a
// homogenised max-Sharpe problem, and a pair of bounds dropped as mutually implied (max-Sharpe, net 0).
// 1942105955 failed the test itself, not the library: min-variance's exact optimum w = 0 has a zero
// gradient, which the first-order check used to divide by (see expectVariational and the test below).
// 531223728 broke the generator's promise that w0 has positive excess return (max-Sharpe then threw, rightly).
const regressions: [number][] = [[1076081790], [1123151509], [688852970], [1942105955], [531223728]];
/** Fixed fast-check seeds, so CI replays the same cases on every run (sweep wider locally, not in CI). */
const SEED_CONSTRAINTS = 20240611;
const SEED_OPTIMALITY = 20240612;
const SEED_NEGATIVE = 20240613;

describe('property: constraints are respected on random feasible problems', () => {
  const objectives = (c: Case): MvObjective[] => {
    const ret0 = P * dot(c.mu, c.w0);
    const vol0 = Math.sqrt(P * quad(c, c.w0));
    return [
      { kind: 'min-variance' },
      { kind: 'max-utility', riskAversion: 2 },
      { kind: 'max-sharpe' },
      { kind: 'efficient-return', targetReturn: ret0 },
      { kind: 'efficient-risk', targetVolatility: vol0 * 1.1 },
    ];
  };

  it('bounds, net, gross and sector limits hold to 1e-8 for every objective', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const c = randomCase(seed);
        for (const obj of objectives(c)) {
          const r = meanVariance(c.mu, c.cov, obj, c.constraints);
          expect(violation(c, r.weights)).toBeLessThan(1e-8);
          const s = r.weights.reduce((a, b) => a + b, 0);
          if (c.net[0] === c.net[1]) expect(Math.abs(s - c.net[0])).toBeLessThan(1e-8);
        }
      }),
      { numRuns: 60, seed: SEED_CONSTRAINTS, examples: regressions },
    );
  });

  it('solutions are optimal against feasible vertices and midpoints (first-order and objective value)', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const c = randomCase(seed);
        const pts = feasiblePoints(c, seed, 12);
        // min-variance
        const mv = meanVariance(c.mu, c.cov, { kind: 'min-variance' }, c.constraints);
        expectVariational((w) => grad2(c, w), mv.weights, pts);
        for (const v of pts) expect(quad(c, mv.weights)).toBeLessThanOrEqual(quad(c, v) * (1 + 1e-9) + 1e-15);
        // max-utility (minimise −μᵀw + (δ/2)wᵀΣw)
        const delta = 3;
        const mu = meanVariance(c.mu, c.cov, { kind: 'max-utility', riskAversion: delta }, c.constraints);
        const gU = (w: ArrayLike<number>) => grad2(c, w).map((g, i) => (delta / 2) * g - c.mu[i]);
        expectVariational(gU, mu.weights, pts);
        // efficient-return: among feasible points with at least the target return
        const target = P * dot(c.mu, c.w0);
        const er = meanVariance(c.mu, c.cov, { kind: 'efficient-return', targetReturn: target }, c.constraints);
        expect(P * dot(c.mu, er.weights)).toBeGreaterThanOrEqual(target - 1e-9);
        for (const v of pts) if (P * dot(c.mu, v) >= target) expect(quad(c, er.weights)).toBeLessThanOrEqual(quad(c, v) * (1 + 1e-8) + 1e-15);
        // max-sharpe: no feasible point with positive excess return has a higher Sharpe ratio
        const ms = meanVariance(c.mu, c.cov, { kind: 'max-sharpe' }, c.constraints);
        const sharpe = (w: ArrayLike<number>) => dot(c.mu, w) / Math.sqrt(quad(c, w));
        for (const v of pts) if (dot(c.mu, v) > 0) expect(sharpe(v)).toBeLessThanOrEqual(sharpe(ms.weights) * (1 + 1e-7) + 1e-12);
        // efficient-risk: no feasible point within the volatility target returns more
        const vt = Math.sqrt(P * quad(c, c.w0)) * 1.1;
        const ek = meanVariance(c.mu, c.cov, { kind: 'efficient-risk', targetVolatility: vt }, c.constraints);
        expect(ek.volatility).toBeLessThanOrEqual(vt * (1 + 1e-8));
        if (!/not binding/.test(ek.status)) expect(Math.abs(ek.volatility - vt)).toBeLessThan(1e-8 * vt);
        for (const v of pts) if (Math.sqrt(P * quad(c, v)) <= vt) expect(P * dot(c.mu, v)).toBeLessThanOrEqual(ek.expectedReturn + 1e-8);
      }),
      { numRuns: 40, seed: SEED_OPTIMALITY, examples: regressions },
    );
  });

  it('max-sharpe on long-only problems where every μ ≤ rf is infeasible, never a silent answer', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const rng = stream(seed, 'neg');
        const N = 2 + rng.int(5);
        const cov = new Float64Array(N * N);
        for (let i = 0; i < N; i++) cov[i * N + i] = rng.uniform(1e-4, 4e-4);
        const mu = Array.from({ length: N }, () => -rng.uniform(0, 1e-3));
        expect(() => meanVariance(mu, cov, { kind: 'max-sharpe' })).toThrow(InfeasibleConstraintError);
      }),
      { numRuns: 20, seed: SEED_NEGATIVE },
    );
  });

  it('seed 1942105955: min-variance returns the exact optimum w = 0 (net 0), and the first-order check still catches a non-optimal point', () => {
    const c = randomCase(1942105955);
    // Two assets, net 0: the feasible weights are (a, −a) with a in [−0.238, 0.085], variance a²·(σ₁₁ − 2σ₁₂ + σ₂₂).
    expect(c.N).toBe(2);
    expect(c.net).toEqual([0, 0]);
    const mv = meanVariance(c.mu, c.cov, { kind: 'min-variance' }, c.constraints);
    expect(Math.max(...Array.from(mv.weights, Math.abs))).toBeLessThan(1e-12);
    expect(quad(c, mv.weights)).toBeLessThan(1e-30);
    const pts = feasiblePoints(c, 1942105955, 12);
    expectVariational((w) => grad2(c, w), mv.weights, pts);
    // The old scale, ‖∇f(w)‖₁, read rounding noise as a 4.7% violation at w0: the corrected check must
    // accept the optimum without losing its teeth. A feasible but non-optimal answer (w0, variance > 0) fails.
    expect(quad(c, c.w0)).toBeGreaterThan(1e-7);
    expect(() => expectVariational((w) => grad2(c, w), c.w0, [...pts, [0, 0]])).toThrow();
  });
});
