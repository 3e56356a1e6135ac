/**
 * The built-in strategies and their one options schema (the CLI, `--config` files and `compare
 * --baselines` all read it). Each strategy is a small class over the estimators and optimisers; the
 * account mechanics live in execute.ts.
 */
import { z } from 'zod';
import { covariance, type CovMethod, type ReturnsWindow } from './estimators.ts';
import { eligibleFor, estimateDaily as estimate, scatter } from './strategy-helpers.ts';
import { hrp } from './hrp.ts';
import { meanVariance, type MvConstraints, type MvObjective, type SectorLimit } from './mean-variance.ts';
import { inverseVolatility, riskParity } from './risk-parity.ts';
import { SCORE_PRESET_OPTIONS, ScoreOptionsShape } from './score-options.ts';
import { makeScoreStrategy, SCORE_STRATEGY_NAMES } from './score-strategies.ts';
import { REBALANCE_FREQUENCIES, StrategyError, type BookDesign, type DecisionContext, type Strategy, type StrategyInputs, type Weights } from './strategy.ts';
import { TOPDOWN_PRESET_OPTIONS, TopDownOptionsShape } from './topdown/options.ts';
import { makeTopDownStrategy, TOPDOWN_STRATEGY_NAMES } from './topdown/index.ts';
import { formatIssues } from '../../src/validation.ts';

export const STRATEGY_NAMES = [
  'mvo',
  'min-variance',
  'finrl-mvo',
  'equal-weight',
  'buy-and-hold',
  'inverse-volatility',
  'risk-parity',
  'hrp',
  'momentum',
  ...SCORE_STRATEGY_NAMES,
  ...TOPDOWN_STRATEGY_NAMES,
] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export const OBJECTIVES = ['max-sharpe', 'min-variance', 'efficient-risk', 'efficient-return', 'max-utility'] as const;

const SectorLimitSchema = z
  .object({
    name: z.string().min(1).describe("a sector of the universe's map, or a group name when `tickers` is given"),
    tickers: z.array(z.string()).optional().describe("the group's tickers (default: every ticker the sector map puts in `name`)"),
    lower: z.number().optional().describe('minimum net weight of the group'),
    upper: z.number().optional().describe('maximum net weight of the group'),
  })
  .strict();

/** Every strategy option, with its default. Units: weights are fractions of equity; rates are annual. */
export const StrategyOptionsSchema = z
  .object({
    rebalance: z
      .enum(REBALANCE_FREQUENCIES)
      .default('monthly')
      .describe('decision days: daily | weekly | monthly | quarterly | never (first trading day of each period)'),
    window: z.number().int().min(2).default(252).describe("estimation window, daily returns ending with the decision day's"),
    mu: z.enum(['mean', 'ema']).default('mean').describe('expected returns: arithmetic mean | exponentially weighted mean'),
    emaSpan: z.number().int().positive().optional().describe('span of the ema estimator, days (default: the window)'),
    cov: z
      .enum(['sample', 'ledoit-wolf', 'ledoit-wolf-identity', 'ewma'])
      .default('ledoit-wolf')
      .describe('covariance: sample | Ledoit–Wolf toward constant correlation | Ledoit–Wolf toward scaled identity | EWMA (λ 0.94)'),
    objective: z.enum(OBJECTIVES).default('max-sharpe').describe('mean-variance objective'),
    riskFree: z.number().default(0).describe('annual risk-free rate for max-sharpe (stated in every report)'),
    targetVolatility: z.number().positive().optional().describe('efficient-risk: annual volatility target'),
    targetReturn: z.number().optional().describe('efficient-return: annual return target'),
    riskAversion: z.number().positive().default(1).describe('max-utility: risk aversion δ in μᵀw − δ/2·wᵀΣw'),
    minWeight: z.number().default(0).describe('per-asset lower bound (negative allows shorts)'),
    maxWeight: z.number().default(1).describe('per-asset upper bound'),
    net: z.number().default(1).describe('net exposure Σw (1 fully invested, 0 market-neutral)'),
    gross: z.number().positive().optional().describe('gross exposure limit Σ|w| (required with shorts, e.g. 1.6 for 130/30)'),
    sectors: z.array(SectorLimitSchema).default([]).describe('sector or group limits on net weight'),
    sectorMax: z.number().positive().optional().describe("the same upper limit for every sector of the universe's map"),
    l2: z.number().min(0).default(0).describe('L2 penalty γ·‖w‖² (diversification)'),
    lookback: z.number().int().positive().default(252).describe('momentum: trailing window, days'),
    skip: z.number().int().min(0).default(21).describe('momentum: most recent days skipped (the 12-1 convention skips a month)'),
    topK: z.number().int().positive().default(5).describe('momentum: names held long (and short)'),
    shortBottom: z.boolean().default(false).describe('momentum: also short the bottom k'),
    leverage: z
      .number()
      .positive()
      .default(1)
      .describe("long exposure of the long-only rules (equal-weight, buy-and-hold, inverse-volatility, risk-parity, hrp, momentum's long side)"),
    estimation: z.string().optional().describe("finrl-mvo: fixed estimation period START:END (default 2009-01-01:2018-12-31, the paper's training period)"),
    onSolverFailure: z
      .enum(['error', 'hold', 'equal'])
      .default('error')
      .describe('when an optimiser fails on a date: stop | hold the previous weights | equal weights (each recorded)'),
    ...ScoreOptionsShape,
    ...TopDownOptionsShape,
  })
  .strict();
export type StrategyOptions = z.infer<typeof StrategyOptionsSchema>;
export type StrategyOptionsInput = z.input<typeof StrategyOptionsSchema>;

/** The options a named preset fixes (finrl-mvo), merged under the user's. */
const PRESET_OPTIONS: Partial<Record<StrategyName, StrategyOptionsInput>> = {
  'finrl-mvo': { objective: 'max-sharpe', maxWeight: 0.5, minWeight: 0, mu: 'mean', cov: 'sample', rebalance: 'never', riskFree: 0 },
  'min-variance': { objective: 'min-variance' },
  'buy-and-hold': { rebalance: 'never' },
  // The score strategies' published bounds (Chapter 74: held assets in [0.02, 0.30]; its MVO at most 0.30).
  ...SCORE_PRESET_OPTIONS,
  // The sector allocation and its benchmarks as published: daily decisions, a 63-day price signal.
  ...TOPDOWN_PRESET_OPTIONS,
};

/**
 * The preset's options under the given ones (a key the caller gave wins; the schema's defaults fill the
 * rest only after this), so `finrl-mvo` means bounds [0, 0.5], sample Σ, mean μ, bought once.
 */
export function withPreset<T extends Record<string, unknown>>(name: string, given: T): T {
  const preset = isStrategyName(name) ? (PRESET_OPTIONS[name] ?? {}) : {};
  const out: Record<string, unknown> = { ...preset };
  for (const [k, v] of Object.entries(given)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** Options of a strategy: its preset's, then the given ones, validated. */
export function strategyOptions(name: StrategyName, given: StrategyOptionsInput = {}): StrategyOptions {
  const parsed = StrategyOptionsSchema.safeParse(withPreset(name, given as Record<string, unknown>));
  if (!parsed.success) {
    throw new StrategyError(`strategy ${name}: ${formatIssues(parsed.error, { first: true, whole: 'option "(options)"', quote: true, label: 'option' })}`);
  }
  return parsed.data;
}

export function isStrategyName(s: string): s is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(s);
}

/** A strategy by name with its options (the registry `backtest --strategy` and `compare --baselines` read). */
export function makeStrategy(name: string, given: StrategyOptionsInput = {}, inputs: StrategyInputs = {}): Strategy & { options: StrategyOptions } {
  if (!isStrategyName(name)) throw new StrategyError(`unknown strategy "${name}": expected one of ${STRATEGY_NAMES.join(', ')}`);
  const o = strategyOptions(name, given);
  switch (name) {
    case 'mvo':
    case 'min-variance':
    case 'finrl-mvo':
      return new MeanVarianceStrategy(name, o);
    case 'equal-weight':
    case 'buy-and-hold':
      return new EqualWeightStrategy(name, o);
    case 'inverse-volatility':
    case 'risk-parity':
    case 'hrp':
      return new RiskBasedStrategy(name, o);
    case 'momentum':
      return new MomentumStrategy(o);
  }
  if ((SCORE_STRATEGY_NAMES as readonly string[]).includes(name)) return makeScoreStrategy(name as (typeof SCORE_STRATEGY_NAMES)[number], o, inputs);
  return makeTopDownStrategy(name as (typeof TOPDOWN_STRATEGY_NAMES)[number], o, inputs);
}

// --- mean-variance -----------------------------------------------------------------------------------

export class MeanVarianceStrategy implements Strategy {
  readonly design: BookDesign;
  readonly rebalance?: 'never';
  /** Covariance repairs and other estimator notes, by date (reported, never silent). */
  readonly notes: string[] = [];
  constructor(
    readonly name: StrategyName,
    readonly options: StrategyOptions,
  ) {
    // min-variance is mean-variance with that objective by definition; FinRL's MVO is bought once and held.
    if (name === 'min-variance' && options.objective !== 'min-variance') this.options = options = { ...options, objective: 'min-variance' };
    if (name === 'finrl-mvo') this.rebalance = 'never';
    const o = options;
    if (o.minWeight > o.maxWeight) throw new StrategyError(`${name}: minWeight ${o.minWeight} > maxWeight ${o.maxWeight}`);
    if (o.minWeight < 0) {
      if (o.gross === undefined)
        throw new StrategyError(
          `${name}: shorts are allowed (minWeight ${o.minWeight} < 0) but no gross exposure limit is set: give gross (e.g. 1.6 for 130/30, 2 for a market-neutral 100/100), or the optimiser may lever without bound`,
        );
      if (o.gross < Math.abs(o.net)) throw new StrategyError(`${name}: gross ${o.gross} < |net| ${Math.abs(o.net)}`);
      this.design = { long: (o.gross + o.net) / 2, short: (o.gross - o.net) / 2 };
    } else {
      if (!(o.net > 0)) throw new StrategyError(`${name}: a long-only portfolio needs net exposure > 0, got ${o.net}`);
      this.design = { long: o.net, short: 0 };
    }
    if (o.objective === 'efficient-risk' && o.targetVolatility === undefined)
      throw new StrategyError(`${name}: objective efficient-risk needs targetVolatility (annual)`);
    if (o.objective === 'efficient-return' && o.targetReturn === undefined)
      throw new StrategyError(`${name}: objective efficient-return needs targetReturn (annual)`);
  }

  describe(): string {
    const o = this.options;
    const obj =
      o.objective === 'max-sharpe'
        ? `max-Sharpe (risk-free ${(o.riskFree * 100).toFixed(2)}%/yr)`
        : o.objective === 'efficient-risk'
          ? `efficient-risk (target volatility ${(o.targetVolatility! * 100).toFixed(1)}%/yr)`
          : o.objective === 'efficient-return'
            ? `efficient-return (target ${(o.targetReturn! * 100).toFixed(1)}%/yr)`
            : o.objective === 'max-utility'
              ? `max-utility (δ = ${o.riskAversion})`
              : 'minimum variance';
    const est = this.name === 'finrl-mvo' ? `fixed estimation period ${o.estimation ?? DEFAULT_ESTIMATION}` : `${o.window}-day window`;
    const bounds = `weights in [${o.minWeight}, ${o.maxWeight}], net ${o.net}${o.gross !== undefined ? `, gross ≤ ${o.gross}` : ''}${o.sectorMax !== undefined ? `, every sector ≤ ${o.sectorMax}` : ''}${o.sectors.length ? `, ${o.sectors.length} sector limit(s)` : ''}${o.l2 ? `, L2 γ = ${o.l2}` : ''}`;
    return `${this.name}: ${obj}, μ ${o.mu}, Σ ${o.cov}, ${est}, ${bounds}, rebalanced ${o.rebalance}`;
  }

  decide(ctx: DecisionContext): Weights {
    const o = this.options;
    const h = ctx.history;
    let r: ReturnsWindow;
    let idx: number[];
    if (this.name === 'finrl-mvo') {
      const [from, to] = (o.estimation ?? DEFAULT_ESTIMATION).split(':');
      if (!(to < ctx.date))
        throw new StrategyError(
          `finrl-mvo: the estimation period ${o.estimation ?? DEFAULT_ESTIMATION} must end before the decision day ${ctx.date} (look-ahead)`,
          ctx.date,
        );
      const first = firstRowOnOrAfter(h, from);
      const last = h.rowOnOrBefore(to);
      if (last - first < 2)
        throw new StrategyError(`finrl-mvo: the estimation period ${o.estimation ?? DEFAULT_ESTIMATION} holds fewer than 3 trading days of the data`, ctx.date);
      idx = [];
      for (let i = 0; i < h.n; i++) {
        let ok = true;
        for (let row = first; row <= last && ok; row++) ok = h.isAvailable(row, i);
        if (ok) idx.push(i);
      }
      r = returnsBetweenRows(h, first, last, idx);
    } else {
      idx = eligibleFor(ctx, o.window, this.name);
      r = h.returns(o.window, idx);
    }
    const est = estimate(r, o);
    if (est.note) this.notes.push(`${ctx.date}: ${est.note}`);
    const objective: MvObjective =
      o.objective === 'max-sharpe'
        ? { kind: 'max-sharpe', riskFree: o.riskFree }
        : o.objective === 'efficient-risk'
          ? { kind: 'efficient-risk', targetVolatility: o.targetVolatility! }
          : o.objective === 'efficient-return'
            ? { kind: 'efficient-return', targetReturn: o.targetReturn! }
            : o.objective === 'max-utility'
              ? { kind: 'max-utility', riskAversion: o.riskAversion }
              : { kind: 'min-variance' };
    const constraints: MvConstraints = { lower: o.minWeight, upper: o.maxWeight, net: o.net, l2: o.l2 || undefined };
    if (o.gross !== undefined) constraints.gross = o.gross;
    const sectors = sectorLimits(o, ctx, idx, h.tickers);
    if (sectors.length) constraints.sectors = sectors;
    try {
      const res = meanVariance(est.mu, est.cov, objective, constraints, { periodsPerYear: ctx.periodsPerYear });
      return scatter(h.n, idx, res.weights);
    } catch (e) {
      throw new StrategyError(`${this.name} on ${ctx.date}: ${(e as Error).message}`, ctx.date);
    }
  }
}

const DEFAULT_ESTIMATION = '2009-01-01:2018-12-31';

function firstRowOnOrAfter(h: DecisionContext['history'], date: string): number {
  const before = h.rowOnOrBefore(date);
  if (before >= 0 && h.dateAt(before) === date) return before;
  return before + 1;
}

function returnsBetweenRows(h: DecisionContext['history'], first: number, last: number, idx: readonly number[]): ReturnsWindow {
  const T = last - first;
  const N = idx.length;
  const data = new Float64Array(T * N);
  for (let r = 0; r < T; r++) {
    for (let j = 0; j < N; j++) data[r * N + j] = h.closeAt(first + r + 1, idx[j]) / h.closeAt(first + r, idx[j]) - 1;
  }
  return { T, N, data };
}

/** Sector limits in the optimiser's index space; an unknown ticker or sector is an error. */
function sectorLimits(o: StrategyOptions, ctx: DecisionContext, idx: readonly number[], tickers: readonly string[]): SectorLimit[] {
  const out: SectorLimit[] = [];
  const pos = new Map(idx.map((i, j) => [tickers[i], j]));
  const map = ctx.sectorOf;
  const members = (name: string, list?: string[]): number[] => {
    if (list) {
      for (const t of list)
        if (!tickers.includes(t)) throw new StrategyError(`sector limit "${name}": unknown ticker ${t} (the universe has ${tickers.join(', ')})`, ctx.date);
      return list.filter((t) => pos.has(t)).map((t) => pos.get(t)!);
    }
    if (!map) throw new StrategyError(`sector limit "${name}": the universe has no sector map; list the group's tickers`, ctx.date);
    const inSector = tickers.filter((t) => map[t] === name);
    if (inSector.length === 0)
      throw new StrategyError(
        `sector limit "${name}": no ticker of the universe is in that sector (sectors: ${[...new Set(Object.values(map))].sort().join(', ')})`,
        ctx.date,
      );
    return inSector.filter((t) => pos.has(t)).map((t) => pos.get(t)!);
  };
  for (const s of o.sectors) {
    const m = members(s.name, s.tickers);
    if (m.length) out.push({ name: s.name, members: m, lower: s.lower, upper: s.upper });
    else if (s.lower !== undefined && s.lower > 0)
      throw new StrategyError(`sector limit "${s.name}": lower bound ${s.lower} but none of its tickers trades on ${ctx.date}`, ctx.date);
  }
  if (o.sectorMax !== undefined) {
    if (!map) throw new StrategyError('sectorMax: the universe has no sector map', ctx.date);
    for (const name of [...new Set(tickers.map((t) => map[t]).filter(Boolean))].sort()) {
      if (o.sectors.some((s) => s.name === name)) continue;
      const m = members(name);
      if (m.length) out.push({ name, members: m, upper: o.sectorMax });
    }
  }
  return out;
}

// --- rules -------------------------------------------------------------------------------------------

export class EqualWeightStrategy implements Strategy {
  readonly design: BookDesign;
  readonly rebalance?: 'never';
  constructor(
    readonly name: StrategyName,
    readonly options: StrategyOptions,
  ) {
    this.design = { long: options.leverage, short: 0 };
    if (name === 'buy-and-hold') this.rebalance = 'never';
  }

  describe(): string {
    return this.name === 'buy-and-hold'
      ? `buy-and-hold: equal weights bought on the first day and held (long ${this.options.leverage}×)`
      : `equal-weight: 1/N over the tradable tickers, rebalanced ${this.options.rebalance} (long ${this.options.leverage}×)`;
  }

  decide(ctx: DecisionContext): Weights {
    const idx = ctx.history.eligible(1);
    if (idx.length === 0) throw new StrategyError(`${this.name}: no ticker trades on ${ctx.date}`, ctx.date);
    return scatter(ctx.history.n, idx, new Float64Array(idx.length).fill(this.options.leverage / idx.length));
  }
}

export class RiskBasedStrategy implements Strategy {
  readonly design: BookDesign;
  readonly notes: string[] = [];
  constructor(
    readonly name: StrategyName,
    readonly options: StrategyOptions,
  ) {
    this.design = { long: options.leverage, short: 0 };
  }

  describe(): string {
    const what =
      this.name === 'inverse-volatility'
        ? 'weights ∝ 1/σᵢ'
        : this.name === 'risk-parity'
          ? 'equal risk contributions wᵢ(Σw)ᵢ (long-only, fully invested)'
          : 'hierarchical risk parity (single linkage, recursive bisection)';
    return `${this.name}: ${what}, Σ ${this.options.cov}, ${this.options.window}-day window, rebalanced ${this.options.rebalance} (long ${this.options.leverage}×)`;
  }

  decide(ctx: DecisionContext): Weights {
    const o = this.options;
    const idx = eligibleFor(ctx, o.window, this.name);
    const r = ctx.history.returns(o.window, idx);
    const c = covariance(r, o.cov as CovMethod);
    if (c.repaired) this.notes.push(`${ctx.date}: ${c.repairNote ?? 'covariance repaired to PSD'}`);
    const n = idx.length;
    let w: ArrayLike<number>;
    try {
      w = this.name === 'inverse-volatility' ? inverseVolatility(c.cov, n) : this.name === 'risk-parity' ? riskParity(c.cov, n).weights : hrp(c.cov, n);
    } catch (e) {
      throw new StrategyError(`${this.name} on ${ctx.date}: ${(e as Error).message}`, ctx.date);
    }
    return scatter(ctx.history.n, idx, w, o.leverage);
  }
}

/**
 * Cross-sectional momentum: rank on the trailing return from t − lookback to t − skip (the last `skip`
 * days left out: the short-term reversal); long the top k at equal weight, optionally short the bottom k.
 */
export class MomentumStrategy implements Strategy {
  readonly name = 'momentum';
  readonly design: BookDesign;
  constructor(readonly options: StrategyOptions) {
    if (options.skip >= options.lookback) throw new StrategyError(`momentum: skip (${options.skip}) must be shorter than lookback (${options.lookback})`);
    this.design = { long: options.leverage, short: options.shortBottom ? options.leverage : 0 };
  }

  describe(): string {
    const o = this.options;
    return `momentum: trailing ${o.lookback}-day return skipping the last ${o.skip}, long the top ${o.topK}${o.shortBottom ? `, short the bottom ${o.topK}` : ''}, equal weights, rebalanced ${o.rebalance}`;
  }

  decide(ctx: DecisionContext): Weights {
    const o = this.options;
    const h = ctx.history;
    const idx = eligibleFor(ctx, o.lookback, 'momentum');
    const k = Math.min(o.topK, o.shortBottom ? Math.floor(idx.length / 2) : idx.length);
    if (k < 1)
      throw new StrategyError(
        `momentum: ${idx.length} tradable ticker(s) on ${ctx.date} cannot fill top ${o.topK}${o.shortBottom ? ' and bottom' : ''}`,
        ctx.date,
      );
    const score = idx.map((i) => ({ i, r: h.closeAt(h.t - o.skip, i) / h.closeAt(h.t - o.lookback, i) - 1 }));
    // Ties broken by ticker order, so the ranking is deterministic.
    score.sort((a, b) => b.r - a.r || a.i - b.i);
    const w = new Float64Array(h.n);
    for (let j = 0; j < k; j++) w[score[j].i] = o.leverage / k;
    if (o.shortBottom) for (let j = 0; j < k; j++) w[score[score.length - 1 - j].i] = -o.leverage / k;
    return w;
  }
}
