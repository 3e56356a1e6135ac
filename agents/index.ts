/** Public API of agents/: training (PPO, A2C), evaluation policies, checkpoints, run folders, toy envs. */
export { initBackend, currentBackend, type BackendPref, BACKEND_PREFS } from './backend.ts';
export { trainPPO, PPO, type PpoTrainOptions } from './ppo/train.ts';
export { PpoConfigSchema, parsePpoConfig, PPO_PRESETS, type PpoConfig, type PpoConfigInput } from './ppo/config.ts';
export { trainA2C, A2C, A2cConfigSchema, parseA2cConfig, a2cPreset, A2C_PRESETS, type A2cConfig, type A2cConfigInput, type A2cPreset } from './a2c.ts';
export {
  trainOnPolicy,
  isSnapshotVecEnv,
  type SnapshotVecEnv,
  type TrainOptions,
  type TrainResult,
  type UpdateMetrics,
} from './on-policy.ts';
export { loadPolicy, loadCheckpoint, saveCheckpoint, makePolicy, type Policy, type LoadedPolicy, type Checkpoint } from './checkpoint.ts';
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
