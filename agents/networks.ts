/**
 * Separate actor and critic MLPs with a state-independent Gaussian log-std, as in SB3's `MlpPolicy` for
 * continuous actions (net_arch pi=[64,64], vf=[64,64], tanh, orthogonal init, log_std_init 0).
 *
 * The parameters live in ONE flat Float32Array that we own (`ActorCritic.params`); every weight matrix
 * and bias is a view into it. Why not tf.Variables (or tfjs-layers):
 * - rollouts evaluate the policy on one observation per env per step; at that size tfjs's per-op dispatch
 *   (microseconds per op) dominates, so the rollout forward pass runs in plain JS on the same floats
 *   (`forward`), ~10× faster than a tfjs call per step;
 * - the optimisers (optim.ts) update the flat vector in one loop, which also makes global grad-norm
 *   clipping and checkpointing trivial and exact;
 * - the training loss uploads the views as tensors once per minibatch (`toTensors`, a memcpy on wasm),
 *   and its gradients come back into a flat vector in the same layout.
 *
 * Layout, in order (W is input-major, [in, out]):
 *   pi.0.W pi.0.b … pi.out.W pi.out.b pi.logStd   vf.0.W vf.0.b … vf.out.W vf.out.b
 *
 * Orthogonal init (Saxe et al.; the "37 details" #2): hidden layers gain √2, policy head 0.01, value head 1,
 * biases 0, log-std `logStdInit`. tfjs has no global seed, so every weight matrix gets its own explicit
 * seed drawn from the `init` stream; the draws happen in JS and are identical on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../src/rng.ts';
import { dense, type Activation } from './dense.ts';

export interface NetConfig {
  /** Hidden layer widths, shared by actor and critic (each has its own weights). */
  hidden: number[];
  activation: Activation;
  /** Initial value of every log-std entry. */
  logStdInit: number;
  /** Orthogonal init with the gains above; false gives tfjs-like Glorot-uniform weights (seeded). */
  orthoInit: boolean;
}

export interface ParamSpec {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

export interface LayerRef {
  W: ParamSpec;
  b: ParamSpec;
  inDim: number;
  outDim: number;
  activation: Activation;
}

/** Builds the flat layout for given sizes (pure; used by the network and by checkpoint validation). */
export function paramLayout(
  obsDim: number,
  actDim: number,
  cfg: NetConfig,
): {
  specs: ParamSpec[];
  actor: LayerRef[];
  critic: LayerRef[];
  logStd: ParamSpec;
  size: number;
} {
  const specs: ParamSpec[] = [];
  let offset = 0;
  const add = (name: string, shape: number[]): ParamSpec => {
    const size = shape.reduce((a, b) => a * b, 1);
    const s = { name, shape, offset, size };
    offset += size;
    specs.push(s);
    return s;
  };
  const mlp = (prefix: string, outDim: number): LayerRef[] => {
    const layers: LayerRef[] = [];
    let inDim = obsDim;
    cfg.hidden.forEach((h, i) => {
      layers.push({ W: add(`${prefix}.${i}.W`, [inDim, h]), b: add(`${prefix}.${i}.b`, [h]), inDim, outDim: h, activation: cfg.activation });
      inDim = h;
    });
    layers.push({ W: add(`${prefix}.out.W`, [inDim, outDim]), b: add(`${prefix}.out.b`, [outDim]), inDim, outDim, activation: 'linear' });
    return layers;
  };
  const actor = mlp('pi', actDim);
  const logStd = add('pi.logStd', [actDim]);
  const critic = mlp('vf', 1);
  return { specs, actor, critic, logStd, size: offset };
}

/**
 * A semi-orthogonal [rows, cols] matrix times `gain`, like torch.nn.init.orthogonal_ applied to the
 * transposed (PyTorch [out, in]) weight: orthonormal columns when rows ≥ cols, orthonormal rows otherwise.
 * Gaussian draws from `rng`, QR by modified Gram–Schmidt (twice, for stability) in float64; Gram–Schmidt
 * gives diag(R) > 0, which is PyTorch's sign convention.
 */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float64Array {
  const m = Math.max(rows, cols);
  const k = Math.min(rows, cols);
  // Q is m×k, column-major here: column c at q[c*m … c*m+m).
  const q = new Float64Array(m * k);
  fillNormal(rng, q);
  for (let c = 0; c < k; c++) {
    const qc = q.subarray(c * m, c * m + m);
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < c; p++) {
        const qp = q.subarray(p * m, p * m + m);
        let dot = 0;
        for (let i = 0; i < m; i++) dot += qp[i] * qc[i];
        for (let i = 0; i < m; i++) qc[i] -= dot * qp[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += qc[i] * qc[i];
    norm = Math.sqrt(norm);
    if (!(norm > 1e-12)) throw new Error(`orthogonal init: degenerate draw (column ${c} norm ${norm})`);
    for (let i = 0; i < m; i++) qc[i] /= norm;
  }
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // rows ≥ cols: W = Q (m = rows, column c); else W = Qᵀ (m = cols, column r).
      out[r * cols + c] = gain * (rows >= cols ? q[c * m + r] : q[r * m + c]);
    }
  }
  return out;
}

/**
 * Fills `out` with standard normals using Box–Muller on pairs of uniforms, both values used. Unlike
 * `Rng.normal()` it keeps no cached spare between calls, so the stream's saved state (checkpoints) is its
 * whole state.
 */
export function fillNormal(rng: Rng, out: Float32Array | Float64Array): void {
  for (let i = 0; i < out.length; i += 2) {
    let u = rng.next();
    while (u === 0) u = rng.next();
    const v = rng.next();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
}

/**
 * out[o … o+outDim) = b + x[xo … xo+inDim)·W for one row, W input-major at p[wOff…], float64 accumulation.
 * Unrolled over 4 inputs: the rollout's hot loop (~2× faster than the plain double loop in V8).
 */
export function denseRowJs(
  p: Float32Array,
  wOff: number,
  bOff: number,
  inDim: number,
  outDim: number,
  x: Float64Array,
  xo: number,
  out: Float64Array,
  o: number,
): void {
  for (let j = 0; j < outDim; j++) out[o + j] = p[bOff + j];
  let i = 0;
  for (; i + 3 < inDim; i += 4) {
    const x0 = x[xo + i],
      x1 = x[xo + i + 1],
      x2 = x[xo + i + 2],
      x3 = x[xo + i + 3];
    const w0 = wOff + i * outDim,
      w1 = w0 + outDim,
      w2 = w1 + outDim,
      w3 = w2 + outDim;
    for (let j = 0; j < outDim; j++) out[o + j] += x0 * p[w0 + j] + x1 * p[w1 + j] + x2 * p[w2 + j] + x3 * p[w3 + j];
  }
  for (; i < inDim; i++) {
    const xi = x[xo + i];
    const w = wOff + i * outDim;
    for (let j = 0; j < outDim; j++) out[o + j] += xi * p[w + j];
  }
}

export class ActorCritic {
  readonly obsDim: number;
  readonly actDim: number;
  readonly cfg: NetConfig;
  readonly specs: ParamSpec[];
  readonly actor: LayerRef[];
  readonly critic: LayerRef[];
  readonly logStdSpec: ParamSpec;
  /** All parameters, flat, in the layout above. The optimiser writes here; everything else reads. */
  readonly params: Float32Array;
  private readonly maxWidth: number;
  private scratch = { n: 0, x: new Float64Array(0), a: new Float64Array(0), b: new Float64Array(0) };

  constructor(obsDim: number, actDim: number, cfg: NetConfig) {
    if (!(Number.isInteger(obsDim) && obsDim > 0 && Number.isInteger(actDim) && actDim > 0)) {
      throw new Error(`ActorCritic: obsDim (${obsDim}) and actDim (${actDim}) must be positive integers`);
    }
    this.obsDim = obsDim;
    this.actDim = actDim;
    this.cfg = cfg;
    const l = paramLayout(obsDim, actDim, cfg);
    this.specs = l.specs;
    this.actor = l.actor;
    this.critic = l.critic;
    this.logStdSpec = l.logStd;
    this.params = new Float32Array(l.size);
    this.maxWidth = Math.max(actDim, 1, ...cfg.hidden);
  }

  get size(): number {
    return this.params.length;
  }

  view(s: ParamSpec): Float32Array {
    return this.params.subarray(s.offset, s.offset + s.size);
  }

  get logStd(): Float32Array {
    return this.view(this.logStdSpec);
  }

  /** Seeded initialisation: one child seed per weight matrix, drawn from `initRng` in layout order. */
  init(initRng: Rng): void {
    const initLayers = (layers: LayerRef[], headGain: number) => {
      layers.forEach((layer, i) => {
        const isHead = i === layers.length - 1;
        const rng = new Rng(initRng.seed31());
        const W = this.view(layer.W);
        if (this.cfg.orthoInit) {
          const gain = isHead ? headGain : Math.SQRT2;
          W.set(orthogonal(layer.inDim, layer.outDim, gain, rng));
        } else {
          // Glorot uniform, tfjs-layers' default for Dense.
          const lim = Math.sqrt(6 / (layer.inDim + layer.outDim));
          for (let j = 0; j < W.length; j++) W[j] = rng.uniform(-lim, lim);
        }
        this.view(layer.b).fill(0);
      });
    };
    initLayers(this.actor, 0.01);
    this.logStd.fill(this.cfg.logStdInit);
    initLayers(this.critic, 1);
  }

  private ensureScratch(n: number): void {
    const width = this.maxWidth * n;
    if (this.scratch.a.length < width || this.scratch.x.length < n * this.obsDim) {
      this.scratch = { n, x: new Float64Array(n * this.obsDim), a: new Float64Array(width), b: new Float64Array(width) };
    }
  }

  private mlp(layers: LayerRef[], x: Float64Array, n: number): Float64Array {
    this.ensureScratch(n);
    let input = x;
    let out = this.scratch.a;
    let spare = this.scratch.b;
    for (const layer of layers) {
      for (let r = 0; r < n; r++) {
        denseRowJs(this.params, layer.W.offset, layer.b.offset, layer.inDim, layer.outDim, input, r * layer.inDim, out, r * layer.outDim);
      }
      const m = n * layer.outDim;
      if (layer.activation === 'tanh') for (let k = 0; k < m; k++) out[k] = Math.tanh(out[k]);
      else if (layer.activation === 'relu') for (let k = 0; k < m; k++) out[k] = out[k] > 0 ? out[k] : 0;
      input = out;
      const t = out;
      out = spare;
      spare = t;
    }
    return input;
  }

  /**
   * Plain-JS forward pass for n observations (row-major n×obsDim): writes the Gaussian means (n×actDim)
   * and/or the values (n). Float32 weights, float64 arithmetic. Used by rollouts and `loadPolicy`.
   */
  forward(obs: ArrayLike<number>, n: number, meanOut: Float32Array | Float64Array | null, valueOut: Float32Array | Float64Array | null): void {
    if (obs.length < n * this.obsDim) throw new Error(`forward: obs has ${obs.length} values, need ${n}×${this.obsDim}`);
    this.ensureScratch(n);
    // One monomorphic (float64) input for the hot loops, whatever array type the caller holds.
    const x = this.scratch.x;
    for (let i = 0; i < n * this.obsDim; i++) x[i] = obs[i];
    if (meanOut) {
      const m = this.mlp(this.actor, x, n);
      for (let i = 0; i < n * this.actDim; i++) meanOut[i] = m[i];
    }
    if (valueOut) {
      const v = this.mlp(this.critic, x, n);
      for (let i = 0; i < n; i++) valueOut[i] = v[i];
    }
  }

  /** Uploads every parameter as a tensor (in layout order); dispose them (or create inside tf.tidy). */
  toTensors(): tf.Tensor[] {
    return this.specs.map((s) => tf.tensor(this.view(s), s.shape, 'float32'));
  }

  /** Copies a flat vector into the parameters (checkpoint restore). */
  setParams(flat: Float32Array): void {
    if (flat.length !== this.params.length) {
      throw new Error(
        `setParams: got ${flat.length} values, the network has ${this.params.length} (obs ${this.obsDim}, act ${this.actDim}, hidden ${this.cfg.hidden})`,
      );
    }
    this.params.set(flat);
  }
}

/**
 * The differentiable tfjs forward pass over parameter tensors `ps` (layout order, as from `toTensors`):
 * Gaussian means [n, actDim] and values [n]. The first layer of each net skips dX (obs is data).
 */
export function forwardTf(net: ActorCritic, ps: tf.Tensor[], obs: tf.Tensor2D): { mean: tf.Tensor2D; value: tf.Tensor1D } {
  const byOffset = new Map<number, tf.Tensor>();
  net.specs.forEach((s, i) => byOffset.set(s.offset, ps[i]));
  const run = (layers: LayerRef[]): tf.Tensor2D => {
    let h = obs;
    layers.forEach((l, i) => {
      h = dense(h, byOffset.get(l.W.offset) as tf.Tensor2D, byOffset.get(l.b.offset) as tf.Tensor1D, l.activation, i > 0);
    });
    return h;
  };
  const mean = run(net.actor);
  const value = tf.reshape(run(net.critic), [-1]) as tf.Tensor1D;
  return { mean, value };
}
