import { describe, expect, it } from 'vitest';
import { backtestConfig, backtestStrategy, covariance, expectedReturns, meanVariance } from '../../agents/portfolio/index.ts';

// The README's library example, as written there.
describe('README library example (portfolio)', () => {
  it('runs a backtest and a bare optimisation from code', () => {
    const res = backtestStrategy(
      backtestConfig({ strategy: 'mvo', objective: 'max-sharpe', cov: 'ledoit-wolf', maxWeight: 0.3, universe: 'dow30', trade: '2021-01-04:2021-12-31' }),
    );
    expect(res.description).toMatch(/^mvo: max-Sharpe/);
    expect(Number.isFinite(res.metrics.sharpeRatio)).toBe(true);
    const last = res.decisions.at(-1)!.weights;
    expect(Math.max(...last)).toBeLessThanOrEqual(0.3 + 1e-9);
    const window = { T: 4, N: 2, data: Float64Array.from([0.01, 0.0, -0.02, 0.01, 0.015, -0.005, 0.0, 0.002]) };
    const w = meanVariance(expectedReturns(window), covariance(window, 'sample').cov, { kind: 'min-variance' }).weights;
    expect(w[0] + w[1]).toBeCloseTo(1, 9);
    // two-asset minimum variance in closed form: w₁ = (σ₂² − σ₁₂)/(σ₁² + σ₂² − 2σ₁₂)
    const c = covariance(window, 'sample').cov;
    expect(w[0]).toBeCloseTo((c[3] - c[1]) / (c[0] + c[3] - 2 * c[1]), 6);
  });
});
