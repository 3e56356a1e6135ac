/**
 * A2C (Mnih et al. 2016, synchronous), as Stable-Baselines3 runs it — the algorithm the Margin Trader
 * paper trained — on the same policy code as PPO (networks.ts, policy.ts, on-policy/).
 *
 * One update = a rollout of nSteps × numEnvs, GAE(γ, λ) (λ = 1: bootstrapped n-step returns), then ONE
 * gradient step on the whole rollout:
 *   loss = −mean(A·log π(a|s)) + c_v·mean((R − V(s))²) − c_e·H[π]
 * global grad-norm clip, then RMSprop with PyTorch's rule (optim.ts: ε outside the square root, square
 * average starting at 0 — tfjs's RMSprop differs on both counts, so we do not use it).
 *
 * Preset `margintrader` (the paper's settings): RMSprop lr 0.005, α 0.99, ε 1e-5; n_steps 5; γ 0.99; λ 1;
 * entropy 0.005; value 0.5; grad clip 0.5; no advantage normalisation; 64-64 tanh; 50,000 steps; the raw
 * (unnormalised) state and rewards.
 */
import { z } from 'zod';
import { formatIssues, onPolicyShape } from './on-policy/config.ts';
import { trainOnPolicy, type OnPolicyAlgorithm, type TrainOptions, type TrainResult } from './on-policy/driver.ts';
import { Adam, clipGradNorm, RMSprop } from './optim.ts';
import { lossAndGrads } from './policy.ts';
import { budgetIssues } from './on-policy/budget.ts';
import { normalizeInPlace } from './on-policy/rollout.ts';

/** SB3's A2C defaults (lr 7e-4, n_steps 5, γ 0.99, λ 1, ent 0, vf 0.5, grad clip 0.5, RMSprop α 0.99 ε 1e-5). */
const A2cConfigObject = z.strictObject({
  ...onPolicyShape({
    totalTimesteps: 50_000,
    learningRate: 7e-4,
    nSteps: 5,
    gamma: 0.99,
    gaeLambda: 1,
    entCoef: 0,
    vfCoef: 0.5,
    maxGradNorm: 0.5,
    normalizeObs: false,
    normalizeReward: false,
    checkpointEvery: 1000,
  }),
  useRmsprop: z.boolean().default(true).describe('RMSprop (PyTorch rule) as SB3/the paper; false uses Adam.'),
  rmspropAlpha: z.number().min(0).max(1).default(0.99).describe('RMSprop smoothing constant α (decay).'),
  rmspropEps: z.number().positive().default(1e-5).describe('RMSprop ε, added outside the square root (PyTorch).'),
  adamEps: z.number().positive().default(1e-5).describe('Adam ε when useRmsprop is false.'),
  normalizeAdvantage: z.boolean().default(false).describe('Normalise advantages over each rollout (SB3 A2C: off).'),
});

/** The A2C config; a budget or network past the caps of on-policy/budget.ts (`budgetIssues`) is refused naming the parameter. */
export const A2cConfigSchema = A2cConfigObject.superRefine((cfg, ctx) => {
  for (const i of budgetIssues(cfg)) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
});

export type A2cConfig = z.infer<typeof A2cConfigSchema>;
export type A2cConfigInput = z.input<typeof A2cConfigSchema>;

export const A2C_PRESETS = {
  /** SB3's A2C defaults. */
  sb3: {} as A2cConfigInput,
  /** The Margin Trader paper's A2C. */
  margintrader: {
    learningRate: 0.005,
    nSteps: 5,
    gamma: 0.99,
    gaeLambda: 1,
    entCoef: 0.005,
    vfCoef: 0.5,
    maxGradNorm: 0.5,
    useRmsprop: true,
    rmspropAlpha: 0.99,
    rmspropEps: 1e-5,
    normalizeAdvantage: false,
    hidden: [64, 64],
    activation: 'tanh',
    totalTimesteps: 50_000,
    normalizeObs: false,
    normalizeReward: false,
  } as A2cConfigInput,
} as const;

export type A2cPreset = keyof typeof A2C_PRESETS;

export function parseA2cConfig(input: unknown): A2cConfig {
  const r = A2cConfigSchema.safeParse(input ?? {});
  if (!r.success) throw new Error(`invalid A2C config:\n${formatIssues(r.error)}`);
  return r.data;
}

/** A preset with overrides on top, parsed. */
export function a2cPreset(name: A2cPreset, overrides: A2cConfigInput = {}): A2cConfig {
  if (!(name in A2C_PRESETS)) throw new Error(`unknown A2C preset "${name}": expected one of ${Object.keys(A2C_PRESETS).join(', ')}`);
  return parseA2cConfig({ ...A2C_PRESETS[name], ...overrides });
}

export const A2C: OnPolicyAlgorithm<A2cConfig> = {
  algo: 'a2c',
  parse: parseA2cConfig,
  check(cfg, numEnvs) {
    if (cfg.normalizeAdvantage && cfg.nSteps * numEnvs < 2) {
      throw new Error('A2C: advantage normalisation needs nSteps × numEnvs ≥ 2: raise nSteps or turn it off');
    }
  },
  makeOptimizer: (cfg, size) =>
    cfg.useRmsprop ? new RMSprop(size, { alpha: cfg.rmspropAlpha, eps: cfg.rmspropEps }) : new Adam(size, { beta1: 0.9, beta2: 0.999, eps: cfg.adamEps }),
  makeUpdate({ cfg, net, opt, buf }) {
    const grad = new Float32Array(net.size);
    const adv = new Float32Array(buf.size);
    const coefs = { entCoef: cfg.entCoef, vfCoef: cfg.vfCoef };
    return (lr) => {
      let advantages = buf.advantages;
      if (cfg.normalizeAdvantage) {
        adv.set(buf.advantages);
        normalizeInPlace(adv, adv.length);
        advantages = adv;
      }
      const s = lossAndGrads(net, { n: buf.size, obs: buf.obs, actions: buf.actions, advantages, returns: buf.returns }, { kind: 'a2c' }, coefs, grad);
      const gradNorm = clipGradNorm(grad, cfg.maxGradNorm);
      opt.step(net.params, grad, lr);
      return { policyLoss: s.policyLoss, valueLoss: s.valueLoss, entropy: s.entropy, loss: s.loss, gradNorm };
    };
  },
};

export type A2cTrainOptions = TrainOptions & {
  /** Any subset of the A2C knobs; use `A2C_PRESETS.margintrader` (spread, then override) for the paper. */
  config?: A2cConfigInput;
};

/** Trains A2C on `options.env` (one env or a vector env); see TrainOptions for the run folder, resume, progress and hooks. */
export function trainA2C(options: A2cTrainOptions): Promise<TrainResult<A2cConfig>> {
  return trainOnPolicy(A2C, options.config, options);
}
