/**
 * The block bootstrap's fast paths give the same bits as the plain definition: the allocation-free Sharpe
 * against perf.ts `sharpeRatio` passed as a custom statistic (which copies each resample), and a
 * BootstrapCache shared across comparisons against fresh calls. runStatistics relies on both, so a merge
 * of a thousand tasks and a compare report print the same numbers as before they existed.
 */
import { describe, expect, it } from 'vitest';
import { sharpeRatio } from '../../src/metrics/perf.ts';
import { blockBootstrapDiff, BootstrapCache } from '../../src/metrics/robust.ts';
import { runStatistics } from '../../src/metrics/arm-stats.ts';
import { stream } from '../../src/rng.ts';

function returns(n: number, seed: number, scale = 0.02): Float64Array {
  const r = stream(seed, 'bootstrap-cache-test');
  return Float64Array.from({ length: n }, () => (r.next() - 0.48) * scale);
}

describe('block bootstrap fast paths', () => {
  it("'sharpe' equals sharpeRatio as a custom statistic, bit for bit, for both methods and several block lengths", () => {
    for (const n of [2, 7, 60, 251]) {
      const a = returns(n, n);
      const b = returns(n, n + 1000);
      for (const method of ['circular', 'stationary'] as const)
        for (const blockLength of [undefined, 1, 'auto' as const]) {
          for (const ppy of [252, 365]) {
            const opts = { resamples: 300, seed: 3, method, blockLength, periodsPerYear: ppy };
            const fast = blockBootstrapDiff(a, b, 'sharpe', opts);
            const plain = blockBootstrapDiff(a, b, (r) => sharpeRatio(r, 0, ppy), opts);
            expect(fast).toEqual(plain);
          }
        }
    }
  });

  it('a flat series keeps Sharpe 0 on every resample (the flat rule survives the fast path)', () => {
    const flat = new Float64Array(40);
    const b = returns(40, 9);
    const fast = blockBootstrapDiff(flat, b, 'sharpe', { resamples: 200 });
    const plain = blockBootstrapDiff(flat, b, (r) => sharpeRatio(r), { resamples: 200 });
    expect(fast).toEqual(plain);
    expect(fast.estimate).toBe(-sharpeRatio(b));
  });

  it('a shared cache returns what fresh calls return, for every pair in any order', () => {
    const series = [returns(120, 1), returns(120, 2), returns(120, 3), returns(120, 4)];
    const cache = new BootstrapCache();
    for (let i = 0; i < series.length; i++)
      for (let j = 0; j < series.length; j++) {
        if (i === j) continue;
        for (const resamples of [100, 250]) {
          const cached = blockBootstrapDiff(series[i], series[j], 'sharpe', { resamples, seed: 5, cache });
          const fresh = blockBootstrapDiff(series[i], series[j], 'sharpe', { resamples, seed: 5 });
          expect(cached).toEqual(fresh);
        }
      }
    // The key holds every knob: another seed or annualisation is not served from the cache.
    const other = blockBootstrapDiff(series[0], series[1], 'sharpe', { resamples: 100, seed: 6, cache });
    expect(other).toEqual(blockBootstrapDiff(series[0], series[1], 'sharpe', { resamples: 100, seed: 6 }));
    const crypto = blockBootstrapDiff(series[0], series[1], 'sharpe', { resamples: 100, seed: 5, periodsPerYear: 365, cache });
    expect(crypto).toEqual(blockBootstrapDiff(series[0], series[1], 'sharpe', { resamples: 100, seed: 5, periodsPerYear: 365 }));
    expect(crypto.lo).not.toBe(blockBootstrapDiff(series[0], series[1], 'sharpe', { resamples: 100, seed: 5 }).lo);
  });

  it('runStatistics gives the same numbers when a baseline repeats one path object or copies of it', () => {
    const path = (seed: number) => {
      const r = returns(90, seed);
      const e = [1e6];
      for (const x of r) e.push(e[e.length - 1] * (1 + x));
      return e;
    };
    const base = path(50);
    const agents = { name: 'agent', deterministic: false, equity: [path(1), path(2), path(3)] };
    const shared = { name: 'mvo', deterministic: true, equity: [base, base, base] };
    const copies = { name: 'mvo', deterministic: true, equity: [[...base], [...base], [...base]] };
    const comps = [{ arm: 'agent', base: 'mvo' }];
    expect(runStatistics([agents, shared], comps, { resamples: 200 })).toEqual(runStatistics([agents, copies], comps, { resamples: 200 }));
  });
});
