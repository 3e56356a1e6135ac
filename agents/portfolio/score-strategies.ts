/** The score strategies: llm-score, llm-mvo, black-litterman (being built). */
import type { StrategyOptions } from './strategies.ts';
import { StrategyError, type Strategy, type StrategyInputs } from './strategy.ts';

export const SCORE_STRATEGY_NAMES = ['llm-score', 'llm-mvo', 'black-litterman'] as const;
export type ScoreStrategyName = (typeof SCORE_STRATEGY_NAMES)[number];

export function makeScoreStrategy(name: ScoreStrategyName, _options: StrategyOptions, _inputs: StrategyInputs): Strategy & { options: StrategyOptions } {
  throw new StrategyError(`${name}: not built yet`);
}
