/**
 * What every on-policy algorithm (PPO in ../ppo/, A2C in ../a2c.ts) shares: the training driver
 * (driver.ts: seeding, run folder, checkpoints, resume, progress), rollouts, GAE and advantage
 * normalisation (rollout.ts), the knobs every config shares (config.ts), the budget caps (budget.ts), and one env as a vector env of 1 (as-vec-env.ts).
 */
export {
  explainedVariance,
  isSnapshotVecEnv,
  MAX_ROLLOUT_FLOATS,
  netConfigOf,
  trainOnPolicy,
  type OnPolicyAlgorithm,
  type SnapshotVecEnv,
  type TrainOptions,
  type TrainResult,
  type UpdateMetrics,
} from './driver.ts';
export { collectRollout, computeGae, ingestObservations, normalizeInPlace, RolloutBuffer, RolloutScratch, type RolloutState } from './rollout.ts';
export { budgetIssues, fmtCount, MAX_NETWORK_PARAMS, MAX_SAMPLE_GRADIENTS, MAX_TOTAL_TIMESTEPS } from './budget.ts';
export { asVecEnv, isVecEnv, SingleEnvVecEnv, type AnyEnv } from './as-vec-env.ts';
export { formatIssues, onPolicyShape, type OnPolicyConfig, type OnPolicyDefaults } from './config.ts';
