/**
 * Observation normalisation and reward scaling, as SB3's VecNormalize (the "37 details" #29–#33), with two
 * guards against features that (nearly) never vary in training.
 *
 * - Observations: running mean/var over every observation seen in training (parallel-variance update
 *   per vector step, count starting at 1e-4), saved in checkpoints and frozen at evaluation (`loadPolicy`):
 *
 *     o'_j = o_j                                              for j in `passthrough` (unchanged, not clipped)
 *     o'_j = clip((o_j − μ_j) / max(√(σ²_j + 1e-8), stdFloor), ±clipObs)   otherwise
 *
 *   **Pass-through slots.** Features that are already on a unit scale and whose training distribution may
 *   be degenerate go into the network as they are. The margin env's two ratio slots (current long share of
 *   equity and target long share, both in [0, 1]) are passed through by default (the on-policy driver, agents/on-policy/driver.ts, finds them
 *   with `ratioSlotsOf`): trained at the fixed 1:1 split the target slot is the constant 0.5 with variance
 *   ≈ 6e-8, and the SB3 rule would turn an evaluation target of 0.6 into (0.6 − 0.5)/2.5e-4 → +10 (the clip).
 *
 *   **Std floor.** Every other feature is divided by at least `stdFloor` = 0.1 (`DEFAULT_OBS_STD_FLOOR`). A
 *   feature constant in training therefore maps a deviation d from its training value to clip(10·d): a
 *   deviation of 0.01 units to 0.1, of 0.1 units to 1, and of one unit or more to the clip ±10 — never the
 *   ±10 for a deviation of 1e-3 that the bare 1e-8 epsilon gives. A feature whose training std is ≥ 0.1 is
 *   normalised exactly as before, bit for bit (max(s, 0.1) = s). On the margin env's paper preset (a 2016
 *   run) the smallest std of an informative feature is ≈ 0.15 (a MACD column), so the floor touches only
 *   (near-)constant columns there.
 *
 *   Checkpoints written before this rule carry neither field; they are loaded with the legacy rule
 *   (`LEGACY_OBS_RULE`: no pass-through, floor 0 — the exact SB3 map the network was trained with), so old
 *   agents evaluate and resume exactly as before.
 * - Rewards: divided by the running std of the discounted return R ← γR + r (per env, reset to 0 at
 *   episode end), r' = clip(r/√(Var[R] + 1e-8), ±clipReward). The mean is not subtracted.
 * All statistics are float64.
 */

/** How observations are mapped with frozen stats (recorded in checkpoints next to the stats). */
export interface ObsNormRule {
  /** Lower bound of the divisor √(σ² + 1e-8) (0: the plain SB3 rule). */
  stdFloor: number;
  /** Feature indices passed through unchanged (not centred, scaled or clipped). */
  passthrough: number[];
}

/** The std floor of new runs (see the file comment). */
export const DEFAULT_OBS_STD_FLOOR = 0.1;

/** The rule of checkpoints written before pass-through and the floor existed: SB3's, unchanged. */
export const LEGACY_OBS_RULE: Readonly<ObsNormRule> = Object.freeze({ stdFloor: 0, passthrough: [] as number[] });

/** The rule stored with `stats`, or the legacy rule when the stats predate it (old checkpoints). */
export function obsRuleOf(stats: { stdFloor?: number; passthrough?: ArrayLike<number> } | null | undefined): ObsNormRule {
  if (!stats || stats.stdFloor === undefined) return { stdFloor: LEGACY_OBS_RULE.stdFloor, passthrough: [] };
  return { stdFloor: stats.stdFloor, passthrough: Array.from(stats.passthrough ?? []) };
}

/** Checks a rule against the observation size; throws with a readable message. */
export function checkObsRule(rule: ObsNormRule, dim: number): void {
  if (!(Number.isFinite(rule.stdFloor) && rule.stdFloor >= 0))
    throw new Error(`observation normaliser: stdFloor must be a finite number ≥ 0, got ${rule.stdFloor}`);
  for (const j of rule.passthrough) {
    if (!(Number.isInteger(j) && j >= 0 && j < dim)) throw new Error(`observation normaliser: pass-through slot ${j} is not a feature index in [0, ${dim})`);
  }
}

export interface RunningMeanStdState {
  mean: Float64Array;
  var: Float64Array;
  count: number;
}

export class RunningMeanStd {
  mean: Float64Array;
  var: Float64Array;
  count: number;

  constructor(
    readonly dim: number,
    epsilon = 1e-4,
  ) {
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
      const m2 = this.var[j] * this.count + bVar * n + (delta * delta * this.count * n) / tot;
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
  /** The mapping rule (see the file comment); set it before training starts (resume sets the stored one). */
  rule: ObsNormRule;
  constructor(
    readonly dim: number,
    readonly clip = 10,
    rule: ObsNormRule = { stdFloor: DEFAULT_OBS_STD_FLOOR, passthrough: [] },
  ) {
    this.rms = new RunningMeanStd(dim);
    checkObsRule(rule, dim);
    this.rule = { stdFloor: rule.stdFloor, passthrough: [...rule.passthrough] };
  }

  update(obs: ArrayLike<number>, n: number): void {
    this.rms.update(obs, n);
  }

  /** out = the rule applied with the current stats; n rows. `out` may alias `obs`. */
  normalize(obs: ArrayLike<number>, n: number, out: Float32Array | Float64Array): void {
    normalizeWith(this.rms.mean, this.rms.var, this.clip, obs, n, out, this.rule);
  }

  /** The stats and the rule, as checkpoints store them. */
  snapshot(): RunningMeanStdState & ObsNormRule & { clip: number } {
    return { ...this.rms.state(), clip: this.clip, stdFloor: this.rule.stdFloor, passthrough: [...this.rule.passthrough] };
  }
}

/**
 * The frozen-stats normalisation (also used by `loadPolicy`): pass-through slots copied, the rest
 * clip((o − μ)/max(√(σ² + 1e-8), stdFloor), ±clip). Without `rule`: the legacy (SB3) map.
 */
export function normalizeWith(
  mean: Float64Array,
  variance: Float64Array,
  clip: number,
  obs: ArrayLike<number>,
  n: number,
  out: Float32Array | Float64Array,
  rule: ObsNormRule = LEGACY_OBS_RULE,
): void {
  const d = mean.length;
  const floor = rule.stdFloor;
  const pass = sortedSlots(rule.passthrough);
  for (let r = 0; r < n; r++) {
    let k = 0;
    for (let j = 0; j < d; j++) {
      if (k < pass.length && pass[k] === j) {
        out[r * d + j] = obs[r * d + j];
        while (k < pass.length && pass[k] === j) k++;
        continue;
      }
      const sd = Math.sqrt(variance[j] + NORM_EPS);
      const v = (obs[r * d + j] - mean[j]) / (sd < floor ? floor : sd);
      out[r * d + j] = v > clip ? clip : v < -clip ? -clip : v;
    }
  }
}

/** The slots in increasing order (the array itself when it already is: no allocation per step). */
function sortedSlots(slots: number[]): number[] {
  for (let i = 1; i < slots.length; i++) if (slots[i] < slots[i - 1]) return [...slots].sort((a, b) => a - b);
  return slots;
}

export interface RewardScalerState {
  rms: RunningMeanStdState;
  returns: Float64Array;
}

export class RewardScaler {
  readonly rms = new RunningMeanStd(1);
  returns: Float64Array;

  constructor(
    readonly numEnvs: number,
    readonly gamma: number,
    readonly clip = 10,
  ) {
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
