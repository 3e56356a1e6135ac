/**
 * The top-down sector allocation (arXiv 2503.09647, offline stand-ins) and its two benchmarks. See
 * agents/portfolio/topdown/README.md for the rules, the data and the deviations from the paper.
 */
import type { StrategyOptions } from '../strategies.ts';
import type { Strategy, StrategyInputs } from '../strategy.ts';
import { XsLlmStrategy, XsMomentumStrategy } from './benchmarks.ts';
import { SectorTopDownStrategy } from './sector-topdown.ts';

export const TOPDOWN_STRATEGY_NAMES = ['sector-topdown', 'xs-llm', 'xs-momentum'] as const;
export type TopDownStrategyName = (typeof TOPDOWN_STRATEGY_NAMES)[number];

export function makeTopDownStrategy(name: TopDownStrategyName, options: StrategyOptions, inputs: StrategyInputs): Strategy & { options: StrategyOptions } {
  switch (name) {
    case 'sector-topdown':
      return new SectorTopDownStrategy(options, inputs);
    case 'xs-llm':
      return new XsLlmStrategy(options, inputs);
    case 'xs-momentum':
      return new XsMomentumStrategy(options);
  }
}

export { XsLlmStrategy, XsMomentumStrategy, XS_LLM_REWEIGHT } from './benchmarks.ts';
export { PUBLISHED_COSTS } from './common.ts';
export { MACRO_MISSING, MACRO_RULES, MACRO_SERIES, macroView, REGIMES, type IndicatorUsed, type MacroView, type Regime } from './macro-agent.ts';
export { NEWS_COVERAGE, SectorTopDownStrategy, type Pick } from './sector-topdown.ts';
export { REGIME_SECTOR_TILTS, resolveSectors, sectorTilts, type Sector, type Tilt } from './sectors.ts';
export { lexiconCount, lexiconScore, NEGATIVE_WORDS, POSITIVE_WORDS, sentimentView, type CompanySentiment, type SentimentView } from './sentiment-agent.ts';
export { TOPDOWN_PRESET_OPTIONS, TopDownOptionsShape } from './options.ts';
