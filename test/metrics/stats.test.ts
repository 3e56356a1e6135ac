import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bootstrapMeanCI,
  mean,
  median,
  normalCdf,
  normalQuantile,
  pairedDiff,
  percentile,
  std,
  studentTCdf,
  studentTQuantile,
  summarize,
} from '../../src/metrics/stats.ts';
import { Rng } from '../../src/rng.ts';

function close(actual: number, expected: number, tol = 1e-12): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

describe('Student t quantile', () => {
  it('matches the textbook table (3 decimals)', () => {
    expect(studentTQuantile(0.975, 1).toFixed(3)).toBe('12.706');
    expect(studentTQuantile(0.975, 4).toFixed(3)).toBe('2.776');
    expect(studentTQuantile(0.975, 9).toFixed(3)).toBe('2.262');
    expect(studentTQuantile(0.975, 29).toFixed(3)).toBe('2.045');
  });

  it('matches scipy.stats.t.ppf to ~1e-13 relative', () => {
    // scipy 1.17 values: [df, t_0.975, t_0.995, t_0.9].
    const ref: [number, number, number, number][] = [
      [1, 12.706204736174694, 63.656741162871526, 3.0776835371752544],
      [2, 4.302652729749462, 9.924843200918287, 1.8856180831641272],
      [3, 3.1824463052837078, 5.840909309733355, 1.637744353696209],
      [4, 2.7764451051977934, 4.604094871349992, 1.533206274058944],
      [5, 2.5705818356363146, 4.032142983555228, 1.4758840488244815],
      [9, 2.262157162798205, 3.249835541592126, 1.3830287383966329],
      [10, 2.228138851986274, 3.16927267261695, 1.372183641110336],
      [29, 2.045229642132703, 2.756385903670605, 1.311433647301551],
      [30, 2.0422724563012378, 2.7499956535672254, 1.3104150253913955],
      [100, 1.9839715185235518, 2.6258905214380173, 1.290074761346516],
      [1000, 1.9623390808264083, 2.580754698065951, 1.2823987214609247],
      [1e5, 1.9599877075346095, 2.575878469908375, 1.2815600314493614],
      [Infinity, 1.9599639845400538, 2.575829303548901, 1.2815515655446006],
    ];
    for (const [df, q975, q995, q90] of ref) {
      close(studentTQuantile(0.975, df), q975, 1e-13);
      close(studentTQuantile(0.995, df), q995, 1e-13);
      close(studentTQuantile(0.9, df), q90, 1e-13);
      close(studentTQuantile(0.025, df), -q975, 1e-13);
    }
    close(studentTQuantile(1e-9, 3), -1033.1096745038078, 1e-12);
    close(studentTQuantile(0.6, 7.5), 0.26250189880429486, 1e-12);
    expect(studentTQuantile(0.5, 7)).toBe(0);
  });

  it('is the inverse of the CDF', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }), fc.integer({ min: 1, max: 200 }), (p, df) => {
        const t = studentTQuantile(p, df);
        expect(Math.abs(studentTCdf(t, df) - p)).toBeLessThan(1e-13);
      }),
    );
  });

  it('rejects probabilities outside (0, 1) and df ≤ 0', () => {
    expect(() => studentTQuantile(1, 3)).toThrow(/strictly between 0 and 1/);
    expect(() => studentTQuantile(0.5, 0)).toThrow(/degrees of freedom/);
  });
});

describe('normal and t distribution functions', () => {
  it('match scipy', () => {
    close(studentTCdf(2.0, 5), 0.9490302605850708, 1e-14);
    close(studentTCdf(-1.5, 12), 0.07972875175660343, 1e-14);
    close(normalCdf(-3), 0.0013498980316300933, 1e-14);
    close(normalQuantile(0.025), -1.9599639845400545, 1e-14);
    close(normalQuantile(1e-10), -6.361340902404056, 1e-14);
  });
});

describe('descriptive statistics', () => {
  it('mean, sample std, median and numpy percentiles', () => {
    const x = [0.12, 0.08, 0.15, 0.1, 0.05];
    close(mean(x), 0.1);
    // deviations 0.02, −0.02, 0.05, 0, −0.05; squares sum 0.0004 + 0.0004 + 0.0025 + 0 + 0.0025 = 0.0058;
    // /4 = 0.00145; √ = 0.0380788655293195.
    close(std(x), Math.sqrt(0.00145));
    close(std(x, 0), Math.sqrt(0.00116));
    expect(median(x)).toBe(0.1);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    // position 0.25·4 = 1 → second smallest 0.08; 90th: 3.6 → 0.12 + 0.6·0.03 = 0.138.
    close(percentile(x, 25), 0.08);
    close(percentile(x, 90), 0.138);
  });
});

describe('summarize', () => {
  it('gives the t interval by hand', () => {
    const x = [0.12, 0.08, 0.15, 0.1, 0.05];
    const s = summarize(x);
    // mean 0.1, sd √0.00145 = 0.0380788655293195, se = sd/√5 = √0.00029 = 0.0170293863659264,
    // CI = 0.1 ± 2.7764451051977934 · 0.0170293863659264 = [0.0527188435798016, 0.147281156420198].
    expect(s.n).toBe(5);
    expect(s.dropped).toBe(0);
    close(s.mean, 0.1);
    close(s.sd, 0.038078865529319536);
    close(s.se, Math.sqrt(0.00029));
    close(s.ci[0], 0.052718843579801604);
    close(s.ci[1], 0.14728115642019837);
    expect(s.median).toBe(0.1);
    expect(s.min).toBe(0.05);
    expect(s.max).toBe(0.15);
    expect(s.level).toBe(0.95);
  });

  it('other levels use the matching quantile', () => {
    const s = summarize([1, 2, 3, 4], { level: 0.99 });
    // mean 2.5, sd √(5/3), se = √(5/12), t_{0.995,3} = 5.840909309733355.
    close(s.ci[1] - s.mean, 5.840909309733355 * Math.sqrt(5 / 12));
  });

  it('one seed: sd, se and CI are NaN; no seed is an error', () => {
    const s = summarize([0.3]);
    expect(s.mean).toBe(0.3);
    expect(s.sd).toBeNaN();
    expect(s.ci[0]).toBeNaN();
    expect(() => summarize([])).toThrow(/no values/);
  });

  it('non-finite values are an error unless dropped', () => {
    expect(() => summarize([1, NaN, 3])).toThrow(/value 1 is NaN/);
    const s = summarize([1, NaN, 3, Infinity], { nonFinite: 'drop' });
    expect(s.n).toBe(2);
    expect(s.dropped).toBe(2);
    expect(s.mean).toBe(2);
  });

  it('the CI contains the mean and widens with the level', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 2, maxLength: 30 }), (xs) => {
        const a = summarize(xs, { level: 0.9 });
        const b = summarize(xs, { level: 0.99 });
        expect(a.ci[0]).toBeLessThanOrEqual(a.mean);
        expect(a.ci[1]).toBeGreaterThanOrEqual(a.mean);
        expect(b.ci[0]).toBeLessThanOrEqual(a.ci[0]);
        expect(b.ci[1]).toBeGreaterThanOrEqual(a.ci[1]);
      }),
    );
  });
});

describe('bootstrap interval', () => {
  const x = [0.12, 0.08, 0.15, 0.1, 0.05, 0.11, 0.07, 0.13];

  it('is reproducible with the same seed and differs with another', () => {
    const a = bootstrapMeanCI(x, () => new Rng(1).next(), { resamples: 10 });
    expect(a.ci[0]).toBe(a.ci[1]); // a stuck generator resamples one value: a degenerate interval
    const r1 = new Rng('boot');
    const r2 = new Rng('boot');
    const r3 = new Rng('other');
    const b1 = bootstrapMeanCI(x, () => r1.next(), { resamples: 2000 });
    const b2 = bootstrapMeanCI(x, () => r2.next(), { resamples: 2000 });
    const b3 = bootstrapMeanCI(x, () => r3.next(), { resamples: 2000 });
    expect(b1.ci).toEqual(b2.ci);
    expect(b3.ci).not.toEqual(b1.ci);
  });

  it('sits inside [min, max] and near the t interval for a well-behaved sample', () => {
    const rng = new Rng(42);
    const b = bootstrapMeanCI(x, () => rng.next());
    const t = summarize(x);
    expect(b.ci[0]).toBeGreaterThanOrEqual(0.05);
    expect(b.ci[1]).toBeLessThanOrEqual(0.15);
    expect(b.ci[0]).toBeLessThan(t.mean);
    expect(b.ci[1]).toBeGreaterThan(t.mean);
    // The percentile bootstrap is narrower than t for small n, but of the same size.
    const wb = b.ci[1] - b.ci[0];
    const wt = t.ci[1] - t.ci[0];
    expect(wb).toBeGreaterThan(0.5 * wt);
    expect(wb).toBeLessThan(1.2 * wt);
    expect(b.mean).toBeCloseTo(0.10125, 12);
  });

  it('rejects a generator outside [0, 1)', () => {
    expect(() => bootstrapMeanCI(x, () => 1)).toThrow(/\[0, 1\)/);
  });
});

describe('paired difference', () => {
  const a = [0.12, 0.08, 0.15, 0.1, 0.05, 0.09];
  const b = [0.1, 0.09, 0.11, 0.1, 0.02, 0.04];

  it('by hand', () => {
    // d = 0.02, −0.01, 0.04, 0, 0.03, 0.05; mean 0.13/6 = 0.0216666…;
    // deviations² sum = 0.0026833…; sd = √(0.0026833…/5) = 0.0231660671385254;
    // CI = mean ± t_{0.975,5} · sd/√6 = mean ± 2.5705818356363146 · 0.00945750…
    //    = [−0.00264462982472508, 0.0459779631580584].
    const p = pairedDiff(a, b);
    expect(p.n).toBe(6);
    close(p.meanDiff, 0.13 / 6);
    close(p.sdDiff, 0.0231660671385254);
    close(p.ci[0], -0.0026446298247250755);
    close(p.ci[1], 0.0459779631580584);
    expect(p.wins).toBe(4);
    expect(p.ties).toBe(1);
    expect(p.losses).toBe(1);
    close(p.fractionAGreater, 4 / 6);
    expect(p.bootstrapCi).toBeUndefined();
  });

  it('adds a bootstrap interval when given a stream', () => {
    const rng = new Rng('paired');
    const p = pairedDiff(a, b, { uniform: () => rng.next(), resamples: 5000 });
    expect(p.bootstrapCi).toBeDefined();
    expect(p.bootstrapCi![0]).toBeLessThan(p.meanDiff);
    expect(p.bootstrapCi![1]).toBeGreaterThan(p.meanDiff);
  });

  it('swapping the arms negates the difference', () => {
    const p = pairedDiff(a, b);
    const q = pairedDiff(b, a);
    close(q.meanDiff, -p.meanDiff);
    close(q.ci[0], -p.ci[1]);
    expect(q.wins).toBe(p.losses);
  });

  it('needs equal lengths and finite values', () => {
    expect(() => pairedDiff([1, 2], [1])).toThrow(/A has 2 values and B has 1/);
    expect(() => pairedDiff([1, NaN], [1, 2])).toThrow(/seed index 1/);
  });
});
