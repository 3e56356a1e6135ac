import { describe, expect, it } from 'vitest';
import { DEFAULT_OBS_STD_FLOOR, LEGACY_OBS_RULE, normalizeWith, ObsNormalizer, obsRuleOf, RewardScaler, RunningMeanStd } from '../../agents/normalize.ts';
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

describe('the normaliser cannot explode (pass-through slots, std floor)', () => {
  // Training data: feature 0 constant 0.5 (the target slot at the fixed 1:1 split), feature 1 ~ N(3, 2²),
  // feature 2 constant 0.5 too but declared a pass-through slot, feature 3 constant 0 (a never-traded holding).
  const train = (rule?: { stdFloor: number; passthrough: number[] }) => {
    const norm = new ObsNormalizer(4, 10, rule);
    const rng = new Rng('floor');
    for (let k = 0; k < 20; k++) {
      const batch = new Float64Array(4 * 64);
      for (let r = 0; r < 64; r++) batch.set([0.5, 3 + 2 * rng.normal(), 0.5, 0], r * 4);
      norm.update(batch, 64);
    }
    return norm;
  };

  it('a feature constant in training maps a deviation d to at most |d|/0.1 (the SB3 rule: the clip)', () => {
    const norm = train({ stdFloor: DEFAULT_OBS_STD_FLOOR, passthrough: [2] });
    expect(norm.rms.var[0]).toBeLessThan(1e-6); // ≈ 1e-4/1280: what the 1:1 split leaves for the target slot
    const out = new Float64Array(4);
    for (const d of [0.001, 0.01, 0.1, 0.3]) {
      norm.normalize([0.5 + d, 3, 0.5 + d, d], 1, out);
      // |o' | ≤ |o − μ|/0.1, μ the training mean (0.5 up to the 1e-4 prior count)
      expect(Math.abs(out[0])).toBeLessThanOrEqual(Math.abs(0.5 + d - norm.rms.mean[0]) / DEFAULT_OBS_STD_FLOOR + 1e-12);
      expect(out[0]).toBeCloseTo(d / DEFAULT_OBS_STD_FLOOR, 3);
      expect(out[3]).toBeCloseTo(d / DEFAULT_OBS_STD_FLOOR, 3);
    }
    norm.normalize([5, 3, 0.5, -5], 1, out);
    expect(out[0]).toBe(10); // ≥ one unit off: the clip, as documented
    expect(out[3]).toBe(-10);
    // the legacy (SB3) rule on the same stats: a target of 0.6 instead of 0.5 enters as the clip
    const legacy = new Float64Array(4);
    normalizeWith(norm.rms.mean, norm.rms.var, 10, [0.6, 3, 0.6, 0], 1, legacy, LEGACY_OBS_RULE);
    expect(legacy[0]).toBe(10);
    expect(legacy[2]).toBe(10);
  });

  it('pass-through slots are unchanged (not centred, scaled or clipped), also when out aliases obs', () => {
    const norm = train({ stdFloor: DEFAULT_OBS_STD_FLOOR, passthrough: [2] });
    const out = new Float32Array(8);
    norm.normalize([0.5, 3, 0.6, 0, 0.5, 3, 37, 0], 2, out);
    expect(out[2]).toBe(Math.fround(0.6));
    expect(out[6]).toBe(37);
    const inPlace = Float32Array.from([0.5, 3, 0.83, 0]);
    norm.normalize(inPlace, 1, inPlace);
    expect(inPlace[2]).toBe(Math.fround(0.83));
    // unsorted or repeated slot lists work the same way
    const o2 = new Float64Array(4);
    normalizeWith(norm.rms.mean, norm.rms.var, 10, [0.7, 3, 0.9, 0], 1, o2, { stdFloor: 0.1, passthrough: [2, 0, 2] });
    expect([o2[0], o2[2]]).toEqual([0.7, 0.9]);
  });

  it('features whose training std is above the floor are normalised bit for bit as before', () => {
    const norm = train();
    const a = new Float64Array(4);
    const b = new Float64Array(4);
    for (const x of [-4, 0, 3.3, 9, 40]) {
      normalizeWith(norm.rms.mean, norm.rms.var, 10, [0.5, x, 0.5, 0], 1, a, { stdFloor: 0.1, passthrough: [] });
      normalizeWith(norm.rms.mean, norm.rms.var, 10, [0.5, x, 0.5, 0], 1, b, LEGACY_OBS_RULE);
      expect(a[1]).toBe(b[1]);
    }
  });

  it('stats without a rule (old checkpoints) get the legacy rule; bad rules are refused', () => {
    expect(obsRuleOf({})).toEqual({ stdFloor: 0, passthrough: [] });
    expect(obsRuleOf(null)).toEqual({ stdFloor: 0, passthrough: [] });
    expect(obsRuleOf({ stdFloor: 0.1, passthrough: [276, 277] })).toEqual({ stdFloor: 0.1, passthrough: [276, 277] });
    expect(() => new ObsNormalizer(4, 10, { stdFloor: 0.1, passthrough: [4] })).toThrow(/pass-through slot 4 is not a feature index in \[0, 4\)/);
    expect(() => new ObsNormalizer(4, 10, { stdFloor: -1, passthrough: [] })).toThrow(/stdFloor/);
  });
});
