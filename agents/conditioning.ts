/**
 * Ratio-conditioned training: the long-share target the overlay writes into the observation is drawn at
 * random during training, so the agent sees the slot vary and can learn to trade on it.
 *
 * Without it every training episode runs at the fixed 1:1 split: the target slot is the constant 0.5, the
 * paper's A2C (no normalisation) trains that slot's weights on a constant, and PPO's normaliser records a
 * variance of ≈ 6e-8 for it. An overlay's target of 0.6 at evaluation is then a value the network has
 * never seen vary (see normalize.ts for the normaliser side of this).
 *
 * The curriculum (`RatioCurriculum`), per episode of every env copy:
 *   1. the initial long share of equity f₀ ~ D (the account is opened with it: `ResetOptions.longShare`);
 *   2. reallocation events inside the episode: gaps between events ~ Geometric on {1, 2, …} trading days
 *      with mean `meanGapDays` (null: none), each event moving equity between the books to a new target
 *      f ~ D, exactly as an overlay's schedule does (a `RatioSchedule` with absolute targets);
 *   D = mixture: with probability `pUniform` uniform on [uniform[0], uniform[1]], else uniform over `grid`
 *       (default the paper's stage-2 grid 0.5·(1 + 0.1·s), s ∈ {−3 … 3} = 0.35, 0.40, …, 0.65).
 * Every draw comes from the named stream `conditioning` of the run seed (src/rng.ts `stream(seed,
 * 'conditioning')`), in a fixed order: f₀ (two uniforms: component, value), then gap, target, gap, target …
 * until a gap passes the episode's last day. Other streams (env, sample, shuffle, init) are unaffected, so a
 * conditioned run differs from the unconditioned one with the same seed only through the ratio.
 *
 * `ConditionedVecEnv` applies the curriculum to a `MarginVecEnv` without changing env/: after the vector
 * env starts an episode of copy j (at `reset` or at same-step autoreset) it re-opens that episode on the
 * same days with f₀ and the episode's schedule and rewrites copy j's observation. Its snapshot
 * (`getState`, saved in the checkpoint's `env.snapshot`) holds the vector env's state, the curriculum's
 * stream state (`conditioning.rng`) and each copy's current episode plan (`conditioning.plans`, whose
 * schedules the envs' own snapshots do not hold), so `--resume` continues bit-identically.
 */
import { z } from 'zod';
import { obsRatioSlot } from '../env/margin-env.ts';
import type { VecEnv, VecStepResult } from '../env/types.ts';
import type { Box } from '../env/spaces.ts';
import { MarginVecEnv } from '../env/vector-env.ts';
import { Rng, stream, type AleaState } from '../src/rng.ts';
import type { RatioSchedule } from '../src/schedule.ts';
import { formatIssues } from '../src/validation.ts';

/** Name of the random stream the curriculum draws from (derived from the run seed). */
export const CONDITIONING_STREAM = 'conditioning';

/** The paper's stage-2 targets one step from the 1:1 split: 0.5·(1 + 0.1·s), s ∈ {−3 … 3}. */
export const PAPER_GRID: readonly number[] = Object.freeze([0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65]);

const share = () => z.number().gt(0).lt(1);

export const ConditioningSchema = z
  .strictObject({
    uniform: z.tuple([share(), share()]).default([0.2, 0.8]).describe('range [LO, HI] of the uniform part of the target distribution'),
    pUniform: z.number().min(0).max(1).default(0.5).describe('probability of the uniform part; otherwise a grid value'),
    grid: z
      .array(share())
      .min(1)
      .default([...PAPER_GRID])
      .describe("grid part: one of these long shares, uniformly (default the paper's 0.5·(1 + 0.1·s), s = −3 … 3)"),
    meanGapDays: z
      .number()
      .min(1)
      .nullable()
      .default(63)
      .describe('mean trading days between reallocation events inside an episode (geometric gaps); null: only the initial share'),
  })
  .refine((s) => s.uniform[0] <= s.uniform[1], { message: 'LO must be ≤ HI', path: ['uniform'] });

export type ConditioningSpec = z.infer<typeof ConditioningSchema>;
export type ConditioningInput = z.input<typeof ConditioningSchema>;

/** Parses a conditioning spec (defaults filled in); throws with the field and what is expected. */
export function parseConditioning(input: unknown): ConditioningSpec {
  const r = ConditioningSchema.safeParse(input ?? {});
  if (!r.success) {
    throw new Error(`conditioning: ${formatIssues(r.error, { first: true, whole: 'spec', quote: true })}`);
  }
  return r.data;
}

/**
 * The `--condition-ratio [SPEC]` flag: no value (or "default") = the defaults; otherwise a comma list of
 *   uniform=LO:HI   range of the uniform part (0.2:0.8)
 *   p=P             probability of the uniform part (0.5); the rest draws from the grid
 *   grid=paper|V/V/…  the grid (paper: 0.35/0.4/…/0.65)
 *   gap=DAYS|off    mean trading days between reallocation events inside an episode (63); off: none
 * e.g. `--condition-ratio uniform=0.3:0.7,p=1,gap=126`. Throws with a message naming the flag.
 */
export function parseConditioningFlag(value: string | boolean, flag = '--condition-ratio'): ConditioningSpec {
  const out: Record<string, unknown> = {};
  const text = typeof value === 'string' ? value.trim() : '';
  const num = (k: string, v: string): number => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x)) throw new Error(`${flag}: ${k}=${v}: expected a number`);
    return x;
  };
  if (text !== '' && text !== 'default') {
    for (const part of text.split(',')) {
      const eq = part.indexOf('=');
      if (eq < 0) throw new Error(`${flag}: "${part}": expected KEY=VALUE with KEY one of uniform, p, grid, gap (e.g. uniform=0.2:0.8,p=0.5,gap=63)`);
      const k = part.slice(0, eq).trim();
      const v = part.slice(eq + 1).trim();
      if (k === 'uniform') {
        const lh = v.split(':');
        if (lh.length !== 2) throw new Error(`${flag}: uniform=${v}: expected LO:HI, e.g. uniform=0.2:0.8`);
        out.uniform = [num(k, lh[0]), num(k, lh[1])];
      } else if (k === 'p') out.pUniform = num(k, v);
      else if (k === 'grid') out.grid = v === 'paper' ? [...PAPER_GRID] : v.split('/').map((g) => num(k, g));
      else if (k === 'gap') out.meanGapDays = v === 'off' ? null : num(k, v);
      else throw new Error(`${flag}: unknown key "${k}": expected uniform, p, grid or gap`);
    }
  }
  try {
    return parseConditioning(out);
  } catch (e) {
    throw new Error(`${flag}: ${(e as Error).message.replace(/^conditioning: /, '')}`, { cause: e });
  }
}

/** One copy's episode as the curriculum drew it. */
export interface EpisodePlan {
  /** Long share of equity the account is opened with. */
  initialShare: number;
  /** Reallocation events (frame dates strictly inside the episode), each to an absolute target. */
  reallocations: { date: string; target: number }[];
}

/** The schedule an episode plan stands for (the env shows each event's target from its day on). */
export function scheduleOf(plan: EpisodePlan): RatioSchedule {
  return { targets: [], reallocations: plan.reallocations.map((e) => ({ date: e.date, target: e.target })), minShare: 0, maxShare: 1 };
}

/** Draws targets and reallocation days from the `conditioning` stream of a run seed. */
export class RatioCurriculum {
  private rng: Rng;
  readonly spec: ConditioningSpec;

  constructor(
    spec: ConditioningInput | ConditioningSpec,
    readonly seed: number,
  ) {
    this.spec = parseConditioning(spec);
    this.rng = stream(seed, CONDITIONING_STREAM);
  }

  /** A long share from the mixture D (always two uniforms: component, then value). */
  drawShare(): number {
    const { uniform, pUniform, grid } = this.spec;
    const pick = this.rng.next();
    const u = this.rng.next();
    return pick < pUniform ? uniform[0] + (uniform[1] - uniform[0]) * u : grid[Math.min(grid.length - 1, Math.floor(u * grid.length))];
  }

  /** Trading days to the next reallocation event: Geometric on {1, 2, …} with mean meanGapDays; Infinity when off. */
  drawGap(): number {
    const g = this.spec.meanGapDays;
    if (g === null) return Infinity;
    const u = this.rng.next();
    if (g <= 1) return 1;
    return 1 + Math.floor(Math.log(1 - u) / Math.log(1 - 1 / g));
  }

  /** The plan of an episode over frame days [start, end] (steps trade on start … end − 1). */
  planEpisode(dates: readonly string[], start: number, end: number): EpisodePlan {
    const initialShare = this.drawShare();
    const reallocations: EpisodePlan['reallocations'] = [];
    for (let t = start + this.drawGap(); t < end; t += this.drawGap()) reallocations.push({ date: dates[t], target: this.drawShare() });
    return { initialShare, reallocations };
  }

  state(): AleaState {
    return this.rng.state();
  }

  load(state: AleaState): void {
    this.rng = new Rng(`${this.seed}:${CONDITIONING_STREAM}`, state);
  }
}

/** What `ConditionedVecEnv.getState` returns (JSON-able). */
export interface ConditionedEnvState {
  inner: ReturnType<MarginVecEnv['getState']>;
  conditioning: { seed: number; spec: ConditioningSpec; rng: AleaState; plans: EpisodePlan[] };
}

/**
 * A `MarginVecEnv` whose every episode (each copy, at reset and at autoreset) starts at a long share drawn
 * by the curriculum and carries the curriculum's reallocation events. Any schedule given to the inner env
 * is replaced. Implements `SnapshotVecEnv` (exact resume) and names its ratio slots (`ratioSlots`).
 */
export class ConditionedVecEnv implements VecEnv {
  readonly numEnvs: number;
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  readonly obsDim: number;
  /** Observation slots of the current and the target long share (normalisation passes them through). */
  readonly ratioSlots: number[];
  readonly curriculum: RatioCurriculum;
  /** The plan of each copy's current episode. */
  plans: EpisodePlan[];

  constructor(
    readonly inner: MarginVecEnv,
    spec: ConditioningInput | ConditioningSpec,
    seed: number,
  ) {
    const e0 = inner.envs[0];
    if (!e0.cfg.observeRatio)
      throw new Error(
        'conditioning: the env config has observeRatio false, so the agent would never see the target it is conditioned on; turn observeRatio on',
      );
    this.numEnvs = inner.numEnvs;
    this.observationSpace = inner.observationSpace;
    this.actionSpace = inner.actionSpace;
    this.obsDim = inner.obsDim;
    const s = obsRatioSlot(e0.n, e0.k);
    this.ratioSlots = [s, s + 1];
    this.curriculum = new RatioCurriculum(spec, seed);
    this.plans = [];
  }

  reset(seed = 0): Float32Array {
    this.inner.reset(seed);
    this.plans = [];
    for (let j = 0; j < this.numEnvs; j++) this.begin(j);
    return this.inner.observations;
  }

  step(actions: Float32Array | Float64Array): VecStepResult {
    const res = this.inner.step(actions);
    for (let j = 0; j < this.numEnvs; j++) if (res.terminated[j] || res.truncated[j]) this.begin(j);
    return res;
  }

  /** Re-opens copy j's fresh episode (same days) with the curriculum's initial share and schedule. */
  private begin(j: number): void {
    const env = this.inner.envs[j];
    const { start, end } = env.episodeBounds;
    const plan = this.curriculum.planEpisode(env.frame.dates, start, end);
    env.reset({ options: { startIndex: start, endIndex: end, longShare: plan.initialShare, schedule: scheduleOf(plan) } });
    env.writeObservation(this.inner.observations, j * this.obsDim);
    this.plans[j] = plan;
  }

  getState(): ConditionedEnvState {
    return {
      inner: this.inner.getState(),
      conditioning: {
        seed: this.curriculum.seed,
        spec: this.curriculum.spec,
        rng: this.curriculum.state(),
        plans: this.plans.map((p) => ({ initialShare: p.initialShare, reallocations: p.reallocations.map((e) => ({ ...e })) })),
      },
    };
  }

  setState(state: unknown): void {
    const s = state as Partial<ConditionedEnvState> | null;
    const c = s?.conditioning;
    if (!s || !c || !Array.isArray(c.plans) || c.plans.length !== this.numEnvs) {
      throw new Error(
        `ConditionedVecEnv.setState: the snapshot has no conditioning state for ${this.numEnvs} copies (was the run trained without conditioning? resume it with the same conditioning spec)`,
      );
    }
    if (c.seed !== this.curriculum.seed || JSON.stringify(c.spec) !== JSON.stringify(this.curriculum.spec)) {
      throw new Error(
        `ConditionedVecEnv.setState: the snapshot was drawn with seed ${c.seed} and spec ${JSON.stringify(c.spec)}, this env has seed ${this.curriculum.seed} and spec ${JSON.stringify(this.curriculum.spec)}`,
      );
    }
    // The envs' snapshots do not hold their schedules: install each copy's first, then restore (which re-reads them).
    c.plans.forEach((p, j) => this.inner.envs[j].setSchedule(scheduleOf(p)));
    this.inner.setState(s.inner);
    this.curriculum.load(c.rng);
    this.plans = c.plans.map((p) => ({ initialShare: p.initialShare, reallocations: p.reallocations.map((e) => ({ ...e })) }));
  }

  get observations(): Float32Array {
    return this.inner.observations;
  }
}

/**
 * The observation slots a VecEnv declares as ratio slots (its `ratioSlots`), or, for a `MarginVecEnv`
 * with observeRatio on, its two ratio slots; otherwise none. The driver passes these through the
 * observation normaliser unchanged.
 */
export function ratioSlotsOf(env: VecEnv): number[] {
  const hinted = (env as { ratioSlots?: unknown }).ratioSlots;
  if (Array.isArray(hinted)) return hinted.map(Number);
  if (env instanceof MarginVecEnv) {
    const e = env.envs[0];
    if (!e.cfg.observeRatio) return [];
    const s = obsRatioSlot(e.n, e.k);
    return [s, s + 1];
  }
  return [];
}
