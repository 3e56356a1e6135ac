/**
 * Small synthetic vector environments with known answers, for tests and benchmarks. All implement
 * `VecEnv` (same-step autoreset, copy j reset with seed + j) and `SnapshotVecEnv` (exact resume).
 *
 * - TwoAssetDriftVecEnv: two assets with a persistent drift (+μ, −μ) plus Gaussian noise; the action is the
 *   position in each, in [−1, 1]²; reward = a·r. Optimal: long the first, short the second, expected return
 *   episodeLength·2μ per episode (`optimalReturn`).
 * - LeakedSignVecEnv: one asset; observation column 0 equals the sign of the NEXT step's return (a leaked
 *   future feature). An agent that reads it earns E|r| per step; buy-and-hold earns μ. If a pipeline cannot
 *   exploit this, observations and rewards are misaligned somewhere.
 * - RatioTargetVecEnv: the optimal action depends only on a ratio slot: observation [noise, noise, long
 *   share, target long share f], reward −(a − (2f − 1))². f is drawn by a `RatioCurriculum`
 *   (conditioning.ts) per episode and at its reallocation events, or fixed. An agent that ignores the slot
 *   can at best play the mean of 2f − 1.
 * - FreeVecEnv: an env that costs (almost) nothing, with the margin env's sizes by default (obs 284,
 *   actions 54), for measuring the agent's own speed.
 */
import type { EpisodeSummary, VecEnv, VecStepResult } from '../env/types.ts';
import { box, type Box } from '../env/spaces.ts';
import { Rng, type AleaState } from '../src/rng.ts';
import type { RatioCurriculum } from './conditioning.ts';

/** One standard normal from two uniforms (no cached spare, so the stream state is the whole state). */
function gauss(rng: Rng): number {
  let u = rng.next();
  while (u === 0) u = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

interface CopyState {
  rng: Rng;
  t: number;
  ret: number;
  /** Env-specific numbers (e.g. last returns, the pending next return). */
  x: Float64Array;
}

/** Shared mechanics: per-copy seeded streams, time limit, autoreset, episode summaries, snapshots. */
abstract class ToyVecEnv implements VecEnv {
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  protected copies: CopyState[] = [];
  private readonly obsBuf: Float32Array;
  private readonly rewards: Float64Array;
  private readonly terminated: Uint8Array;
  private readonly truncated: Uint8Array;
  readonly obsDim: number;
  readonly actDim: number;

  constructor(
    readonly numEnvs: number,
    obsDim: number,
    actDim: number,
    readonly episodeLength: number,
    private readonly stateDim: number,
  ) {
    if (!(Number.isInteger(numEnvs) && numEnvs >= 1)) throw new Error(`toy env: numEnvs must be a positive integer, got ${numEnvs}`);
    this.obsDim = obsDim;
    this.actDim = actDim;
    this.observationSpace = box([obsDim], -Infinity, Infinity);
    this.actionSpace = box([actDim], -1, 1);
    this.obsBuf = new Float32Array(numEnvs * obsDim);
    this.rewards = new Float64Array(numEnvs);
    this.terminated = new Uint8Array(numEnvs);
    this.truncated = new Uint8Array(numEnvs);
  }

  /** Start an episode for copy c (fill c.x). */
  protected abstract begin(c: CopyState): void;
  /** Observation of copy c into out. */
  protected abstract observe(c: CopyState, out: Float32Array): void;
  /** Apply action a to copy c, return the reward (advance c.x). */
  protected abstract transition(c: CopyState, a: Float32Array | Float64Array): number;

  reset(seed = 0): Float32Array {
    this.copies = [];
    for (let j = 0; j < this.numEnvs; j++) {
      const c: CopyState = { rng: new Rng(`toy:${seed + j}`), t: 0, ret: 0, x: new Float64Array(this.stateDim) };
      this.begin(c);
      this.copies.push(c);
      this.observe(c, this.obsBuf.subarray(j * this.obsDim, (j + 1) * this.obsDim));
    }
    return this.obsBuf;
  }

  step(actions: Float32Array | Float64Array): VecStepResult {
    if (this.copies.length !== this.numEnvs) throw new Error('toy env: call reset() before step()');
    if (actions.length !== this.numEnvs * this.actDim) throw new Error(`toy env: got ${actions.length} actions, need ${this.numEnvs}×${this.actDim}`);
    const finalObservations: (Float32Array | null)[] = new Array(this.numEnvs).fill(null);
    const episodeInfos: (EpisodeSummary | null)[] = new Array(this.numEnvs).fill(null);
    for (let j = 0; j < this.numEnvs; j++) {
      const c = this.copies[j];
      const r = this.transition(c, actions.subarray(j * this.actDim, (j + 1) * this.actDim));
      c.t += 1;
      c.ret += r;
      this.rewards[j] = r;
      this.terminated[j] = 0;
      const out = this.obsBuf.subarray(j * this.obsDim, (j + 1) * this.obsDim);
      this.truncated[j] = c.t >= this.episodeLength ? 1 : 0;
      if (this.truncated[j]) {
        const fin = new Float32Array(this.obsDim);
        this.observe(c, fin);
        finalObservations[j] = fin;
        episodeInfos[j] = { length: c.t, return: c.ret, initialEquity: 1, finalEquity: 1 + c.ret, reason: 'time-limit' };
        c.t = 0;
        c.ret = 0;
        this.begin(c);
      }
      this.observe(c, out);
    }
    return { observations: this.obsBuf, rewards: this.rewards, terminated: this.terminated, truncated: this.truncated, finalObservations, episodeInfos };
  }

  getState(): unknown {
    return this.copies.map((c) => ({ rng: c.rng.state(), t: c.t, ret: c.ret, x: c.x.slice() }));
  }

  setState(state: unknown): void {
    const s = state as { rng: AleaState; t: number; ret: number; x: Float64Array }[];
    if (!Array.isArray(s) || s.length !== this.numEnvs)
      throw new Error(`toy env: snapshot has ${Array.isArray(s) ? s.length : 'no'} copies, env has ${this.numEnvs}`);
    this.copies = s.map((c) => ({ rng: new Rng('toy', c.rng), t: c.t, ret: c.ret, x: Float64Array.from(c.x) }));
    for (let j = 0; j < this.numEnvs; j++) this.observe(this.copies[j], this.obsBuf.subarray(j * this.obsDim, (j + 1) * this.obsDim));
  }
}

export interface TwoAssetDriftOptions {
  numEnvs?: number;
  /** Steps per episode (then truncated). */
  episodeLength?: number;
  /** Drift magnitude μ: asset 0 drifts +μ per step, asset 1 −μ. */
  drift?: number;
  /** Noise std σ of each step's returns. */
  noise?: number;
}

/**
 * Observation (4): [last return of asset 0, last return of asset 1, t/episodeLength, 1].
 * Action (2): positions in [−1, 1]. Reward: a₀r₀ + a₁r₁ with r = (μ, −μ) + σ·ε.
 */
export class TwoAssetDriftVecEnv extends ToyVecEnv {
  readonly drift: number;
  readonly noise: number;
  constructor(o: TwoAssetDriftOptions = {}) {
    super(o.numEnvs ?? 1, 4, 2, o.episodeLength ?? 64, 2);
    this.drift = o.drift ?? 0.1;
    this.noise = o.noise ?? 0.1;
  }
  /** Expected return per episode of the optimal policy (+1, −1). */
  optimalReturn(): number {
    return this.episodeLength * 2 * this.drift;
  }
  protected begin(c: CopyState): void {
    c.x[0] = 0;
    c.x[1] = 0;
  }
  protected observe(c: CopyState, out: Float32Array): void {
    out[0] = c.x[0];
    out[1] = c.x[1];
    out[2] = c.t / this.episodeLength;
    out[3] = 1;
  }
  protected transition(c: CopyState, a: Float32Array | Float64Array): number {
    const r0 = this.drift + this.noise * gauss(c.rng);
    const r1 = -this.drift + this.noise * gauss(c.rng);
    c.x[0] = r0;
    c.x[1] = r1;
    return a[0] * r0 + a[1] * r1;
  }
}

export interface LeakedSignOptions {
  numEnvs?: number;
  episodeLength?: number;
  /** Mean return per step μ (what buy-and-hold earns). */
  drift?: number;
  /** Std of the returns σ. */
  vol?: number;
  /** Pure-noise observation columns after the leaked one. */
  noiseFeatures?: number;
}

/**
 * Observation (1 + noiseFeatures): [sign(r_{t+1}), noise…]. Action (1): position in [−1, 1].
 * Reward at t: a_t · r_{t+1}, the return the sign in the observation announced.
 */
export class LeakedSignVecEnv extends ToyVecEnv {
  readonly drift: number;
  readonly vol: number;
  private readonly noiseFeatures: number;
  constructor(o: LeakedSignOptions = {}) {
    const nf = o.noiseFeatures ?? 3;
    super(o.numEnvs ?? 1, 1 + nf, 1, o.episodeLength ?? 64, 1 + nf);
    this.noiseFeatures = nf;
    this.drift = o.drift ?? 0.02;
    this.vol = o.vol ?? 1;
  }
  /** Expected per-episode return of buy-and-hold (μ per step). */
  buyAndHoldReturn(): number {
    return this.episodeLength * this.drift;
  }
  private draw(c: CopyState): void {
    c.x[0] = this.drift + this.vol * gauss(c.rng);
    for (let k = 1; k <= this.noiseFeatures; k++) c.x[k] = gauss(c.rng);
  }
  protected begin(c: CopyState): void {
    this.draw(c);
  }
  protected observe(c: CopyState, out: Float32Array): void {
    out[0] = Math.sign(c.x[0]);
    for (let k = 1; k <= this.noiseFeatures; k++) out[k] = c.x[k];
  }
  protected transition(c: CopyState, a: Float32Array | Float64Array): number {
    const r = a[0] * c.x[0];
    this.draw(c);
    return r;
  }
}

export interface RatioTargetOptions {
  numEnvs?: number;
  episodeLength?: number;
  /** Draws f at every episode start and at its reallocation events (geometric gaps). */
  curriculum?: RatioCurriculum;
  /** Or a fixed target long share for every episode (evaluation); default 0.5 without a curriculum. */
  fixedTarget?: number;
}

/**
 * Observation (4): [N(0,1), N(0,1), long share (= f), target long share f]; slots 2 and 3 are the ratio
 * slots (`ratioSlots`, as the margin env's). Action (1) in [−1, 1]. Reward −(a − (2f − 1))²: the optimum
 * a* = 2f − 1 earns 0. The curriculum's stream state is part of the snapshot.
 */
export class RatioTargetVecEnv extends ToyVecEnv {
  readonly ratioSlots = [2, 3];
  private readonly curriculum: RatioCurriculum | null;
  private readonly fixedTarget: number;
  constructor(o: RatioTargetOptions = {}) {
    // x = [f, step of the next event (Infinity: none), noise 0, noise 1]
    super(o.numEnvs ?? 1, 4, 1, o.episodeLength ?? 32, 4);
    this.curriculum = o.curriculum ?? null;
    this.fixedTarget = o.fixedTarget ?? 0.5;
    if (!(this.fixedTarget > 0 && this.fixedTarget < 1)) throw new Error(`RatioTargetVecEnv: fixedTarget must be in (0, 1), got ${this.fixedTarget}`);
  }
  /** The reward-maximising action for target long share f. */
  static optimalAction(f: number): number {
    return 2 * f - 1;
  }
  protected begin(c: CopyState): void {
    if (this.curriculum) {
      c.x[0] = this.curriculum.drawShare();
      c.x[1] = this.curriculum.drawGap();
    } else {
      c.x[0] = this.fixedTarget;
      c.x[1] = Infinity;
    }
    c.x[2] = gauss(c.rng);
    c.x[3] = gauss(c.rng);
  }
  protected observe(c: CopyState, out: Float32Array): void {
    out[0] = c.x[2];
    out[1] = c.x[3];
    out[2] = c.x[0];
    out[3] = c.x[0];
  }
  protected transition(c: CopyState, a: Float32Array | Float64Array): number {
    const d = a[0] - RatioTargetVecEnv.optimalAction(c.x[0]);
    // The next step's observation: fresh noise, and a new target on an event day.
    c.x[2] = gauss(c.rng);
    c.x[3] = gauss(c.rng);
    if (this.curriculum && c.t + 1 >= c.x[1]) {
      c.x[0] = this.curriculum.drawShare();
      c.x[1] = c.t + 1 + this.curriculum.drawGap();
    }
    return -d * d;
  }
  override getState(): unknown {
    return { copies: super.getState(), curriculum: this.curriculum ? this.curriculum.state() : null };
  }
  override setState(state: unknown): void {
    const s = state as { copies: unknown; curriculum: AleaState | null };
    if (this.curriculum) {
      if (!s.curriculum) throw new Error('RatioTargetVecEnv: the snapshot has no curriculum state');
      this.curriculum.load(s.curriculum);
    }
    super.setState(s.copies);
  }
}

export interface FreeEnvOptions {
  numEnvs?: number;
  obsDim?: number;
  actDim?: number;
  episodeLength?: number;
}

/**
 * Observations cycle through a fixed table of random rows; reward = mean of a ⊙ w (a fixed vector), so a
 * step costs a copy and a dot product. Sizes default to the margin env's (obs 284, actions 54).
 */
export class FreeVecEnv extends ToyVecEnv {
  private readonly table: Float32Array;
  private readonly rows = 257;
  private readonly w: Float64Array;
  constructor(o: FreeEnvOptions = {}) {
    super(o.numEnvs ?? 1, o.obsDim ?? 284, o.actDim ?? 54, o.episodeLength ?? 1000, 1);
    const rng = new Rng('free-env-table');
    this.table = new Float32Array(this.rows * this.obsDim);
    for (let i = 0; i < this.table.length; i++) this.table[i] = gauss(rng);
    this.w = new Float64Array(this.actDim);
    for (let j = 0; j < this.actDim; j++) this.w[j] = gauss(rng);
  }
  protected begin(c: CopyState): void {
    c.x[0] = c.rng.int(this.rows);
  }
  protected observe(c: CopyState, out: Float32Array): void {
    const row = (c.x[0] + c.t) % this.rows;
    out.set(this.table.subarray(row * this.obsDim, (row + 1) * this.obsDim));
  }
  protected transition(_c: CopyState, a: Float32Array | Float64Array): number {
    let s = 0;
    for (let j = 0; j < this.actDim; j++) s += a[j] * this.w[j];
    return s / this.actDim;
  }
}

/**
 * Runs a deterministic policy (`act` maps n stacked observations to n stacked actions) on `env` from
 * `reset(seed)` until `episodes` episodes have ended; returns their returns and lengths (in end order).
 */
export function evaluateEpisodes(
  env: VecEnv,
  act: (obs: Float32Array) => Float32Array | Float64Array,
  opts: { episodes: number; seed: number; maxSteps?: number },
): { returns: number[]; lengths: number[]; mean: number } {
  let obs = env.reset(opts.seed);
  const returns: number[] = [];
  const lengths: number[] = [];
  const maxSteps = opts.maxSteps ?? 1_000_000;
  for (let s = 0; s < maxSteps && returns.length < opts.episodes; s++) {
    const res = env.step(act(obs));
    for (const info of res.episodeInfos) {
      if (info && returns.length < opts.episodes) {
        returns.push(info.return);
        lengths.push(info.length);
      }
    }
    obs = res.observations;
  }
  if (returns.length < opts.episodes) throw new Error(`evaluateEpisodes: only ${returns.length} of ${opts.episodes} episodes ended within ${maxSteps} steps`);
  return { returns, lengths, mean: returns.reduce((a, b) => a + b, 0) / returns.length };
}
