import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../agents/backend.ts';
import { ActorCritic, forwardTf, orthogonal, type NetConfig } from '../../agents/networks.ts';
import { lossAndGrads, lossAndGradsTape, sampleActions, SIGMOID_TANH_MIN_ROWS, type LossKind } from '../../agents/policy.ts';
import { Rng, stream } from '../../src/rng.ts';

const cfg: NetConfig = { hidden: [16, 8], activation: 'tanh', logStdInit: 0, orthoInit: true };

beforeAll(async () => {
  await initBackend('wasm');
});

describe('networks', () => {
  it('orthogonal(): semi-orthogonal columns or rows times the gain', () => {
    for (const [rows, cols] of [
      [12, 5],
      [5, 12],
      [6, 6],
    ]) {
      const W = orthogonal(rows, cols, 2, new Rng('o'));
      const k = Math.min(rows, cols);
      for (let a = 0; a < k; a++) {
        for (let b = 0; b < k; b++) {
          let dot = 0;
          if (rows >= cols) for (let r = 0; r < rows; r++) dot += W[r * cols + a] * W[r * cols + b];
          else for (let c = 0; c < cols; c++) dot += W[a * cols + c] * W[b * cols + c];
          expect(dot).toBeCloseTo(a === b ? 4 : 0, 10);
        }
      }
    }
  });

  it('init: layout, gains, zero biases, log-std, and the same weights for the same seed', () => {
    const a = new ActorCritic(10, 3, cfg);
    a.init(stream(7, 'init'));
    const b = new ActorCritic(10, 3, cfg);
    b.init(stream(7, 'init'));
    expect(Buffer.from(a.params.buffer).equals(Buffer.from(b.params.buffer))).toBe(true);
    const c = new ActorCritic(10, 3, cfg);
    c.init(stream(8, 'init'));
    expect(Buffer.from(a.params.buffer).equals(Buffer.from(c.params.buffer))).toBe(false);
    expect(a.specs.map((s) => s.name)).toEqual([
      'pi.0.W',
      'pi.0.b',
      'pi.1.W',
      'pi.1.b',
      'pi.out.W',
      'pi.out.b',
      'pi.logStd',
      'vf.0.W',
      'vf.0.b',
      'vf.1.W',
      'vf.1.b',
      'vf.out.W',
      'vf.out.b',
    ]);
    const colNorm = (name: string, col: number) => {
      const s = a.specs.find((x) => x.name === name)!;
      const W = a.view(s);
      let sq = 0;
      for (let r = 0; r < s.shape[0]; r++) sq += W[r * s.shape[1] + col] ** 2;
      return Math.sqrt(sq);
    };
    const rowNorm = (name: string, row: number) => {
      const s = a.specs.find((x) => x.name === name)!;
      const W = a.view(s);
      let sq = 0;
      for (let c = 0; c < s.shape[1]; c++) sq += W[row * s.shape[1] + c] ** 2;
      return Math.sqrt(sq);
    };
    expect(rowNorm('pi.0.W', 0)).toBeCloseTo(Math.SQRT2, 5); // 10×16: orthonormal rows × √2
    expect(colNorm('pi.1.W', 0)).toBeCloseTo(Math.SQRT2, 5); // 16×8: orthonormal columns × √2
    expect(colNorm('pi.out.W', 0)).toBeCloseTo(0.01, 6); // 8×3: orthonormal columns × 0.01
    expect(colNorm('vf.out.W', 0)).toBeCloseTo(1, 6);
    for (const s of a.specs.filter((x) => x.name.endsWith('.b'))) expect(Array.from(a.view(s)).every((v) => v === 0)).toBe(true);
    expect(Array.from(a.logStd)).toEqual([0, 0, 0]);
  });

  it('the JS forward pass (rollouts, evaluation) matches the tfjs forward pass (training)', () => {
    const net = new ActorCritic(6, 2, { ...cfg, activation: 'tanh' });
    net.init(stream(1, 'init'));
    const rng = new Rng('x');
    const n = 5;
    const obs = new Float32Array(n * 6).map(() => rng.normal());
    const mean = new Float32Array(n * 2);
    const value = new Float32Array(n);
    net.forward(obs, n, mean, value);
    tf.tidy(() => {
      const ps = net.toTensors();
      const out = forwardTf(net, ps, tf.tensor2d(obs, [n, 6]));
      const m = out.mean.dataSync();
      const v = out.value.dataSync();
      for (let i = 0; i < m.length; i++) expect(m[i]).toBeCloseTo(mean[i], 5);
      for (let i = 0; i < n; i++) expect(v[i]).toBeCloseTo(value[i], 5);
    });
  });
});

describe('policy', () => {
  it('samples from N(μ, σ²) with the seeded stream, stores unclipped actions and their log-prob, clips for the env', () => {
    const n = 2000,
      d = 2;
    const mean = new Float32Array(n * d).fill(0.5);
    const logStd = new Float32Array([Math.log(2), 0]);
    const raw = new Float32Array(n * d),
      clipped = new Float32Array(n * d),
      logp = new Float64Array(n),
      noise = new Float64Array(n * d);
    const low = new Float64Array([-1, -1]),
      high = new Float64Array([1, 1]);
    sampleActions(mean, logStd, n, new Rng('s'), noise, raw, logp, clipped, low, high);
    let s0 = 0,
      ss0 = 0,
      outside = 0;
    for (let r = 0; r < n; r++) {
      s0 += raw[r * d];
      ss0 += (raw[r * d] - 0.5) ** 2;
      for (let j = 0; j < d; j++) {
        expect(clipped[r * d + j]).toBe(Math.min(1, Math.max(-1, raw[r * d + j])));
        if (Math.abs(raw[r * d + j]) > 1) outside++;
      }
      // log N(a; μ, σ) by hand
      let lp = 0;
      for (let j = 0; j < d; j++) {
        const sd = Math.exp(logStd[j]);
        lp += -0.5 * ((raw[r * d + j] - 0.5) / sd) ** 2 - Math.log(sd) - 0.5 * Math.log(2 * Math.PI);
      }
      expect(logp[r]).toBeCloseTo(lp, 5);
    }
    expect(s0 / n).toBeCloseTo(0.5, 0);
    expect(Math.sqrt(ss0 / n)).toBeCloseTo(2, 0);
    expect(outside).toBeGreaterThan(n / 2); // the stored samples really are unclipped
    const again = new Float32Array(n * d);
    sampleActions(mean, logStd, n, new Rng('s'), noise, again, logp, clipped, low, high);
    expect(Array.from(again)).toEqual(Array.from(raw));
  });

  const kinds: [string, LossKind, number][] = [
    ['PPO', { kind: 'ppo', clipRange: 0.2, clipRangeVf: null }, 0],
    ['PPO + value clip + entropy', { kind: 'ppo', clipRange: 0.1, clipRangeVf: 0.05 }, 0.01],
    ['A2C + entropy', { kind: 'a2c' }, 0.005],
  ];
  for (const [name, kind, entCoef] of kinds)
    for (const n of [16, 48]) {
      it(`fast hand-written backprop equals tfjs autodiff (${name}, ${n} rows${n >= SIGMOID_TANH_MIN_ROWS ? ', tanh via sigmoid' : ''})`, () => {
        const O = 7,
          A = 3;
        const net = new ActorCritic(O, A, { hidden: [12, 10], activation: 'tanh', logStdInit: -0.3, orthoInit: true });
        net.init(stream(3, 'init'));
        // give the heads some size so that every term has a visible gradient
        for (const s of net.specs)
          if (s.name.includes('out') || s.name.endsWith('.b')) {
            const v = net.view(s);
            for (let i = 0; i < v.length; i++) v[i] += 0.1 * Math.sin(i + 1);
          }
        const rng = new Rng('batch');
        const batch = {
          n,
          obs: new Float32Array(n * O).map(() => rng.normal()),
          actions: new Float32Array(n * A).map(() => rng.normal()),
          advantages: new Float32Array(n).map(() => rng.normal()),
          returns: new Float32Array(n).map(() => rng.normal()),
          oldLogp: new Float32Array(n),
          oldValues: new Float32Array(n),
        };
        // old log-probs / values near the current ones, so that some ratios are clipped and some are not
        const mean = new Float32Array(n * A),
          value = new Float32Array(n);
        net.forward(batch.obs, n, mean, value);
        for (let r = 0; r < n; r++) {
          let lp = 0;
          for (let j = 0; j < A; j++)
            lp += -0.5 * ((batch.actions[r * A + j] - mean[r * A + j]) / Math.exp(net.logStd[j])) ** 2 - net.logStd[j] - 0.5 * Math.log(2 * Math.PI);
          batch.oldLogp[r] = lp + 0.3 * rng.normal();
          batch.oldValues[r] = value[r] + 0.1 * rng.normal();
        }
        const g1 = new Float32Array(net.size),
          g2 = new Float32Array(net.size);
        const s1 = lossAndGrads(net, batch, kind, { entCoef, vfCoef: 0.5 }, g1);
        const s2 = lossAndGradsTape(net, batch, kind, { entCoef, vfCoef: 0.5 }, g2);
        expect(s1.loss).toBeCloseTo(s2.loss, 4);
        expect(s1.policyLoss).toBeCloseTo(s2.policyLoss, 4);
        expect(s1.valueLoss).toBeCloseTo(s2.valueLoss, 4);
        for (let r = 0; r < n; r++) expect(s1.logp[r]).toBeCloseTo(s2.logp[r], 3);
        let worst = 0,
          scale = 0;
        for (let i = 0; i < g1.length; i++) {
          worst = Math.max(worst, Math.abs(g1[i] - g2[i]));
          scale = Math.max(scale, Math.abs(g2[i]));
        }
        expect(scale).toBeGreaterThan(1e-3);
        expect(worst / scale).toBeLessThan(1e-4);
        expect(tf.memory().numTensors).toBeLessThan(50); // nothing leaks per call
      });
    }
});
