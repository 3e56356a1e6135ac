/**
 * Rollout collection, Generalised Advantage Estimation and advantage normalisation, shared by PPO and A2C.
 *
 * Storage is flat and t-major: transition (t, e) of env e at step t is index i = t·numEnvs + e; its
 * observation is obs[i·obsDim …]. Nothing is allocated per step.
 *
 * Episode ends (the "37 details" #6, plus the time-limit fix of Pardo et al.):
 * - terminated at step t: the episode ended inside the MDP, so the next state's value is 0;
 * - truncated at step t (time limit, end of data): the episode was cut off, so we bootstrap from the
 *   value of the FINAL observation (the env returns the next episode's first observation in its place);
 * - either way the advantage recursion stops at t (the next row belongs to a new episode).
 *
 *   δ_t = r_t + γ·V_next(t) − V(s_t),   V_next(t) = 0 | V(final_t) | V(s_{t+1})   (terminated | truncated | else)
 *   A_t = δ_t + γλ·(1 − done_t)·A_{t+1},   R_t = A_t + V(s_t)
 * with V(s_{T}) = the value of the observation after the rollout's last step.
 */
import type { VecEnv, EpisodeSummary } from '../../env/types.ts';
import type { Rng } from '../../src/rng.ts';
import type { ActorCritic } from '../networks.ts';
import type { ObsNormalizer, RewardScaler } from '../normalize.ts';
import { sampleActions } from '../policy.ts';

export class RolloutBuffer {
  readonly size: number;
  /** Policy inputs (normalised when normalisation is on), size×obsDim. */
  readonly obs: Float32Array;
  /** Unclipped sampled actions (their log-prob is what the policy saw), size×actDim. */
  readonly actions: Float32Array;
  readonly logp: Float32Array;
  readonly values: Float32Array;
  /** Rewards as trained on (scaled when reward scaling is on). */
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** V(final observation) where truncated (else 0). */
  readonly finalValues: Float32Array;
  /** V(observation after the last step), per env. */
  readonly lastValues: Float32Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;

  constructor(
    readonly nSteps: number,
    readonly numEnvs: number,
    readonly obsDim: number,
    readonly actDim: number,
  ) {
    const n = nSteps * numEnvs;
    this.size = n;
    this.obs = new Float32Array(n * obsDim);
    this.actions = new Float32Array(n * actDim);
    this.logp = new Float32Array(n);
    this.values = new Float32Array(n);
    this.rewards = new Float32Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.finalValues = new Float32Array(n);
    this.lastValues = new Float32Array(numEnvs);
    this.advantages = new Float32Array(n);
    this.returns = new Float32Array(n);
  }

  computeReturnsAndAdvantages(gamma: number, gaeLambda: number): void {
    computeGae({
      nSteps: this.nSteps,
      numEnvs: this.numEnvs,
      rewards: this.rewards,
      values: this.values,
      terminated: this.terminated,
      truncated: this.truncated,
      finalValues: this.finalValues,
      lastValues: this.lastValues,
      gamma,
      gaeLambda,
      advantages: this.advantages,
      returns: this.returns,
    });
  }
}

export interface GaeInput {
  nSteps: number;
  numEnvs: number;
  rewards: ArrayLike<number>;
  values: ArrayLike<number>;
  terminated: ArrayLike<number>;
  truncated: ArrayLike<number>;
  finalValues: ArrayLike<number>;
  lastValues: ArrayLike<number>;
  gamma: number;
  gaeLambda: number;
  advantages: Float32Array | Float64Array;
  returns: Float32Array | Float64Array;
}

/** GAE(γ, λ) over a t-major rollout, with the termination/truncation rules above (float64 arithmetic). */
export function computeGae(g: GaeInput): void {
  const { nSteps: T, numEnvs: N, gamma, gaeLambda } = g;
  for (let e = 0; e < N; e++) {
    let lastGae = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * N + e;
      const term = g.terminated[i] !== 0;
      const done = term || g.truncated[i] !== 0;
      const vNext = term ? 0 : done ? g.finalValues[i] : t === T - 1 ? g.lastValues[e] : g.values[i + N];
      const delta = g.rewards[i] + gamma * vNext - g.values[i];
      lastGae = delta + gamma * gaeLambda * (done ? 0 : 1) * lastGae;
      g.advantages[i] = lastGae;
      g.returns[i] = lastGae + g.values[i];
    }
  }
}

/** Everything a rollout reads and advances; owned by the training driver, saved in checkpoints. */
export interface RolloutState {
  env: VecEnv;
  net: ActorCritic;
  obsNorm: ObsNormalizer | null;
  rewardScaler: RewardScaler | null;
  sampleRng: Rng;
  /** The current policy inputs, numEnvs×obsDim (normalised when normalisation is on). */
  lastObs: Float32Array;
  actionLow: Float64Array;
  actionHigh: Float64Array;
}

/** Per-rollout scratch, allocated once. */
export class RolloutScratch {
  readonly mean: Float32Array;
  readonly value: Float32Array;
  readonly noise: Float64Array;
  readonly raw: Float32Array;
  readonly logp: Float64Array;
  readonly clipped: Float32Array;
  readonly done: Uint8Array;
  readonly reward: Float64Array;
  readonly finalObs: Float32Array;
  readonly one: Float32Array;
  constructor(numEnvs: number, obsDim: number, actDim: number) {
    this.mean = new Float32Array(numEnvs * actDim);
    this.value = new Float32Array(numEnvs);
    this.noise = new Float64Array(numEnvs * actDim);
    this.raw = new Float32Array(numEnvs * actDim);
    this.logp = new Float64Array(numEnvs);
    this.clipped = new Float32Array(numEnvs * actDim);
    this.done = new Uint8Array(numEnvs);
    this.reward = new Float64Array(numEnvs);
    this.finalObs = new Float32Array(obsDim);
    this.one = new Float32Array(1);
  }
}

/** Normalises (and, in training, first folds into the running stats) a batch of raw observations. */
export function ingestObservations(s: RolloutState, raw: Float32Array, n: number, out: Float32Array): void {
  assertFinite(raw, s.net.obsDim, 'observation');
  if (s.obsNorm) {
    s.obsNorm.update(raw, n);
    s.obsNorm.normalize(raw, n, out);
  } else {
    out.set(raw.subarray(0, n * s.net.obsDim));
  }
}

function assertFinite(a: ArrayLike<number>, width: number, what: string): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) {
      throw new Error(
        `env returned a non-finite ${what} (${a[i]}) for env ${Math.floor(i / width)}, column ${i % width}: ` +
          `fix the environment's features (NaN in a warm-up window?) before training`,
      );
    }
  }
}

/**
 * Runs nSteps vector steps with the current policy, filling `buf` (everything except advantages and
 * returns) and advancing `s.lastObs`. Returns the episodes that ended during the rollout.
 */
export function collectRollout(s: RolloutState, buf: RolloutBuffer, sc: RolloutScratch): EpisodeSummary[] {
  const { env, net } = s;
  const N = env.numEnvs;
  const O = net.obsDim;
  const A = net.actDim;
  const logStd = net.logStd;
  const episodes: EpisodeSummary[] = [];
  for (let t = 0; t < buf.nSteps; t++) {
    const base = t * N;
    buf.obs.set(s.lastObs, base * O);
    net.forward(s.lastObs, N, sc.mean, sc.value);
    sampleActions(sc.mean, logStd, N, s.sampleRng, sc.noise, sc.raw, sc.logp, sc.clipped, s.actionLow, s.actionHigh);
    buf.actions.set(sc.raw, base * A);
    for (let e = 0; e < N; e++) {
      buf.logp[base + e] = sc.logp[e];
      buf.values[base + e] = sc.value[e];
    }

    const res = env.step(sc.clipped);

    ingestObservations(s, res.observations, N, s.lastObs);
    assertFinite(res.rewards, 1, 'reward');
    for (let e = 0; e < N; e++) sc.done[e] = res.terminated[e] || res.truncated[e] ? 1 : 0;
    if (s.rewardScaler) s.rewardScaler.scale(res.rewards, sc.done, sc.reward);
    else sc.reward.set(res.rewards);
    for (let e = 0; e < N; e++) {
      const i = base + e;
      buf.rewards[i] = sc.reward[e];
      buf.terminated[i] = res.terminated[e] ? 1 : 0;
      buf.truncated[i] = !res.terminated[e] && res.truncated[e] ? 1 : 0;
      buf.finalValues[i] = 0;
      if (buf.truncated[i]) {
        const fin = res.finalObservations[e];
        if (!fin || fin.length !== O) {
          throw new Error(
            `VecEnv contract: env ${e} was truncated at step ${t} but finalObservations[${e}] is ${fin ? `length ${fin.length}` : 'null'} (need the last observation, length ${O})`,
          );
        }
        assertFinite(fin, O, 'final observation');
        if (s.obsNorm) s.obsNorm.normalize(fin, 1, sc.finalObs);
        else sc.finalObs.set(fin);
        net.forward(sc.finalObs, 1, null, sc.one);
        buf.finalValues[i] = sc.one[0];
      }
      const info = res.episodeInfos[e];
      if (info) episodes.push(info);
    }
  }
  net.forward(s.lastObs, N, null, buf.lastValues);
  return episodes;
}

/** (x − mean)/(std + 1e-8) over the first n entries, std unbiased (ddof 1) as torch's .std(). */
export function normalizeInPlace(x: Float32Array, n: number): void {
  let s = 0;
  for (let k = 0; k < n; k++) s += x[k];
  const mean = s / n;
  let ss = 0;
  for (let k = 0; k < n; k++) ss += (x[k] - mean) * (x[k] - mean);
  const std = Math.sqrt(ss / (n - 1));
  for (let k = 0; k < n; k++) x[k] = (x[k] - mean) / (std + 1e-8);
}
