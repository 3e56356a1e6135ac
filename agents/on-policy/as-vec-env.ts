/**
 * One Gymnasium-style env (env/types.ts `Env`: reset({seed}) → {observation}, step(action) → {observation,
 * reward, terminated, truncated, info}) as a vector env of 1, with the VecEnv contract's same-step autoreset:
 * an ended episode is reset inside `step` and its last observation kept in `finalObservations[0]`. The env
 * itself is stepped (not a copy). Training calls it for `train*({ env })` (SB3 wraps a single env the same
 * way); an env with getState/setState (MarginTradingEnv) keeps exact resume.
 */
import type { Env, EpisodeSummary, VecEnv, VecStepResult } from '../../env/types.ts';
import { MarginTradingEnv, obsRatioSlot } from '../../env/margin-env.ts';
import { boxSize, type Box } from '../../env/spaces.ts';

/** Any single env, whatever its reset options and info types (MarginTradingEnv, your own Gymnasium-style env). */
export type AnyEnv = Env<never, unknown>;

/** The part of an env's state the wrapper needs to continue an episode exactly. */
interface Snapshotting {
  getState(): unknown;
  setState(state: never): void;
}

export class SingleEnvVecEnv implements VecEnv {
  readonly numEnvs = 1;
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  /**
   * Observation slots the normaliser passes through (conditioning.ts `ratioSlotsOf`): a margin env's current
   * and target long share when observeRatio is on, as for a MarginVecEnv; else the env's own `ratioSlots`.
   */
  readonly ratioSlots: number[];
  private readonly obs: Float32Array;
  private readonly rewards = new Float64Array(1);
  private readonly terminated = new Uint8Array(1);
  private readonly truncated = new Uint8Array(1);
  private readonly finalObs: (Float32Array | null)[] = [null];
  private readonly episodeInfos: (EpisodeSummary | null)[] = [null];
  private epReturn = 0;
  private epLength = 0;
  private initialEquity = NaN;

  constructor(readonly env: AnyEnv) {
    this.observationSpace = env.observationSpace;
    this.actionSpace = env.actionSpace;
    this.obs = new Float32Array(boxSize(env.observationSpace));
    const hinted = (env as { ratioSlots?: unknown }).ratioSlots;
    if (env instanceof MarginTradingEnv) this.ratioSlots = env.cfg.observeRatio ? [obsRatioSlot(env.n, env.k), obsRatioSlot(env.n, env.k) + 1] : [];
    else this.ratioSlots = Array.isArray(hinted) ? hinted.map(Number) : [];
    if (isSnapshotting(env)) {
      this.getState = () => ({ env: env.getState(), epReturn: this.epReturn, epLength: this.epLength, initialEquity: this.initialEquity });
      this.setState = (state: unknown) => {
        const s = state as { env: never; epReturn: number; epLength: number; initialEquity: number };
        env.setState(s.env);
        this.epReturn = s.epReturn;
        this.epLength = s.epLength;
        this.initialEquity = s.initialEquity;
      };
    }
  }

  reset(seed?: number): Float32Array {
    const r = this.env.reset(seed === undefined ? {} : { seed });
    this.obs.set(r.observation);
    this.epReturn = 0;
    this.epLength = 0;
    this.initialEquity = equityOf(r.info);
    return this.obs;
  }

  step(actions: Float32Array | Float64Array): VecStepResult {
    const r = this.env.step(actions);
    this.rewards[0] = r.reward;
    this.terminated[0] = r.terminated ? 1 : 0;
    this.truncated[0] = r.truncated ? 1 : 0;
    this.epReturn += r.reward;
    this.epLength++;
    if (r.terminated || r.truncated) {
      this.finalObs[0] = Float32Array.from(r.observation);
      const reason = (r.info as { reason?: unknown }).reason;
      this.episodeInfos[0] = {
        length: this.epLength,
        return: this.epReturn,
        initialEquity: this.initialEquity,
        finalEquity: equityOf(r.info),
        reason: typeof reason === 'string' ? reason : r.terminated ? 'terminated' : 'truncated',
      };
      // The next episode continues the env's own random stream (no new seed), as a vector env's autoreset does.
      this.reset();
    } else {
      this.obs.set(r.observation);
      this.finalObs[0] = null;
      this.episodeInfos[0] = null;
    }
    return {
      observations: this.obs,
      rewards: this.rewards,
      terminated: this.terminated,
      truncated: this.truncated,
      finalObservations: this.finalObs,
      episodeInfos: this.episodeInfos,
    };
  }

  /** Present when the wrapped env can be snapshotted (MarginTradingEnv): the run can resume exactly. */
  getState?: () => unknown;
  setState?: (state: unknown) => void;
}

function isSnapshotting(env: AnyEnv): env is AnyEnv & Snapshotting {
  const e = env as Partial<Snapshotting>;
  return typeof e.getState === 'function' && typeof e.setState === 'function';
}

function equityOf(info: unknown): number {
  const e = (info as { equity?: unknown } | null)?.equity;
  return typeof e === 'number' ? e : NaN;
}

/** True for a vector env (has `numEnvs`); false for a single Gymnasium-style env. */
export function isVecEnv(env: VecEnv | AnyEnv): env is VecEnv {
  return typeof (env as Partial<VecEnv>).numEnvs === 'number';
}

/**
 * A vector env from what a caller passes to training: a VecEnv as it is, one env wrapped as a vector env of 1.
 * Anything else is refused with what to pass instead.
 */
export function asVecEnv(env: VecEnv | AnyEnv, where = 'train'): VecEnv {
  const e = env as Partial<VecEnv & AnyEnv> | null | undefined;
  if (!e || typeof e.step !== 'function' || typeof e.reset !== 'function' || !e.observationSpace || !e.actionSpace) {
    throw new Error(
      `${where}: options.env must be an environment with observationSpace, actionSpace, reset() and step(): ` +
        'one env (e.g. makeEnv({ universe, period })) or a vector env (makeVecEnv({ …, numEnvs }))',
    );
  }
  if ('numEnvs' in e && e.numEnvs !== undefined) return env as VecEnv;
  return new SingleEnvVecEnv(env as AnyEnv);
}
