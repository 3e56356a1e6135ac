/**
 * PPO configuration: every knob, with Stable-Baselines3's PPO defaults (lr 3e-4, n_steps 2048, batch 64,
 * 10 epochs, γ 0.99, λ 0.95, clip 0.2, ent 0, vf 0.5, max grad norm 0.5, Adam ε 1e-5) plus VecNormalize's
 * observation normalisation and reward scaling (both on, clip 10), as the "37 details" continuous-control
 * setup uses.
 */
import { z } from 'zod';
import { formatIssues, onPolicyShape } from '../config-common.ts';

/**
 * Caps on what a run may ask for: past them a config is refused naming the parameter, rather than left to
 * run for months or to die allocating. 1e10 env steps is about 12 days at 10,000 steps a second (this
 * lab's PPO on the Dow env does a few thousand); 1e8 network floats is 400 MB per copy of the weights,
 * and training keeps about six (weights, gradient, two optimiser moments, policy snapshots).
 */
export const MAX_TOTAL_TIMESTEPS = 1e10;
/** Floats in the actor + critic (see `paramCount` in checkpoint.ts; the input layer is checked against the env at training start). */
export const MAX_NETWORK_PARAMS = 1e8;
/** PPO: sample-gradients over the run (totalTimesteps × nEpochs): 1e11 is the step cap at SB3's 10 epochs. */
export const MAX_SAMPLE_GRADIENTS = 1e11;

/** A count for messages: 1.00e10 for large ones, 12,345 otherwise. */
export const fmtCount = (x: number): string => (x >= 1e6 ? x.toExponential(2).replace('e+', 'e') : x.toLocaleString('en-US'));
const fmt = fmtCount;

/**
 * Budget and size issues of an on-policy config (PPO and A2C): the training budget, and the hidden layers'
 * own weights (hidden-to-hidden, both networks; the input layer's depend on the env: on-policy.ts checks them).
 */
export function budgetIssues(cfg: { totalTimesteps: number; hidden: number[]; nEpochs?: number }): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  // Run on parsed values only (a wrong type is reported by the field itself).
  if (typeof cfg.totalTimesteps !== 'number' || !Array.isArray(cfg.hidden) || !cfg.hidden.every((h) => typeof h === 'number')) return issues;
  if (cfg.totalTimesteps > MAX_TOTAL_TIMESTEPS) {
    const days = cfg.totalTimesteps / 1e4 / 86_400;
    const at = days > 3 * 365 ? `${fmt(Math.round(days / 365))} years` : `${Math.round(days)} days`;
    issues.push({ path: ['totalTimesteps'], message: `${fmt(cfg.totalTimesteps)} env steps is above the cap of ${fmt(MAX_TOTAL_TIMESTEPS)} (at 10,000 steps a second it would take ${at})` });
  }
  else if (typeof cfg.nEpochs === 'number' && cfg.totalTimesteps * cfg.nEpochs > MAX_SAMPLE_GRADIENTS) {
    issues.push({ path: ['nEpochs'], message: `totalTimesteps × nEpochs = ${fmt(cfg.totalTimesteps * cfg.nEpochs)} sample-gradients is above the cap of ${fmt(MAX_SAMPLE_GRADIENTS)}: lower nEpochs or totalTimesteps` });
  }
  let inner = 0;
  for (let i = 1; i < cfg.hidden.length; i++) inner += cfg.hidden[i - 1] * cfg.hidden[i];
  // Two networks (actor, critic), each at least its hidden-to-hidden weights plus one input and one output per unit.
  const atLeast = 2 * (inner + 2 * cfg.hidden.reduce((a, b) => a + b, 0));
  if (atLeast > MAX_NETWORK_PARAMS) {
    issues.push({ path: ['hidden'], message: `hidden ${JSON.stringify(cfg.hidden)} makes networks of at least ${fmt(atLeast)} floats, above the cap of ${fmt(MAX_NETWORK_PARAMS)}: too large to allocate and train` });
  }
  return issues;
}

const PpoConfigObject = z.strictObject({
  ...onPolicyShape({
    totalTimesteps: 1_000_000,
    learningRate: 3e-4,
    nSteps: 2048,
    gamma: 0.99,
    gaeLambda: 0.95,
    entCoef: 0,
    vfCoef: 0.5,
    maxGradNorm: 0.5,
    normalizeObs: true,
    normalizeReward: true,
    checkpointEvery: 10,
  }),
  batchSize: z.number().int().min(2).default(64).describe('Minibatch size (transitions per gradient step).'),
  nEpochs: z.number().int().positive().default(10).describe('Passes over each rollout, reshuffled every epoch.'),
  clipRange: z.number().positive().default(0.2).describe('Surrogate clip ε: the ratio is clipped to [1−ε, 1+ε].'),
  clipRangeVf: z.number().positive().nullable().default(null).describe('Value clip around the rollout values (null: no value clipping, as SB3).'),
  normalizeAdvantage: z.boolean().default(true).describe('Normalise advantages per minibatch (mean 0, unbiased std 1).'),
  targetKl: z.number().positive().nullable().default(null).describe('Stop the update epochs early once a minibatch approx-KL exceeds 1.5 × targetKl (null: never).'),
  adamEps: z.number().positive().default(1e-5).describe('Adam ε (1e-5 as SB3/CleanRL, not PyTorch’s 1e-8).'),
});

export const PpoConfigSchema = PpoConfigObject.superRefine((cfg, ctx) => {
  for (const i of budgetIssues(cfg)) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
});

/** A fully specified PPO config (after defaults). */
export type PpoConfig = z.infer<typeof PpoConfigSchema>;
/** What callers may pass: any subset of the knobs. */
export type PpoConfigInput = z.input<typeof PpoConfigSchema>;

export const PPO_PRESETS: Record<string, PpoConfigInput> = {
  /** Stable-Baselines3's PPO defaults (with normalisation). */
  sb3: {},
  /** CleanRL ppo_continuous_action's extras on top: LR annealing and value clipping (ε_v 0.2). */
  cleanrl: { annealLr: true, clipRangeVf: 0.2 },
};

/** Parses a config with a message that names every wrong key and what is expected. */
export function parsePpoConfig(input: unknown): PpoConfig {
  const r = PpoConfigSchema.safeParse(input ?? {});
  if (!r.success) throw new Error(`invalid PPO config:\n${formatIssues(r.error)}`);
  return r.data;
}
