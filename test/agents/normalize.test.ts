import { describe, expect, it } from 'vitest';
import { ObsNormalizer, RewardScaler, RunningMeanStd } from '../../agents/normalize.ts';
import { Rng } from '../../src/rng.ts';

describe('running normalisation', () => {
  it('RunningMeanStd merged over batches equals the mean/var of all data (count starts at 1e-4)', () => {
    const rng = new Rng('rms');
    const rms = new RunningMeanStd(2);
    const all: number[][] = [[], []];
    for (let k = 0; k < 10; k++) {
      const n = 1 + rng.int(5);
      const batch = new Float64Array(n * 2);
      for (let r = 0; r < n; r++) {
        batch[r * 2] = 3 + 2 * rng.normal();
        batch[r * 2 + 1] = -1 + 0.5 * rng.normal();
        all[0].push(batch[r * 2]);
        all[1].push(batch[r * 2 + 1]);
      }
      rms.update(batch, n);
    }
    for (let j = 0; j < 2; j++) {
      const m = all[j].reduce((a, b) => a + b, 0) / all[j].length;
      const v = all[j].reduce((a, b) => a + (b - m) ** 2, 0) / all[j].length;
      expect(rms.mean[j]).toBeCloseTo(m, 4);
      expect(rms.var[j]).toBeCloseTo(v, 3);
    }
  });

  it('ObsNormalizer clips to ±clip and is the identity-like map before any update', () => {
    const norm = new ObsNormalizer(2, 10);
    const out = new Float32Array(2);
    norm.normalize([0.5, 1e6], 1, out);
    expect(out[0]).toBeCloseTo(0.5, 6); // mean 0, var 1 initially
    expect(out[1]).toBe(10);
  });

  it('RewardScaler divides by the std of the discounted return and resets returns at episode end', () => {
    const s = new RewardScaler(1, 0.5, 1000);
    const out = new Float64Array(1);
    s.scale([2], [0], out);
    // R = 2; stats after one update from (mean 0, var 1, count 1e-4): as SB3, the first scaled rewards are large
    const sd = Math.sqrt(s.rms.var[0] + 1e-8);
    expect(out[0]).toBeCloseTo(2 / sd, 10);
    s.scale([1], [1], out);
    expect(s.rms.mean[0]).toBeGreaterThan(1.9); // R = 0.5·2 + 1 = 2 entered the stats before the reset
    expect(s.returns[0]).toBe(0);
    const clipped = new RewardScaler(1, 0.5, 10);
    clipped.scale([2], [0], out);
    expect(out[0]).toBe(10);
  });
});
