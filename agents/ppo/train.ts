/**
 * PPO (Schulman et al. 2017) for continuous actions, with the implementation details of Huang et al.,
 * "The 37 Implementation Details of PPO" (ICLR blog track 2022), and Stable-Baselines3's defaults.
 *
 *   config.ts   every knob (zod, strict) with its default and a one-line doc
 *   update.ts   epochs × shuffled minibatches: clipped surrogate, value loss (optionally clipped),
 *               entropy bonus, grad-norm clip, Adam (ε 1e-5), target-KL early stop
 *   train.ts    this file: wires them into the shared on-policy code (../on-policy/: the driver with
 *               seeding, run folder, checkpoints, resume, progress; rollouts, GAE with termination vs
 *               truncation; budget caps)
 *
 * Usage:
 *   const env = makeVecEnv({ universe: 'dow30', period: '2009-01-01:2018-12-31', numEnvs: 4, randomStart: true, episodeLength: 252 });
 *   const r = await trainPPO({ config: { seed: 1, totalTimesteps: 200_000 }, env, runDir: 'checkpoints/ppo-1' });
 *   r.policy.act(obs)   // or later: loadPolicy('checkpoints/ppo-1').act(obs)
 */
import { Adam } from '../optim.ts';
import { trainOnPolicy, type OnPolicyAlgorithm, type TrainOptions, type TrainResult } from '../on-policy/driver.ts';
import { parsePpoConfig, type PpoConfig, type PpoConfigInput } from './config.ts';
import { PpoScratch, ppoUpdate } from './update.ts';

export const PPO: OnPolicyAlgorithm<PpoConfig> = {
  algo: 'ppo',
  parse: parsePpoConfig,
  check(cfg, numEnvs) {
    const size = cfg.nSteps * numEnvs;
    if (cfg.normalizeAdvantage && size < 2) {
      throw new Error(`PPO: nSteps × numEnvs = ${size}; advantage normalisation needs at least 2 transitions per rollout: raise nSteps`);
    }
    if (cfg.batchSize > size) {
      throw new Error(
        `PPO: batchSize ${cfg.batchSize} is larger than the rollout (nSteps ${cfg.nSteps} × numEnvs ${numEnvs} = ${size}): lower batchSize or raise nSteps`,
      );
    }
  },
  makeOptimizer: (cfg, size) => new Adam(size, { beta1: 0.9, beta2: 0.999, eps: cfg.adamEps }),
  makeUpdate({ cfg, net, opt, buf, shuffleRng }) {
    const sc = new PpoScratch(buf.size, cfg.batchSize, net.obsDim, net.actDim, net.size);
    return (lr) => ppoUpdate(net, opt, buf, cfg, shuffleRng, lr, sc);
  },
};

export type PpoTrainOptions = TrainOptions & {
  /** Any subset of the PPO knobs (defaults in config.ts). On resume: omit to use the stored config. */
  config?: PpoConfigInput;
};

/** Trains PPO on `options.env` (one env or a vector env); see TrainOptions for the run folder, resume, progress and hooks. */
export function trainPPO(options: PpoTrainOptions): Promise<TrainResult<PpoConfig>> {
  return trainOnPolicy(PPO, options.config, options);
}
