/**
 * Issue 11 §4, agents: a checkpoint whose run config does not match its weights (or whose own parts
 * disagree), a training budget that would take years, and networks or rollouts too large to allocate are
 * refused with the file or the parameter named — before anything is allocated or trained.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseA2cConfig } from '../../agents/a2c.ts';
import * as checkpoint from '../../agents/checkpoint.ts';
import { CHECKPOINT_FORMAT, loadCheckpoint, loadPolicy, saveCheckpoint, type Checkpoint } from '../../agents/checkpoint.ts';
import { ActorCritic } from '../../agents/networks.ts';
import { parsePpoConfig } from '../../agents/ppo/config.ts';
import { trainPPO } from '../../agents/ppo/train.ts';
import { envConfig } from '../../env/config.ts';
import { box } from '../../env/spaces.ts';
import type { VecEnv } from '../../env/types.ts';
import { PAPER_TICKERS } from '../../src/data/build.ts';

const TMP = mkdtempSync(join(tmpdir(), 'ck-refused-'));
/** Floats of the actor-critic (actor MLP + log-std + critic MLP), as networks.ts lays them out. */
const netSize = (obs: number, act: number, hidden: readonly number[]) => {
  const mlp = (out: number) => hidden.reduce((acc, h, i) => acc + (i === 0 ? obs : hidden[i - 1]) * h + h, 0) + hidden[hidden.length - 1] * out + out;
  return mlp(act) + act + mlp(1);
};
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** A run folder as `marginlab train` writes it (config.json + checkpoint.json), with small random weights. */
function runFolder(name: string, o: { obsDim?: number; tickers?: string[]; observeRatio?: boolean; hidden?: number[] } = {}): string {
  const dir = join(TMP, name);
  const tickers = o.tickers ?? [...PAPER_TICKERS];
  const n = tickers.length;
  const obsDim = o.obsDim ?? 6 + 2 * n + 8 * n + 2;
  const actDim = 2 * n;
  const hidden = o.hidden ?? [8];
  const params = new Float32Array(netSize(obsDim, actDim, hidden)).map((_, i) => Math.sin(i) * 0.01);
  const ck: Checkpoint = {
    format: CHECKPOINT_FORMAT,
    algo: 'a2c',
    agentConfig: { hidden },
    obsDim,
    actDim,
    numEnvs: 1,
    actionLow: new Float64Array(actDim).fill(-1),
    actionHigh: new Float64Array(actDim).fill(1),
    net: { hidden, activation: 'tanh', logStdInit: 0, orthoInit: true },
    updateIndex: 1,
    globalStep: 5,
    params,
    optimizer: { kind: 'rmsprop', step: 1, hyper: {}, buffers: {} },
    obsNorm: null,
    rewardScaler: null,
    rng: {},
    env: { lastObs: new Float32Array(obsDim), snapshot: null },
    backend: 'cpu',
    savedAt: new Date(0).toISOString(),
  };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  saveCheckpoint(join(dir, 'checkpoint.json'), ck);
  const env = { ...envConfig('paper'), observeRatio: o.observeRatio ?? true };
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      run: { algo: 'a2c', universe: 'dow30' },
      env,
      trainPeriod: { start: '2009-01-02', end: '2018-12-31' },
      universe: 'dow30',
      tickers,
      algo: 'a2c',
      agent: { hidden },
    }),
  );
  return dir;
}

describe('a checkpoint whose env config does not match its weights', () => {
  it('loads when config.json and the weights agree', () => {
    const p = loadPolicy(runFolder('ok'));
    expect(p.obsDim).toBe(278);
    expect(p.actDim).toBe(54);
  });

  it('is refused naming the checkpoint and config.json when observeRatio was flipped', () => {
    const dir = runFolder('flipped', { observeRatio: false });
    expect(() => loadPolicy(dir)).toThrow(
      /checkpoint .*checkpoint\.json: its weights take 278 observation values and give 54 actions, but .*config\.json describes an env with 276 and 54 .*observeRatio false/,
    );
  });

  it('is refused when config.json lists other tickers than the weights were trained on', () => {
    const dir = runFolder('tickers', { obsDim: 278 });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ env: envConfig('paper'), universe: 'dow30', tickers: PAPER_TICKERS.slice(0, 10), run: {} }));
    expect(() => loadPolicy(dir)).toThrow(/does not match the weights/);
  });

  it('a damaged config.json next to the checkpoint is named', () => {
    const dir = runFolder('damaged');
    writeFileSync(join(dir, 'config.json'), '{"env": {"observeRatio": tr');
    expect(() => loadPolicy(dir)).toThrow(/config\.json: the run config next to checkpoint .* is damaged/);
  });

  it('a checkpoint whose own parts disagree (normaliser, action bounds, agent config) is refused naming the file', () => {
    const dir = runFolder('parts');
    const path = join(dir, 'checkpoint.json');
    const ck = loadCheckpoint(path);
    saveCheckpoint(path, { ...ck, obsNorm: { mean: new Float64Array(10), var: new Float64Array(10), count: 1, clip: 10 } });
    expect(() => loadCheckpoint(path)).toThrow(
      /checkpoint .*checkpoint\.json: the observation normaliser has 10 means and 10 variances for 278 observation values/,
    );
    saveCheckpoint(path, { ...ck, actionLow: new Float64Array(3) });
    expect(() => loadCheckpoint(path)).toThrow(/actionLow has 3 values for 54 actions/);
    saveCheckpoint(path, { ...ck, agentConfig: { hidden: [64, 64] } });
    expect(() => loadCheckpoint(path)).toThrow(/agent config has hidden \[64,64\] but its network has hidden \[8\]/);
  });

  it('paramCount is the network size the weights must have', () => {
    for (const [o, a, h] of [
      [278, 54, [64, 64]],
      [4, 2, [8]],
      [10, 3, [5, 7, 9]],
    ] as const) {
      const size = new ActorCritic(o, a, { hidden: [...h], activation: 'tanh', logStdInit: 0, orthoInit: true }).size;
      expect(checkpoint.paramCount(o, a, h)).toBe(size);
      expect(netSize(o, a, h)).toBe(size);
    }
  });
});

describe('a training budget or network that cannot be meant', () => {
  it('totalTimesteps above the cap is refused naming it, with how long it would take (PPO and A2C)', () => {
    expect(() => parsePpoConfig({ totalTimesteps: 1e13 })).toThrow(
      /invalid PPO config:\n {2}- totalTimesteps: 1\.00e13 env steps is above the cap of 1\.00e10 .*32 years/,
    );
    expect(() => parseA2cConfig({ totalTimesteps: 1e15 })).toThrow(/invalid A2C config:\n {2}- totalTimesteps: .*above the cap/);
    expect(parsePpoConfig({ totalTimesteps: 1e10 }).totalTimesteps).toBe(1e10); // the cap itself is allowed
  });

  it('PPO epochs × steps beyond the gradient budget is refused naming nEpochs', () => {
    expect(() => parsePpoConfig({ totalTimesteps: 1e9, nEpochs: 1000 })).toThrow(/nEpochs: totalTimesteps × nEpochs = 1\.00e12/);
  });

  it('hidden layers too large to allocate are refused naming hidden', () => {
    expect(() => parsePpoConfig({ hidden: [100_000, 100_000] })).toThrow(
      /hidden: hidden \[100000,100000\] makes networks of at least 2\.00e10 floats, above the cap of 1\.00e8/,
    );
    expect(() => parseA2cConfig({ hidden: [20_000, 20_000, 20_000] })).toThrow(/invalid A2C config:[\s\S]*hidden/);
  });

  /** A VecEnv that only describes itself: the driver must refuse before it resets or allocates. */
  const bigEnv = (obs: number): VecEnv => ({
    numEnvs: 1,
    observationSpace: box([obs], -Infinity, Infinity, 'float32'),
    actionSpace: box([2], -1, 1, 'float32'),
    reset: () => {
      throw new Error('reset must not be reached');
    },
    step: () => {
      throw new Error('step must not be reached');
    },
  });

  it('a network too large for the env (input layer included) is refused before allocation', async () => {
    await expect(trainPPO({ vecEnv: bigEnv(5000), progress: 'none', config: { hidden: [100_000], nSteps: 64, batchSize: 64 } })).rejects.toThrow(
      /invalid PPO config:\n {2}- hidden: \[100000\] on this env \(5000 observation values, 2 actions\) makes networks of 1\.00e9 floats/,
    );
  });

  it('a rollout buffer too large to allocate is refused naming nSteps', async () => {
    await expect(trainPPO({ vecEnv: bigEnv(5000), progress: 'none', config: { nSteps: 1_000_000, batchSize: 64 } })).rejects.toThrow(
      /invalid PPO config:\n {2}- nSteps: 1000000 steps × 1 env copies/,
    );
  });
});
