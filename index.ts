/**
 * marginlab as a library: `import { makeEnv, trainPPO, evaluatePolicy, evaluateStrategy, metrics } from 'marginlab'`.
 *
 *   env       makeEnv / makeVecEnv (a universe, a period, a preset → an env), MarginTradingEnv, MarginVecEnv, envConfig
 *   train     trainPPO / trainA2C ({ env, config }: one env or a vector env), A2C_PRESETS.margintrader, loadPolicy
 *   evaluate  evaluatePolicy(policy, env), evaluateStrategy(strategy, env | universe)
 *   overlay   stage 1 (runForecasts / collectForecasts, forecasters, context sources), stage 2 (paperRuleSchedule …)
 *   compare   runCompare(CompareSchema.parse({ … })) → its results object
 *   sweep     planSweep(spec, dir) → runLocal(dir) | runSlurm(dir, cfg) | runSweepTask(dir, { index }) → mergeSweep(dir)
 *   metrics   perfStats, tradingStats, summarize, pairedDiff, … (and the `metrics` namespace)
 *
 * Subpaths hold each layer whole: 'marginlab/env', 'marginlab/agents', 'marginlab/overlays',
 * 'marginlab/portfolio', 'marginlab/metrics'. See docs/library.md.
 */
export * from './env/index.ts';
export * from './agents/index.ts';

// Data: universes, frames, benchmarks, periods, ratio schedules, seeded streams.
export {
  benchmarkSeries,
  buildUniverseFrame,
  resolveUniverse,
  riskRuleFor,
  UNIVERSE_NAMES,
  type Universe,
  type UniverseFrame,
  type UniverseName,
} from './src/data/universe.ts';
export { buildMarketFrame, PAPER_TICKERS } from './src/data/build.ts';
export type { MarketFrame } from './src/data/market-frame.ts';
export { parseDateRange } from './src/data/panel.ts';
export { loadRatioSchedule, parseRatioSchedule, RatioScheduleSchema, ScheduleError, type RatioSchedule } from './src/schedule.ts';
export { Rng, stream } from './src/rng.ts';

// Portfolio strategies (the whole layer: `portfolio.*`, or 'marginlab/portfolio').
export {
  backtestConfig,
  backtestStrategy,
  makeStrategy,
  STRATEGY_NAMES,
  StrategyOptionsSchema,
  type BacktestConfig,
  type DecisionContext,
  type Strategy,
  type StrategyName,
  type Weights,
} from './agents/portfolio/index.ts';

// The LLM overlay: stage 1 (forecasts) and stage 2 (forecasts → ratio schedule); the whole layer: `overlays.*`.
export * as overlays from './overlays/index.ts';
export {
  BundledSources,
  collectForecasts,
  ConstantForecaster,
  directMappingSchedule,
  MacroContextSource,
  MacroRulesForecaster,
  MomentumForecaster,
  OracleForecaster,
  paperRuleSchedule,
  parseDecisionDates,
  PricesContextSource,
  readSignals,
  runForecasts,
  scheduleFromSignalsFile,
  zeroChangeSchedule,
  type Forecaster,
  type SignalRecord,
  type Stage2Result,
} from './overlays/index.ts';

// Metrics and statistics (the whole layer: `metrics.*`, or 'marginlab/metrics').
export * as metrics from './src/metrics/index.ts';
export { episodeStats, pairedDiff, perfStats, summarize, tradingStats, type EpisodeLog, type PerfStats, type TradingStats } from './src/metrics/index.ts';
export { runStatistics, type RunStats } from './src/metrics/arm-stats.ts';

// The comparison (`marginlab compare`): runCompare(CompareSchema.parse({ … })) → CompareResult.
export { CompareSchema, rebuildCompareReport, runCompare, type CompareConfig, type CompareResult } from './agents/compare/index.ts';
// Sweeps (`marginlab sweep`): planSweep(spec, dir) → runLocal(dir) / runSlurm(dir, cfg) / runSweepTask(dir, { index }) → mergeSweep(dir).
export {
  loadPlan,
  mergeSweep,
  planSweep,
  readSweepSpec,
  runLocal,
  runSlurm,
  runSweepTask,
  SweepRunSchema,
  SweepSpecSchema,
  sweepStatus,
  type SweepPlan,
  type SweepSpec,
} from './agents/sweep/index.ts';
export { conditionedRun, paperRun, runTraining, TrainRunSchema, type TrainRun, type TrainingOptions } from './agents/pipelines/train.ts';
export { EvaluateSchema, evaluateRun, type EvaluateConfig, type EvaluationSummary } from './agents/pipelines/evaluate.ts';
export { ParameterError } from './src/parameter-error.ts';
