/**
 * Learning tests on tasks with known answers (fixed seeds, bounded steps).
 *
 * (a) Two-asset drift: asset 0 drifts +μ, asset 1 −μ per step, plus noise σ = 3μ. The optimal policy holds
 *     +1 / −1 and earns 2μ per step. Since the action at t is chosen before r_t is drawn, E[a·r] = a·(μ, −μ):
 *     we score the trained deterministic policy by its expected return, Σ (a₀ − a₁)μ, as a fraction of the
 *     optimum (no evaluation noise). Required: ≥ 80% of optimal.
 * (b) Leaked future sign: observation column 0 is the sign of the next return. Buy-and-hold earns μ per step,
 *     the oracle E|r|. Required: the agent beats buy-and-hold by at least half the oracle's edge.
 */
import { describe, expect, it } from 'vitest';
import { A2C_PRESETS, trainA2C } from '../../agents/a2c.ts';
import type { Policy } from '../../agents/checkpoint.ts';
import { trainPPO } from '../../agents/ppo/train.ts';
import { evaluateEpisodes, LeakedSignVecEnv, TwoAssetDriftVecEnv } from '../../agents/toy-envs.ts';

const DRIFT = { drift: 0.1, noise: 0.3, episodeLength: 64 };

function driftFractionOfOptimal(policy: Policy): number {
  const env = new TwoAssetDriftVecEnv({ ...DRIFT, numEnvs: 8 });
  let obs = env.reset(2024);
  let sum = 0;
  for (let t = 0; t < DRIFT.episodeLength; t++) {
    const a = policy.act(obs);
    for (let e = 0; e < 8; e++) sum += (a[e * 2] - a[e * 2 + 1]) / 2; // (a₀μ − a₁μ)/(2μ)
    obs = env.step(a).observations;
  }
  return sum / (8 * DRIFT.episodeLength);
}

function leakScores(policy: Policy) {
  const mk = () => new LeakedSignVecEnv({ numEnvs: 4 });
  const opts = { episodes: 40, seed: 777 };
  const agent = evaluateEpisodes(mk(), (o) => policy.act(o), opts).mean;
  const buyHold = evaluateEpisodes(mk(), (o) => new Float32Array(o.length / 4).fill(1), opts).mean;
  const oracle = evaluateEpisodes(mk(), (o) => Float32Array.from({ length: o.length / 4 }, (_, i) => o[i * 4]), opts).mean;
  return { agent, buyHold, oracle };
}

describe('PPO learns', () => {
  it('the two-asset drift task: ≥ 80% of the optimal return within 16,384 steps (seed 1)', async () => {
    const r = await trainPPO({
      vecEnv: new TwoAssetDriftVecEnv({ ...DRIFT, numEnvs: 4 }),
      progress: 'none',
      config: { seed: 1, totalTimesteps: 16_384, nSteps: 128, batchSize: 64, nEpochs: 10 },
    });
    expect(r.globalStep).toBe(16_384);
    expect(driftFractionOfOptimal(r.policy)).toBeGreaterThanOrEqual(0.8);
    const last = r.metrics[r.metrics.length - 1];
    expect(last.explainedVariance).not.toBeNull();
    expect(last.approxKl).toBeGreaterThanOrEqual(0);
    expect(last.clipFraction).toBeGreaterThanOrEqual(0);
  });

  it('to exploit a leaked future feature: beats buy-and-hold by a wide margin within 8,192 steps', async () => {
    const r = await trainPPO({
      vecEnv: new LeakedSignVecEnv({ numEnvs: 4 }),
      progress: 'none',
      config: { seed: 1, totalTimesteps: 8192, nSteps: 128, batchSize: 64, nEpochs: 10 },
    });
    const s = leakScores(r.policy);
    expect(s.oracle).toBeGreaterThan(10 * s.buyHold);
    expect(s.agent - s.buyHold).toBeGreaterThan(0.5 * (s.oracle - s.buyHold));
  });
});

describe('A2C (margintrader preset) learns', () => {
  it('the two-asset drift task: ≥ 80% of the optimal return within 10,000 steps (seed 1)', async () => {
    const r = await trainA2C({
      vecEnv: new TwoAssetDriftVecEnv({ ...DRIFT, numEnvs: 1 }),
      progress: 'none',
      config: { ...A2C_PRESETS.margintrader, seed: 1, totalTimesteps: 10_000, checkpointEvery: 10_000 },
    });
    expect(r.config.learningRate).toBe(0.005);
    expect(driftFractionOfOptimal(r.policy)).toBeGreaterThanOrEqual(0.8);
  });

  it('to exploit a leaked future feature within 10,000 steps', async () => {
    const r = await trainA2C({
      vecEnv: new LeakedSignVecEnv({ numEnvs: 1 }),
      progress: 'none',
      config: { ...A2C_PRESETS.margintrader, seed: 1, totalTimesteps: 10_000 },
    });
    const s = leakScores(r.policy);
    expect(s.agent - s.buyHold).toBeGreaterThan(0.5 * (s.oracle - s.buyHold));
  });
});
