import { describe, expect, it } from 'vitest';
import { computeGae } from '../../agents/on-policy/rollout.ts';

// Two envs, four steps, t-major (index t·2 + e). γ = 0.9, λ = 0.8 (γλ = 0.72).
// env 0: truncated at t = 1 (time limit) with V(final obs) = 10 → bootstrap from 10, no carry across t = 1.
// env 1: terminated at t = 2 → no bootstrap (next value 0), no carry across t = 2.
const input = {
  nSteps: 4,
  numEnvs: 2,
  //        t0e0 t0e1 t1e0 t1e1 t2e0 t2e1 t3e0 t3e1
  rewards: [1, 1, 2, 1, 3, 1, 4, 1],
  values: [0.5, 0.1, 0.6, 0.2, 0.7, 0.3, 0.8, 0.4],
  terminated: [0, 0, 0, 0, 0, 1, 0, 0],
  truncated: [0, 0, 1, 0, 0, 0, 0, 0],
  finalValues: [0, 0, 10, 0, 0, 0, 0, 0],
  lastValues: [2.0, 5.0],
  gamma: 0.9,
  gaeLambda: 0.8,
};

describe('GAE with termination vs truncation', () => {
  it('matches the hand-computed example', () => {
    const advantages = new Float64Array(8);
    const returns = new Float64Array(8);
    computeGae({ ...input, advantages, returns });
    // env 0:
    //   t3: δ = 4 + 0.9·2.0 − 0.8 = 5.0                       A = 5.0
    //   t2: δ = 3 + 0.9·0.8 − 0.7 = 3.02                      A = 3.02 + 0.72·5.0 = 6.62
    //   t1: truncated, δ = 2 + 0.9·10 − 0.6 = 10.4            A = 10.4            (no carry)
    //   t0: δ = 1 + 0.9·0.6 − 0.5 = 1.04                      A = 1.04 + 0.72·10.4 = 8.528
    // env 1:
    //   t3: δ = 1 + 0.9·5.0 − 0.4 = 5.1                       A = 5.1
    //   t2: terminated, δ = 1 + 0 − 0.3 = 0.7                 A = 0.7             (no carry)
    //   t1: δ = 1 + 0.9·0.3 − 0.2 = 1.07                      A = 1.07 + 0.72·0.7 = 1.574
    //   t0: δ = 1 + 0.9·0.2 − 0.1 = 1.08                      A = 1.08 + 0.72·1.574 = 2.21328
    const expA = [8.528, 2.21328, 10.4, 1.574, 6.62, 0.7, 5.0, 5.1];
    for (let i = 0; i < 8; i++) {
      expect(advantages[i]).toBeCloseTo(expA[i], 10);
      expect(returns[i]).toBeCloseTo(expA[i] + input.values[i], 10);
    }
  });

  it('treats a step that is both terminated and truncated as terminated (no bootstrap)', () => {
    const advantages = new Float64Array(1);
    const returns = new Float64Array(1);
    computeGae({
      nSteps: 1,
      numEnvs: 1,
      rewards: [1],
      values: [0.5],
      terminated: [1],
      truncated: [1],
      finalValues: [100],
      lastValues: [7],
      gamma: 0.9,
      gaeLambda: 0.95,
      advantages,
      returns,
    });
    expect(advantages[0]).toBeCloseTo(0.5, 12);
  });

  it('with λ = 1 gives bootstrapped discounted returns (A2C n-step targets)', () => {
    const advantages = new Float64Array(3);
    const returns = new Float64Array(3);
    computeGae({
      nSteps: 3,
      numEnvs: 1,
      rewards: [1, 2, 3],
      values: [0.3, 0.2, 0.1],
      terminated: [0, 0, 0],
      truncated: [0, 0, 0],
      finalValues: [0, 0, 0],
      lastValues: [4],
      gamma: 0.5,
      gaeLambda: 1,
      advantages,
      returns,
    });
    // R2 = 3 + 0.5·4 = 5; R1 = 2 + 0.5·5 = 4.5; R0 = 1 + 0.5·4.5 = 3.25
    expect(Array.from(returns)).toEqual([3.25, 4.5, 5].map((v) => expect.closeTo(v, 12)));
  });
});
