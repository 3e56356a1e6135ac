/**
 * Public API of agents/: envs from a universe in one call, training (PPO, A2C) on one env or a vector env,
 * evaluation of a policy on the env it is given, portfolio strategies on an env or a universe, checkpoints,
 * run folders, ratio conditioning, toy envs. The portfolio layer is also here as the `portfolio` namespace
 * (and at the package subpath `marginlab/portfolio`).
 */
export {
  makeEnv,
  makeVecEnv,
  MarketEnv,
  evaluateStrategy,
  type EvaluateStrategyOptions,
  type MakeEnvOptions,
  type MakeVecEnvOptions,
  type Period,
  type StrategyEvaluation,
} from './library.ts';
export { OFFLINE_FORECASTERS, runStage1, runStage2, type OfflineForecasterName, type Stage1Options, type Stage2Options } from './stages.ts';
export { agentFrame, universeEnvConfig } from './frames.ts';
export { initBackend, currentBackend, type BackendPref, BACKEND_PREFS } from './backend.ts';
export { trainPPO, PPO, type PpoTrainOptions } from './ppo/train.ts';
export { PpoConfigSchema, parsePpoConfig, PPO_PRESETS, type PpoConfig, type PpoConfigInput } from './ppo/config.ts';
export {
  trainA2C,
  A2C,
  A2cConfigSchema,
  parseA2cConfig,
  a2cPreset,
  A2C_PRESETS,
  type A2cConfig,
  type A2cConfigInput,
  type A2cPreset,
  type A2cTrainOptions,
} from './a2c.ts';
export {
  asVecEnv,
  budgetIssues,
  isSnapshotVecEnv,
  MAX_NETWORK_PARAMS,
  MAX_ROLLOUT_FLOATS,
  MAX_SAMPLE_GRADIENTS,
  MAX_TOTAL_TIMESTEPS,
  SingleEnvVecEnv,
  trainOnPolicy,
  type AnyEnv,
  type OnPolicyAlgorithm,
  type SnapshotVecEnv,
  type TrainOptions,
  type TrainResult,
  type UpdateMetrics,
} from './on-policy/index.ts';
export {
  dailyRow,
  dailyRowsToCsv,
  episodeLogOf,
  evaluateEpisode,
  evaluatePolicy,
  type ActionSource,
  type DailyRow,
  type EvaluationResult,
  type PolicyEvaluation,
} from './evaluate.ts';
export { CheckpointError, loadPolicy, loadCheckpoint, saveCheckpoint, makePolicy, type Policy, type LoadedPolicy, type Checkpoint } from './checkpoint.ts';
export { RunFolder, codeVersion, packageVersions, type Manifest } from './run-folder.ts';
export { createProgress, type Progress, type ProgressMode } from './progress.ts';
export { benchTrain, type BenchTrainOptions, type BenchTrainResult } from './bench.ts';
export { TwoAssetDriftVecEnv, LeakedSignVecEnv, RatioTargetVecEnv, FreeVecEnv, evaluateEpisodes } from './toy-envs.ts';
export {
  ConditionedVecEnv,
  ConditioningSchema,
  CONDITIONING_STREAM,
  PAPER_GRID,
  parseConditioning,
  parseConditioningFlag,
  RatioCurriculum,
  ratioSlotsOf,
  scheduleOf,
  type ConditionedEnvState,
  type ConditioningInput,
  type ConditioningSpec,
  type EpisodePlan,
} from './conditioning.ts';
export { DEFAULT_OBS_STD_FLOOR, LEGACY_OBS_RULE, normalizeWith, ObsNormalizer, obsRuleOf, type ObsNormRule } from './normalize.ts';
export * as portfolio from './portfolio/index.ts';
