/** Public API of agents/portfolio/: estimators, optimisers, strategies, the weights → account executor, backtests. */
export { covariance, expectedReturns, nearestPsd, type CovEstimate, type CovMethod, type MuMethod, type ReturnsWindow } from './estimators.ts';
export { meanVariance, type MvConstraints, type MvObjective, type MvResult, type SectorLimit } from './mean-variance.ts';
export { inverseVolatility, riskContributions, riskParity } from './risk-parity.ts';
export { hrp } from './hrp.ts';
export { InfeasibleConstraintError, PortfolioError, SolverError } from './errors.ts';
export {
  exposures,
  PointInTimeHistory,
  rebalanceDays,
  REBALANCE_FREQUENCIES,
  StrategyError,
  type BookDesign,
  type DecisionContext,
  type RebalanceFrequency,
  type DecisionNote,
  type Strategy,
  type StrategyInputs,
  type Weights,
} from './strategy.ts';
export {
  EqualWeightStrategy,
  isStrategyName,
  makeStrategy,
  MeanVarianceStrategy,
  MomentumStrategy,
  OBJECTIVES,
  RiskBasedStrategy,
  STRATEGY_NAMES,
  StrategyOptionsSchema,
  strategyOptions,
  withPreset,
  type StrategyName,
  type StrategyOptions,
  type StrategyOptionsInput,
} from './strategies.ts';
export { equalWeights, executeStrategy, strategyAccount, STRATEGY_HMAX, type ExecutionOptions, type ExecutionResult, type WeightRecord } from './execute.ts';
export {
  accountNote,
  backtestConfig,
  BacktestSchema,
  backtestStrategy,
  clearStrategyFrames,
  runBacktest,
  weightsCsv,
  type BacktestConfig,
  type BacktestResult,
} from './backtest.ts';
export { loadStrategyInputs, type StrategyInputFiles } from './inputs.ts';
export { SCORE_PRESET_OPTIONS, ScoreOptionsShape } from './score-options.ts';
export {
  cappedScoreWeights,
  crossSectionalZ,
  projectCappedSimplex,
  publishedScoreWeights,
  scoreRuleWeights,
  selectByScore,
  type ScoreRuleName,
  type ScoreRuleResult,
} from './score-rules.ts';
export { scoreSource, standInScores, STAND_IN_DESCRIPTION, type PersonaAggregation, type ScoreSource } from './score-source.ts';
export { LlmMvoStrategy, LlmScoreStrategy, makeScoreStrategy, SCORE_STRATEGY_NAMES, type ScoreStrategyName } from './score-strategies.ts';
export {
  BlackLittermanStrategy,
  blackLittermanPosterior,
  forecastOnOrBefore,
  heLittermanOmega,
  idzorekOmega,
  impliedPrior,
  type BlPosterior,
} from './black-litterman.ts';
export type { StrategyCosts } from './strategy.ts';
export { makeTopDownStrategy, PUBLISHED_COSTS, TOPDOWN_PRESET_OPTIONS, TOPDOWN_STRATEGY_NAMES, type TopDownStrategyName } from './topdown/index.ts';
export { formatSectorTopDown2019H1, LOOK_AHEAD_WARNING, runSectorTopDown2019H1, SECTOR_TOPDOWN_2019H1, type ExperimentRow } from './topdown/experiment.ts';
