import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../agents/backend.ts';
import { Adam, clipGradNorm, RMSprop } from '../../agents/optim.ts';

describe('optimisers (PyTorch update rules)', () => {
  it('Adam: two steps match the hand-computed PyTorch formula', () => {
    const p = new Float32Array([1, -2]);
    const opt = new Adam(2, { beta1: 0.9, beta2: 0.999, eps: 1e-5 });
    const lr = 0.1;
    const g1 = new Float32Array([0.5, -1]);
    const g2 = new Float32Array([0.25, 2]);
    opt.step(p, g1, lr);
    opt.step(p, g2, lr);
    // reference in float64
    const ref = [1, -2];
    const m = [0, 0],
      v = [0, 0];
    for (const [t, g] of [
      [1, g1],
      [2, g2],
    ] as const) {
      for (let i = 0; i < 2; i++) {
        m[i] = 0.9 * m[i] + 0.1 * g[i];
        v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
        const mhat = m[i] / (1 - 0.9 ** t);
        const vhat = v[i] / (1 - 0.999 ** t);
        ref[i] -= (lr * mhat) / (Math.sqrt(vhat) + 1e-5);
      }
    }
    expect(p[0]).toBeCloseTo(ref[0], 5);
    expect(p[1]).toBeCloseTo(ref[1], 5);
    const s = opt.state();
    expect(s.step).toBe(2);
    expect(s.buffers.m[1]).toBeCloseTo(m[1], 6);
  });

  it('RMSprop: ε outside the square root, square average from 0 (PyTorch), unlike tfjs', async () => {
    const g = new Float32Array([1e-3]);
    const ours = new Float32Array([0]);
    const opt = new RMSprop(1, { alpha: 0.99, eps: 1e-5 });
    opt.step(ours, g, 0.01);
    // PyTorch: v = 0.01·1e-6 = 1e-8; step = lr·g/(√v + ε) = 0.01·1e-3/(1e-4 + 1e-5)
    const torch = -(0.01 * 1e-3) / (Math.sqrt(0.01 * 1e-6) + 1e-5);
    expect(ours[0]).toBeCloseTo(torch, 7);
    // tfjs puts ε inside the square root: lr·g/√(v + ε) — an order of magnitude smaller step here.
    await initBackend('wasm');
    const x = tf.variable(tf.scalar(0));
    const tfOpt = tf.train.rmsprop(0.01, 0.99, 0, 1e-5);
    tfOpt.applyGradients([{ name: x.name, tensor: tf.scalar(1e-3) }]);
    const tfStep = x.dataSync()[0];
    expect(Math.abs(tfStep)).toBeLessThan(Math.abs(torch) / 5);
    x.dispose();
    tfOpt.dispose();
  });

  it('state round-trips and rejects a mismatched kind or size', () => {
    const a = new Adam(3, { beta1: 0.9, beta2: 0.999, eps: 1e-5 });
    const p = new Float32Array([1, 2, 3]);
    a.step(p, new Float32Array([0.1, 0.2, 0.3]), 0.01);
    const b = new Adam(3, { beta1: 0.9, beta2: 0.999, eps: 1e-5 });
    b.load(a.state());
    const p1 = p.slice(),
      p2 = p.slice();
    a.step(p1, new Float32Array([0.3, 0.2, 0.1]), 0.01);
    b.step(p2, new Float32Array([0.3, 0.2, 0.1]), 0.01);
    expect(Array.from(p1)).toEqual(Array.from(p2));
    expect(() => new RMSprop(3).load(a.state())).toThrow(/adam/);
    expect(() => new Adam(4).load(a.state())).toThrow(/expected 4/);
  });

  it('clipGradNorm scales to maxNorm only when above it, and returns the norm before clipping', () => {
    const g = new Float32Array([3, 4]);
    expect(clipGradNorm(g, 0.5)).toBeCloseTo(5, 6);
    expect(Math.hypot(g[0], g[1])).toBeCloseTo(0.5, 5);
    const small = new Float32Array([0.1, 0]);
    clipGradNorm(small, 0.5);
    expect(small[0]).toBeCloseTo(0.1, 7);
    expect(() => clipGradNorm(new Float32Array([NaN]), 1)).toThrow(/NaN/);
  });
});
