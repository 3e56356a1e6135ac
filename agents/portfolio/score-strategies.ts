/**
 * The score strategies: portfolios built from asset scores (ScoreBook, or the price-momentum stand-in).
 *
 * - llm-score: Chapter 74's score-proportional allocation (portfolio_engine.py generate_portfolio): the
 *   top maxAssets assets with composite ≥ minScore, weights ∝ composite, bounded per held asset. Rule
 *   `capped` (default) is the exact projection onto the capped simplex; `published` is the chapter's
 *   clamp-then-renormalise, which breaks its own max (see score-rules.ts).
 * - llm-mvo: Chapter 74's MeanVarianceOptimizer blend μ_adj = (1 − b)·μ + b·z(composite)·scale with μ the
 *   ANNUAL mean return (μ_daily × periodsPerYear), b = scoreBlend 0.3, scale = scoreScale 0.01: the score
 *   term moves an asset's annual expected return by ±0.3% per cross-sectional σ of its composite. The
 *   published code does not say μ's units; its example passes annual returns (0.30, 0.25, …), so annual it
 *   is (on daily μ the same term would dominate). Then the existing mean-variance layer (default max-Sharpe)
 *   on the scored assets. Long-only as published; where the published code silently turns a long/short
 *   request into long-only (max(0, w), renormalised), this one refuses minWeight < 0 with an error.
 * - black-litterman: black-litterman.ts.
 *
 * Unscored assets (no record in force, or not trading) get weight 0, never a default score of 5.
 * llm-mvo and black-litterman estimate μ and Σ once per decision on every asset with a full window and
 * restrict them to the scored ones (one Σ for every persona's portfolio; for Ledoit–Wolf the shrinkage
 * is that of the full eligible set).
 */
import { BlackLittermanStrategy, subEstimate } from './black-litterman.ts';
import { meanVariance, type MvConstraints, type MvObjective } from './mean-variance.ts';
import { crossSectionalZ, scoreRuleWeights } from './score-rules.ts';
import type { AssetScore } from '../../overlays/scoring/record.ts';
import { scoreSource, type ScoreSource } from './score-source.ts';
import {
  averageWeights,
  eligibleFor,
  estimateDaily,
  foreignNote,
  mvDesign,
  mvObjective,
  objectiveWords,
  round,
  scatter,
  scoreNote,
  weightsNote,
} from './strategy-helpers.ts';
import type { StrategyOptions } from './strategies.ts';
import { StrategyError, type BookDesign, type DecisionContext, type DecisionNote, type Strategy, type StrategyInputs, type Weights } from './strategy.ts';

export const SCORE_STRATEGY_NAMES = ['llm-score', 'llm-mvo', 'black-litterman'] as const;
export type ScoreStrategyName = (typeof SCORE_STRATEGY_NAMES)[number];

export function makeScoreStrategy(name: ScoreStrategyName, options: StrategyOptions, inputs: StrategyInputs): Strategy & { options: StrategyOptions } {
  switch (name) {
    case 'llm-score':
      return new LlmScoreStrategy(options, inputs);
    case 'llm-mvo':
      return new LlmMvoStrategy(options, inputs);
    case 'black-litterman':
      return new BlackLittermanStrategy(options, inputs);
    default:
      throw new StrategyError(`unknown score strategy "${name as string}": expected one of ${SCORE_STRATEGY_NAMES.join(', ')}`);
  }
}

/** The scores of one snapshot restricted to the given positions (unscored left out). */
function scoredMembers(ctx: DecisionContext, idx: readonly number[], scores: Map<string, unknown>): { members: number[]; unscored: string[] } {
  const h = ctx.history;
  const members = idx.filter((i) => scores.has(h.tickers[i]));
  const unscored = idx.filter((i) => !scores.has(h.tickers[i])).map((i) => h.tickers[i]);
  return { members, unscored };
}

/** What a rule makes of one snapshot's scored assets: its weights and what the journal should say. */
interface SnapshotDecision {
  weights: Weights;
  note: Record<string, unknown>;
}

/**
 * The decision loop llm-score and llm-mvo share: one portfolio per score snapshot (one, or one per persona
 * for `portfolios`), averaged; every decision journaled, a failing one with its error before it is passed
 * on. `candidates` (run inside the journaled part, so its errors are recorded too) gives the positions a
 * rule may hold; `rule` builds one snapshot's weights from its scored members.
 */
function decideOverSnapshots<C>(
  who: string,
  ctx: DecisionContext,
  source: ScoreSource,
  note: DecisionNote,
  journal: DecisionNote[],
  what: string,
  candidates: () => { idx: readonly number[]; extra: C },
  rule: (members: number[], scores: AssetScore[], prefix: string, extra: C, notes: string[]) => SnapshotDecision,
): Weights {
  const h = ctx.history;
  const parts: Weights[] = [];
  const personaNotes: Record<string, unknown>[] = [];
  const notes: string[] = [];
  try {
    const { idx, extra } = candidates();
    for (const snap of source.snapshots(h)) {
      const prefix = snap.persona === null ? '' : `persona ${snap.persona}: `;
      const foreign = foreignNote(snap.scores, h.tickers, prefix);
      if (foreign) notes.push(foreign);
      const { members, unscored } = scoredMembers(ctx, idx, snap.scores);
      if (members.length === 0) {
        notes.push(`${prefix}no ${what} asset is scored on ${ctx.date}`);
        continue;
      }
      const scores = members.map((i) => snap.scores.get(h.tickers[i])!);
      const d = rule(members, scores, prefix, extra, notes);
      parts.push(d.weights);
      personaNotes.push({
        ...(snap.persona !== null ? { persona: snap.persona } : {}),
        scores: scores.map(scoreNote),
        ...(unscored.length ? { unscored } : {}),
        ...d.note,
        ...(snap.persona !== null ? { weights: weightsNote(h.tickers, d.weights) } : {}),
      });
    }
    if (parts.length === 0)
      throw new StrategyError(
        `${who} on ${ctx.date}: no ${what} asset is scored (${source.name}); unscored assets get no weight, never a default score`,
        ctx.date,
      );
  } catch (e) {
    note.error = (e as Error).message;
    if (notes.length) note.notes = notes;
    journal.push(note);
    throw e instanceof StrategyError ? e : new StrategyError(`${who} on ${ctx.date}: ${(e as Error).message}`, ctx.date);
  }
  const w = averageWeights(parts, h.n);
  note.decisions = personaNotes;
  if (parts.length > 1) note.personaAggregation = 'portfolios: weights averaged over personas';
  note.weights = weightsNote(h.tickers, w);
  if (notes.length) note.notes = notes;
  journal.push(note);
  return w;
}

// --- llm-score ---------------------------------------------------------------------------------------

export class LlmScoreStrategy implements Strategy {
  readonly name = 'llm-score';
  readonly design: BookDesign;
  readonly cheating: boolean;
  private readonly source: ScoreSource;
  private readonly notesByDate: DecisionNote[] = [];

  constructor(
    readonly options: StrategyOptions,
    inputs: StrategyInputs,
  ) {
    const o = options;
    if (o.minWeight < 0) throw new StrategyError(`llm-score is long-only: minWeight ${o.minWeight} < 0 is not allowed (use black-litterman or mvo for shorts)`);
    if (o.minWeight > o.maxWeight) throw new StrategyError(`llm-score: minWeight ${o.minWeight} > maxWeight ${o.maxWeight}`);
    this.design = { long: o.leverage, short: 0 };
    this.source = scoreSource(inputs, o.personaAggregation, this.name);
    this.cheating = this.source.cheating;
  }

  describe(): string {
    const o = this.options;
    const rule =
      o.scoreRule === 'capped'
        ? `weights ∝ composite score (1–10) of the top ${o.maxAssets} assets with composite ≥ ${o.minScore}, projected exactly onto {Σw = ${o.leverage}, ${o.minWeight} ≤ w ≤ ${o.maxWeight}} (nearest in Euclidean distance; infeasible bounds are an error)`
        : `Chapter 74's published rule: the top ${o.maxAssets} assets with composite ≥ ${o.minScore} (all assets when none passes), weights ∝ composite clamped to [${o.minWeight}, ${o.maxWeight}] and renormalised once (can break maxWeight), × ${o.leverage}`;
    return `llm-score: ${rule}; unscored assets 0; ${this.source.description}; weights are fractions of equity, rebalanced ${o.rebalance}`;
  }

  journal(): readonly DecisionNote[] {
    return this.notesByDate;
  }

  decide(ctx: DecisionContext): Weights {
    const o = this.options;
    const h = ctx.history;
    const note: DecisionNote = {
      date: ctx.date,
      strategy: this.name,
      source: this.source.name,
      rule: o.scoreRule,
      minScore: o.minScore,
      maxAssets: o.maxAssets,
      bounds: [o.minWeight, o.maxWeight],
      exposure: o.leverage,
    };
    return decideOverSnapshots(
      this.name,
      ctx,
      this.source,
      note,
      this.notesByDate,
      'trading',
      () => ({ idx: h.eligible(1), extra: null }),
      (members, scores, prefix, _extra, notes) => {
        const r = scoreRuleWeights(
          o.scoreRule,
          scores.map((s) => s.composite),
          { minScore: o.minScore, maxAssets: o.maxAssets, total: o.leverage, lower: o.minWeight, upper: o.maxWeight },
        );
        notes.push(...r.notes.map((x) => prefix + x));
        return { weights: scatter(h.n, members, r.weights), note: { selected: r.selected.map((j) => scores[j].ticker) } };
      },
    );
  }
}

// --- llm-mvo -----------------------------------------------------------------------------------------

export class LlmMvoStrategy implements Strategy {
  readonly name = 'llm-mvo';
  readonly design: BookDesign;
  readonly cheating: boolean;
  readonly notes: string[] = [];
  private readonly constraints: MvConstraints;
  private readonly objective: MvObjective;
  private readonly source: ScoreSource;
  private readonly notesByDate: DecisionNote[] = [];

  constructor(
    readonly options: StrategyOptions,
    inputs: StrategyInputs,
  ) {
    const d = mvDesign(options, this.name, true);
    this.design = d.design;
    this.constraints = d.constraints;
    this.objective = mvObjective(options, this.name);
    this.source = scoreSource(inputs, options.personaAggregation, this.name);
    this.cheating = this.source.cheating;
  }

  describe(): string {
    const o = this.options;
    const b = o.scoreBlend;
    return `llm-mvo: Chapter 74's blend μ_adj = ${round(1 - b)}·μ + ${b}·z(composite)·${o.scoreScale} with μ the annual mean return (${o.mu}, ${o.window}-day window) and z the cross-sectional z-score of the composites (population σ), so the score moves μ by ${round(b * o.scoreScale * 100)}%/yr per σ; ${objectiveWords(this.objective)} on the scored assets, Σ ${o.cov}, weights in [${o.minWeight}, ${o.maxWeight}], net ${o.net}, long-only as published; unscored assets 0; ${this.source.description}; rebalanced ${o.rebalance}`;
  }

  journal(): readonly DecisionNote[] {
    return this.notesByDate;
  }

  decide(ctx: DecisionContext): Weights {
    const o = this.options;
    const h = ctx.history;
    const P = ctx.periodsPerYear;
    const note: DecisionNote = {
      date: ctx.date,
      strategy: this.name,
      source: this.source.name,
      scoreBlend: o.scoreBlend,
      scoreScale: o.scoreScale,
      units: 'μ annual (daily mean × periodsPerYear)',
    };
    return decideOverSnapshots(
      this.name,
      ctx,
      this.source,
      note,
      this.notesByDate,
      'eligible',
      () => {
        const idx = eligibleFor(ctx, o.window, this.name);
        const est = estimateDaily(h.returns(o.window, idx), o);
        if (est.note) this.notes.push(`${ctx.date}: ${est.note}`);
        return { idx, extra: { idx, est } };
      },
      (members, scores, prefix, { idx, est }, notes) => {
        const sub = subEstimate(
          est,
          idx.length,
          members.map((i) => idx.indexOf(i)),
        );
        const z = crossSectionalZ(scores.map((s) => s.composite));
        if (z.every((x) => x === 0)) notes.push(`${prefix}the composites do not vary across assets: z = 0, μ_adj = ${round(1 - o.scoreBlend)}·μ (published)`);
        const muA = sub.mu.map((x) => x * P);
        const adj = muA.map((m, j) => (1 - o.scoreBlend) * m + o.scoreBlend * z[j] * o.scoreScale);
        const res = meanVariance(
          adj.map((x) => x / P),
          sub.cov,
          this.objective,
          this.constraints,
          { periodsPerYear: P },
        );
        const byT = (x: ArrayLike<number>): Record<string, number> => Object.fromEntries(scores.map((s, j) => [s.ticker, round(x[j])]));
        return {
          weights: scatter(h.n, members, res.weights),
          note: { z: byT(z), mu: byT(muA), adjustedMu: byT(adj), expectedReturn: round(res.expectedReturn), volatility: round(res.volatility) },
        };
      },
    );
  }
}
