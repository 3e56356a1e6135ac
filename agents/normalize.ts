/**
 * Observation normalisation and reward scaling, as SB3's VecNormalize (the "37 details" #29–#33).
 *
 * - Observations: running mean/var over every observation seen in training (parallel-variance update
 *   per vector step, count starting at 1e-4), o' = clip((o − μ)/√(σ² + 1e-8), ±clipObs). The stats are
 *   saved in checkpoints and frozen at evaluation (`loadPolicy`).
 * - Rewards: divided by the running std of the discounted return R ← γR + r (per env, reset to 0 at
 *   episode end), r' = clip(r/√(Var[R] + 1e-8), ±clipReward). The mean is not subtracted.
 * All statistics are float64.
 */

export interface RunningMeanStdState {
  mean: Float64Array;
  var: Float64Array;
  count: number;
}

export class RunningMeanStd {
  mean: Float64Array;
  var: Float64Array;
  count: number;

  constructor(readonly dim: number, epsilon = 1e-4) {
    this.mean = new Float64Array(dim);
    this.var = new Float64Array(dim).fill(1);
    this.count = epsilon;
  }

  /** Chan et al.'s parallel update with a batch of `n` rows (row-major n×dim). */
  update(batch: ArrayLike<number>, n: number): void {
    const d = this.dim;
    if (batch.length < n * d) throw new Error(`RunningMeanStd.update: batch has ${batch.length} values, need ${n}×${d}`);
    const tot = this.count + n;
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += batch[r * d + j];
      const bMean = s / n;
      let ss = 0;
      for (let r = 0; r < n; r++) {
        const e = batch[r * d + j] - bMean;
        ss += e * e;
      }
      const bVar = ss / n;
      const delta = bMean - this.mean[j];
      const m2 = this.var[j] * this.count + bVar * n + ((delta * delta) * this.count * n) / tot;
      this.mean[j] = this.mean[j] + (delta * n) / tot;
      this.var[j] = m2 / tot;
    }
    this.count = tot;
  }

  state(): RunningMeanStdState {
    return { mean: this.mean.slice(), var: this.var.slice(), count: this.count };
  }

  load(s: RunningMeanStdState): void {
    if (s.mean.length !== this.dim || s.var.length !== this.dim) {
      throw new Error(`RunningMeanStd.load: saved stats have dim ${s.mean.length}, expected ${this.dim}`);
    }
    this.mean = Float64Array.from(s.mean);
    this.var = Float64Array.from(s.var);
    this.count = s.count;
  }
}

const NORM_EPS = 1e-8;

export class ObsNormalizer {
  readonly rms: RunningMeanStd;
  constructor(readonly dim: number, readonly clip = 10) {
    this.rms = new RunningMeanStd(dim);
  }

  update(obs: ArrayLike<number>, n: number): void {
    this.rms.update(obs, n);
  }

  /** out[i] = clip((obs[i] − μ)/√(σ² + 1e-8), ±clip); n rows. `out` may alias `obs`. */
  normalize(obs: ArrayLike<number>, n: number, out: Float32Array | Float64Array): void {
    normalizeWith(this.rms.mean, this.rms.var, this.clip, obs, n, out);
  }
}

/** The frozen-stats normalisation (also used by `loadPolicy`). */
export function normalizeWith(
  mean: Float64Array,
  variance: Float64Array,
  clip: number,
  obs: ArrayLike<number>,
  n: number,
  out: Float32Array | Float64Array,
): void {
  const d = mean.length;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) {
      const v = (obs[r * d + j] - mean[j]) / Math.sqrt(variance[j] + NORM_EPS);
      out[r * d + j] = v > clip ? clip : v < -clip ? -clip : v;
    }
  }
}

export interface RewardScalerState {
  rms: RunningMeanStdState;
  returns: Float64Array;
}

export class RewardScaler {
  readonly rms = new RunningMeanStd(1);
  returns: Float64Array;

  constructor(readonly numEnvs: number, readonly gamma: number, readonly clip = 10) {
    this.returns = new Float64Array(numEnvs);
  }

  /**
   * Updates the discounted returns and their statistics with this step's raw rewards, writes the scaled
   * rewards to `out`, then zeroes the returns of envs whose episode ended (`done[e]` non-zero).
   */
  scale(rewards: ArrayLike<number>, done: ArrayLike<number>, out: Float64Array | Float32Array): void {
    const n = this.numEnvs;
    for (let e = 0; e < n; e++) this.returns[e] = this.returns[e] * this.gamma + rewards[e];
    this.rms.update(this.returns, n);
    const sd = Math.sqrt(this.rms.var[0] + NORM_EPS);
    for (let e = 0; e < n; e++) {
      const v = rewards[e] / sd;
      out[e] = v > this.clip ? this.clip : v < -this.clip ? -this.clip : v;
      if (done[e]) this.returns[e] = 0;
    }
  }

  state(): RewardScalerState {
    return { rms: this.rms.state(), returns: this.returns.slice() };
  }

  load(s: RewardScalerState): void {
    this.rms.load(s.rms);
    if (s.returns.length !== this.numEnvs) throw new Error(`RewardScaler.load: saved ${s.returns.length} envs, this run has ${this.numEnvs}`);
    this.returns = Float64Array.from(s.returns);
  }
}
