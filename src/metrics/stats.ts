/**
 * Statistics across seeds: one number per seed in, a summary with a confidence interval out.
 *
 * An RL result is a distribution over seeds, so every table cell the reports print is a `Summary` of
 * per-seed values, and every with/without comparison is a `PairedSummary` of per-seed differences
 * (same seed, same agent, only the arm differs), which is far tighter than comparing two means.
 */
import { studentTQuantile } from './special.ts';

export { studentTQuantile, studentTCdf, normalQuantile, normalCdf } from './special.ts';

/** Arithmetic mean: (1/n) Σ xᵢ. NaN for an empty input. */
export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/**
 * Standard deviation with `ddof` degrees of freedom removed: √(Σ (xᵢ − x̄)² / (n − ddof)).
 * ddof = 1 (the default) is the sample standard deviation, as pandas `std()` and numpy `std(ddof=1)`.
 * NaN when n ≤ ddof. Two-pass (mean first), which is exact for constant inputs.
 */
export function std(xs: ArrayLike<number>, ddof = 1): number {
  const n = xs.length;
  if (n <= ddof) return NaN;
  const m = mean(xs);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i] - m;
    ss += d * d;
  }
  return Math.sqrt(ss / (n - ddof));
}

/** Ascending copy as a Float64Array (typed-array sort is numeric). */
export function sorted(xs: ArrayLike<number>): Float64Array {
  return Float64Array.from(xs).sort();
}

/**
 * Quantile of ascending data with numpy's default ("linear") rule: position h = q·(n − 1),
 * value = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). q in [0, 1].
 */
export function quantileSorted(asc: ArrayLike<number>, q: number): number {
  const n = asc.length;
  if (n === 0) throw new RangeError('quantile of an empty sample');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile level must be in [0, 1], got ${q}`);
  const h = q * (n - 1);
  const lo = Math.floor(h);
  if (lo >= n - 1) return asc[n - 1];
  const frac = h - lo;
  return frac === 0 ? asc[lo] : asc[lo] + frac * (asc[lo + 1] - asc[lo]);
}

/** numpy.percentile(xs, pct) with linear interpolation; pct in [0, 100]. */
export function percentile(xs: ArrayLike<number>, pct: number): number {
  return quantileSorted(sorted(xs), pct / 100);
}

/** Median: the middle value, or the mean of the two middle values (quantile ½ with the linear rule). */
export function median(xs: ArrayLike<number>): number {
  return quantileSorted(sorted(xs), 0.5);
}

export interface Summary {
  /** Number of values summarised (after dropping non-finite ones, if asked). */
  n: number;
  /** Non-finite values left out (only with `nonFinite: 'drop'`). */
  dropped: number;
  mean: number;
  /** Sample standard deviation (ddof = 1); NaN when n < 2. */
  sd: number;
  /** Standard error of the mean, sd/√n; NaN when n < 2. */
  se: number;
  median: number;
  min: number;
  max: number;
  /** Confidence level of `ci`, e.g. 0.95. */
  level: number;
  /** Student t interval for the mean, mean ± t_{(1+level)/2, n−1}·se; [NaN, NaN] when n < 2. */
  ci: [number, number];
}

export interface SummaryOptions {
  /** Confidence level, default 0.95. */
  level?: number;
  /** What to do with NaN/±Infinity: 'error' (default) throws, naming the index; 'drop' leaves them out. */
  nonFinite?: 'error' | 'drop';
}

/**
 * Summary of per-seed values with a Student t confidence interval for the mean:
 *   x̄ = Σxᵢ/n,  s = √(Σ(xᵢ − x̄)²/(n − 1)),  se = s/√n,  CI = x̄ ± t_{(1+level)/2, n−1} · se.
 * The t interval assumes the per-seed values are roughly normal; with few seeds that is the honest
 * choice (a normal 1.96 would understate the width by 2.2× at n = 3).
 */
export function summarize(values: ArrayLike<number>, opts: SummaryOptions = {}): Summary {
  const level = checkLevel(opts.level ?? 0.95);
  const xs = finiteValues(values, opts.nonFinite ?? 'error', 'summarize');
  const n = xs.length;
  if (n === 0) {
    throw new RangeError(values.length === 0 ? 'summarize: no values (need at least one seed)' : `summarize: all ${values.length} values are non-finite`);
  }
  const asc = sorted(xs);
  const m = mean(xs);
  const sd = std(xs, 1);
  const se = sd / Math.sqrt(n);
  let ci: [number, number] = [NaN, NaN];
  if (n >= 2) {
    const half = studentTQuantile((1 + level) / 2, n - 1) * se;
    ci = [m - half, m + half];
  }
  return {
    n,
    dropped: values.length - n,
    mean: m,
    sd,
    se,
    median: quantileSorted(asc, 0.5),
    min: asc[0],
    max: asc[n - 1],
    level,
    ci,
  };
}

export interface BootstrapOptions {
  /** Number of resamples, default 10 000. */
  resamples?: number;
  /** Confidence level, default 0.95. */
  level?: number;
}

export interface BootstrapInterval {
  level: number;
  resamples: number;
  /** The mean of the original sample (the point estimate). */
  mean: number;
  ci: [number, number];
}

/**
 * Percentile bootstrap interval for the mean. Each resample draws n indices ⌊u·n⌋ with u from
 * `uniform()` (a seeded [0, 1) stream, e.g. `() => rng.next()`), takes the resample mean; the interval is
 * the (1 − level)/2 and (1 + level)/2 quantiles (numpy linear rule) of the B resample means.
 * It makes no normality assumption but is too narrow for very few seeds (it never sees values outside the
 * sample), so the reports prefer the t interval and offer this as a check.
 */
export function bootstrapMeanCI(values: ArrayLike<number>, uniform: () => number, opts: BootstrapOptions = {}): BootstrapInterval {
  const level = checkLevel(opts.level ?? 0.95);
  const resamples = opts.resamples ?? 10_000;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(`bootstrap: resamples must be a positive integer, got ${resamples}`);
  }
  const xs = finiteValues(values, 'error', 'bootstrap');
  const n = xs.length;
  if (n === 0) throw new RangeError('bootstrap: no values (need at least one seed)');
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const u = uniform();
      if (!(u >= 0 && u < 1)) throw new RangeError(`bootstrap: uniform() must return a number in [0, 1), got ${u}`);
      s += xs[Math.floor(u * n)];
    }
    means[b] = s / n;
  }
  means.sort();
  const alpha = 1 - level;
  return {
    level,
    resamples,
    mean: mean(xs),
    ci: [quantileSorted(means, alpha / 2), quantileSorted(means, 1 - alpha / 2)],
  };
}

export interface PairedSummary {
  /** Number of seeds (pairs). */
  n: number;
  /** Mean of dᵢ = aᵢ − bᵢ. */
  meanDiff: number;
  /** Sample standard deviation of the dᵢ; NaN when n < 2. */
  sdDiff: number;
  /** Standard error of the mean difference; NaN when n < 2. */
  se: number;
  level: number;
  /** Paired t interval for the mean difference. */
  ci: [number, number];
  /** Percentile bootstrap interval for the mean difference, when a uniform stream was given. */
  bootstrapCi?: [number, number];
  /** Seeds with aᵢ > bᵢ, aᵢ = bᵢ, aᵢ < bᵢ. */
  wins: number;
  ties: number;
  losses: number;
  /** wins / n: the fraction of seeds where A beat B. */
  fractionAGreater: number;
}

export interface PairedOptions extends BootstrapOptions {
  /** A seeded [0, 1) stream; when given, `bootstrapCi` is filled in as well. */
  uniform?: () => number;
}

/**
 * Paired comparison of arm A against arm B over the same seeds (a[i] and b[i] share seed i):
 * dᵢ = aᵢ − bᵢ, mean difference d̄ with the paired t interval d̄ ± t_{(1+level)/2, n−1}·s_d/√n,
 * the win/tie/loss counts and the fraction of seeds where A > B. Pairing removes the seed-to-seed
 * variation both arms share (same market, same initialisation luck).
 */
export function pairedDiff(a: ArrayLike<number>, b: ArrayLike<number>, opts: PairedOptions = {}): PairedSummary {
  if (a.length !== b.length) {
    throw new RangeError(`pairedDiff: A has ${a.length} values and B has ${b.length}; pairs need one value per seed in each`);
  }
  const d = new Float64Array(a.length);
  let wins = 0;
  let ties = 0;
  let losses = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) {
      throw new RangeError(`pairedDiff: seed index ${i} has a non-finite value (A=${a[i]}, B=${b[i]})`);
    }
    d[i] = a[i] - b[i];
    if (a[i] > b[i]) wins++;
    else if (a[i] < b[i]) losses++;
    else ties++;
  }
  const s = summarize(d, { level: opts.level });
  const out: PairedSummary = {
    n: s.n,
    meanDiff: s.mean,
    sdDiff: s.sd,
    se: s.se,
    level: s.level,
    ci: s.ci,
    wins,
    ties,
    losses,
    fractionAGreater: wins / s.n,
  };
  if (opts.uniform) out.bootstrapCi = bootstrapMeanCI(d, opts.uniform, opts).ci;
  return out;
}

function checkLevel(level: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be strictly between 0 and 1, got ${level}`);
  return level;
}

function finiteValues(values: ArrayLike<number>, policy: 'error' | 'drop', who: string): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) out.push(v);
    else if (policy === 'error') {
      const hint = who === 'summarize' ? "; pass nonFinite: 'drop' to leave such seeds out" : '; every value must be a finite number';
      throw new RangeError(`${who}: value ${i} is ${v}${hint}`);
    }
  }
  return Float64Array.from(out);
}
