import type { MarketFrame } from '../src/data/market-frame.ts';
import { parseRatioSchedule, type RatioSchedule } from '../src/schedule.ts';
import type { EnvConfig, EnvConfigInput } from './config.ts';
import { MarginTradingEnv, type EnvState } from './margin-env.ts';
import type { Box } from './spaces.ts';
import type { EpisodeSummary, VecEnv, VecStepResult } from './types.ts';

export interface VecEnvOptions {
  /** Number of copies stepping in lockstep. */
  numEnvs?: number;
  /** Base seed: copy j's episode starts are drawn from stream (seed + j, 'env'). */
  seed?: number;
  /** Draw each episode's first day uniformly within [startDate, endDate − episodeLength]. */
  randomStart?: boolean;
  /** Steps per episode (default: the whole date range). */
  episodeLength?: number;
  /** Date range the copies trade in (inclusive); default the whole frame. */
  startDate?: string;
  endDate?: string;
  schedule?: RatioSchedule | null;
}

/**
 * N copies of MarginTradingEnv in lockstep over shared typed arrays, with same-step autoreset:
 * an ended copy is reset inside `step`, its last observation kept in `finalObservations`.
 * The copies share the (read-only) market frame.
 */
export class MarginVecEnv implements VecEnv {
  readonly numEnvs: number;
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  readonly envs: MarginTradingEnv[];
  readonly obsDim: number;
  readonly actDim: number;

  private readonly obs: Float32Array;
  private readonly rewards: Float64Array;
  private readonly terminated: Uint8Array;
  private readonly truncated: Uint8Array;
  private readonly finalObs: (Float32Array | null)[];
  private readonly episodeInfos: (EpisodeSummary | null)[];
  private readonly epReturn: Float64Array;
  private readonly epLength: Int32Array;
  private readonly lo: number;
  private readonly hi: number;
  private readonly opts: VecEnvOptions;
  private seed = 0;

  constructor(frame: MarketFrame, config: EnvConfig | EnvConfigInput = {}, opts: VecEnvOptions = {}) {
    const numEnvs = opts.numEnvs ?? 1;
    if (!(Number.isInteger(numEnvs) && numEnvs >= 1)) throw new Error(`MarginVecEnv: numEnvs must be a positive integer, got ${numEnvs}`);
    this.numEnvs = numEnvs;
    this.opts = opts;
    // The one schedule contract, checked once here so that an error names this constructor (each copy checks it against the frame).
    const schedule = opts.schedule ? parseRatioSchedule(opts.schedule, 'MarginVecEnv: ratio schedule') : null;
    this.envs = Array.from({ length: numEnvs }, () => new MarginTradingEnv(frame, config, { schedule }));
    const e0 = this.envs[0];
    this.obsDim = e0.obsDim;
    this.actDim = e0.actDim;
    this.observationSpace = e0.observationSpace;
    this.actionSpace = e0.actionSpace;
    this.obs = new Float32Array(numEnvs * this.obsDim);
    this.rewards = new Float64Array(numEnvs);
    this.terminated = new Uint8Array(numEnvs);
    this.truncated = new Uint8Array(numEnvs);
    this.finalObs = new Array(numEnvs).fill(null);
    this.episodeInfos = new Array(numEnvs).fill(null);
    this.epReturn = new Float64Array(numEnvs);
    this.epLength = new Int32Array(numEnvs);
    const d = frame.dates;
    this.lo = opts.startDate ? d.findIndex((x) => x >= opts.startDate!) : 0;
    let hi = d.length - 1;
    if (opts.endDate) {
      while (hi >= 0 && d[hi] > opts.endDate) hi--;
    }
    this.hi = hi;
    if (this.lo < 0 || this.hi - this.lo < 1)
      throw new Error(`MarginVecEnv: the date range ${opts.startDate ?? d[0]} … ${opts.endDate ?? d[d.length - 1]} holds fewer than 2 frame days`);
    if (opts.episodeLength !== undefined && !(opts.episodeLength >= 1 && opts.episodeLength <= this.hi - this.lo)) {
      throw new Error(`MarginVecEnv: episodeLength ${opts.episodeLength} must be in [1, ${this.hi - this.lo}] for this date range`);
    }
  }

  reset(seed = 0): Float32Array {
    this.seed = seed;
    for (let j = 0; j < this.numEnvs; j++) {
      this.envs[j].reset({ seed: seed + j, options: this.episodeBounds(j) });
      this.envs[j].writeObservation(this.obs, j * this.obsDim);
      this.epReturn[j] = 0;
      this.epLength[j] = 0;
    }
    return this.obs;
  }

  step(actions: Float32Array | Float64Array): VecStepResult {
    const ad = this.actDim;
    if (actions.length !== this.numEnvs * ad) throw new Error(`MarginVecEnv.step: expected ${this.numEnvs}×${ad} actions, got ${actions.length}`);
    for (let j = 0; j < this.numEnvs; j++) {
      const env = this.envs[j];
      const r = env.advance(actions.subarray(j * ad, (j + 1) * ad));
      this.rewards[j] = r.reward;
      this.terminated[j] = r.terminated ? 1 : 0;
      this.truncated[j] = r.truncated ? 1 : 0;
      this.epReturn[j] += r.reward;
      this.epLength[j]++;
      if (r.terminated || r.truncated) {
        const fin = new Float32Array(this.obsDim);
        env.writeObservation(fin);
        this.finalObs[j] = fin;
        this.episodeInfos[j] = {
          length: this.epLength[j],
          return: this.epReturn[j],
          initialEquity: env.startEquity,
          finalEquity: env.core.totalEquity,
          reason: r.reason ?? 'unknown',
        };
        env.reset({ options: this.episodeBounds(j) });
        this.epReturn[j] = 0;
        this.epLength[j] = 0;
      } else {
        this.finalObs[j] = null;
        this.episodeInfos[j] = null;
      }
      env.writeObservation(this.obs, j * this.obsDim);
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

  /** Full state of every copy (JSON-able) for checkpoints: setState continues bit-identically. */
  getState(): { envs: EnvState[]; epReturn: number[]; epLength: number[]; seed: number } {
    return { envs: this.envs.map((e) => e.getState()), epReturn: Array.from(this.epReturn), epLength: Array.from(this.epLength), seed: this.seed };
  }

  setState(state: unknown): void {
    const s = state as { envs: EnvState[]; epReturn: number[]; epLength: number[]; seed: number };
    if (!s || !Array.isArray(s.envs) || s.envs.length !== this.numEnvs) {
      throw new Error(
        `MarginVecEnv.setState: the saved state has ${s?.envs?.length ?? 'no'} copies, this vector env has ${this.numEnvs}; construct it with the same options as the original run`,
      );
    }
    s.envs.forEach((e, j) => this.envs[j].setState(e));
    this.epReturn.set(s.epReturn);
    this.epLength.set(s.epLength);
    this.seed = s.seed;
    for (let j = 0; j < this.numEnvs; j++) this.envs[j].writeObservation(this.obs, j * this.obsDim);
  }

  /** Current observations (numEnvs × obsDim), e.g. after setState. */
  get observations(): Float32Array {
    return this.obs;
  }

  private episodeBounds(j: number): { startIndex: number; endIndex: number } {
    const len = this.opts.episodeLength ?? this.hi - this.lo;
    const start = this.opts.randomStart ? this.envs[j].randomStartIndex(len, this.lo, this.hi) : this.lo;
    return { startIndex: start, endIndex: start + len };
  }
}
