/** The training and evaluation pipelines as library code (the `train` and `evaluate` commands are flag wiring over these). */
export {
  agentFrame,
  benchmarkOn,
  CONDITIONED_DEFAULTS,
  conditionedRun,
  logOf,
  paperRun,
  parsePeriod,
  readRunJson,
  runEnvConfig,
  runTraining,
  runUniverse,
  TRAIN_ALGOS,
  TRAIN_PRESETS,
  TrainCommonFields,
  trainEnvConfig,
  TrainRunSchema,
  universeBenchmark,
  type TrainingOptions,
  type TrainRun,
} from './train.ts';
export { EvaluateSchema, evaluateRun, loadSchedule, type EvaluateConfig, type EvaluationSummary } from './evaluate.ts';
