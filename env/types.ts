import type { Box } from './spaces.ts';

/**
 * The environment contract, with Gymnasium's semantics:
 * - `reset({seed, options})` starts an episode and returns the first observation.
 * - `step(action)` advances one trading day. `terminated` means the episode ended inside the MDP
 *   (wipe-out, negative short equity: no bootstrapping past it); `truncated` means it was cut off
 *   from outside (end of the date range or a step limit: bootstrap from the value of the last observation).
 * - The observation array returned is owned by the caller (a fresh copy) unless documented otherwise.
 */
export interface StepResult<I = Record<string, unknown>> {
  observation: Float64Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: I;
}

export interface ResetResult<I = Record<string, unknown>> {
  observation: Float64Array;
  info: I;
}

export interface Env<O = Record<string, unknown>, I = Record<string, unknown>> {
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  reset(args?: { seed?: number; options?: O }): ResetResult<I>;
  step(action: ArrayLike<number>): StepResult<I>;
}

/**
 * N copies stepping in lockstep over shared typed arrays (row-major, copy j at offset j·dim).
 * A copy whose episode ended is reset automatically inside the same `step` call (Gymnasium's
 * "next-step" autoreset is NOT used: the returned observation of an ended copy is already the first
 * observation of its next episode, and its final observation is in `finalObservations`).
 */
export interface VecStepResult {
  /** numEnvs × obsDim, float32 for the networks. Overwritten by the next call: copy what you keep. */
  observations: Float32Array;
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** For copies that ended on this step: their last observation (to bootstrap truncated episodes); else null. */
  finalObservations: (Float32Array | null)[];
  /** Per-copy episode summaries for copies that ended on this step; else null. */
  episodeInfos: (EpisodeSummary | null)[];
}

export interface EpisodeSummary {
  length: number;
  /** Sum of rewards over the episode. */
  return: number;
  initialEquity: number;
  finalEquity: number;
  reason: string;
}

export interface VecEnv {
  readonly numEnvs: number;
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  /** Resets every copy; copy j uses seed + j. Returns numEnvs × obsDim float32 observations. */
  reset(seed?: number): Float32Array;
  /** actions: numEnvs × actDim (already clipped to the action space by the caller). */
  step(actions: Float32Array | Float64Array): VecStepResult;
}
