/**
 * Determinism, checkpoint round trip and resume.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { VecEnv } from '../../env/types.ts';
import { A2C_PRESETS, trainA2C } from '../../agents/a2c.ts';
import { loadCheckpoint, loadPolicy, saveCheckpoint } from '../../agents/checkpoint.ts';
import { decodeJson, encodeJson } from '../../agents/io.ts';
import type { UpdateMetrics } from '../../agents/on-policy/driver.ts';
import { trainPPO } from '../../agents/ppo/train.ts';
import { RunFolder } from '../../agents/run-folder.ts';
import { TwoAssetDriftVecEnv } from '../../agents/toy-envs.ts';
import { ConditionedVecEnv, type ConditionedEnvState } from '../../agents/conditioning.ts';
import { ActorCritic } from '../../agents/networks.ts';
import { makePolicy } from '../../agents/checkpoint.ts';
import { envConfig } from '../../env/config.ts';
import { MarginVecEnv } from '../../env/vector-env.ts';
import { buildMarketFrame, PAPER_TICKERS } from '../../src/data/build.ts';

const root = mkdtempSync(join(tmpdir(), 'marginlab-agents-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = () => join(root, `run-${++dirCount}`);

// Small but complete: 2 envs, obs normalisation and reward scaling on, episodes of 48 steps that end
// (truncation) in the middle of rollouts.
const env = () => new TwoAssetDriftVecEnv({ numEnvs: 2, episodeLength: 48 });
const PPO_CFG = { seed: 3, totalTimesteps: 6 * 64, nSteps: 32, batchSize: 16, nEpochs: 3, checkpointEvery: 2 };

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
/** Metrics without the wall-clock fields. */
const stable = (ms: object[]) =>
  ms.map((m) => {
    const { sps: _s, elapsed: _e, ...rest } = m as UpdateMetrics;
    return rest;
  });

describe('determinism: same seed and backend → identical weights and metrics', () => {
  it('PPO', async () => {
    const a = await trainPPO({ vecEnv: env(), progress: 'none', config: PPO_CFG });
    const tensors = tf.memory().numTensors;
    const b = await trainPPO({ vecEnv: env(), progress: 'none', config: PPO_CFG });
    expect(tf.memory().numTensors).toBe(tensors); // training leaks no tensors
    expect(bits(a.net.params).equals(bits(b.net.params))).toBe(true);
    expect(bits(a.optimizer.buffers.v).equals(bits(b.optimizer.buffers.v))).toBe(true);
    expect(stable(a.metrics)).toEqual(stable(b.metrics));
    const c = await trainPPO({ vecEnv: env(), progress: 'none', config: { ...PPO_CFG, seed: 4 } });
    expect(bits(a.net.params).equals(bits(c.net.params))).toBe(false);
  });

  it('A2C', async () => {
    const cfg = { ...A2C_PRESETS.margintrader, seed: 5, totalTimesteps: 300 };
    const a = await trainA2C({ vecEnv: env(), progress: 'none', config: cfg });
    const b = await trainA2C({ vecEnv: env(), progress: 'none', config: cfg });
    expect(a.updates).toBe(30);
    expect(bits(a.net.params).equals(bits(b.net.params))).toBe(true);
    expect(stable(a.metrics)).toEqual(stable(b.metrics));
  });
});

describe('checkpoints', () => {
  it('typed arrays survive the JSON encoding bit for bit', () => {
    const v = { a: new Float32Array([1.1, -0, NaN, 3e38]), b: new Float64Array([Math.PI, 1e-300]), c: new Uint8Array([1, 2, 255]), n: 1.25 };
    const back = decodeJson(encodeJson(v)) as typeof v;
    expect(bits(back.a).equals(bits(v.a))).toBe(true);
    expect(Buffer.from(back.b.buffer).equals(Buffer.from(v.b.buffer))).toBe(true);
    expect(Array.from(back.c)).toEqual([1, 2, 255]);
    expect(back.n).toBe(1.25);
  });

  it('round trip: save → load gives identical weights, optimiser state, normaliser, RNG states and policy outputs', async () => {
    const dir = freshDir();
    const r = await trainPPO({ vecEnv: env(), runDir: dir, progress: 'none', config: { ...PPO_CFG, totalTimesteps: 2 * 64 } });
    const ck = loadCheckpoint(dir);
    expect(ck.updateIndex).toBe(2);
    expect(ck.globalStep).toBe(128);
    expect(bits(ck.params).equals(bits(r.net.params))).toBe(true);
    expect(ck.optimizer.step).toBe(r.optimizer.step);
    expect(bits(ck.optimizer.buffers.m).equals(bits(r.optimizer.buffers.m))).toBe(true);
    expect(bits(ck.optimizer.buffers.v).equals(bits(r.optimizer.buffers.v))).toBe(true);
    expect(Array.from(ck.obsNorm!.mean)).toEqual(Array.from(r.obsNorm!.mean));
    expect(Object.keys(ck.rng).sort()).toEqual(['env', 'sample', 'shuffle']);
    expect(ck.env.snapshot).not.toBeNull();

    // save again → same bytes after reload
    const copy = join(dir, 'copy.json');
    saveCheckpoint(copy, ck);
    const ck2 = loadCheckpoint(copy);
    expect(encodeJson({ ...ck2, savedAt: '' })).toBe(encodeJson({ ...ck, savedAt: '' }));

    // the evaluation policy: same outputs as the trained policy, deterministic, clipped, normalised with frozen stats
    const policy = loadPolicy(dir);
    const obs = new Float32Array([0.3, -0.2, 0.5, 1, -1, 2, 0.1, 1]);
    expect(Array.from(policy.act(obs))).toEqual(Array.from(r.policy.act(obs)));
    expect(Array.from(policy.act(obs))).toEqual(Array.from(policy.act(Float64Array.from(obs))));
    expect(Array.from(policy.act(obs)).every((v) => v >= -1 && v <= 1)).toBe(true);
    expect(policy.act(obs.subarray(0, 4)).length).toBe(2);
    expect(() => policy.act(new Float32Array(3))).toThrow(/multiple of obsDim 4/);

    // atomic writes leave no temp files behind
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('the run folder holds config, manifest and one metrics line per update', async () => {
    const dir = freshDir();
    await trainPPO({
      vecEnv: env(),
      runDir: dir,
      progress: 'none',
      config: { ...PPO_CFG, totalTimesteps: 128 },
      manifestData: { checksum: 'abc' },
      configExtra: { env: { preset: 'toy' } },
    });
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(cfg.algo).toBe('ppo');
    expect(cfg.agent.batchSize).toBe(16);
    expect(cfg.agent.learningRate).toBe(3e-4); // defaults are written out
    expect(cfg.env).toEqual({ preset: 'toy' });
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(m.seed).toBe(3);
    expect(m.backend).toBe('wasm');
    expect(m.packages['@tensorflow/tfjs']).toBe('4.22.0');
    expect(m.packages.zod).toMatch(/^4\./);
    expect(m.packages.openai).toMatch(/^\d/);
    expect(m.node).toBe(process.version);
    expect(typeof m.codeVersion).toBe('string');
    expect(m.endTime).not.toBeNull();
    expect(m.data).toEqual({ checksum: 'abc' });
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.update)).toEqual([1, 2]);
    for (const k of ['approxKl', 'clipFraction', 'entropy', 'explainedVariance', 'policyLoss', 'valueLoss', 'sps', 'lr', 'globalStep'])
      expect(lines[1]).toHaveProperty(k);
    await expect(trainPPO({ vecEnv: env(), runDir: dir, progress: 'none', config: PPO_CFG })).rejects.toThrow(/already holds a run/);
  });
});

describe('resume', () => {
  it('interrupted after 3 updates (checkpoint at 2) and resumed == straight run, each update logged once', async () => {
    const straightDir = freshDir();
    const straight = await trainPPO({ vecEnv: env(), runDir: straightDir, progress: 'none', config: PPO_CFG });
    expect(straight.updates).toBe(6);

    const dir = freshDir();
    const first = await trainPPO({ vecEnv: env(), runDir: dir, progress: 'none', config: PPO_CFG, stopAfterUpdates: 3 });
    expect(first.finished).toBe(false);
    expect(loadCheckpoint(dir).updateIndex).toBe(2); // update 3's metrics line is past the checkpoint
    // a crash can also leave half a line behind
    writeFileSync(join(dir, 'metrics.jsonl'), readFileSync(join(dir, 'metrics.jsonl'), 'utf8') + '{"update": 4, "glo');

    const resumed = await trainPPO({ vecEnv: env(), runDir: dir, resume: true, progress: 'none' });
    expect(resumed.envRestored).toBe('snapshot');
    expect(resumed.finished).toBe(true);
    expect(bits(resumed.net.params).equals(bits(straight.net.params))).toBe(true);
    expect(bits(resumed.optimizer.buffers.m).equals(bits(straight.optimizer.buffers.m))).toBe(true);

    const read = (d: string) =>
      readFileSync(join(d, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    const lines = read(dir);
    expect(lines.map((l) => l.update)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(stable(lines)).toEqual(stable(read(straightDir)));
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.resumes).toHaveLength(1);
    expect(manifest.resumes[0].fromUpdate).toBe(2);
    expect(manifest.endTime).not.toBeNull();
  });

  it('an AbortSignal stops after the current update and writes a checkpoint there (Ctrl-C)', async () => {
    const ac = new AbortController();
    const dir = freshDir();
    const r = await trainPPO({
      vecEnv: env(),
      runDir: dir,
      progress: 'none',
      config: PPO_CFG,
      signal: ac.signal,
      onUpdate: (m) => m.update === 3 && ac.abort(),
    });
    expect(r.finished).toBe(false);
    expect(r.updates).toBe(3);
    expect(loadCheckpoint(dir).updateIndex).toBe(3);
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).endTime).toBeNull();
    const resumed = await trainPPO({ vecEnv: env(), runDir: dir, resume: true, progress: 'none' });
    expect(resumed.updates).toBe(6);
    expect(new RunFolder_(dir).updates()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('A2C resumes exactly too (RMSprop state, RNG streams)', async () => {
    const cfg = { ...A2C_PRESETS.margintrader, seed: 9, totalTimesteps: 200, checkpointEvery: 7 };
    const straight = await trainA2C({ vecEnv: env(), progress: 'none', config: cfg });
    const dir = freshDir();
    await trainA2C({ vecEnv: env(), runDir: dir, progress: 'none', config: cfg, stopAfterUpdates: 10 });
    const resumed = await trainA2C({ vecEnv: env(), runDir: dir, resume: true, progress: 'none' });
    expect(bits(resumed.net.params).equals(bits(straight.net.params))).toBe(true);
    expect(new RunFolder_(dir).updates()).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('without an env snapshot: continues from the checkpoint with a fresh reset (documented weaker guarantee)', async () => {
    const plain = (): VecEnv => {
      const e = env();
      return { numEnvs: e.numEnvs, observationSpace: e.observationSpace, actionSpace: e.actionSpace, reset: (s) => e.reset(s), step: (a) => e.step(a) };
    };
    const dir = freshDir();
    await trainPPO({ vecEnv: plain(), runDir: dir, progress: 'none', config: PPO_CFG, stopAfterUpdates: 3 });
    const r = await trainPPO({ vecEnv: plain(), runDir: dir, resume: true, progress: 'none' });
    expect(r.envRestored).toBe('reset');
    expect(new RunFolder_(dir).updates()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses a changed config (except totalTimesteps, which extends the run) and a folder without checkpoint', async () => {
    const dir = freshDir();
    await trainPPO({ vecEnv: env(), runDir: dir, progress: 'none', config: { ...PPO_CFG, totalTimesteps: 128 } });
    await expect(trainPPO({ vecEnv: env(), runDir: dir, resume: true, progress: 'none', config: { ...PPO_CFG, batchSize: 32 } })).rejects.toThrow(
      /batchSize \(stored 16, given 32\)/,
    );
    const more = await trainPPO({ vecEnv: env(), runDir: dir, resume: true, progress: 'none', config: { ...PPO_CFG, totalTimesteps: 256 } });
    expect(more.updates).toBe(4);
    expect(new RunFolder_(dir).updates()).toEqual([1, 2, 3, 4]);
    const empty = freshDir();
    await expect(trainPPO({ vecEnv: env(), runDir: empty, resume: true, progress: 'none' })).rejects.toThrow(/not a run folder/);
    const early = freshDir();
    await trainPPO({ vecEnv: env(), runDir: early, progress: 'none', config: PPO_CFG, stopAfterUpdates: 1 });
    expect(existsSync(join(early, 'checkpoint.json'))).toBe(false);
    await expect(trainPPO({ vecEnv: env(), runDir: early, resume: true, progress: 'none' })).rejects.toThrow(/no checkpoint yet/);
  });
});

describe('resume of a ratio-conditioned run (margin env, real prices)', () => {
  // 2 copies, 20-day episodes from random days, reallocation events every ~5 days: episodes end and events
  // fire in the middle of rollouts, and the checkpoint at update 2 falls inside episodes with pending events.
  const frame = buildMarketFrame({ start: '2016-01-01', end: '2016-06-30', tickers: PAPER_TICKERS });
  const condEnv = (seed = 3) =>
    new ConditionedVecEnv(new MarginVecEnv(frame, envConfig('paper', {}), { numEnvs: 2, randomStart: true, episodeLength: 20 }), { meanGapDays: 5 }, seed);
  const CFG = { seed: 3, totalTimesteps: 6 * 32, nSteps: 16, batchSize: 16, nEpochs: 2, checkpointEvery: 2 };

  it('interrupted and resumed == uninterrupted, bit for bit (weights, metrics, curriculum stream and plans)', async () => {
    const straightEnv = condEnv();
    const straight = await trainPPO({ vecEnv: straightEnv, runDir: freshDir(), progress: 'none', config: CFG });
    const dir = freshDir();
    await trainPPO({ vecEnv: condEnv(), runDir: dir, progress: 'none', config: CFG, stopAfterUpdates: 3 });
    const snap = loadCheckpoint(dir).env.snapshot as ConditionedEnvState;
    expect(snap.conditioning.seed).toBe(3);
    expect(snap.conditioning.plans).toHaveLength(2);
    expect(snap.conditioning.rng).toBeTruthy(); // the curriculum's stream state is in the checkpoint
    const resumedEnv = condEnv();
    const resumed = await trainPPO({ vecEnv: resumedEnv, runDir: dir, resume: true, progress: 'none' });
    expect(resumed.envRestored).toBe('snapshot');
    expect(bits(resumed.net.params).equals(bits(straight.net.params))).toBe(true);
    expect(stable(RunFolder.open(dir).readMetrics())).toEqual(stable(straight.metrics));
    expect(resumedEnv.getState().conditioning).toEqual(straightEnv.getState().conditioning);
    expect(resumed.obsNorm!.passthrough).toEqual(straightEnv.ratioSlots);
    // a snapshot drawn with another seed is refused rather than silently mixed
    expect(() => condEnv(4).setState(snap)).toThrow(/seed 3/);
  });
});

describe('checkpoints written before the normaliser rule', () => {
  it('load and resume with the legacy rule they were trained with', async () => {
    const dir = freshDir();
    const r = await trainPPO({ vecEnv: env(), runDir: dir, progress: 'none', config: { ...PPO_CFG, totalTimesteps: 2 * 64 } });
    expect(r.obsNorm).toMatchObject({ stdFloor: 0.1, passthrough: [] });
    const ck = loadCheckpoint(dir);
    expect(ck.obsNorm).toMatchObject({ stdFloor: 0.1, passthrough: [] });
    // strip the rule, as a checkpoint from before it has none
    const old = { ...ck, obsNorm: { mean: ck.obsNorm!.mean, var: ck.obsNorm!.var, count: ck.obsNorm!.count, clip: ck.obsNorm!.clip } };
    saveCheckpoint(join(dir, 'checkpoint.json'), old);
    const policy = loadPolicy(dir);
    const net = new ActorCritic(4, 2, ck.net);
    net.setParams(ck.params);
    const legacy = makePolicy(net, { mean: ck.obsNorm!.mean, var: ck.obsNorm!.var, clip: ck.obsNorm!.clip }, ck.actionLow, ck.actionHigh);
    // feature 3 is the constant 1 in training: off it, the legacy map clips and the new one does not
    const obs = new Float32Array([0.1, -0.1, 0.5, 1.5]);
    expect(Array.from(policy.act(obs))).toEqual(Array.from(legacy.act(obs)));
    expect(Array.from(policy.act(obs))).not.toEqual(Array.from(r.policy.act(obs)));
    const lines: string[] = [];
    const resumed = await trainPPO({
      vecEnv: env(),
      runDir: dir,
      resume: true,
      progress: 'none',
      config: { ...PPO_CFG, totalTimesteps: 3 * 64 },
      log: (l) => lines.push(l),
    });
    expect(resumed.obsNorm).toMatchObject({ stdFloor: 0, passthrough: [] });
    expect(lines.join('\n')).toMatch(/legacy normalisation rule/);
    expect(loadCheckpoint(dir).obsNorm).toMatchObject({ stdFloor: 0, passthrough: [] });
  });
});

/** Reads the update numbers of a run's metrics.jsonl. */
class RunFolder_ {
  constructor(private readonly dir: string) {}
  updates(): number[] {
    return RunFolder.open(this.dir)
      .readMetrics()
      .map((m) => m.update as number);
  }
}
