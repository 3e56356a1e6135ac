/**
 * Public API of env/: the margin-trading environment (Gymnasium semantics), its vector env, its config
 * (zod, presets), the spaces and contracts, and exact trace replay. To make an env from a universe and a
 * period in one call, see `makeEnv` / `makeVecEnv` (agents/library.ts, at the package root).
 */
export { MarginTradingEnv, obsRatioSlot, type EnvHooks, type EnvState, type ResetOptions, type StepInfo } from './margin-env.ts';
export { MarginVecEnv, type VecEnvOptions } from './vector-env.ts';
export { envConfig, EnvConfigSchema, PAPER_PRESET, PRESETS, REALISTIC_PRESET, type EnvConfig, type EnvConfigInput, type PresetName } from './config.ts';
export { box, boxContains, boxSize, type Box } from './spaces.ts';
export type { Env, EpisodeSummary, ResetResult, StepResult, VecEnv, VecStepResult } from './types.ts';
export { replayFile, type Mismatch, type ReplayReport } from './replay.ts';
