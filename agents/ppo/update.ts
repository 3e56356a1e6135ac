/**
 * The PPO update on one rollout: nEpochs passes, each over a fresh shuffle (the `shuffle` stream) cut into
 * minibatches of batchSize (the last one may be smaller, as SB3); per-minibatch advantage normalisation;
 * clipped surrogate, optional value clipping, entropy bonus; global grad-norm clip; Adam step. With
 * targetKl set, the first minibatch whose approx-KL (before its step) exceeds 1.5·targetKl stops the
 * update without stepping (SB3's rule).
 *
 * approx-KL is the low-variance estimator mean((ρ − 1) − log ρ) (Schulman's k3); clip fraction is the share
 * of samples with |ρ − 1| > ε. Both come from the minibatch's forward pass before its step.
 */
import type { Rng } from '../../src/rng.ts';
import type { ActorCritic } from '../networks.ts';
import { clipGradNorm, type Optimizer } from '../optim.ts';
import { lossAndGrads, type LossBatch } from '../policy.ts';
import type { PpoConfig } from './config.ts';
import { normalizeInPlace, type RolloutBuffer } from '../on-policy/rollout.ts';

export interface PpoUpdateStats {
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  approxKl: number;
  clipFraction: number;
  /** Loss of the last minibatch (SB3 logs the same). */
  loss: number;
  /** Mean global gradient norm before clipping. */
  gradNorm: number;
  /** Epochs started (less than nEpochs after a target-KL stop). */
  epochs: number;
  /** Gradient steps taken. */
  gradientSteps: number;
  stoppedEarly: boolean;
}

/** Minibatch storage and the flat gradient, allocated once per run. */
export class PpoScratch {
  readonly indices: Int32Array;
  readonly grad: Float32Array;
  readonly mb: Required<LossBatch>;
  constructor(bufferSize: number, batchSize: number, obsDim: number, actDim: number, netSize: number) {
    this.indices = new Int32Array(bufferSize);
    this.grad = new Float32Array(netSize);
    const b = Math.min(batchSize, bufferSize);
    this.mb = {
      n: 0,
      obs: new Float32Array(b * obsDim),
      actions: new Float32Array(b * actDim),
      advantages: new Float32Array(b),
      returns: new Float32Array(b),
      oldLogp: new Float32Array(b),
      oldValues: new Float32Array(b),
    };
  }
}

export function ppoUpdate(net: ActorCritic, opt: Optimizer, buf: RolloutBuffer, cfg: PpoConfig, shuffleRng: Rng, lr: number, sc: PpoScratch): PpoUpdateStats {
  const total = buf.size;
  const O = net.obsDim;
  const A = net.actDim;
  const mb = sc.mb;
  const kind = { kind: 'ppo' as const, clipRange: cfg.clipRange, clipRangeVf: cfg.clipRangeVf };
  const coefs = { entCoef: cfg.entCoef, vfCoef: cfg.vfCoef };
  let sumPg = 0,
    sumV = 0,
    sumEnt = 0,
    sumKl = 0,
    sumClip = 0,
    sumNorm = 0;
  let nMinibatches = 0,
    steps = 0,
    lastLoss = NaN,
    epochs = 0;
  let stop = false;

  for (let epoch = 0; epoch < cfg.nEpochs && !stop; epoch++) {
    epochs++;
    for (let i = 0; i < total; i++) sc.indices[i] = i;
    shuffleRng.shuffle(sc.indices);
    for (let start = 0; start < total; start += cfg.batchSize) {
      const n = Math.min(cfg.batchSize, total - start);
      mb.n = n;
      // Gather the minibatch (copies of contiguous rows; no per-sample tensors).
      for (let k = 0; k < n; k++) {
        const i = sc.indices[start + k];
        for (let c = 0, src = i * O, dst = k * O; c < O; c++) mb.obs[dst + c] = buf.obs[src + c];
        for (let c = 0, src = i * A, dst = k * A; c < A; c++) mb.actions[dst + c] = buf.actions[src + c];
        mb.advantages[k] = buf.advantages[i];
        mb.returns[k] = buf.returns[i];
        mb.oldLogp[k] = buf.logp[i];
        mb.oldValues[k] = buf.values[i];
      }
      if (cfg.normalizeAdvantage && n > 1) normalizeInPlace(mb.advantages, n);

      const s = lossAndGrads(net, mb, kind, coefs, sc.grad);

      let kl = 0,
        clipped = 0;
      for (let k = 0; k < n; k++) {
        const logRatio = s.logp[k] - mb.oldLogp[k];
        const ratio = Math.exp(logRatio);
        kl += ratio - 1 - logRatio;
        if (Math.abs(ratio - 1) > cfg.clipRange) clipped++;
      }
      kl /= n;
      sumPg += s.policyLoss;
      sumV += s.valueLoss;
      sumEnt += s.entropy;
      sumKl += kl;
      sumClip += clipped / n;
      nMinibatches++;
      lastLoss = s.loss;

      if (cfg.targetKl !== null && kl > 1.5 * cfg.targetKl) {
        stop = true;
        break;
      }
      sumNorm += clipGradNorm(sc.grad, cfg.maxGradNorm);
      opt.step(net.params, sc.grad, lr);
      steps++;
    }
  }
  return {
    policyLoss: sumPg / nMinibatches,
    valueLoss: sumV / nMinibatches,
    entropy: sumEnt / nMinibatches,
    approxKl: sumKl / nMinibatches,
    clipFraction: sumClip / nMinibatches,
    loss: lastLoss,
    gradNorm: steps > 0 ? sumNorm / steps : 0,
    epochs,
    gradientSteps: steps,
    stoppedEarly: stop,
  };
}
