/**
 * Knobs shared by every on-policy algorithm (PPO, A2C): the run, the rollout, the networks and the
 * normalisation. Each algorithm builds its own strict zod schema from `onPolicyShape(defaults)` plus its
 * own knobs, so every default is visible in one place per algorithm and unknown keys are errors.
 */
import { z } from 'zod';

export interface OnPolicyDefaults {
  totalTimesteps: number;
  learningRate: number;
  nSteps: number;
  gamma: number;
  gaeLambda: number;
  entCoef: number;
  vfCoef: number;
  maxGradNorm: number;
  normalizeObs: boolean;
  normalizeReward: boolean;
  checkpointEvery: number;
}

const positiveInt = () => z.number().int().positive();
const unit = () => z.number().min(0).max(1);

export function onPolicyShape(d: OnPolicyDefaults) {
  return {
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(0)
      .describe('Run seed; the streams init, sample, shuffle and env are derived from it.'),
    totalTimesteps: positiveInt().default(d.totalTimesteps).describe('Environment steps to train for, rounded up to whole updates of nSteps × numEnvs.'),
    learningRate: z.number().positive().default(d.learningRate).describe('Optimiser learning rate (the initial one when annealLr is on).'),
    annealLr: z.boolean().default(false).describe('Linearly anneal the learning rate to 0 over the run (CleanRL does; SB3 keeps it constant).'),
    nSteps: positiveInt().default(d.nSteps).describe('Steps per env per rollout; one rollout is nSteps × numEnvs transitions.'),
    gamma: unit().default(d.gamma).describe('Discount factor γ.'),
    gaeLambda: unit().default(d.gaeLambda).describe('GAE λ (1 = n-step returns bootstrapped at the rollout end).'),
    entCoef: z.number().min(0).default(d.entCoef).describe('Entropy bonus coefficient in the loss.'),
    vfCoef: z.number().min(0).default(d.vfCoef).describe('Value-loss coefficient in the loss (value loss is the MSE, no ½, as SB3).'),
    maxGradNorm: z.number().positive().default(d.maxGradNorm).describe('Global L2 gradient-norm clip (PyTorch clip_grad_norm_).'),
    normalizeObs: z.boolean().default(d.normalizeObs).describe('Normalise observations with running mean/var (saved in checkpoints, frozen at evaluation).'),
    clipObs: z.number().positive().default(10).describe('Clip normalised observations to ±clipObs.'),
    normalizeReward: z.boolean().default(d.normalizeReward).describe('Divide rewards by the running std of the discounted return.'),
    clipReward: z.number().positive().default(10).describe('Clip scaled rewards to ±clipReward.'),
    hidden: z.array(positiveInt()).min(1).default([64, 64]).describe('Hidden layer widths of the actor and of the critic (separate networks).'),
    activation: z.enum(['tanh', 'relu']).default('tanh').describe('Hidden activation.'),
    logStdInit: z.number().default(0).describe('Initial log-std of the state-independent Gaussian policy.'),
    orthoInit: z.boolean().default(true).describe('Orthogonal init (gain √2 hidden, 0.01 policy head, 1 value head, zero biases).'),
    checkpointEvery: positiveInt().default(d.checkpointEvery).describe('Write a checkpoint every this many updates (and always at the end).'),
  };
}

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- only its type is used: the fields every on-policy config shares
const commonSchema = z.strictObject(
  onPolicyShape({
    totalTimesteps: 1,
    learningRate: 1,
    nSteps: 1,
    gamma: 1,
    gaeLambda: 1,
    entCoef: 0,
    vfCoef: 0,
    maxGradNorm: 1,
    normalizeObs: false,
    normalizeReward: false,
    checkpointEvery: 1,
  }),
);
/** The knobs every on-policy config has (PPO and A2C configs extend it). */
export type OnPolicyConfig = z.infer<typeof commonSchema>;

/** A zod error as indented lines "  - path: message" (names every wrong key). */
export function formatIssues(err: z.ZodError): string {
  return err.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`).join('\n');
}
