import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { A2cConfigSchema, a2cPreset, parseA2cConfig } from '../../agents/a2c.ts';
import { currentBackend, initBackend } from '../../agents/backend.ts';
import { PpoConfigSchema, parsePpoConfig } from '../../agents/ppo/config.ts';
import { createProgress } from '../../agents/progress.ts';
import { trainPPO } from '../../agents/ppo/train.ts';
import { TwoAssetDriftVecEnv } from '../../agents/toy-envs.ts';

describe('configs', () => {
  it('PPO defaults are Stable-Baselines3’s', () => {
    const c = parsePpoConfig({});
    expect(c).toMatchObject({
      learningRate: 3e-4,
      nSteps: 2048,
      batchSize: 64,
      nEpochs: 10,
      gamma: 0.99,
      gaeLambda: 0.95,
      clipRange: 0.2,
      clipRangeVf: null,
      entCoef: 0,
      vfCoef: 0.5,
      maxGradNorm: 0.5,
      adamEps: 1e-5,
      targetKl: null,
      normalizeAdvantage: true,
      hidden: [64, 64],
      activation: 'tanh',
      logStdInit: 0,
      orthoInit: true,
      clipObs: 10,
      clipReward: 10,
    });
  });

  it('the margintrader A2C preset has the paper’s settings', () => {
    const c = a2cPreset('margintrader');
    expect(c).toMatchObject({
      learningRate: 0.005,
      rmspropAlpha: 0.99,
      rmspropEps: 1e-5,
      useRmsprop: true,
      nSteps: 5,
      gamma: 0.99,
      gaeLambda: 1,
      entCoef: 0.005,
      vfCoef: 0.5,
      maxGradNorm: 0.5,
      normalizeAdvantage: false,
      hidden: [64, 64],
      activation: 'tanh',
      totalTimesteps: 50_000,
      normalizeObs: false,
      normalizeReward: false,
    });
    expect(parseA2cConfig({})).toMatchObject({ learningRate: 7e-4, entCoef: 0 });
  });

  it('unknown keys and bad values are errors naming the key', () => {
    expect(() => parsePpoConfig({ learningrate: 1e-3 })).toThrow(/learningrate/);
    expect(() => parsePpoConfig({ batchSize: 1 })).toThrow(/batchSize/);
    expect(() => parseA2cConfig({ gamma: 2 })).toThrow(/gamma/);
  });

  it('every knob has a one-line doc', () => {
    for (const schema of [PpoConfigSchema, A2cConfigSchema]) {
      for (const [key, field] of Object.entries(schema.shape)) {
        const doc = (field as { description?: string }).description;
        expect(doc, key).toBeTruthy();
        expect(doc!.includes('\n'), key).toBe(false);
      }
    }
  });

  it('early checks say what to change', async () => {
    await expect(trainPPO({ vecEnv: new TwoAssetDriftVecEnv(), progress: 'none', config: { nSteps: 16, batchSize: 64 } })).rejects.toThrow(
      /lower batchSize or raise nSteps/,
    );
  });
});

describe('backends', () => {
  it('auto falls back quietly to wasm without @tensorflow/tfjs-node; an explicit tensorflow says what to do', async () => {
    expect(await initBackend('auto')).toBe('wasm');
    expect(currentBackend()).toBe('wasm');
    await expect(initBackend('tensorflow')).rejects.toThrow(/tfjs-node.*(not installed|native addon)/);
    expect(await initBackend('cpu')).toBe('cpu');
    expect(await initBackend('wasm')).toBe('wasm');
    await expect(initBackend('gpu' as never)).rejects.toThrow(/unknown backend/);
  });
});

describe('progress', () => {
  it('prints plain lines with ETA when not a terminal', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    const p = createProgress({ total: 100, mode: 'lines', intervalSec: 0, stream: out as unknown as NodeJS.WriteStream, label: 'ppo' });
    p.update(50, { 'steps/s': 1234 });
    p.update(100);
    p.stop();
    expect(text).toMatch(/\[ppo\] 50\/100 steps \(50\.0%\).*ETA .*steps\/s 1234/);
    expect(text).toMatch(/100\/100 steps \(100\.0%\)/);
  });
});
