/**
 * The statistics of a comparison run (what `compare` reports), from per-seed results it already has:
 * per arm, bootstrap intervals of the mean and interquartile mean over seeds and the probabilistic and
 * deflated Sharpe ratios; per comparison (arm vs base), the paired t interval and p, the Holm-adjusted p
 * within each family (all arms tested against the same base), the probability of improvement with its
 * bootstrap interval, a block bootstrap over days where an arm is one deterministic path (a baseline), and
 * a sentence a reader can quote. See the README's "Statistics" section for the formulas and sources.
 */
import { dailyReturns, sharpeRatio } from './perf.ts';
import {
  blockBootstrapDiff,
  BootstrapCache,
  comparisonFacts,
  deflatedSharpeRatio,
  holmAdjust,
  interquartileMean,
  pairedTTest,
  probabilisticSharpeRatio,
  probabilityOfImprovementCI,
  sharpeMoments,
  stratifiedBootstrapCI,
  type BlockBootstrapResult,
  type BootstrapCI,
} from './robust.ts';
import { mean } from './stats.ts';

export interface ArmInput {
  name: string;
  /** Shown in sentences ("the agent with the macro overlay"); default the name. */
  label?: string;
  /** One account path for every seed (a baseline strategy, the index): no seed variation. */
  deterministic: boolean;
  /** Daily equity per seed, in the seed order of the run. */
  equity: readonly (readonly number[])[];
  /** A market index shown for reference (the DJIA): not counted as a trial by the DSR. */
  isIndex?: boolean;
}

export interface ComparisonSpec {
  arm: string;
  base: string;
}

export interface StatsOptions {
  /** Bootstrap resamples (seed bootstrap and block bootstrap), default 2000. */
  resamples?: number;
  /** Seed of the bootstrap streams, default 0. */
  seed?: number;
  periodsPerYear?: number;
  /** Block length of the day bootstrap; default ⌈n^(1/3)⌉. */
  blockLength?: number;
  alpha?: number;
}

export interface ArmStats {
  name: string;
  seeds: number;
  sharpe: { values: number[]; mean: BootstrapCI; iqm: BootstrapCI };
  annualReturn: { values: number[]; mean: BootstrapCI; iqm: BootstrapCI };
  /** Mean over seeds of PSR(0) and of the DSR (deflated by the number of arms in the run). */
  psr: number;
  dsr: number;
}

export interface ComparisonStats {
  arm: string;
  base: string;
  /** Family: the base (Holm runs within it). */
  n: number;
  meanDiff: number;
  ci: [number, number];
  /** The p the family's Holm adjustment used: the paired t test's, or the day bootstrap's where both arms are deterministic. */
  pRaw: number;
  pHolm: number;
  pSource: 'paired-t' | 'block-bootstrap';
  improvement: BootstrapCI;
  /**
   * Day block bootstrap of ΔSharpe (arm − base) on the seed-averaged daily returns, where one side is
   * deterministic; `seedsExcludingZero` counts the seeds whose own day bootstrap (min(resamples, 500)
   * resamples) excludes 0.
   */
  block?: BlockBootstrapResult & { seedsExcludingZero: number; seeds: number };
  significant: boolean;
  sentence: string;
  warning: string | null;
}

export interface RunStats {
  arms: ArmStats[];
  comparisons: ComparisonStats[];
  options: Required<Omit<StatsOptions, 'blockLength'>> & { blockLength: number | 'n^(1/3)' };
}

function returnsOf(equity: readonly number[]): Float64Array {
  return dailyReturns(equity, 'compare statistics');
}

function meanSeries(series: Float64Array[]): Float64Array {
  const out = new Float64Array(series[0].length);
  for (const s of series) for (let i = 0; i < out.length; i++) out[i] += s[i] / series.length;
  return out;
}

export function runStatistics(arms: readonly ArmInput[], comparisons: readonly ComparisonSpec[], opts: StatsOptions = {}): RunStats {
  const resamples = opts.resamples ?? 2000;
  const seed = opts.seed ?? 0;
  const ppy = opts.periodsPerYear ?? 252;
  const alpha = opts.alpha ?? 0.05;
  const byName = new Map(arms.map((a) => [a.name, a]));
  // One returns array per equity array: a baseline repeats its one path for every seed, and the bootstrap
  // cache below then resamples that path once.
  const returnsMemo = new Map<readonly number[], Float64Array>();
  const returnsOnce = (e: readonly number[]) => {
    let r = returnsMemo.get(e);
    if (!r) returnsMemo.set(e, (r = returnsOf(e)));
    return r;
  };
  const returns = new Map(arms.map((a) => [a.name, a.equity.map(returnsOnce)]));
  const nSeeds = arms[0]?.equity.length ?? 0;
  const sharpeOf = (name: string) => returns.get(name)!.map((r) => sharpeRatio(r, 0, ppy));
  const annualOf = (name: string) =>
    byName.get(name)!.equity.map((e) => {
      const total = e[e.length - 1] / e[0];
      return total > 0 ? total ** (ppy / (e.length - 1)) - 1 : -1;
    });
  const bopts = { resamples, seed };
  // Every arm meets several bases: its day resamples are drawn once (same bits as drawing them per pair).
  const cache = new BootstrapCache();
  const means = new Map<string, Float64Array>();
  const meanOf = (name: string) => {
    let m = means.get(name);
    if (!m) means.set(name, (m = meanSeries(returns.get(name)!)));
    return m;
  };
  // Per-period Sharpe of every arm tried in each seed (the index is not a trial): what the DSR deflates by.
  const trialArms = arms.filter((a) => !a.isIndex);
  const trialsBySeed = Array.from({ length: nSeeds }, (_, s) =>
    (trialArms.length ? trialArms : arms).map((a) => sharpeMoments(returns.get(a.name)![s]).sharpe),
  );
  const armStats: ArmStats[] = arms.map((a) => {
    const sh = sharpeOf(a.name);
    const ar = annualOf(a.name);
    const r = returns.get(a.name)!;
    const psr = mean(r.map((x) => probabilisticSharpeRatio(x, 0)));
    const dsr = mean(r.map((x, s) => deflatedSharpeRatio(x, trialsBySeed[s]).dsr));
    return {
      name: a.name,
      seeds: sh.length,
      sharpe: { values: sh, mean: stratifiedBootstrapCI(sh, 'mean', bopts), iqm: stratifiedBootstrapCI(sh, 'iqm', bopts) },
      annualReturn: { values: ar, mean: stratifiedBootstrapCI(ar, 'mean', bopts), iqm: stratifiedBootstrapCI(ar, 'iqm', bopts) },
      psr,
      dsr,
    };
  });

  const rows = comparisons.map((c) => {
    const A = byName.get(c.arm);
    const B = byName.get(c.base);
    if (!A || !B) throw new Error(`runStatistics: comparison ${c.arm} vs ${c.base} names an unknown arm`);
    const a = sharpeOf(c.arm);
    const b = sharpeOf(c.base);
    const t = pairedTTest(a, b);
    let block: ComparisonStats['block'];
    if (A.deterministic || B.deterministic) {
      const ra = returns.get(c.arm)!;
      const rb = returns.get(c.base)!;
      const bb = blockBootstrapDiff(meanOf(c.arm), meanOf(c.base), 'sharpe', { resamples, seed, periodsPerYear: ppy, blockLength: opts.blockLength, cache });
      // Per seed only where the arm varies by seed (a deterministic pair has one path).
      let excl = 0;
      const perSeed = A.deterministic && B.deterministic ? 1 : ra.length;
      for (let s = 0; s < perSeed; s++) {
        const x = blockBootstrapDiff(ra[s], rb[s], 'sharpe', {
          resamples: Math.min(resamples, 500),
          seed,
          periodsPerYear: ppy,
          blockLength: opts.blockLength,
          cache,
        });
        if (x.lo > 0 || x.hi < 0) excl++;
      }
      block = { ...bb, seedsExcludingZero: excl, seeds: perSeed };
    }
    const both = A.deterministic && B.deterministic;
    const pRaw = both ? block!.pValue : Number.isFinite(t.p) ? t.p : 1;
    return { c, A, B, a, b, t, block, pRaw, pSource: (both ? 'block-bootstrap' : 'paired-t') as ComparisonStats['pSource'] };
  });
  // Holm within each family (same base).
  const pHolm = new Array<number>(rows.length);
  for (const base of new Set(rows.map((r) => r.c.base))) {
    const idx = rows.map((r, i) => (r.c.base === base ? i : -1)).filter((i) => i >= 0);
    const adj = holmAdjust(idx.map((i) => rows[i].pRaw));
    idx.forEach((i, k) => (pHolm[i] = adj[k]));
  }
  const out: ComparisonStats[] = rows.map((r, i) => {
    const ci: [number, number] = r.pSource === 'block-bootstrap' ? [r.block!.lo, r.block!.hi] : r.t.ci;
    const facts = comparisonFacts({
      arm: r.A.label ?? r.c.arm,
      baseline: r.B.label ?? r.c.base,
      armValues: r.a,
      baselineValues: r.b,
      adjustedP: pHolm[i],
      ci: Number.isFinite(ci[0]) ? ci : [NaN, NaN],
      alpha,
      pLabel: r.pSource === 'block-bootstrap' ? 'Holm-adjusted day-bootstrap p' : 'Holm-adjusted p',
      // Two single paths: no seeds to count, the interval and p come from the day bootstrap.
      seedCounts: r.pSource !== 'block-bootstrap',
    });
    const sentence = facts.sentence;
    return {
      arm: r.c.arm,
      base: r.c.base,
      n: r.t.n,
      meanDiff: r.t.meanDiff,
      ci,
      pRaw: r.pRaw,
      pHolm: pHolm[i],
      pSource: r.pSource,
      improvement: probabilityOfImprovementCI(r.a, r.b, { ...bopts, paired: !(r.A.deterministic || r.B.deterministic) }),
      block: r.block,
      significant: pHolm[i] < alpha,
      sentence,
      warning: r.pSource === 'block-bootstrap' ? null : facts.warning,
    };
  });
  return { arms: armStats, comparisons: out, options: { resamples, seed, periodsPerYear: ppy, alpha, blockLength: opts.blockLength ?? 'n^(1/3)' } };
}

export { interquartileMean };
