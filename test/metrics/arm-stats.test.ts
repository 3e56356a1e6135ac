import { describe, expect, it } from 'vitest';
import { runStatistics } from '../../src/metrics/arm-stats.ts';
import { stream } from '../../src/rng.ts';

/** An equity path from daily returns drift + noise (seeded). */
function path(seed: number, drift: number, days = 300): number[] {
  const r = stream(seed, 'arm-stats-test');
  const out = [1_000_000];
  for (let d = 0; d < days; d++) out.push(out[d] * (1 + drift + 0.01 * (r.uniform(0, 1) - 0.5)));
  return out;
}

describe('compare statistics', () => {
  const seeds = [0, 1, 2, 3, 4];
  const arms = [
    { name: 'no-overlay', deterministic: false, equity: seeds.map((s) => path(s, 0.0002)) },
    { name: 'overlay:good', deterministic: false, equity: seeds.map((s) => path(s, 0.0012)) },
    { name: 'overlay:same', deterministic: false, equity: seeds.map((s) => path(s, 0.0002)) },
    { name: 'mvo', deterministic: true, equity: seeds.map(() => path(99, 0.0005)) },
  ];
  const stats = runStatistics(arms, [
    { arm: 'overlay:good', base: 'no-overlay' },
    { arm: 'overlay:same', base: 'no-overlay' },
    { arm: 'no-overlay', base: 'mvo' },
  ]);

  it('reports bootstrap intervals that contain their estimate, and PSR/DSR in [0, 1] with DSR ≤ PSR', () => {
    for (const a of stats.arms) {
      expect(a.sharpe.mean.lo).toBeLessThanOrEqual(a.sharpe.mean.estimate);
      expect(a.sharpe.mean.hi).toBeGreaterThanOrEqual(a.sharpe.mean.estimate);
      expect(a.psr).toBeGreaterThanOrEqual(0);
      expect(a.psr).toBeLessThanOrEqual(1);
      expect(a.dsr).toBeLessThanOrEqual(a.psr + 1e-12);
    }
    // A deterministic arm has no seed spread: its interval is a point.
    const mvo = stats.arms.find((a) => a.name === 'mvo')!;
    expect(mvo.sharpe.mean.lo).toBe(mvo.sharpe.mean.hi);
  });

  it('adjusts within the family of the same base (Holm) and calls a large, consistent effect significant', () => {
    const good = stats.comparisons.find((c) => c.arm === 'overlay:good')!;
    const same = stats.comparisons.find((c) => c.arm === 'overlay:same')!;
    // Two tests in the family, the other with p = 1: Holm doubles the smaller p.
    expect(same.pRaw).toBe(1);
    expect(good.pHolm).toBeCloseTo(Math.min(1, 2 * good.pRaw), 14);
    expect(good.significant).toBe(true);
    expect(good.sentence).toMatch(/^overlay:good beats no-overlay in 5 of 5 seeds; ΔSharpe \+/);
    expect(good.sentence).toMatch(/: significant\./);
    // Identical paths: Δ = 0 exactly, p = 1, not significant.
    expect(same.meanDiff).toBe(0);
    expect(same.pHolm).toBe(1);
    expect(same.significant).toBe(false);
  });

  it('adds a day block bootstrap where one side is a single path', () => {
    const vsMvo = stats.comparisons.find((c) => c.base === 'mvo')!;
    expect(vsMvo.block).toBeDefined();
    expect(vsMvo.block!.seeds).toBe(5);
    expect(vsMvo.block!.blockLength).toBe(Math.ceil(300 ** (1 / 3)));
    expect(stats.comparisons.find((c) => c.arm === 'overlay:good')!.block).toBeUndefined();
  });

  it('is deterministic for a bootstrap seed and moves with it', () => {
    const again = runStatistics(arms, [{ arm: 'overlay:good', base: 'no-overlay' }]);
    const other = runStatistics(arms, [{ arm: 'overlay:good', base: 'no-overlay' }], { seed: 7 });
    expect(again.arms).toEqual(runStatistics(arms, [{ arm: 'overlay:good', base: 'no-overlay' }]).arms);
    expect(other.arms[0].sharpe.mean.lo).not.toBe(again.arms[0].sharpe.mean.lo);
  });

  it('uses the day bootstrap p when both arms are single paths', () => {
    const det = [
      { name: 'a', deterministic: true, equity: seeds.map(() => path(5, 0.001)) },
      { name: 'b', deterministic: true, equity: seeds.map(() => path(6, 0.0)) },
    ];
    const s = runStatistics(det, [{ arm: 'a', base: 'b' }]);
    expect(s.comparisons[0].pSource).toBe('block-bootstrap');
    expect(s.comparisons[0].ci).toEqual([s.comparisons[0].block!.lo, s.comparisons[0].block!.hi]);
    expect(s.comparisons[0].sentence).not.toMatch(/seeds/);
    expect(s.comparisons[0].sentence).toMatch(/^a against b: ΔSharpe/);
  });
});
