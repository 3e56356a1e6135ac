/**
 * Optimisers over one flat float32 parameter vector, with PyTorch's exact update rules (what SB3 runs),
 * plus global grad-norm clipping. Moments are float32 like PyTorch's; the arithmetic of one element is
 * float64 then rounded on store. State (moments + step count) is plain typed arrays: checkpoints save it
 * bit-for-bit.
 *
 * Why not tf.train.adam / tf.train.rmsprop:
 * - tfjs RMSprop puts ε INSIDE the square root, g/√(v+ε), while PyTorch (and therefore SB3's A2C, which
 *   the paper used) computes g/(√v + ε). With ε = 1e-5 and small gradients the two differ by orders of
 *   magnitude in step size, so we implement PyTorch's rule here.
 * - tfjs Adam matches PyTorch's formula (ε outside √v̂), but runs ~8 tfjs ops per weight tensor per step;
 *   one JS loop over the flat vector is cheaper and keeps all state in one place.
 */

export interface AdamOptions {
  beta1: number;
  beta2: number;
  eps: number;
}

export interface RmspropOptions {
  /** Smoothing constant α (PyTorch) = decay (TF). */
  alpha: number;
  eps: number;
}

export interface OptimizerState {
  kind: 'adam' | 'rmsprop';
  /** Number of updates applied so far. */
  step: number;
  hyper: Record<string, number>;
  buffers: Record<string, Float32Array>;
}

export interface Optimizer {
  readonly kind: 'adam' | 'rmsprop';
  /** In-place update of `params` with gradient `grads` at learning rate `lr`. */
  step(params: Float32Array, grads: Float32Array, lr: number): void;
  state(): OptimizerState;
  load(s: OptimizerState): void;
}

function checkSizes(kind: string, params: Float32Array, grads: Float32Array, size: number): void {
  if (params.length !== size || grads.length !== size) {
    throw new Error(`${kind}: params (${params.length}) and grads (${grads.length}) must both have the optimiser's size ${size}`);
  }
}

/** torch.optim.Adam (no weight decay, no amsgrad): m̂/(√v̂ + ε) with bias corrections. */
export class Adam implements Optimizer {
  readonly kind = 'adam' as const;
  private t = 0;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  constructor(
    readonly size: number,
    readonly opts: AdamOptions = { beta1: 0.9, beta2: 0.999, eps: 1e-8 },
  ) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  step(params: Float32Array, grads: Float32Array, lr: number): void {
    checkSizes('Adam', params, grads, this.size);
    const { beta1, beta2, eps } = this.opts;
    this.t += 1;
    const stepSize = lr / (1 - Math.pow(beta1, this.t));
    const invBc2Sqrt = 1 / Math.sqrt(1 - Math.pow(beta2, this.t));
    const c1 = 1 - beta1;
    const c2 = 1 - beta2;
    const { m, v } = this;
    const n = params.length;
    // Hot loop (~50k parameters per minibatch): constants hoisted, no division by the bias correction.
    for (let i = 0; i < n; i++) {
      const g = grads[i];
      const mi = beta1 * m[i] + c1 * g;
      const vi = beta2 * v[i] + c2 * g * g;
      m[i] = mi;
      v[i] = vi;
      params[i] -= (stepSize * mi) / (Math.sqrt(vi) * invBc2Sqrt + eps);
    }
  }

  state(): OptimizerState {
    return { kind: 'adam', step: this.t, hyper: { ...this.opts }, buffers: { m: this.m.slice(), v: this.v.slice() } };
  }

  load(s: OptimizerState): void {
    loadInto('Adam', s, 'adam', this.size, { m: this.m, v: this.v });
    this.t = s.step;
  }
}

/** torch.optim.RMSprop (no momentum, not centred): v ← αv + (1−α)g²; θ ← θ − lr·g/(√v + ε); v starts at 0. */
export class RMSprop implements Optimizer {
  readonly kind = 'rmsprop' as const;
  private t = 0;
  private readonly v: Float32Array;
  constructor(
    readonly size: number,
    readonly opts: RmspropOptions = { alpha: 0.99, eps: 1e-8 },
  ) {
    this.v = new Float32Array(size);
  }

  step(params: Float32Array, grads: Float32Array, lr: number): void {
    checkSizes('RMSprop', params, grads, this.size);
    const { alpha, eps } = this.opts;
    this.t += 1;
    const c = 1 - alpha;
    const v = this.v;
    const n = params.length;
    for (let i = 0; i < n; i++) {
      const g = grads[i];
      const vi = alpha * v[i] + c * g * g;
      v[i] = vi;
      params[i] -= (lr * g) / (Math.sqrt(vi) + eps);
    }
  }

  state(): OptimizerState {
    return { kind: 'rmsprop', step: this.t, hyper: { ...this.opts }, buffers: { v: this.v.slice() } };
  }

  load(s: OptimizerState): void {
    loadInto('RMSprop', s, 'rmsprop', this.size, { v: this.v });
    this.t = s.step;
  }
}

function loadInto(name: string, s: OptimizerState, kind: string, size: number, into: Record<string, Float32Array>): void {
  if (s.kind !== kind) throw new Error(`${name}.load: checkpoint holds a ${s.kind} state, this run uses ${kind}`);
  for (const [k, dst] of Object.entries(into)) {
    const src = s.buffers[k];
    if (!src || src.length !== size) {
      throw new Error(`${name}.load: buffer "${k}" has ${src?.length ?? 'no'} values, expected ${size} (network size changed?)`);
    }
    dst.set(src);
  }
}

/**
 * torch.nn.utils.clip_grad_norm_: scales `grads` in place so that its global L2 norm is at most `maxNorm`
 * (coefficient maxNorm/(norm + 1e-6), applied only when < 1). Returns the norm before clipping.
 */
export function clipGradNorm(grads: Float32Array, maxNorm: number): number {
  let sq = 0;
  for (let i = 0; i < grads.length; i++) sq += grads[i] * grads[i];
  const norm = Math.sqrt(sq);
  if (!Number.isFinite(norm)) {
    throw new Error(`clipGradNorm: gradient norm is ${norm} (NaN/Inf in the loss: check rewards and observations for NaN or huge values)`);
  }
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (let i = 0; i < grads.length; i++) grads[i] *= coef;
  return norm;
}
