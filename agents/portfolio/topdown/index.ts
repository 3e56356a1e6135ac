/** The top-down sector allocation and its benchmarks (being built). */
import type { StrategyOptions } from '../strategies.ts';
import { StrategyError, type Strategy, type StrategyInputs } from '../strategy.ts';

export const TOPDOWN_STRATEGY_NAMES = ['sector-topdown', 'xs-llm', 'xs-momentum'] as const;
export type TopDownStrategyName = (typeof TOPDOWN_STRATEGY_NAMES)[number];

export function makeTopDownStrategy(name: TopDownStrategyName, _options: StrategyOptions, _inputs: StrategyInputs): Strategy & { options: StrategyOptions } {
  throw new StrategyError(`${name}: not built yet`);
}
