/**
 * Statistics a reviewer accepts: seed-level aggregates and intervals in the manner of rliable
 * (Agarwal et al., "Deep RL at the Edge of the Statistical Precipice", NeurIPS 2021), multiple-comparison
 * control (Holm 1979), the probabilistic and deflated Sharpe ratios (Bailey & López de Prado 2012, 2014),
 * a joint block bootstrap for two daily return series on the same dates (Politis & Romano 1992, 1994),
 * and a plain sentence that states a with/without comparison honestly.
 *
 * All functions are pure: the random ones take a `seed` and draw from a named stream of `src/rng.ts`,
 * so the same inputs and seed give the same numbers on every machine.
 *
 * Shapes. "Scores" are either one number per run (seed) — one task — or a runs × tasks matrix
 * `scores[run][task]`, rliable's orientation. Bootstrap intervals are percentile intervals: the
 * (1 − c)/2 and (1 + c)/2 quantiles of the B resampled statistics with numpy's linear rule (what
 * rliable's `get_interval_estimates(method='percentile')` returns through arch's `conf_int`).
 */
import { stream } from '../rng.ts';
import { centralMoments, FLAT_SPREAD, sharpeRatio } from './perf.ts';
import { normalCdf, normalQuantile, studentTCdf, studentTQuantile } from './special.ts';
import { mean, pairedDiff, quantileSorted } from './stats.ts';

// ---------------------------------------------------------------------------------------------------------
// Shared shapes and helpers
// ---------------------------------------------------------------------------------------------------------

/** One score per run (a single task), or a runs × tasks matrix `scores[run][task]` (rliable's layout). */
export type Scores = ArrayLike<number> | ReadonlyArray<ArrayLike<number>>;

/** A statistic of resampled scores: gets one Float64Array of run scores per task (task-major). */
export type TaskStatistic = (tasks: readonly Float64Array[]) => number;

export interface BootstrapCI {
  /** The statistic on the original data. */
  estimate: number;
  /** Lower and upper ends of the percentile interval. */
  lo: number;
  hi: number;
  resamples: number;
  seed: number;
  confidence: number;
  method: 'percentile';
}

export interface BootstrapOpts {
  /** Number of bootstrap resamples B, default 2000. */
  resamples?: number;
  /** Seed of the resampling stream, default 0. */
  seed?: number;
  /** Interval coverage, default 0.95. */
  confidence?: number;
  /** Only 'percentile' (rliable's default) is implemented. */
  method?: 'percentile';
}

const DEFAULT_RESAMPLES = 2000;

/**
 * Scores as task-major columns: `cols[task][run]`. A flat array is one task; a nested array is
 * runs × tasks and must be rectangular. Every value must be finite.
 */
function toTasks(scores: Scores, who: string): Float64Array[] {
  const n = scores.length;
  if (n === 0) throw new RangeError(`${who}: no scores (need at least one run)`);
  const first = (scores as ArrayLike<unknown>)[0];
  if (typeof first === 'number') {
    const flat = scores as ArrayLike<number>;
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = flat[i];
      if (!Number.isFinite(v)) throw new RangeError(`${who}: score ${i} is ${v}; every score must be a finite number`);
      col[i] = v;
    }
    return [col];
  }
  const rows = scores as ReadonlyArray<ArrayLike<number>>;
  const tasks = rows[0]?.length ?? 0;
  if (tasks === 0) throw new RangeError(`${who}: run 0 has no task scores`);
  const cols = Array.from({ length: tasks }, () => new Float64Array(n));
  for (let r = 0; r < n; r++) {
    const row = rows[r];
    if (!row || row.length !== tasks) {
      throw new RangeError(`${who}: run ${r} has ${row?.length ?? 0} task scores and run 0 has ${tasks}; scores must be runs × tasks`);
    }
    for (let t = 0; t < tasks; t++) {
      const v = row[t];
      if (!Number.isFinite(v)) throw new RangeError(`${who}: score [run ${r}][task ${t}] is ${v}; every score must be a finite number`);
      cols[t][r] = v;
    }
  }
  return cols;
}

function checkedOpts(opts: BootstrapOpts, who: string): { resamples: number; seed: number; confidence: number } {
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const seed = opts.seed ?? 0;
  const confidence = opts.confidence ?? 0.95;
  const method = opts.method ?? 'percentile';
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`${who}: resamples must be a positive integer, got ${resamples}`);
  if (!Number.isFinite(seed)) throw new RangeError(`${who}: seed must be a finite number, got ${seed}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`${who}: confidence must be strictly between 0 and 1, got ${confidence}`);
  if (method !== 'percentile') throw new RangeError(`${who}: only the 'percentile' interval is implemented, got ${String(method)}`);
  return { resamples, seed, confidence };
}

/** Sorts `stats` in place and returns its (1 − c)/2 and (1 + c)/2 quantiles (numpy linear rule). */
function percentileInterval(stats: Float64Array, confidence: number): [number, number] {
  stats.sort();
  const tail = (1 - confidence) / 2;
  return [quantileSorted(stats, tail), quantileSorted(stats, 1 - tail)];
}

function checkStatValue(v: number, who: string, b: number): number {
  if (Number.isNaN(v)) throw new RangeError(`${who}: the statistic returned NaN on resample ${b}`);
  return v;
}

// ---------------------------------------------------------------------------------------------------------
// Interquartile mean and the stratified bootstrap
// ---------------------------------------------------------------------------------------------------------

/**
 * Interquartile mean, exactly rliable's `aggregate_iqm` = `scipy.stats.trim_mean(scores, 0.25, axis=None)`:
 * pool all N scores (all runs of all tasks), sort, drop k = ⌊0.25·N⌋ from each end and average the
 * middle N − 2k. So N = 4 and 5 drop one each side, N = 8 … 11 drop two; N ≤ 3 drops nothing (the
 * plain mean). Note this is a trimmed mean on counts, not the mean of values between the quartiles
 * (with N = 10 it averages the 6 middle values, not 5).
 */
export function interquartileMean(scores: Scores): number {
  const cols = toTasks(scores, 'interquartileMean');
  const pooled = new Float64Array(cols.length * cols[0].length);
  let k = 0;
  for (const c of cols) for (let i = 0; i < c.length; i++) pooled[k++] = c[i];
  return trimmedMeanInPlace(pooled);
}

/** 25% trimmed mean of `xs`, sorting it in place. */
function trimmedMeanInPlace(xs: Float64Array): number {
  xs.sort();
  const n = xs.length;
  const cut = Math.floor(0.25 * n);
  let s = 0;
  for (let i = cut; i < n - cut; i++) s += xs[i];
  return s / (n - 2 * cut);
}

/** rliable's `aggregate_mean`: the mean over tasks of each task's mean over runs. */
function meanOfTaskMeans(cols: readonly Float64Array[]): number {
  let s = 0;
  for (const c of cols) s += mean(c);
  return s / cols.length;
}

function resolveStatistic(statistic: 'mean' | 'iqm' | TaskStatistic, who: string): TaskStatistic {
  if (typeof statistic === 'function') return statistic;
  if (statistic === 'mean') return meanOfTaskMeans;
  if (statistic === 'iqm') {
    let buf = new Float64Array(0);
    return (cols) => {
      const size = cols.length * cols[0].length;
      if (buf.length !== size) buf = new Float64Array(size);
      let k = 0;
      for (const c of cols) for (let i = 0; i < c.length; i++) buf[k++] = c[i];
      return trimmedMeanInPlace(buf);
    };
  }
  throw new RangeError(`${who}: statistic must be 'mean', 'iqm' or a function, got ${String(statistic)}`);
}

/**
 * Stratified bootstrap confidence interval (rliable's `StratifiedBootstrap`, `task_bootstrap=False`):
 * each resample draws, for every task (stratum) separately, as many runs as it has with replacement
 * from that task's own runs, and evaluates the statistic; the interval is the percentile interval of
 * the B resampled statistics. With one task this is the ordinary percentile bootstrap over seeds.
 *
 * `statistic`: 'mean' (mean over tasks of per-task means, rliable's `aggregate_mean`), 'iqm'
 * (`interquartileMean` of all pooled scores, rliable's `aggregate_iqm`), or a function of the resampled
 * task columns (`tasks[t]` holds task t's resampled run scores; one task: `tasks[0]`).
 * Stream: `stream(seed, 'robust:stratified')`.
 *
 * For a paired with/without comparison, pass the per-seed differences (arm − baseline) as one task.
 * Caution: with 3–5 seeds a percentile bootstrap is too narrow (it never sees values outside the sample);
 * the paired t interval of `pairedTTest` is the honest choice there, this is a robustness check.
 */
export function stratifiedBootstrapCI(scores: Scores, statistic: 'mean' | 'iqm' | TaskStatistic = 'mean', opts: BootstrapOpts = {}): BootstrapCI {
  const who = 'stratifiedBootstrapCI';
  const { resamples, seed, confidence } = checkedOpts(opts, who);
  const cols = toTasks(scores, who);
  const stat = resolveStatistic(statistic, who);
  const estimate = stat(cols);
  const rng = stream(seed, 'robust:stratified');
  const runs = cols[0].length;
  const buf = cols.map(() => new Float64Array(runs));
  const stats = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    for (let t = 0; t < cols.length; t++) {
      const src = cols[t];
      const dst = buf[t];
      for (let i = 0; i < runs; i++) dst[i] = src[Math.floor(rng.next() * runs)];
    }
    stats[b] = checkStatValue(stat(buf), who, b);
  }
  const [lo, hi] = percentileInterval(stats, confidence);
  return { estimate, lo, hi, resamples, seed, confidence, method: 'percentile' };
}

// ---------------------------------------------------------------------------------------------------------
// Probability of improvement
// ---------------------------------------------------------------------------------------------------------

/** Σᵢ Σⱼ ([xᵢ > yⱼ] + ½[xᵢ = yⱼ]) / (n·m), with `ySorted` ascending. O((n + m) log m). */
function improvementSorted(x: Float64Array, ySorted: Float64Array): number {
  const m = ySorted.length;
  let u = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    // below = #{y < v}, upTo = #{y ≤ v}
    let lo = 0;
    let hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ySorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    const below = lo;
    hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ySorted[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    u += below + 0.5 * (lo - below);
  }
  return u / (x.length * m);
}

function averageImprovement(xCols: readonly Float64Array[], yCols: readonly Float64Array[], ySortBuf?: Float64Array[]): number {
  let s = 0;
  for (let t = 0; t < xCols.length; t++) {
    const ys = ySortBuf ? ySortBuf[t] : new Float64Array(yCols[t].length);
    ys.set(yCols[t]);
    ys.sort();
    s += improvementSorted(xCols[t], ys);
  }
  return s / xCols.length;
}

function improvementColumns(x: Scores, y: Scores, who: string): [Float64Array[], Float64Array[]] {
  const xc = toTasks(x, `${who} (x)`);
  const yc = toTasks(y, `${who} (y)`);
  if (xc.length !== yc.length) throw new RangeError(`${who}: x has ${xc.length} tasks and y has ${yc.length}; they must match`);
  return [xc, yc];
}

/**
 * Probability of improvement P(X > Y), rliable's `probability_of_improvement`: per task,
 *   P(Xₘ > Yₘ) = U / (n·m) = (1/(n·m)) Σᵢ Σⱼ S(xᵢ, yⱼ),  S = 1 if xᵢ > yⱼ, ½ if xᵢ = yⱼ, 0 otherwise,
 * the Mann–Whitney U statistic of x (scipy `mannwhitneyu(x, y, alternative='greater').statistic`) over
 * n·m; averaged over tasks for a runs × tasks input. Because ties count ½, P(X > Y) + P(Y > X) = 1,
 * and identical samples give ½ (rliable's special case falls out of the formula).
 * x and y may have different numbers of runs; it compares every run of one with every run of the other.
 */
export function probabilityOfImprovement(x: Scores, y: Scores): number {
  const [xc, yc] = improvementColumns(x, y, 'probabilityOfImprovement');
  return averageImprovement(xc, yc);
}

export interface ImprovementOpts extends BootstrapOpts {
  /**
   * false (default, rliable's `StratifiedIndependentBootstrap`): x and y are resampled independently,
   * each within its tasks. true: the same run indices for both (x[i] and y[i] share seed i), which keeps
   * the seed pairing of a with/without comparison; needs equal run counts.
   */
  paired?: boolean;
}

/**
 * Probability of improvement with a stratified bootstrap percentile interval
 * (stream `stream(seed, 'robust:improvement')`). See `probabilityOfImprovement` and `ImprovementOpts`.
 */
export function probabilityOfImprovementCI(x: Scores, y: Scores, opts: ImprovementOpts = {}): BootstrapCI & { paired: boolean } {
  const who = 'probabilityOfImprovementCI';
  const { resamples, seed, confidence } = checkedOpts(opts, who);
  const paired = opts.paired ?? false;
  const [xc, yc] = improvementColumns(x, y, who);
  const nx = xc[0].length;
  const ny = yc[0].length;
  if (paired && nx !== ny) throw new RangeError(`${who}: paired resampling needs as many runs in x (${nx}) as in y (${ny})`);
  const estimate = averageImprovement(xc, yc);
  const rng = stream(seed, 'robust:improvement');
  const xb = xc.map(() => new Float64Array(nx));
  const yb = yc.map(() => new Float64Array(ny));
  const ySort = yc.map(() => new Float64Array(ny));
  const idx = new Int32Array(Math.max(nx, ny));
  const stats = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    for (let t = 0; t < xc.length; t++) {
      for (let i = 0; i < nx; i++) {
        idx[i] = Math.floor(rng.next() * nx);
        xb[t][i] = xc[t][idx[i]];
      }
      for (let j = 0; j < ny; j++) yb[t][j] = yc[t][paired ? idx[j] : Math.floor(rng.next() * ny)];
    }
    stats[b] = averageImprovement(xb, yb, ySort);
  }
  const [lo, hi] = percentileInterval(stats, confidence);
  return { estimate, lo, hi, resamples, seed, confidence, method: 'percentile', paired };
}

// ---------------------------------------------------------------------------------------------------------
// Multiple comparisons
// ---------------------------------------------------------------------------------------------------------

function checkPValues(pValues: readonly number[], who: string): void {
  for (let i = 0; i < pValues.length; i++) {
    const p = pValues[i];
    if (!(p >= 0 && p <= 1)) throw new RangeError(`${who}: p-value ${i} is ${p}; p-values must be in [0, 1]`);
  }
}

/** Indices of `pValues` in ascending order of p (stable: equal p keep their input order). */
function ascendingOrder(pValues: readonly number[]): number[] {
  return pValues.map((_, i) => i).sort((i, j) => pValues[i] - pValues[j] || i - j);
}

/**
 * Holm–Bonferroni step-down adjusted p-values (Holm 1979; as `statsmodels multipletests(method='holm')`
 * and R `p.adjust(method='holm')`). With p₍₁₎ ≤ … ≤ p₍ₘ₎ the sorted p-values,
 *   p̃₍ᵢ₎ = min(1, max_{j ≤ i} (m − j + 1)·p₍ⱼ₎),
 * returned in the input order. Monotone in the raw p, never below it, capped at 1. Rejecting every
 * hypothesis with p̃ < α controls the family-wise error rate at α (any dependence between the tests).
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  checkPValues(pValues, 'holmAdjust');
  const m = pValues.length;
  const order = ascendingOrder(pValues);
  const out = new Array<number>(m);
  let running = 0;
  for (let r = 0; r < m; r++) {
    const i = order[r];
    running = Math.max(running, Math.min(1, (m - r) * pValues[i]));
    out[i] = running;
  }
  return out;
}

/**
 * Confidence level per comparison that agrees with Holm's decisions: if the intervals come from the same
 * test as the raw p-values (e.g. `pairedTTest` intervals at these levels), interval i excludes 0 exactly
 * when Holm rejects hypothesis i at family level α (p̃ᵢ < α).
 *
 * With ranks r by ascending p: while the step-down keeps rejecting (p₍ᵣ₎ < α/(m − r + 1)), comparison r
 * gets 1 − α/(m − r + 1); from the first rank k that is not rejected on, every comparison gets
 * 1 − α/(m − k + 1) (its p is ≥ p₍ₖ₎ ≥ α/(m − k + 1), so its interval contains 0).
 * These are decision-compatible intervals, not simultaneous ones: for intervals that all cover jointly
 * with probability ≥ 1 − α, use the Bonferroni level 1 − α/m for every comparison.
 */
export function holmCiLevels(pValues: readonly number[], alpha = 0.05): number[] {
  checkPValues(pValues, 'holmCiLevels');
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`holmCiLevels: alpha must be strictly between 0 and 1, got ${alpha}`);
  const m = pValues.length;
  const order = ascendingOrder(pValues);
  const out = new Array<number>(m);
  let stopped = -1;
  for (let r = 0; r < m; r++) {
    const i = order[r];
    const threshold = alpha / (m - r);
    if (stopped < 0 && !(pValues[i] < threshold)) stopped = r;
    out[i] = 1 - alpha / (m - (stopped < 0 ? r : stopped));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Paired t test and the number of seeds needed
// ---------------------------------------------------------------------------------------------------------

export interface PairedTTest {
  /** Number of pairs (seeds). */
  n: number;
  /** d̄ = mean of dᵢ = aᵢ − bᵢ. */
  meanDiff: number;
  /** Sample standard deviation of the dᵢ (ddof = 1). */
  sdDiff: number;
  /** sd/√n. */
  se: number;
  /** t = d̄ / se; ±Infinity when every dᵢ is the same non-zero number, 0 when every dᵢ is 0. */
  t: number;
  /** n − 1. */
  df: number;
  /** Two-sided p = 2·P(T_df ≥ |t|); 1 when every dᵢ is 0, 0 when they are equal and non-zero; NaN for n < 2. */
  p: number;
  /** Confidence level of `ci` (default 0.95). */
  level: number;
  /** Paired t interval d̄ ± t_{(1+level)/2, n−1}·se (from `pairedDiff`). */
  ci: [number, number];
  /** Seeds with aᵢ > bᵢ, aᵢ = bᵢ, aᵢ < bᵢ. */
  wins: number;
  ties: number;
  losses: number;
}

/**
 * Paired t test of arm A against arm B over the same seeds (a[i] and b[i] share seed i), built on
 * `pairedDiff` (same d̄, sd, interval): t = d̄/(s_d/√n), df = n − 1, p = 2·(1 − F_t(|t|; n − 1)).
 */
export function pairedTTest(a: ArrayLike<number>, b: ArrayLike<number>, level = 0.95): PairedTTest {
  const d = pairedDiff(a, b, { level });
  const df = d.n - 1;
  let t: number;
  let p: number;
  if (d.n < 2) {
    t = NaN;
    p = NaN;
  } else if (d.sdDiff === 0) {
    t = d.meanDiff === 0 ? 0 : d.meanDiff > 0 ? Infinity : -Infinity;
    p = d.meanDiff === 0 ? 1 : 0;
  } else {
    t = d.meanDiff / d.se;
    p = Math.min(1, 2 * studentTCdf(-Math.abs(t), df));
  }
  return {
    n: d.n,
    meanDiff: d.meanDiff,
    sdDiff: d.sdDiff,
    se: d.se,
    t,
    df,
    p,
    level: d.level,
    ci: d.ci,
    wins: d.wins,
    ties: d.ties,
    losses: d.losses,
  };
}

/**
 * Smallest number of seeds n ≥ 2 for a two-sided paired t test at level α to reach the given power
 * against a true mean difference `effect` with per-seed difference spread `sd`, by the usual
 * t-quantile iteration (the noncentral t approximated by a shifted central t):
 *   n = min { n ≥ 2 : n ≥ ((t_{1−α/2, n−1} + t_{power, n−1}) · sd / |effect|)² }.
 * The search starts at the normal-quantile value ((z_{1−α/2} + z_power)·sd/effect)², a lower bound.
 * Example: effect = sd gives 10 (G*Power's exact answer for d = 1, 80% power, is also 10).
 * Infinity when effect = 0 or the answer exceeds `maxSeeds` (default 1e6); 2 when sd = 0 and effect ≠ 0.
 */
export function minimumSeedsFor(effect: number, sd: number, power = 0.8, alpha = 0.05, maxSeeds = 1e6): number {
  if (!Number.isFinite(effect)) throw new RangeError(`minimumSeedsFor: effect must be finite, got ${effect}`);
  if (!(sd >= 0 && Number.isFinite(sd))) throw new RangeError(`minimumSeedsFor: sd must be a finite number ≥ 0, got ${sd}`);
  if (!(power > 0 && power < 1)) throw new RangeError(`minimumSeedsFor: power must be strictly between 0 and 1, got ${power}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`minimumSeedsFor: alpha must be strictly between 0 and 1, got ${alpha}`);
  if (effect === 0) return Infinity;
  if (sd === 0) return 2;
  const ratio = sd / Math.abs(effect);
  const zSum = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  const start = Math.max(2, Math.ceil((zSum * ratio) ** 2));
  if (start > maxSeeds) return Infinity;
  for (let n = start; n <= maxSeeds; n++) {
    const need = ((studentTQuantile(1 - alpha / 2, n - 1) + studentTQuantile(power, n - 1)) * ratio) ** 2;
    if (n >= need) return n;
  }
  return Infinity;
}

// ---------------------------------------------------------------------------------------------------------
// Probabilistic and deflated Sharpe ratios
// ---------------------------------------------------------------------------------------------------------

export interface SharpeMoments {
  /** Number of returns. */
  n: number;
  /** Per-period (not annualised) Sharpe ratio mean(r)/std(r, ddof = 1); 0 for a flat series. */
  sharpe: number;
  /** Sample skewness γ₃ = m₃/m₂^{3/2}, central moments over n (scipy `skew`, bias=True); 0 for a flat series. */
  skew: number;
  /** Sample kurtosis γ₄ = m₄/m₂², NOT excess (scipy `kurtosis(fisher=False)`, bias=True); 3 for a flat series. */
  kurtosis: number;
}

/**
 * The inputs of the probabilistic Sharpe ratio. The Sharpe ratio is empyrical's (riskFree = 0, ddof = 1)
 * without the √P annualisation; skewness and kurtosis are the plug-in (biased) moment ratios, the
 * estimators scipy and pyfolio use (see perf.ts `skew`/`kurtosis`; kurtosis here is non-excess).
 * A flat series (spread ≤ FLAT_SPREAD) gets Sharpe 0 and the normal moments γ₃ = 0, γ₄ = 3 by
 * convention. Needs at least 2 finite returns.
 */
export function sharpeMoments(returns: ArrayLike<number>): SharpeMoments {
  const n = returns.length;
  if (n < 2) throw new RangeError(`sharpeMoments: got ${n} return${n === 1 ? '' : 's'}; need at least 2`);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = returns[i];
    if (!Number.isFinite(v)) throw new RangeError(`sharpeMoments: return ${i} is ${v}; returns must be finite`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi - lo <= FLAT_SPREAD) return { n, sharpe: 0, skew: 0, kurtosis: 3 };
  // The plug-in moments are perf.ts's (scipy's skew/kurtosis); the Sharpe ratio's sd is their ddof-1 version.
  const m = mean(returns);
  const { m2, m3, m4 } = centralMoments(returns);
  const sd = Math.sqrt((m2 * n) / (n - 1));
  return { n, sharpe: m / sd, skew: m3 / Math.pow(m2, 1.5), kurtosis: m4 / (m2 * m2) };
}

/** PSR from the moments: Φ((ŜR − SR*)·√(n − 1) / √(1 − γ₃ŜR + (γ₄ − 1)/4·ŜR²)). */
function psrFromMoments(mo: SharpeMoments, benchmarkSR: number): number {
  const num = (mo.sharpe - benchmarkSR) * Math.sqrt(mo.n - 1);
  const den = 1 - mo.skew * mo.sharpe + ((mo.kurtosis - 1) / 4) * mo.sharpe * mo.sharpe;
  // den ≥ (1 − γ₃ŜR/2)² ≥ 0 by Pearson's inequality γ₄ ≥ γ₃² + 1; it is 0 only for two-point samples.
  if (!(den > 0)) return num > 0 ? 1 : num < 0 ? 0 : 0.5;
  return normalCdf(num / Math.sqrt(den));
}

/**
 * Probabilistic Sharpe ratio (Bailey & López de Prado 2012, "The Sharpe Ratio Efficient Frontier"):
 * the probability that the true Sharpe ratio exceeds `benchmarkSR`, given the sample's length, skewness
 * and kurtosis,
 *   PSR(SR*) = Φ( (ŜR − SR*)·√(n − 1) / √(1 − γ₃·ŜR + (γ₄ − 1)/4·ŜR²) ),
 * with ŜR the PER-PERIOD Sharpe ratio and γ₃, γ₄ as in `sharpeMoments`. `benchmarkSR` is per period
 * too: an annual benchmark of 1 on daily data is 1/√252. For normal returns (γ₃ = 0, γ₄ = 3) the
 * denominator is √(1 + ŜR²/2).
 */
export function probabilisticSharpeRatio(returns: ArrayLike<number>, benchmarkSR = 0): number {
  if (!Number.isFinite(benchmarkSR)) throw new RangeError(`probabilisticSharpeRatio: benchmarkSR must be finite, got ${benchmarkSR}`);
  return psrFromMoments(sharpeMoments(returns), benchmarkSR);
}

/** Euler–Mascheroni constant γ. */
export const EULER_GAMMA = 0.5772156649015329;

/**
 * Expected maximum Sharpe ratio of N independent trials with true Sharpe 0 and variance V across trials
 * (Bailey & López de Prado 2014, "The Deflated Sharpe Ratio", eq. for SR₀, from the False Strategy theorem):
 *   SR₀ = √V · ((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e))),  γ = Euler–Mascheroni.
 * N = 1: no selection, SR₀ = 0 (the formula's Φ⁻¹(0) = −∞ is not meant for it). V = 0: SR₀ = 0.
 */
export function expectedMaxSharpe(nTrials: number, variance: number): number {
  if (!(Number.isInteger(nTrials) && nTrials >= 1)) throw new RangeError(`expectedMaxSharpe: nTrials must be an integer ≥ 1, got ${nTrials}`);
  if (!(variance >= 0 && Number.isFinite(variance))) throw new RangeError(`expectedMaxSharpe: variance must be a finite number ≥ 0, got ${variance}`);
  if (nTrials === 1 || variance === 0) return 0;
  return Math.sqrt(variance) * ((1 - EULER_GAMMA) * normalQuantile(1 - 1 / nTrials) + EULER_GAMMA * normalQuantile(1 - 1 / (nTrials * Math.E)));
}

export interface DeflatedSharpeOpts {
  /**
   * Effective number of independent trials N, default `trialsSharpe.length`. Pass a smaller number when
   * arms are near-duplicates (Bailey & López de Prado estimate it by clustering the trials).
   */
  nTrials?: number;
  /** Variance of the Sharpe ratios across trials; default the sample variance (ddof = 1) of trialsSharpe. */
  trialsVariance?: number;
}

export interface DeflatedSharpe {
  /** DSR = PSR(SR₀): the probability that the true Sharpe ratio beats the best of N unskilled trials. */
  dsr: number;
  /** PSR(0), for comparison: DSR ≤ PSR(0) whenever N > 1. */
  psr: number;
  /** SR₀, the per-period benchmark used (expected maximum Sharpe of N zero-skill trials). */
  benchmarkSR: number;
  /** The series' own per-period Sharpe ratio, skewness and (non-excess) kurtosis. */
  moments: SharpeMoments;
  nTrials: number;
  trialsVariance: number;
}

/**
 * Deflated Sharpe ratio (Bailey & López de Prado 2014): PSR evaluated at SR₀ = expectedMaxSharpe(N, V),
 * which corrects for having picked this series as the best of N tried (selection bias under multiple
 * testing) as well as for its length and non-normality. `trialsSharpe` holds the PER-PERIOD Sharpe ratios
 * of every arm tried, including this one; V is their sample variance (ddof = 1) unless given.
 * N = 1 means no deflation (SR₀ = 0, DSR = PSR(0)); zero variance across trials also gives SR₀ = 0.
 */
export function deflatedSharpeRatio(returns: ArrayLike<number>, trialsSharpe: ArrayLike<number>, opts: DeflatedSharpeOpts = {}): DeflatedSharpe {
  const who = 'deflatedSharpeRatio';
  if (trialsSharpe.length < 1) throw new RangeError(`${who}: trialsSharpe is empty; list the per-period Sharpe ratio of every arm tried (at least this one)`);
  for (let i = 0; i < trialsSharpe.length; i++) {
    if (!Number.isFinite(trialsSharpe[i])) throw new RangeError(`${who}: trialsSharpe[${i}] is ${trialsSharpe[i]}; must be finite`);
  }
  const nTrials = opts.nTrials ?? trialsSharpe.length;
  let trialsVariance = opts.trialsVariance;
  if (trialsVariance === undefined) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < trialsSharpe.length; i++) {
      lo = Math.min(lo, trialsSharpe[i]);
      hi = Math.max(hi, trialsSharpe[i]);
    }
    // Identical trials (or one): exactly 0, not the ~1e-35 rounding residue of a two-pass variance.
    if (trialsSharpe.length < 2 || lo === hi) trialsVariance = 0;
    else {
      const m = mean(trialsSharpe);
      let ss = 0;
      for (let i = 0; i < trialsSharpe.length; i++) ss += (trialsSharpe[i] - m) ** 2;
      trialsVariance = ss / (trialsSharpe.length - 1);
    }
  }
  const benchmarkSR = expectedMaxSharpe(nTrials, trialsVariance);
  const moments = sharpeMoments(returns);
  return {
    dsr: psrFromMoments(moments, benchmarkSR),
    psr: psrFromMoments(moments, 0),
    benchmarkSR,
    moments,
    nTrials,
    trialsVariance,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Block bootstrap of the difference of two daily return series on the same dates
// ---------------------------------------------------------------------------------------------------------

export type SeriesStatistic = (returns: Float64Array) => number;

export interface BlockBootstrapOpts {
  /**
   * Block length L (mean block length for 'stationary'). Default ⌈n^{1/3}⌉ (the n^{1/3} rate of
   * Hall, Horowitz & Jing 1995; 10 for 1,000 days). 'auto': Politis & White (2004) with the correction of
   * Patton, Politis & White (2009), see `politisWhiteBlockLength`, taking the larger of the two series'.
   */
  blockLength?: number | 'auto';
  /** Number of resamples, default 2000. */
  resamples?: number;
  /** Seed of `stream(seed, 'robust:block')`, default 0. */
  seed?: number;
  /** Interval coverage, default 0.95. */
  confidence?: number;
  /**
   * 'circular' (default; Politis & Romano 1992): ⌈n/L⌉ blocks of L consecutive days starting at uniform
   * positions, wrapping from the last day to the first, cut to n. 'stationary' (Politis & Romano 1994):
   * each day continues the current block with probability 1 − 1/L, else starts a new one at a uniform
   * position (geometric block lengths, mean L).
   */
  method?: 'circular' | 'stationary';
  /** For 'sharpe': periods per year of the annualisation √P, default 252 (crypto trades 365 days). */
  periodsPerYear?: number;
  /** For 'sharpe': per-period risk-free rate, default 0 (as pyfolio). */
  riskFree?: number;
  /**
   * Reuse each series' resampled statistics across calls (see `BootstrapCache`): the same results, to the
   * last bit, computed once per series instead of once per comparison. Only 'sharpe' and 'mean' are cached.
   */
  cache?: BootstrapCache;
}

/**
 * A memo for many `blockBootstrapDiff` calls over the same series (runStatistics compares each arm with
 * several bases): the resamples of a series depend only on its days, the seed, n, the block length, the
 * method and the count, so its B resampled statistics are computed once. Keyed by the series object: use
 * one cache only while the series it has seen are not modified.
 */
export class BootstrapCache {
  private readonly bySeries = new WeakMap<object, Map<string, Float64Array>>();

  get(series: object, key: string): Float64Array | undefined {
    return this.bySeries.get(series)?.get(key);
  }

  set(series: object, key: string, stats: Float64Array): void {
    let m = this.bySeries.get(series);
    if (!m) this.bySeries.set(series, (m = new Map()));
    m.set(key, stats);
  }
}

export interface BlockBootstrapResult {
  /** stat(a) − stat(b) on the original series. */
  estimate: number;
  /** Percentile interval of the resampled differences. */
  lo: number;
  hi: number;
  /**
   * Two-sided bootstrap p-value of H₀: stat(a) = stat(b), from the bootstrap distribution centred at the
   * estimate (Davison & Hinkley 1997, §4.4): p = (1 + #{b : |Δ*_b − Δ̂| ≥ |Δ̂|}) / (B + 1).
   * Never 0; 1 for identical series.
   */
  pValue: number;
  blockLength: number;
  resamples: number;
  seed: number;
  confidence: number;
  method: 'circular' | 'stationary';
}

/**
 * Automatic block length of Politis & White (2004), corrected by Patton, Politis & White (2009):
 * with ε = x − x̄, R̂(k) = (1/n) Σ_{t} εₜ εₜ₊ₖ and ρ̂(k) = R̂(k)/R̂(0),
 *  1. m̂ = the smallest m such that |ρ̂(m + j)| < 2√(log₁₀ n / n) for j = 1 … Kₙ, Kₙ = max(5, ⌈√log₁₀ n⌉)
 *     (searched up to ⌈√n⌉ + Kₙ lags); M = min(2·max(m̂, 1), ⌈√n⌉ + Kₙ);
 *  2. with the flat-top window λ(s) = 1 for |s| ≤ ½, 2(1 − |s|) for ½ < |s| ≤ 1,
 *     Ĝ = Σ_{|k|≤M} λ(k/M)|k| R̂(k) and ĝ = Σ_{|k|≤M} λ(k/M) R̂(k);
 *  3. b = (2Ĝ² / D̂)^{1/3} n^{1/3}, D̂ = (4/3)ĝ² (circular) or 2ĝ² (stationary),
 * clamped to [1, ⌈min(3√n, n/3)⌉] and rounded to the nearest integer. 1 for a constant series.
 */
export function politisWhiteBlockLength(x: ArrayLike<number>, method: 'circular' | 'stationary' = 'circular'): number {
  const n = x.length;
  if (n < 4) return 1;
  const m0 = mean(x);
  const eps = new Float64Array(n);
  for (let i = 0; i < n; i++) eps[i] = x[i] - m0;
  const kn = Math.max(5, Math.ceil(Math.sqrt(Math.log10(n))));
  const mMax = Math.ceil(Math.sqrt(n)) + kn;
  const maxLag = Math.min(mMax + kn, n - 1);
  const acv = new Float64Array(maxLag + 1);
  for (let k = 0; k <= maxLag; k++) {
    let s = 0;
    for (let t = 0; t + k < n; t++) s += eps[t] * eps[t + k];
    acv[k] = s / n;
  }
  if (!(acv[0] > 0)) return 1;
  const cv = 2 * Math.sqrt(Math.log10(n) / n);
  let mHat = -1;
  for (let m = 0; m + kn <= maxLag && m <= mMax; m++) {
    let allSmall = true;
    for (let j = 1; j <= kn; j++) {
      if (Math.abs(acv[m + j] / acv[0]) >= cv) {
        allSmall = false;
        break;
      }
    }
    if (allSmall) {
      mHat = m;
      break;
    }
  }
  const M = Math.min(mHat >= 0 ? 2 * Math.max(mHat, 1) : mMax, maxLag);
  let G = 0;
  let g = acv[0];
  for (let k = 1; k <= M; k++) {
    const s = k / M;
    const lam = s <= 0.5 ? 1 : 2 * (1 - s);
    G += 2 * lam * k * acv[k];
    g += 2 * lam * acv[k];
  }
  const D = (method === 'circular' ? 4 / 3 : 2) * g * g;
  const bMax = Math.ceil(Math.min(3 * Math.sqrt(n), n / 3));
  if (!(D > 0)) return 1;
  const b = Math.cbrt((2 * G * G) / D) * Math.cbrt(n);
  return Math.max(1, Math.min(bMax, Math.round(b)));
}

function resolveSeriesStatistic(statistic: 'sharpe' | 'mean' | SeriesStatistic, opts: BlockBootstrapOpts, who: string): SeriesStatistic {
  if (typeof statistic === 'function') return statistic;
  if (statistic === 'mean') return (r) => mean(r);
  if (statistic === 'sharpe') {
    const periodsPerYear = opts.periodsPerYear ?? 252;
    const riskFree = opts.riskFree ?? 0;
    if (!(periodsPerYear > 0 && Number.isFinite(periodsPerYear)))
      throw new RangeError(`${who}: periodsPerYear must be a positive number, got ${periodsPerYear}`);
    if (!Number.isFinite(riskFree)) throw new RangeError(`${who}: riskFree must be finite, got ${riskFree}`);
    return (r) => sharpeRatio(r, riskFree, periodsPerYear);
  }
  throw new RangeError(`${who}: statistic must be 'sharpe', 'mean' or a function, got ${String(statistic)}`);
}

/**
 * perf.ts `sharpeRatio` of src[idx[0]], src[idx[1]], … to the last bit (the same sums in the same order), read
 * through the indices instead of copied: the bootstrap computes it B times per series, and the copies were
 * most of a merge's time.
 */
function sharpeOfResample(src: Float64Array, idx: Int32Array, riskFree: number, periodsPerYear: number): number {
  const n = idx.length;
  if (n < 2) return NaN;
  let lo = Infinity;
  let hi = -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = src[idx[i]] - riskFree;
    if (e < lo) lo = e;
    if (e > hi) hi = e;
    sum += e;
  }
  if (hi - lo <= FLAT_SPREAD) return 0;
  const m = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = src[idx[i]] - riskFree - m;
    ss += d * d;
  }
  return (m / Math.sqrt(ss / (n - 1))) * Math.sqrt(periodsPerYear);
}

/**
 * stat(x*) of every resample x* of each series (all of the same length n), the resamples drawn from
 * `stream(seed, 'robust:block')` (see BlockBootstrapOpts.method): the same day indices for every series,
 * so paired series stay paired.
 */
function resampledStatistics(
  series: Float64Array[],
  stat: SeriesStatistic,
  blockLength: number,
  method: 'circular' | 'stationary',
  resamples: number,
  seed: number,
  sharpe: { riskFree: number; periodsPerYear: number } | null,
): Float64Array[] {
  const n = series[0].length;
  const rng = stream(seed, 'robust:block');
  const idx = new Int32Array(n);
  const bufs = series.map(() => new Float64Array(n));
  const out = series.map(() => new Float64Array(resamples));
  const pNew = 1 / blockLength;
  for (let r = 0; r < resamples; r++) {
    if (method === 'circular') {
      let i = 0;
      while (i < n) {
        let at = Math.floor(rng.next() * n);
        for (let k = 0; k < blockLength && i < n; k++, i++) {
          idx[i] = at;
          at = at + 1 === n ? 0 : at + 1;
        }
      }
    } else {
      let at = Math.floor(rng.next() * n);
      for (let i = 0; i < n; i++) {
        if (i > 0) at = rng.next() < pNew ? Math.floor(rng.next() * n) : at + 1 === n ? 0 : at + 1;
        idx[i] = at;
      }
    }
    for (let k = 0; k < series.length; k++) {
      const src = series[k];
      if (sharpe) {
        out[k][r] = sharpeOfResample(src, idx, sharpe.riskFree, sharpe.periodsPerYear);
        continue;
      }
      const buf = bufs[k];
      for (let i = 0; i < n; i++) buf[i] = src[idx[i]];
      out[k][r] = stat(buf);
    }
  }
  return out;
}

/**
 * Block bootstrap interval and p-value for stat(a) − stat(b), where a and b are two DAILY return series on
 * the same dates (an agent's and a baseline's, or two arms'). Days are resampled in blocks, and the same
 * day indices are used for a and b, so both the serial dependence within each series and the
 * day-by-day correlation between them (same market) are kept; the resampled difference Δ* is
 * stat(a*) − stat(b*).
 *
 * `statistic`: 'sharpe' (perf.ts `sharpeRatio`, annualised by √periodsPerYear, flat → 0), 'mean' (the
 * per-period mean return), or any function of one return series.
 * Interval: percentile of the B values of Δ*. p-value: see `BlockBootstrapResult.pValue`.
 * blockLength = 1 with 'circular' is the ordinary iid bootstrap of days.
 */
export function blockBootstrapDiff(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  statistic: 'sharpe' | 'mean' | SeriesStatistic = 'sharpe',
  opts: BlockBootstrapOpts = {},
): BlockBootstrapResult {
  const who = 'blockBootstrapDiff';
  const { resamples, seed, confidence } = checkedOpts({ resamples: opts.resamples, seed: opts.seed, confidence: opts.confidence }, who);
  const method = opts.method ?? 'circular';
  if (method !== 'circular' && method !== 'stationary') throw new RangeError(`${who}: method must be 'circular' or 'stationary', got ${String(method)}`);
  const n = a.length;
  if (b.length !== n) throw new RangeError(`${who}: a has ${n} days and b has ${b.length}; the series must share their dates`);
  if (n < 2) throw new RangeError(`${who}: need at least 2 days, got ${n}`);
  const av = new Float64Array(n);
  const bv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) throw new RangeError(`${who}: day ${i} has a non-finite return (a=${a[i]}, b=${b[i]})`);
    av[i] = a[i];
    bv[i] = b[i];
  }
  let blockLength: number;
  if (opts.blockLength === undefined) blockLength = Math.ceil(Math.cbrt(n) - 1e-9);
  else if (opts.blockLength === 'auto') blockLength = Math.max(politisWhiteBlockLength(av, method), politisWhiteBlockLength(bv, method));
  else blockLength = opts.blockLength;
  if (!(Number.isInteger(blockLength) && blockLength >= 1 && blockLength <= n)) {
    throw new RangeError(`${who}: blockLength must be an integer in [1, ${n}] or 'auto', got ${String(opts.blockLength)}`);
  }
  const stat = resolveSeriesStatistic(statistic, opts, who);
  const estimate = stat(av) - stat(bv);
  if (Number.isNaN(estimate)) throw new RangeError(`${who}: the statistic is NaN on the original series`);

  const cacheable = opts.cache !== undefined && typeof statistic === 'string';
  const key = `${statistic}|${n}|${blockLength}|${method}|${resamples}|${seed}|${opts.periodsPerYear ?? 252}|${opts.riskFree ?? 0}`;
  let sa = cacheable ? opts.cache!.get(a, key) : undefined;
  let sb = cacheable ? opts.cache!.get(b, key) : undefined;
  if (!sa || !sb) {
    const todo = [...(sa ? [] : [av]), ...(sb ? [] : [bv])];
    const sharpe = statistic === 'sharpe' ? { riskFree: opts.riskFree ?? 0, periodsPerYear: opts.periodsPerYear ?? 252 } : null;
    const got = resampledStatistics(todo, stat, blockLength, method, resamples, seed, sharpe);
    if (!sa) sa = got.shift()!;
    if (!sb) sb = got.shift()!;
    if (cacheable) {
      opts.cache!.set(a, key, sa);
      opts.cache!.set(b, key, sb);
    }
  }
  const diffs = new Float64Array(resamples);
  let extreme = 0;
  const absEst = Math.abs(estimate);
  for (let r = 0; r < resamples; r++) {
    const d = checkStatValue(sa[r] - sb[r], who, r);
    diffs[r] = d;
    if (Math.abs(d - estimate) >= absEst) extreme++;
  }
  const [lo, hi] = percentileInterval(diffs, confidence);
  return {
    estimate,
    lo,
    hi,
    pValue: (1 + extreme) / (resamples + 1),
    blockLength,
    resamples,
    seed,
    confidence,
    method,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The sentence
// ---------------------------------------------------------------------------------------------------------

export interface ComparisonInput {
  /** The arm being judged, as it should read in the sentence ("the conditioned agent with the macro overlay"). */
  arm: string;
  /** What it is compared with ("the same agent without it"). */
  baseline: string;
  /** Per-seed values of the arm and of the baseline, paired by index (same seed). */
  armValues: ArrayLike<number>;
  baselineValues: ArrayLike<number>;
  /** The multiplicity-adjusted p-value of this comparison (e.g. from `holmAdjust`). */
  adjustedP: number;
  /** The interval to print for the mean difference arm − baseline (e.g. `pairedTTest(...).ci`). */
  ci: readonly [number, number];
  /** Level of `ci`, default 0.95 (printed as "95% CI"). */
  ciLevel?: number;
  /** Family-wise significance level, default 0.05: significant iff adjustedP < alpha. */
  alpha?: number;
  /** Name of the metric after the Δ, default 'Sharpe'. */
  metric?: string;
  /** Decimals for the difference and the interval, default 2. */
  digits?: number;
  /** Power of the seed-count warning, default 0.8. */
  power?: number;
  /** How the p-value is named, default 'Holm-adjusted p'. */
  pLabel?: string;
  /**
   * Default true. false, for a comparison whose values do not vary by seed (two deterministic baselines,
   * where the interval and p come from a day bootstrap): the sentence reads "A against B: ΔSharpe …"
   * without the "beats … in w of n seeds" clause, and no seed-count warning is added.
   */
  seedCounts?: boolean;
}

export interface ComparisonFacts {
  sentence: string;
  n: number;
  wins: number;
  ties: number;
  losses: number;
  meanDiff: number;
  sdDiff: number;
  significant: boolean;
  /** Seeds needed for `power` at the observed mean difference and spread (minimumSeedsFor); NaN for n < 2. */
  seedsNeeded: number;
  /** The warning appended to the sentence, or null. */
  warning: string | null;
}

const MINUS = '\u2212';

function fmtNumber(x: number, digits: number, plus: boolean): string {
  if (!Number.isFinite(x)) return x > 0 ? '+∞' : x < 0 ? `${MINUS}∞` : 'n/a';
  const s = Math.abs(x).toFixed(digits);
  if (Number(s) === 0) return s;
  return x < 0 ? MINUS + s : plus ? `+${s}` : s;
}

/**
 * p to 2 decimals (3 below 0.1, "< 0.001" below 0.001), with more decimals whenever rounding would put the
 * printed value on the other side of α than the true one (so 0.0496 never prints as 0.05 next to
 * "significant").
 */
function fmtP(p: number, alpha: number): string {
  if (p < 0.001 && alpha > 0.001) return '< 0.001';
  let digits = p >= 0.1 ? 2 : 3;
  let s = p.toFixed(digits);
  while (digits < 8 && Number(s) < alpha !== p < alpha) s = p.toFixed(++digits);
  return `= ${s}`;
}

function fmtLevel(level: number): string {
  return `${Number((level * 100).toFixed(4))}%`;
}

/**
 * The comparison as numbers and as a sentence a reader can quote, e.g.
 *   "the conditioned agent with the macro overlay beats the same agent without it in 4 of 5 seeds;
 *    ΔSharpe +0.12, 95% CI [−0.05, 0.29], Holm-adjusted p = 0.31: not significant."
 * Δ is the mean over seeds of armᵢ − baselineᵢ; "beats … in w of n seeds" counts armᵢ > baselineᵢ (ties
 * are added as "(1 tie)"). "significant" iff adjustedP < α.
 *
 * Seed-count warning: when the result is not significant, the observed Δ is not 0 and
 * k = minimumSeedsFor(Δ, s_d, power, α) exceeds n, the sentence goes on
 *   " n seeds cannot rule out an effect of this size; about k seeds would be needed for 80% power at the
 *    observed effect and spread."
 * i.e. non-significance here is absence of evidence, not evidence of absence. (α is the family level; with
 * Holm the per-comparison level is smaller, so k is, if anything, an underestimate.) With one seed the
 * warning says no interval is possible.
 */
export function comparisonFacts(input: ComparisonInput): ComparisonFacts {
  const who = 'comparisonSentence';
  const alpha = input.alpha ?? 0.05;
  const power = input.power ?? 0.8;
  const digits = input.digits ?? 2;
  const ciLevel = input.ciLevel ?? 0.95;
  const metric = input.metric ?? 'Sharpe';
  const pLabel = input.pLabel ?? 'Holm-adjusted p';
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`${who}: alpha must be strictly between 0 and 1, got ${alpha}`);
  if (!(input.adjustedP >= 0 && input.adjustedP <= 1)) throw new RangeError(`${who}: adjustedP must be in [0, 1], got ${input.adjustedP}`);
  if (!(Number.isInteger(digits) && digits >= 0 && digits <= 10)) throw new RangeError(`${who}: digits must be an integer in [0, 10], got ${digits}`);
  if (input.ci.length !== 2) throw new RangeError(`${who}: ci must be [lo, hi]`);
  const d = pairedDiff(input.armValues, input.baselineValues);
  const significant = input.adjustedP < alpha;
  const tieText = d.ties === 0 ? '' : ` (${d.ties} tie${d.ties === 1 ? '' : 's'})`;
  const seedWord = (k: number): string => `${k} seed${k === 1 ? '' : 's'}`;
  const seedCounts = input.seedCounts ?? true;
  const opening = seedCounts ? `${input.arm} beats ${input.baseline} in ${d.wins} of ${seedWord(d.n)}${tieText}; ` : `${input.arm} against ${input.baseline}: `;
  let sentence =
    opening +
    `Δ${metric} ${fmtNumber(d.meanDiff, digits, true)}, ${fmtLevel(ciLevel)} CI [${fmtNumber(input.ci[0], digits, false)}, ${fmtNumber(input.ci[1], digits, false)}], ` +
    `${pLabel} ${fmtP(input.adjustedP, alpha)}: ${significant ? 'significant' : 'not significant'}.`;

  let warning: string | null = null;
  let seedsNeeded = NaN;
  if (!seedCounts) {
    if (d.n >= 2) seedsNeeded = minimumSeedsFor(d.meanDiff, d.sdDiff, power, alpha);
  } else if (d.n < 2) {
    warning = `${seedWord(d.n)} gives no spread and no interval: run at least 2 seeds, and more to claim anything.`;
  } else {
    seedsNeeded = minimumSeedsFor(d.meanDiff, d.sdDiff, power, alpha);
    if (!significant && d.meanDiff !== 0 && seedsNeeded > d.n) {
      const need = Number.isFinite(seedsNeeded) ? `about ${seedsNeeded} seeds` : 'more than a million seeds';
      warning =
        `${seedWord(d.n)} cannot rule out an effect of this size; ${need} would be needed for ` +
        `${Number((power * 100).toFixed(4))}% power at the observed effect and spread.`;
    }
  }
  if (warning) sentence += ` ${warning}`;
  return {
    sentence,
    n: d.n,
    wins: d.wins,
    ties: d.ties,
    losses: d.losses,
    meanDiff: d.meanDiff,
    sdDiff: d.sdDiff,
    significant,
    seedsNeeded,
    warning,
  };
}

/** `comparisonFacts(input).sentence`. */
export function comparisonSentence(input: ComparisonInput): string {
  return comparisonFacts(input).sentence;
}
