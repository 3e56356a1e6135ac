/**
 * Ratio-conditioned training (agents/conditioning.ts) and the normaliser rule that goes with it.
 *
 * (a) The curriculum: draws follow the spec, come from the run seed's `conditioning` stream (same seed →
 *     same draws, other streams untouched) and reach the env as the initial long share and reallocations.
 * (b) Toy task (RatioTargetVecEnv): the reward −(a − (2f − 1))² is maximised by a* = 2f − 1, f the target
 *     slot. Score = 1 − MSE(agent)/MSE(best ratio-blind constant) over a sweep of fixed targets 0.2 … 0.8:
 *     1 = optimal, 0 = what any policy that ignores the slot can reach at best. Required ≥ 0.8.
 *     (Measured: seed 1 0.963, seeds 2, 3 0.993, 0.996 at 24,576 steps; 16,384 steps is not enough for every
 *     seed: 0.79 / 0.97 / 0.74.)
 * (c) The margin env on real prices: PPO trained with the curriculum on 2016–2017 (4 copies, 64-day
 *     episodes, 8,192 steps), traded 2018-01-01 … 2018-06-30 at fixed targets 0.2, 0.3, …, 0.8. Its realised
 *     long share of gross exposure, long MV / (long MV + short MV) averaged over the days with a position,
 *     must rise with the target: Spearman ≥ 0.8. (Measured: Spearman 1.000 for seeds 1, 2, 3. The same PPO
 *     trained at the fixed 1:1 split: −0.54, −0.64, 0.89 — the target is not something it has learnt to
 *     read. The paper's A2C reaches 1.000 too, for a mechanical reason: its trades saturate both books, so
 *     its exposure follows the capital each book is given, whatever it reads.)
 */
import { describe, expect, it } from 'vitest';
import type { Policy } from '../../agents/checkpoint.ts';
import { ConditionedVecEnv, parseConditioning, parseConditioningFlag, PAPER_GRID, RatioCurriculum, ratioSlotsOf } from '../../agents/conditioning.ts';
import { evaluateEpisode } from '../../agents/evaluate.ts';
import { trainPPO } from '../../agents/ppo/train.ts';
import { RatioTargetVecEnv } from '../../agents/toy-envs.ts';
import { envConfig } from '../../env/config.ts';
import { obsRatioSlot } from '../../env/margin-env.ts';
import { MarginVecEnv } from '../../env/vector-env.ts';
import { buildMarketFrame, PAPER_TICKERS } from '../../src/data/build.ts';
import { CONDITIONED_DEFAULTS, conditionedRun, paperRun, TrainRunSchema } from '../../agents/pipelines/train.ts';

function spearman(x: number[], y: number[]): number {
  const rank = (v: number[]) => {
    const r = new Array<number>(v.length);
    v.map((val, i) => [val, i] as const)
      .sort((a, b) => a[0] - b[0])
      .forEach(([, i], k) => (r[i] = k));
    return r;
  };
  const rx = rank(x);
  const ry = rank(y);
  const m = (x.length - 1) / 2;
  let num = 0,
    dx = 0,
    dy = 0;
  for (let i = 0; i < x.length; i++) {
    num += (rx[i] - m) * (ry[i] - m);
    dx += (rx[i] - m) ** 2;
    dy += (ry[i] - m) ** 2;
  }
  return num / Math.sqrt(dx * dy);
}

describe('the curriculum', () => {
  it('draws from the spec: the uniform part, the paper grid, geometric gaps with the stated mean', () => {
    const c = new RatioCurriculum({ uniform: [0.2, 0.8], pUniform: 0.5, meanGapDays: 20 }, 11);
    const shares = Array.from({ length: 4000 }, () => c.drawShare());
    const onGrid = shares.filter((s) => PAPER_GRID.includes(s));
    expect(shares.every((s) => s >= 0.2 && s <= 0.8)).toBe(true);
    expect(onGrid.length / shares.length).toBeGreaterThan(0.45);
    expect(onGrid.length / shares.length).toBeLessThan(0.55);
    for (const g of PAPER_GRID) expect(onGrid).toContain(g);
    expect(PAPER_GRID).toEqual([-3, -2, -1, 0, 1, 2, 3].map((s) => Number((0.5 * (1 + 0.1 * s)).toFixed(10))));
    const gaps = Array.from({ length: 4000 }, () => c.drawGap());
    expect(Math.min(...gaps)).toBe(1);
    expect(gaps.every(Number.isInteger)).toBe(true);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(mean).toBeGreaterThan(19);
    expect(mean).toBeLessThan(21);
    expect(new RatioCurriculum({ meanGapDays: null }, 1).drawGap()).toBe(Infinity);
  });

  it('same seed → same draws; another seed → others; an episode plan lies inside its episode', () => {
    const dates = Array.from({ length: 400 }, (_, i) => `d${String(i).padStart(4, '0')}`);
    const plans = (seed: number) => {
      const c = new RatioCurriculum({}, seed);
      return Array.from({ length: 5 }, (_, k) => c.planEpisode(dates, 10 * k, 10 * k + 300));
    };
    expect(plans(3)).toEqual(plans(3));
    expect(plans(3)).not.toEqual(plans(4));
    for (const [k, p] of plans(3).entries()) {
      expect(p.initialShare).toBeGreaterThan(0);
      for (const e of p.reallocations) {
        expect(e.date > dates[10 * k]).toBe(true);
        expect(e.date < dates[10 * k + 300]).toBe(true);
      }
    }
    expect(plans(3).reduce((a, p) => a + p.reallocations.length, 0)).toBeGreaterThan(10); // ~300/63 per episode
  });

  it('the flag: defaults, each key, and errors that name the flag', () => {
    expect(parseConditioningFlag(true)).toEqual(parseConditioning({}));
    expect(parseConditioning({})).toEqual({ uniform: [0.2, 0.8], pUniform: 0.5, grid: [...PAPER_GRID], meanGapDays: 63 });
    expect(parseConditioningFlag('uniform=0.3:0.7,p=1,gap=126')).toMatchObject({ uniform: [0.3, 0.7], pUniform: 1, meanGapDays: 126 });
    expect(parseConditioningFlag('grid=0.4/0.6,gap=off')).toMatchObject({ grid: [0.4, 0.6], meanGapDays: null });
    expect(() => parseConditioningFlag('uniform=0.8:0.2')).toThrow(/--condition-ratio: "uniform": LO must be ≤ HI/);
    expect(() => parseConditioningFlag('uniform=0:0.8')).toThrow(/--condition-ratio: "uniform.0"/);
    expect(() => parseConditioningFlag('rate=3')).toThrow(/unknown key "rate"/);
    expect(() => parseConditioningFlag('p')).toThrow(/expected KEY=VALUE/);
    expect(() => parseConditioningFlag('p=x')).toThrow(/p=x: expected a number/);
  });

  it('ConditionedVecEnv opens each episode at the drawn share and applies its reallocations; same seed → same episodes', () => {
    const frame = buildMarketFrame({ start: '2016-01-01', end: '2016-12-31', tickers: PAPER_TICKERS });
    const cfg = envConfig('paper', {});
    const make = (seed: number) =>
      new ConditionedVecEnv(new MarginVecEnv(frame, cfg, { numEnvs: 2, randomStart: true, episodeLength: 40 }), { meanGapDays: 10 }, seed);
    const s = obsRatioSlot(frame.tickers.length, frame.indicatorNames.length);
    const run = (seed: number) => {
      const env = make(seed);
      expect(env.ratioSlots).toEqual([s, s + 1]);
      expect(ratioSlotsOf(env)).toEqual([s, s + 1]);
      let obs = env.reset(5);
      const seen: number[][] = [];
      let realloc = 0;
      for (let j = 0; j < 2; j++) {
        expect(obs[j * env.obsDim + s]).toBeCloseTo(env.plans[j].initialShare, 6); // the book is opened at f₀
        expect(obs[j * env.obsDim + s + 1]).toBeCloseTo(env.plans[j].initialShare, 6);
      }
      const zero = new Float32Array(2 * env.actionSpace.shape[0]);
      for (let t = 0; t < 100; t++) {
        const due = env.inner.envs.map((e, j) => env.plans[j].reallocations.find((r) => r.date === e.currentDate));
        const res = env.step(zero);
        obs = res.observations;
        for (let j = 0; j < 2; j++) {
          if (!res.truncated[j] && due[j]) {
            realloc++;
            expect(env.inner.envs[j].targetLongShare).toBe(due[j]!.target); // moved to the event's target
            expect(obs[j * env.obsDim + s + 1]).toBe(Math.fround(due[j]!.target));
          }
          seen.push([obs[j * env.obsDim + s + 1]]);
        }
      }
      expect(realloc).toBeGreaterThan(3);
      return seen;
    };
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(run(8)).not.toEqual(a);
    expect(new Set(a.map((v) => v[0])).size).toBeGreaterThan(5); // the target slot varies in training
  });
});

describe('the runs compare trains', () => {
  it("conditionedRun: PPO with the default curriculum; paperRun: the paper's A2C, never conditioned", () => {
    const c = conditionedRun({ seed: 4, train: '2009-01-01:2018-12-31', backend: 'wasm' });
    expect(c).toMatchObject({
      algo: 'ppo',
      preset: 'paper',
      seed: 4,
      timesteps: 50_000,
      numEnvs: 4,
      episodeLength: 252,
      randomStart: true,
      agent: { nSteps: 512 },
      backend: 'wasm',
    });
    expect(c.conditioning).toEqual(parseConditioning({}));
    expect(TrainRunSchema.parse(c)).toEqual(c); // a valid TrainRun, as runTraining takes it
    expect(conditionedRun({ seed: 1, timesteps: 1000, conditioning: { pUniform: 1 } })).toMatchObject({ timesteps: 1000, conditioning: { pUniform: 1 } });
    expect(conditionedRun({ seed: 1, algo: 'a2c' })).toMatchObject({ algo: 'a2c', preset: 'margintrader', numEnvs: 1, conditioning: parseConditioning({}) });
    expect(CONDITIONED_DEFAULTS.timesteps).toBe(50_000);
    const p = paperRun({ seed: 4, backend: 'wasm' });
    expect(p).toMatchObject({ algo: 'a2c', preset: 'margintrader', seed: 4, conditioning: null });
    // the same TrainRun compare builds today for the paper's agent
    expect(p).toEqual(TrainRunSchema.parse({ algo: 'a2c', preset: 'margintrader', train: undefined, seed: 4, timesteps: undefined, backend: 'wasm' }));
  });
});

describe('PPO learns to condition on the ratio', () => {
  it('toy task: ≥ 80% of the achievable gain over the best ratio-blind policy within 24,576 steps (seed 1)', async () => {
    const r = await trainPPO({
      vecEnv: new RatioTargetVecEnv({ numEnvs: 4, episodeLength: 32, curriculum: new RatioCurriculum({ meanGapDays: 8 }, 1) }),
      progress: 'none',
      config: { seed: 1, totalTimesteps: 24_576, nSteps: 128, batchSize: 64, nEpochs: 10 },
    });
    expect(r.obsNorm!.passthrough).toEqual([2, 3]); // the env's ratio slots reach the network unchanged
    const score = ratioScore(r.policy);
    expect(score).toBeGreaterThanOrEqual(0.8);
  });

  it('margin env (real prices): realised long share of gross exposure rises with the target, Spearman ≥ 0.8 (seeds 1, 2)', async () => {
    const cfg = envConfig('paper', {});
    const train = buildMarketFrame({ start: '2016-01-01', end: '2017-12-31', tickers: PAPER_TICKERS });
    const trade = buildMarketFrame({ start: '2018-01-01', end: '2018-06-30', tickers: PAPER_TICKERS });
    const slot = obsRatioSlot(train.tickers.length, train.indicatorNames.length) + 1;
    const targets = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
    for (const seed of [1, 2]) {
      const vecEnv = new ConditionedVecEnv(new MarginVecEnv(train, cfg, { numEnvs: 4, randomStart: true, episodeLength: 64 }), {}, seed);
      const r = await trainPPO({ vecEnv, progress: 'none', config: { seed, totalTimesteps: 8192, nSteps: 512 } });
      expect(r.obsNorm!.var[slot]).toBeGreaterThan(1e-3); // the target varied in training (the 1:1 split gives ≈ 6e-8)
      const longShare = targets.map((f) => {
        const ev = evaluateEpisode(r.policy, trade, cfg, { longShare: f });
        let sum = 0,
          days = 0;
        for (const row of ev.rows) {
          const gross = row.longMarketValue + row.shortMarketValue;
          if (gross > 0) {
            sum += row.longMarketValue / gross;
            days++;
          }
        }
        return sum / days;
      });
      expect(spearman(targets, longShare), `seed ${seed}: long share of gross ${longShare.map((v) => v.toFixed(3)).join(', ')}`).toBeGreaterThanOrEqual(0.8);
    }
  }, 90_000);
});

/** 1 − MSE(policy)/MSE(best constant) over fixed targets 0.2, 0.25, …, 0.8 (8 copies × 32 steps each). */
function ratioScore(policy: Policy): number {
  const fs = Array.from({ length: 13 }, (_, i) => 0.2 + 0.05 * i);
  const best = fs.reduce((a, f) => a + RatioTargetVecEnv.optimalAction(f), 0) / fs.length;
  let mse = 0,
    blind = 0;
  for (const f of fs) {
    const env = new RatioTargetVecEnv({ numEnvs: 8, episodeLength: 32, fixedTarget: f });
    let obs = env.reset(99);
    for (let t = 0; t < 32; t++) {
      const a = policy.act(obs);
      for (let e = 0; e < 8; e++) {
        mse += (a[e] - RatioTargetVecEnv.optimalAction(f)) ** 2;
        blind += (best - RatioTargetVecEnv.optimalAction(f)) ** 2;
      }
      obs = env.step(a).observations;
    }
  }
  return 1 - mse / blind;
}
