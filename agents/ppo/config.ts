/**
 * PPO configuration: every knob, with Stable-Baselines3's PPO defaults (lr 3e-4, n_steps 2048, batch 64,
 * 10 epochs, γ 0.99, λ 0.95, clip 0.2, ent 0, vf 0.5, max grad norm 0.5, Adam ε 1e-5) plus VecNormalize's
 * observation normalisation and reward scaling (both on, clip 10), as the "37 details" continuous-control
 * setup uses.
 */
import { z } from 'zod';
import { formatIssues, onPolicyShape } from '../on-policy/config.ts';
import { budgetIssues } from '../on-policy/budget.ts';

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
  targetKl: z
    .number()
    .positive()
    .nullable()
    .default(null)
    .describe('Stop the update epochs early once a minibatch approx-KL exceeds 1.5 × targetKl (null: never).'),
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
