import { describe, expect, it } from 'vitest';
import { InfeasibleConstraintError, PortfolioError } from '../../../agents/portfolio/errors.ts';
import { meanVariance, type MvConstraints, type MvObjective } from '../../../agents/portfolio/mean-variance.ts';

function diagCov(vars: number[]): Float64Array {
  const N = vars.length;
  const c = new Float64Array(N * N);
  vars.forEach((v, i) => (c[i * N + i] = v));
  return c;
}

function infeasible(fn: () => unknown): InfeasibleConstraintError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InfeasibleConstraintError);
    expect(e).toBeInstanceOf(PortfolioError);
    return e as InfeasibleConstraintError;
  }
  throw new Error('expected an InfeasibleConstraintError');
}

const N = 30;
const cov30 = diagCov(Array.from({ length: N }, (_, i) => 1e-4 * (1 + i / 10)));
const mu30 = Array.from({ length: N }, (_, i) => 1e-4 * (1 + (i % 7)));
const minVar: MvObjective = { kind: 'min-variance' };
const run =
  (c: MvConstraints, obj: MvObjective = minVar) =>
  () =>
    meanVariance(mu30, cov30, obj, c);

describe('infeasible constraint sets name the constraint', () => {
  it('per-asset upper bounds cannot reach full investment', () => {
    const e = infeasible(run({ upper: 0.02 }));
    expect(e.constraint).toBe('per-asset bounds: 30 assets × upper 0.02 = 0.6 < 1 (fully invested)');
    expect(e.message).toContain(e.constraint);
  });

  it('per-asset lower bounds exceed the net target (non-uniform bounds)', () => {
    const lower = Array.from({ length: N }, (_, i) => (i < 10 ? 0.05 : 0.03));
    const e = infeasible(run({ lower }));
    expect(e.constraint).toBe('per-asset bounds: sum of the lower bounds 1.1 > 1 (fully invested)');
  });

  it('market-neutral with long-only bounds that force exposure', () => {
    const e = infeasible(run({ lower: 0.01, net: 0 }));
    expect(e.constraint).toBe('per-asset bounds: 30 assets × lower 0.01 = 0.3 > 0 (market-neutral)');
  });

  it('sector lower limits that add up past the net target', () => {
    const sectors = [
      { name: 'Tech', members: [0, 1, 2, 3, 4], lower: 0.6 },
      { name: 'Energy', members: [5, 6, 7, 8, 9], lower: 0.6 },
    ];
    const e = infeasible(run({ sectors }));
    expect(e.constraint).toBe('sector Tech lower 0.6 + sector Energy lower 0.6 > 1');
  });

  it('sector upper limits that cannot hold the net target', () => {
    const sectors = [
      { name: 'A', members: Array.from({ length: 15 }, (_, i) => i), upper: 0.3 },
      { name: 'B', members: Array.from({ length: 15 }, (_, i) => i + 15), upper: 0.4 },
    ];
    const e = infeasible(run({ sectors }));
    expect(e.constraint).toBe('sector A upper 0.3 + sector B upper 0.4 < 1');
  });

  it('a sector limit against its members’ bounds, and a reversed sector range', () => {
    expect(infeasible(run({ upper: 0.1, sectors: [{ name: 'Tech', members: [0, 1, 2], lower: 0.5 }] })).constraint).toBe(
      "sector Tech lower 0.5 > 0.3, the sum of its 3 members' upper bounds",
    );
    expect(infeasible(run({ lower: 0.01, sectors: [{ name: 'Oil', members: [3, 4], upper: 0.01 }] })).constraint).toBe(
      "sector Oil upper 0.01 < 0.02, the sum of its 2 members' lower bounds",
    );
    expect(infeasible(run({ sectors: [{ name: 'X', members: [0], lower: 0.3, upper: 0.2 }] })).constraint).toBe('sector X: lower 0.3 > upper 0.2');
  });

  it('an asset with lower > upper, and a reversed net range', () => {
    const lower = new Array(N).fill(0);
    lower[7] = 0.5;
    const upper = new Array(N).fill(1);
    upper[7] = 0.4;
    expect(infeasible(run({ lower, upper })).constraint).toBe('asset 7 bounds: lower 0.5 > upper 0.4');
    expect(infeasible(run({ net: [1, 0.5] })).constraint).toBe('net range: lower 1 > upper 0.5');
  });

  it('gross below |net| and below the exposure the bounds force', () => {
    expect(infeasible(run({ lower: -1, gross: 0.8 })).constraint).toBe('gross 0.8 < |net| 1');
    const lower = new Array(N).fill(-1);
    lower[0] = 0.5;
    const upper = new Array(N).fill(1);
    upper[1] = -0.7;
    expect(infeasible(run({ lower, upper, gross: 1.1 })).constraint).toBe('gross 1.1 < 1.2, the gross exposure forced by the per-asset bounds');
  });

  it('overlapping sectors: the solver finds the conflict and the error names the constraint set', () => {
    // w0 ≤ 0.5, w0 + w1 ≥ 0.8 ⇒ w1 ≥ 0.3, but w1 + w2 ≤ 0.1.
    const upper = new Array(N).fill(1);
    upper[0] = 0.5;
    const sectors = [
      { name: 'A', members: [0, 1], lower: 0.8 },
      { name: 'B', members: [1, 2], upper: 0.1 },
    ];
    for (const obj of [minVar, { kind: 'max-sharpe' } as MvObjective, { kind: 'max-utility' } as MvObjective]) {
      const e = infeasible(run({ upper, sectors }, obj));
      expect(e.constraint).toMatch(/^constraint set \(per-asset bounds, net 1 \(fully invested\), 2 sector limit\(s\)\) admits no portfolio$/);
    }
  });
});

describe("infeasible targets name the objective's target", () => {
  const cov = Float64Array.of(0.04 / 252, 0, 0, 0.09 / 252);
  const mu = [0.08 / 252, 0.12 / 252];

  it('target volatility below the minimum-variance volatility', () => {
    // Long-only min variance of two uncorrelated assets (20%, 30%): σ² = σ₁²σ₂²/(σ₁² + σ₂²) → 16.6%.
    const e = infeasible(() => meanVariance(mu, cov, { kind: 'efficient-risk', targetVolatility: 0.05 }));
    const minVol = Math.sqrt((0.04 * 0.09) / 0.13);
    expect(e.constraint).toBe(`target volatility 5% below the minimum-variance volatility ${Number((minVol * 100).toPrecision(3))}%`);
    expect(e.constraint).toBe('target volatility 5% below the minimum-variance volatility 16.6%');
  });

  it('target return above the maximum achievable return', () => {
    const e = infeasible(() => meanVariance(mu, cov, { kind: 'efficient-return', targetReturn: 0.4 }));
    expect(e.constraint).toBe('target return 40% above the maximum achievable return 12%');
  });

  it('max-sharpe when no feasible portfolio beats the risk-free rate', () => {
    const e = infeasible(() => meanVariance(mu, cov, { kind: 'max-sharpe', riskFree: 0.15 }));
    expect(e.constraint).toMatch(/^max-sharpe: no feasible portfolio has expected return above the risk-free rate 15%/);
    // All μ ≤ 0 long-only, risk-free 0.
    expect(infeasible(() => meanVariance([-1e-4, 0], cov, { kind: 'max-sharpe' })).constraint).toMatch(/above the risk-free rate 0%/);
  });

  it('max-sharpe whose supremum is only approached at infinite leverage', () => {
    // No bounds, fully invested, 1ᵀΣ⁻¹μ < 0: the best Sharpe ratio is approached by a zero-net direction.
    const c = Float64Array.of(1e-4, 0, 0, 1e-4);
    const e = infeasible(() => meanVariance([2e-4, -3e-4], c, { kind: 'max-sharpe' }, { lower: -Infinity, upper: Infinity }));
    expect(e.constraint).toMatch(/not attained/);
  });

  it('feasible targets at the edges are accepted', () => {
    const minVol = Math.sqrt((0.04 * 0.09) / 0.13);
    const r = meanVariance(mu, cov, { kind: 'efficient-risk', targetVolatility: minVol });
    expect(r.volatility).toBeCloseTo(minVol, 9);
    const top = meanVariance(mu, cov, { kind: 'efficient-return', targetReturn: 0.12 });
    expect(top.weights[1]).toBeCloseTo(1, 8);
    const slack = meanVariance(mu, cov, { kind: 'efficient-risk', targetVolatility: 0.5 });
    expect(slack.status).toMatch(/not binding/);
    expect(slack.weights[1]).toBeCloseTo(1, 9);
  });
});
