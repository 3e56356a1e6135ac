import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../agents/backend.ts';
import { dense, type Activation } from '../../agents/dense.ts';
import { Rng } from '../../src/rng.ts';

// f(x, W, b) = Σ R ⊙ act(x·W + b) with a fixed random R, evaluated in float64 JS for finite differences.
function f64(x: Float64Array, W: Float64Array, b: Float64Array, R: Float64Array, n: number, inD: number, outD: number, act: Activation): number {
  let s = 0;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < outD; j++) {
      let z = b[j];
      for (let i = 0; i < inD; i++) z += x[r * inD + i] * W[i * outD + j];
      const y = act === 'tanh' ? Math.tanh(z) : act === 'relu' ? Math.max(0, z) : z;
      s += R[r * outD + j] * y;
    }
  }
  return s;
}

function rand(rng: Rng, n: number, scale = 1): Float64Array {
  const a = new Float64Array(n);
  // float32-representable values so that JS (float64) and tfjs (float32) see the same inputs
  for (let i = 0; i < n; i++) a[i] = Math.fround(scale * (rng.next() * 2 - 1));
  return a;
}

function fdGrad(fn: () => number, a: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    a[i] = v + h;
    const fp = fn();
    a[i] = v - h;
    const fm = fn();
    a[i] = v;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
  expect(worst).toBeLessThan(tol);
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`dense layer custom gradient (${backend})`, () => {
    beforeAll(async () => {
      expect(await initBackend(backend)).toBe(backend);
    });
    afterAll(async () => {
      await initBackend('wasm');
    });

    const n = 5,
      inD = 7,
      outD = 4;
    for (const act of ['tanh', 'relu', 'linear'] as Activation[]) {
      it(`matches finite differences (float64) for ${act}`, () => {
        const rng = new Rng(`dense:${act}`);
        const x = rand(rng, n * inD),
          W = rand(rng, inD * outD, 0.7),
          b = rand(rng, outD, 0.3),
          R = rand(rng, n * outD);
        const fn = () => f64(x, W, b, R, n, inD, outD, act);
        const [gx, gW, gb] = tf.tidy(() => {
          const g = tf.grads((xt: tf.Tensor, Wt: tf.Tensor, bt: tf.Tensor) =>
            tf.sum(tf.mul(dense(xt as tf.Tensor2D, Wt as tf.Tensor2D, bt as tf.Tensor1D, act), tf.tensor2d(Float32Array.from(R), [n, outD]))),
          )([tf.tensor2d(Float32Array.from(x), [n, inD]), tf.tensor2d(Float32Array.from(W), [inD, outD]), tf.tensor1d(Float32Array.from(b))]);
          return g.map((t) => t.dataSync());
        });
        expectClose(gW, fdGrad(fn, W), 1e-4);
        expectClose(gb, fdGrad(fn, b), 1e-4);
        expectClose(gx, fdGrad(fn, x), 1e-4);
      });
    }

    it('agrees with tfjs autodiff of the same expression, and returns zero dX when inputGrad is false', () => {
      const rng = new Rng('dense:autodiff');
      const x = tf.tensor2d(Float32Array.from(rand(rng, n * inD)), [n, inD]);
      const W = tf.tensor2d(Float32Array.from(rand(rng, inD * outD)), [inD, outD]);
      const b = tf.tensor1d(Float32Array.from(rand(rng, outD)));
      const R = tf.tensor2d(Float32Array.from(rand(rng, n * outD)), [n, outD]);
      const ours = tf.grads((a: tf.Tensor, w: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(dense(a as tf.Tensor2D, w as tf.Tensor2D, c as tf.Tensor1D, 'tanh'), R)),
      )([x, W, b]);
      const ref = tf.grads((a: tf.Tensor, w: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(tf.tanh(tf.add(tf.matMul(a, w), c)), R)))([x, W, b]);
      for (let k = 0; k < 3; k++) expectClose(ours[k].dataSync(), ref[k].dataSync(), 1e-5);
      const noDx = tf.grads((a: tf.Tensor, w: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(dense(a as tf.Tensor2D, w as tf.Tensor2D, c as tf.Tensor1D, 'tanh', false), R)),
      )([x, W, b]);
      expect(Array.from(noDx[0].dataSync()).every((v) => v === 0)).toBe(true);
      expectClose(noDx[1].dataSync(), ref[1].dataSync(), 1e-5);
      tf.dispose([x, W, b, R, ...ours, ...ref, ...noDx]);
    });

    it('rejects shapes that do not chain', () => {
      const x = tf.zeros([2, 3]) as tf.Tensor2D;
      const W = tf.zeros([4, 5]) as tf.Tensor2D;
      const b = tf.zeros([5]) as tf.Tensor1D;
      expect(() => dense(x, W, b)).toThrow(/do not chain/);
      tf.dispose([x, W, b]);
    });
  });
}
