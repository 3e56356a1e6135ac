/**
 * The policy code shared by PPO and A2C: a diagonal Gaussian over actions with a state-independent
 * log-std, sampled in JS from the seeded `sample` stream, and the actor-critic loss with its gradient
 * computed by TensorFlow.js into a flat vector (the optimiser's layout).
 *
 *   log π(a|s) = −½ Σ_j ((a_j − μ_j(s))/σ_j)² − Σ_j log σ_j − (d/2) log 2π
 *   H[π]       = Σ_j (½ + ½ log 2π + log σ_j)
 *
 *   PPO loss  = −mean(min(A·ρ, A·clip(ρ, 1±ε))) + c_v·mean((R − V̂)²) − c_e·H,  ρ = exp(log π − log π_old)
 *               with V̂ = V_old + clip(V − V_old, ±ε_v) when value clipping is on, else V
 *   A2C loss  = −mean(A·log π) + c_v·mean((R − V)²) − c_e·H
 *
 * Advantages arrive already normalised (when asked): they are data, not differentiated (tfjs has no
 * stopGradient; everything not differentiated is computed in JS and uploaded).
 *
 * Two implementations of the same loss gradient: `lossAndGrads` (the fast one training uses: tfjs for the
 * matrix products, JS for the elementwise loss head, backprop written out) and `lossAndGradsTape` (tfjs
 * autodiff through dense.ts's custom-gradient layer; the reference the tests compare against).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../src/rng.ts';
import { fillNormal, forwardTf, type ActorCritic, type LayerRef } from './networks.ts';

export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Samples n actions a = μ + σ·ε, ε ~ N(0, I) drawn from `rng` (in JS: tfjs random ops have no
 * reproducible seed across calls). Writes the unclipped samples (`raw`, stored for the log-prob), their
 * log-probabilities and the actions clipped to [low, high] (what the env receives).
 */
export function sampleActions(
  mean: Float32Array,
  logStd: Float32Array,
  n: number,
  rng: Rng,
  noise: Float64Array,
  raw: Float32Array,
  logp: Float64Array,
  clipped: Float32Array,
  low: Float64Array,
  high: Float64Array,
): void {
  const d = logStd.length;
  const eps = noise.subarray(0, n * d);
  fillNormal(rng, eps);
  let sumLogStd = 0;
  for (let j = 0; j < d; j++) sumLogStd += logStd[j];
  for (let r = 0; r < n; r++) {
    let sq = 0;
    for (let j = 0; j < d; j++) {
      const i = r * d + j;
      const a = Math.fround(mean[i] + Math.exp(logStd[j]) * eps[i]);
      raw[i] = a;
      const z = (a - mean[i]) / Math.exp(logStd[j]);
      sq += z * z;
      clipped[i] = a < low[j] ? low[j] : a > high[j] ? high[j] : a;
    }
    logp[r] = -0.5 * sq - sumLogStd - d * HALF_LOG_2PI;
  }
}

/** Entropy of the diagonal Gaussian (the same for every state). */
export function gaussianEntropy(logStd: Float32Array): number {
  let h = 0;
  for (let j = 0; j < logStd.length; j++) h += 0.5 + HALF_LOG_2PI + logStd[j];
  return h;
}

export interface LossBatch {
  n: number;
  /** n×obsDim (already normalised when normalisation is on). */
  obs: Float32Array;
  /** n×actDim unclipped sampled actions. */
  actions: Float32Array;
  /** n advantages, normalised by the caller if wanted. */
  advantages: Float32Array;
  /** n value targets (advantage + rollout value). */
  returns: Float32Array;
  /** PPO: n log-probabilities at collection time. */
  oldLogp?: Float32Array;
  /** PPO with value clipping: n values at collection time. */
  oldValues?: Float32Array;
}

export type LossKind = { kind: 'ppo'; clipRange: number; clipRangeVf: number | null } | { kind: 'a2c' };

export interface LossStats {
  loss: number;
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  /** The new log-probabilities of the batch's actions (for approx-KL and clip fraction). */
  logp: Float32Array;
}

/** Minibatch rows from which `lossAndGrads` computes tanh layers as 2σ(2z) − 1 (see there). */
export const SIGMOID_TANH_MIN_ROWS = 32;

/**
 * factor·src into a per-network, per-parameter buffer. One buffer per parameter, so that no two live tensors
 * share one (the cpu backend keeps a reference to the arrays it is given).
 */
const scaledBuffers = new WeakMap<ActorCritic, Map<string, Float32Array>>();
function scaledCopy(net: ActorCritic, key: string, src: Float32Array, factor: number): Float32Array {
  let m = scaledBuffers.get(net);
  if (!m) scaledBuffers.set(net, (m = new Map()));
  let a = m.get(key);
  if (!a || a.length !== src.length) m.set(key, (a = new Float32Array(src.length)));
  for (let i = 0; i < src.length; i++) a[i] = factor * src[i];
  return a;
}

/** Scratch for the JS loss head, grown on demand. */
let headScratch = {
  dMean: new Float32Array(0),
  dValue: new Float32Array(0),
  dLogStd: new Float64Array(0),
  z: new Float64Array(0),
  invStd: new Float64Array(0),
};

function ensureHeadScratch(n: number, D: number): typeof headScratch {
  const h = headScratch;
  if (h.dMean.length < n * D || h.dValue.length < n || h.dLogStd.length !== D) {
    headScratch = {
      dMean: new Float32Array(Math.max(n * D, h.dMean.length)),
      dValue: new Float32Array(Math.max(n, h.dValue.length)),
      dLogStd: new Float64Array(D),
      z: new Float64Array(D),
      invStd: new Float64Array(D),
    };
  }
  return headScratch;
}

/**
 * The loss from the network outputs, in JS (float64), and its gradient with respect to the means
 * (dMean, n×D), the values (dValue, n) and the log-std (dLogStd, D). The derivatives:
 *   ∂log π/∂μ_j = z_j/σ_j,  ∂log π/∂log σ_j = z_j² − 1,  z = (a − μ)/σ,   ∂H/∂log σ_j = 1
 *   PPO: ∂L/∂log π = −A·ρ/n where the unclipped term is the minimum or ρ ∈ [1−ε, 1+ε], else 0
 *        (tfjs's minimum/clip gradients, which agree with PyTorch's wherever they differ only on ties)
 *   A2C: ∂L/∂log π = −A/n
 *   value: ∂L/∂V = c_v·2(V̂ − R)/n, zero where value clipping is active
 */
export function lossHead(
  mean: ArrayLike<number>,
  value: ArrayLike<number>,
  logStd: Float32Array,
  batch: LossBatch,
  kind: LossKind,
  coefs: { entCoef: number; vfCoef: number },
  out: { dMean: Float32Array; dValue: Float32Array; dLogStd: Float64Array },
): LossStats {
  const { n } = batch;
  const D = logStd.length;
  const sc = ensureHeadScratch(n, D);
  const { z, invStd } = sc;
  let sumLogStd = 0;
  for (let j = 0; j < D; j++) {
    invStd[j] = Math.exp(-logStd[j]);
    sumLogStd += logStd[j];
  }
  const logp = new Float32Array(n);
  out.dLogStd.fill(0);
  let pl = 0;
  let vl = 0;
  const lo = kind.kind === 'ppo' ? 1 - kind.clipRange : 0;
  const hi = kind.kind === 'ppo' ? 1 + kind.clipRange : 0;
  for (let r = 0; r < n; r++) {
    let sq = 0;
    for (let j = 0; j < D; j++) {
      const zj = (batch.actions[r * D + j] - mean[r * D + j]) * invStd[j];
      z[j] = zj;
      sq += zj * zj;
    }
    const lp = -0.5 * sq - sumLogStd - D * HALF_LOG_2PI;
    logp[r] = lp;
    const adv = batch.advantages[r];
    let g: number;
    if (kind.kind === 'ppo') {
      const ratio = Math.exp(lp - (batch.oldLogp as Float32Array)[r]);
      const s1 = adv * ratio;
      const s2 = adv * (ratio < lo ? lo : ratio > hi ? hi : ratio);
      pl -= s1 <= s2 ? s1 : s2;
      g = s1 <= s2 || (ratio >= lo && ratio <= hi) ? (-adv * ratio) / n : 0;
    } else {
      pl -= adv * lp;
      g = -adv / n;
    }
    for (let j = 0; j < D; j++) {
      out.dMean[r * D + j] = g * z[j] * invStd[j];
      out.dLogStd[j] += g * (z[j] * z[j] - 1);
    }
    const v = value[r];
    let vPred = v;
    let pass = 1;
    if (kind.kind === 'ppo' && kind.clipRangeVf !== null) {
      const old = (batch.oldValues as Float32Array)[r];
      const d = v - old;
      const c = kind.clipRangeVf;
      vPred = old + (d < -c ? -c : d > c ? c : d);
      pass = d >= -c && d <= c ? 1 : 0;
    }
    const e = vPred - batch.returns[r];
    vl += e * e;
    out.dValue[r] = (pass * coefs.vfCoef * 2 * e) / n;
  }
  pl /= n;
  vl /= n;
  const entropy = gaussianEntropy(logStd);
  if (coefs.entCoef !== 0) for (let j = 0; j < D; j++) out.dLogStd[j] -= coefs.entCoef;
  return { loss: pl + coefs.vfCoef * vl - coefs.entCoef * entropy, policyLoss: pl, valueLoss: vl, entropy, logp };
}

/**
 * Computes the loss on one (mini)batch and writes ∂loss/∂θ into `gradOut` (the network's flat layout).
 * Three phases, chosen for speed on wasm (each tfjs op costs microseconds of dispatch, while the loss head
 * is elementwise on n×actDim numbers, which JS does in microseconds):
 *  1. tfjs forward of both MLPs, keeping the activations;
 *  2. `lossHead` in JS: the loss and its gradient w.r.t. the means, the values and the log-std;
 *  3. tfjs backward through the MLPs by hand, with dense.ts's explicit-transpose rule:
 *     dZ = dH ⊙ act'(Z), dW = H_prevᵀ·dZ, db = Σ_rows dZ, dH_prev = dZ·Wᵀ (skipped for the first layer).
 * About a quarter of the kernels of tfjs autodiff; checked against `lossAndGradsTape` in test/agents.
 */
export function lossAndGrads(net: ActorCritic, batch: LossBatch, kind: LossKind, coefs: { entCoef: number; vfCoef: number }, gradOut: Float32Array): LossStats {
  const { n } = batch;
  const D = net.actDim;
  const O = net.obsDim;
  checkLossArgs(net, batch, kind, gradOut);
  if (kind.kind === 'ppo' && kind.clipRangeVf !== null && !batch.oldValues) throw new Error('lossAndGrads: value clipping needs batch.oldValues');
  const sc = ensureHeadScratch(n, D);
  let stats: LossStats | null = null;
  tf.tidy(() => {
    const x = tf.tensor2d(batch.obs.subarray(0, n * O), [n, O]);
    const xT = tf.transpose(x);
    const forward = (layers: LayerRef[]) => {
      const hs: tf.Tensor2D[] = [x];
      const Ws: tf.Tensor2D[] = [];
      for (const l of layers) {
        const W = tf.tensor2d(net.view(l.W), [l.inDim, l.outDim]);
        const h = hs[hs.length - 1];
        if (l.activation === 'tanh' && n >= SIGMOID_TANH_MIN_ROWS) {
          // tanh(z) = 2σ(2z) − 1: wasm's sigmoid is vectorised and fuses into the matMul, its tanh is scalar
          // (~4× slower). The factor 2 goes into uploaded copies of W and b. Worth it from ~32 rows (PPO
          // minibatches: ~10% per gradient step); for A2C's 5-row batches the JS copies cost more.
          const W2 = scaledCopy(net, l.W.name, net.view(l.W), 2);
          const b2 = scaledCopy(net, l.b.name, net.view(l.b), 2);
          const s = tf.fused.matMul({ a: h, b: tf.tensor2d(W2, [l.inDim, l.outDim]), bias: tf.tensor1d(b2), activation: 'sigmoid' });
          hs.push(tf.sub(tf.mul(s, 2), 1) as tf.Tensor2D);
        } else {
          const z = tf.add(tf.matMul(h, W), tf.tensor1d(net.view(l.b))) as tf.Tensor2D;
          hs.push(l.activation === 'tanh' ? tf.tanh(z) : l.activation === 'relu' ? tf.relu(z) : z);
        }
        Ws.push(W);
      }
      return { hs, Ws };
    };
    const backward = (layers: LayerRef[], fw: { hs: tf.Tensor2D[]; Ws: tf.Tensor2D[] }, dOut: tf.Tensor2D) => {
      let g = dOut;
      for (let l = layers.length - 1; l >= 0; l--) {
        const layer = layers[l];
        const h = fw.hs[l + 1];
        const dz = layer.activation === 'tanh' ? tf.mul(g, tf.sub(1, tf.square(h))) : layer.activation === 'relu' ? tf.mul(g, tf.step(h)) : g;
        const dW = tf.matMul(l === 0 ? xT : tf.transpose(fw.hs[l]), dz);
        gradOut.set(dW.dataSync() as Float32Array, layer.W.offset);
        gradOut.set(tf.sum(dz, 0).dataSync() as Float32Array, layer.b.offset);
        if (l > 0) g = tf.matMul(dz, tf.transpose(fw.Ws[l]));
      }
    };
    const a = forward(net.actor);
    const c = forward(net.critic);
    const mean = a.hs[a.hs.length - 1].dataSync() as Float32Array;
    const value = c.hs[c.hs.length - 1].dataSync() as Float32Array;
    stats = lossHead(mean, value, net.logStd, batch, kind, coefs, sc);
    backward(net.actor, a, tf.tensor2d(sc.dMean.subarray(0, n * D), [n, D]));
    backward(net.critic, c, tf.tensor2d(sc.dValue.subarray(0, n), [n, 1]));
    const off = net.logStdSpec.offset;
    for (let j = 0; j < D; j++) gradOut[off + j] = sc.dLogStd[j];
  });
  return stats as unknown as LossStats;
}

/** The preconditions both loss implementations share. */
function checkLossArgs(net: ActorCritic, batch: LossBatch, kind: LossKind, gradOut: Float32Array): void {
  if (gradOut.length !== net.size) throw new Error(`lossAndGrads: gradOut has ${gradOut.length} values, network has ${net.size}`);
  if (kind.kind === 'ppo' && !batch.oldLogp) throw new Error('lossAndGrads: PPO needs batch.oldLogp');
}

/**
 * REFERENCE implementation: the same loss written with tfjs ops end to end and differentiated by tfjs's tape
 * (through dense.ts's custom gradient). ~4× more kernels than `lossAndGrads`; kept to check it (tests).
 */
export function lossAndGradsTape(
  net: ActorCritic,
  batch: LossBatch,
  kind: LossKind,
  coefs: { entCoef: number; vfCoef: number },
  gradOut: Float32Array,
): LossStats {
  const { n } = batch;
  const D = net.actDim;
  checkLossArgs(net, batch, kind, gradOut);
  if (kind.kind === 'ppo' && kind.clipRangeVf !== null && !batch.oldValues) throw new Error('lossAndGrads: value clipping needs batch.oldValues');
  const logStdIndex = net.specs.indexOf(net.logStdSpec);
  let kept: tf.Tensor[] = [];
  const out = tf.tidy(() => {
    const ps = net.toTensors();
    const obs = tf.tensor2d(batch.obs.subarray(0, n * net.obsDim), [n, net.obsDim]);
    const act = tf.tensor2d(batch.actions.subarray(0, n * D), [n, D]);
    const adv = tf.tensor1d(batch.advantages.subarray(0, n));
    const ret = tf.tensor1d(batch.returns.subarray(0, n));
    const oldLogp = batch.oldLogp ? tf.tensor1d(batch.oldLogp.subarray(0, n)) : null;
    const oldV = batch.oldValues ? tf.tensor1d(batch.oldValues.subarray(0, n)) : null;

    const f = (...p: tf.Tensor[]): tf.Scalar => {
      const { mean, value } = forwardTf(net, p, obs);
      const logStd = p[logStdIndex] as tf.Tensor1D;
      const sumLogStd = tf.sum(logStd);
      const z = tf.mul(tf.sub(act, mean), tf.exp(tf.neg(logStd)));
      const logp = tf.sub(tf.mul(tf.sum(tf.square(z), 1), -0.5), tf.add(sumLogStd, D * HALF_LOG_2PI));
      let policyLoss: tf.Scalar;
      let vPred: tf.Tensor1D = value;
      if (kind.kind === 'ppo') {
        const ratio = tf.exp(tf.sub(logp, oldLogp as tf.Tensor1D));
        const s1 = tf.mul(adv, ratio);
        const s2 = tf.mul(adv, tf.clipByValue(ratio, 1 - kind.clipRange, 1 + kind.clipRange));
        policyLoss = tf.neg(tf.mean(tf.minimum(s1, s2))) as tf.Scalar;
        if (kind.clipRangeVf !== null) {
          const o = oldV as tf.Tensor1D;
          vPred = tf.add(o, tf.clipByValue(tf.sub(value, o), -kind.clipRangeVf, kind.clipRangeVf));
        }
      } else {
        policyLoss = tf.neg(tf.mean(tf.mul(adv, logp))) as tf.Scalar;
      }
      const valueLoss = tf.mean(tf.square(tf.sub(ret, vPred))) as tf.Scalar;
      let loss = tf.add(policyLoss, tf.mul(valueLoss, coefs.vfCoef));
      if (coefs.entCoef !== 0) {
        const entropy = tf.add(sumLogStd, D * (0.5 + HALF_LOG_2PI));
        loss = tf.sub(loss, tf.mul(entropy, coefs.entCoef));
      }
      kept = [tf.keep(logp), tf.keep(policyLoss), tf.keep(valueLoss)];
      return loss as tf.Scalar;
    };

    const { value, grads } = tf.valueAndGrads(f)(ps);
    grads.forEach((g, i) => gradOut.set(g.dataSync() as Float32Array, net.specs[i].offset));
    return value.dataSync()[0];
  });
  const [logpT, plT, vlT] = kept;
  const stats: LossStats = {
    loss: out,
    policyLoss: plT.dataSync()[0],
    valueLoss: vlT.dataSync()[0],
    entropy: gaussianEntropy(net.logStd),
    logp: logpT.dataSync() as Float32Array,
  };
  tf.dispose(kept);
  return stats;
}
