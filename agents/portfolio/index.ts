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
  type Strategy,
  type Weights,
} from './strategy.ts';
export { makeStrategy, STRATEGY_NAMES, StrategyOptionsSchema, strategyOptions, withPreset, type StrategyName, type StrategyOptions } from './strategies.ts';
export { equalWeights, executeStrategy, strategyAccount, STRATEGY_HMAX, type ExecutionOptions, type ExecutionResult } from './execute.ts';
export { accountNote, backtestConfig, BacktestSchema, backtestStrategy, runBacktest, weightsCsv, type BacktestConfig, type BacktestResult } from './backtest.ts';
