import { beforeAll, describe, expect, it } from 'vitest';
import type { VecEnv, VecStepResult } from '../../env/types.ts';
import { initBackend } from '../../agents/backend.ts';
import { ActorCritic } from '../../agents/networks.ts';
import { collectRollout, RolloutBuffer, RolloutScratch } from '../../agents/on-policy/rollout.ts';
import { TwoAssetDriftVecEnv } from '../../agents/toy-envs.ts';
import { stream } from '../../src/rng.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('rollout collection', () => {
  it('sends clipped actions to the env, stores unclipped ones, and bootstraps truncations from V(final obs)', () => {
    const inner = new TwoAssetDriftVecEnv({ numEnvs: 2, episodeLength: 3 });
    const sent: Float32Array[] = [];
    const finals: (Float32Array | null)[][] = [];
    const env: VecEnv = {
      numEnvs: 2,
      observationSpace: inner.observationSpace,
      actionSpace: inner.actionSpace,
      reset: (s) => inner.reset(s),
      step: (a): VecStepResult => {
        sent.push(Float32Array.from(a));
        const r = inner.step(a);
        finals.push(r.finalObservations.map((f) => (f ? f.slice() : null)));
        return r;
      },
    };
    const net = new ActorCritic(4, 2, { hidden: [8], activation: 'tanh', logStdInit: 1, orthoInit: true });
    net.init(stream(1, 'init'));
    const buf = new RolloutBuffer(5, 2, 4, 2);
    const lastObs = Float32Array.from(env.reset(0));
    const episodes = collectRollout(
      {
        env,
        net,
        obsNorm: null,
        rewardScaler: null,
        sampleRng: stream(1, 'sample'),
        lastObs,
        actionLow: env.actionSpace.low,
        actionHigh: env.actionSpace.high,
      },
      buf,
      new RolloutScratch(2, 4, 2),
    );
    expect(episodes).toHaveLength(2); // both copies end at step 3
    let unclipped = 0;
    for (let t = 0; t < 5; t++) {
      for (let i = 0; i < 4; i++) {
        const raw = buf.actions[t * 4 + i];
        expect(sent[t][i]).toBe(Math.min(1, Math.max(-1, raw)));
        if (Math.abs(raw) > 1) unclipped++;
      }
    }
    expect(unclipped).toBeGreaterThan(0); // σ = e: plenty of samples beyond the bounds are stored as sampled
    const v = new Float32Array(1);
    for (let t = 0; t < 5; t++) {
      for (let e = 0; e < 2; e++) {
        const i = t * 2 + e;
        expect(buf.truncated[i]).toBe(t === 2 ? 1 : 0);
        if (t === 2) {
          net.forward(finals[t][e]!, 1, null, v);
          expect(buf.finalValues[i]).toBe(v[0]);
        }
      }
    }
    // the observation stored at t = 3 is the new episode's first one, not the final observation
    expect(buf.obs[3 * 2 * 4 + 2]).toBe(0); // t/episodeLength = 0 at an episode start
  });
});
