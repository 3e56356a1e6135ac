/**
 * Options of the score strategies (llm-score, llm-mvo, black-litterman), merged into the one strategy
 * options schema (strategies.ts). Imports nothing but zod, so the schema module has no cycle.
 *
 * Options the score strategies share with the others keep their meaning there: minWeight / maxWeight
 * (per-asset bounds; for llm-score the bounds of each HELD asset, unselected assets get 0), leverage
 * (llm-score's long exposure Σw), net / gross / l2 / objective / riskFree (llm-mvo, black-litterman through
 * the mean-variance optimiser), window / mu / emaSpan / cov (their estimation), rebalance, onSolverFailure.
 */
import { z } from 'zod';

export const SCORE_RULES = ['capped', 'published'] as const;
export const PERSONA_AGGREGATIONS = ['book', 'mean', 'median', 'portfolios'] as const;
export const BL_VIEW_SOURCES = ['scores', 'forecasts'] as const;
export const BL_OMEGAS = ['idzorek', 'he-litterman'] as const;
export const BL_VIEW_ANCHORS = ['zero', 'prior'] as const;

export const ScoreOptionsShape = {
  scoreRule: z
    .enum(SCORE_RULES)
    .default('capped')
    .describe(
      "llm-score: capped = weights ∝ composite projected exactly onto {Σw = leverage, minWeight ≤ w ≤ maxWeight} (infeasible bounds are an error) | published = Chapter 74's clamp then renormalise once (can break maxWeight)",
    ),
  minScore: z.number().default(4).describe("llm-score: keep assets with composite ≥ minScore (1–10 scale; Chapter 74's code uses 4.0, its text 5.0)"),
  maxAssets: z.number().int().positive().default(10).describe('llm-score: hold at most this many of the best-scored assets (Chapter 74: 10)'),
  personaAggregation: z
    .enum(PERSONA_AGGREGATIONS)
    .default('book')
    .describe(
      "how personas combine: book = the ScoreBook's own aggregation | mean | median of each score over personas | portfolios = one portfolio per persona with the same rule, weights averaged",
    ),
  scoreBlend: z
    .number()
    .min(0)
    .max(1)
    .default(0.3)
    .describe('llm-mvo: weight b of the score term in μ_adj = (1 − b)·μ + b·z(composite)·scoreScale (Chapter 74: 0.3)'),
  scoreScale: z
    .number()
    .default(0.01)
    .describe('llm-mvo: ANNUAL return per cross-sectional σ of the composite (Chapter 74: 0.01, applied to annual μ: ±0.3%/yr per σ at b = 0.3)'),
  views: z
    .enum(BL_VIEW_SOURCES)
    .default('scores')
    .describe(
      'black-litterman: scores = one absolute view per scored asset | forecasts = one view on the equal-weight market from the latest market forecast (StrategyInputs.signals)',
    ),
  viewScale: z
    .number()
    .default(0.05)
    .describe(
      'black-litterman: ANNUAL excess return per cross-sectional σ of the composite (views = scores) or per forecast score point −3 … 3 (views = forecasts)',
    ),
  viewAnchor: z
    .enum(BL_VIEW_ANCHORS)
    .default('zero')
    .describe('black-litterman score views: zero = Q = viewScale·z | prior = Q = Π + viewScale·z (the score tilts each asset around its implied return)'),
  omega: z
    .enum(BL_OMEGAS)
    .default('idzorek')
    .describe(
      "black-litterman view uncertainty Ω: idzorek = ω = (1/c − 1)·pᵀτΣp from the record's confidence c (c = 1 exact, c = 0 view dropped) | he-litterman = τ·diag(PΣPᵀ) (ignores confidence; τ cancels in the mean)",
    ),
  tau: z.number().positive().default(0.05).describe("black-litterman: τ, the prior's uncertainty as a fraction of Σ"),
  marketRiskAversion: z
    .number()
    .positive()
    .default(2.5)
    .describe('black-litterman: δ of the implied prior Π = δ·Σ·w_mkt (annual Σ; w_mkt equal weights: the bundle has no market caps)'),
};

/**
 * The published defaults the registry should apply as presets (strategies.ts PRESET_OPTIONS), since the
 * shared schema's bounds default to [0, 1]: Chapter 74's generate_portfolio holds each selected asset in
 * [0.02, 0.30]; its MeanVarianceOptimizer bounds weights by [0, 0.30]. Its risk-free rate 0.04 is NOT a
 * preset: every baseline here uses riskFree 0 unless told, so the arms compare on one convention
 * (pass riskFree 0.04 to reproduce it).
 */
export const SCORE_PRESET_OPTIONS = {
  'llm-score': { minWeight: 0.02, maxWeight: 0.3 },
  'llm-mvo': { minWeight: 0, maxWeight: 0.3 },
} as const;
