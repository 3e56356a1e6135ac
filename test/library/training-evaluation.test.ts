/**
 * The library's training and evaluation entry points: one env trains (as a vector env of 1, exactly as
 * MarginVecEnv with numEnvs 1), evaluation steps the env it is given with the seed it is given, and a
 * strategy trades on an env's days and config.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  evaluateEpisode,
  evaluatePolicy,
  evaluateStrategy,
  makeEnv,
  makeVecEnv,
  MarginVecEnv,
  MarketEnv,
  trainA2C,
  trainPPO,
  type ActionSource,
} from 'marginlab';

const PERIOD = '2019-01-01:2019-06-30';
const TINY = { seed: 3, totalTimesteps: 64, nSteps: 32, batchSize: 16, nEpochs: 1 };
const constant = (dim: number, x: number): ActionSource => ({ act: () => new Float64Array(dim).fill(x) });

describe('training on one env', () => {
  it('trainPPO({ env }) with one env trains, bit for bit as the same env as a vector env of 1', async () => {
    const one = await trainPPO({ env: makeEnv({ period: PERIOD }), config: TINY, progress: 'none', backend: 'cpu' });
    expect(one.finished).toBe(true);
    expect(one.globalStep).toBe(64);
    const vec = await trainPPO({ env: makeVecEnv({ period: PERIOD, numEnvs: 1 }), config: TINY, progress: 'none', backend: 'cpu' });
    // Compared as one boolean: a diff of 47,000 floats takes minutes to print.
    expect(one.net.params.length).toBe(vec.net.params.length);
    expect(one.net.params.every((x, i) => Object.is(x, vec.net.params[i]))).toBe(true);
    expect(one.obsNorm).toEqual(vec.obsNorm);
    expect(one.metrics.map((m) => m.policyLoss)).toEqual(vec.metrics.map((m) => m.policyLoss));
  });

  it('a single env passed as vecEnv (the old "numEnvs undefined" failure) and to trainA2C works', async () => {
    const r = await trainPPO({ vecEnv: makeEnv({ period: PERIOD }), config: TINY, progress: 'none', backend: 'cpu' });
    expect(r.globalStep).toBe(64);
    const a = await trainA2C({ env: makeEnv({ period: PERIOD }), config: { seed: 0, totalTimesteps: 20, nSteps: 5 }, progress: 'none', backend: 'cpu' });
    expect(a.updates).toBe(4);
  });

  it('one env resumes exactly (its state travels in the checkpoint)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ml-lib-'));
    try {
      const cfg = { ...TINY, totalTimesteps: 96, checkpointEvery: 1 };
      const straight = await trainPPO({ env: makeEnv({ period: PERIOD }), config: cfg, progress: 'none', backend: 'cpu' });
      await trainPPO({ env: makeEnv({ period: PERIOD }), config: cfg, runDir: join(dir, 'r'), stopAfterUpdates: 1, progress: 'none', backend: 'cpu' });
      const resumed = await trainPPO({ env: makeEnv({ period: PERIOD }), runDir: join(dir, 'r'), resume: true, progress: 'none', backend: 'cpu' });
      expect(resumed.envRestored).toBe('snapshot');
      expect(resumed.net.params.every((x, i) => Object.is(x, straight.net.params[i]))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says what to pass when the env is missing, wrong or given twice', async () => {
    await expect(trainPPO({ config: TINY, progress: 'none' })).rejects.toThrow(/options\.env is missing: pass one env \(makeEnv/);
    await expect(trainPPO({ env: { numEnvs: 2 } as never, config: TINY, progress: 'none' })).rejects.toThrow(
      /must be an environment with observationSpace, actionSpace, reset\(\) and step\(\)/,
    );
    const env = makeEnv({ period: PERIOD });
    await expect(trainPPO({ env, vecEnv: env, config: TINY, progress: 'none' })).rejects.toThrow(/not both/);
  });
});

describe('makeEnv / makeVecEnv', () => {
  it('builds the env of a universe, period and preset, with the overrides, and refuses unknown options', () => {
    const env = makeEnv({ universe: 'dow30', period: PERIOD, preset: 'realistic', env: { initialAmount: 250_000 } });
    expect(env).toBeInstanceOf(MarketEnv);
    expect(env.universe.name).toBe('dow30');
    expect(env.period).toEqual({ start: '2019-01-02', end: '2019-06-28' });
    expect(env.cfg.execution).toBe('next-open');
    expect(env.cfg.initialAmount).toBe(250_000);
    expect(env.actDim).toBe(54);
    const vec = makeVecEnv({ period: PERIOD, numEnvs: 3, randomStart: true, episodeLength: 20 });
    expect(vec).toBeInstanceOf(MarginVecEnv);
    expect(vec.numEnvs).toBe(3);
    expect(() => makeEnv({ perod: PERIOD } as never)).toThrow(/unknown option perod: expected universe, period/);
    expect(() => makeEnv({ period: '2019-06-30:2019-01-01' })).toThrow(/start is after end/);
    expect(() => makeVecEnv({ period: PERIOD, numEnvs: 0 })).toThrow(/numEnvs must be a positive integer/);
    expect(() => makeEnv({ preset: 'margintrader' as never })).toThrow(/expected 'paper' or 'realistic'/);
  });
});

describe('evaluatePolicy takes the env it is given', () => {
  it('steps that env (its config, its days) with the seed it is given, and equals evaluateEpisode on the same frame', () => {
    const env = makeEnv({ period: PERIOD, env: { initialAmount: 500_000, turbulenceThreshold: 70 } });
    const policy = constant(env.actDim, 0.3);
    const ev = evaluatePolicy(policy, env, { seed: 7 });
    expect(ev.rows[0].equity).toBe(500_000);
    expect(ev.rows[0].date).toBe(env.frame.dates[0]);
    expect(ev.rows[ev.rows.length - 1].date).toBe(env.frame.dates[env.frame.dates.length - 1]);
    expect(ev.steps).toBe(env.frame.dates.length - 1);
    expect(env.getState().rngSeed).toBe(7); // the given env was reset with the given seed
    expect(env.currentDate).toBe(env.frame.dates[env.frame.dates.length - 1]); // and stepped to the end
    expect(Number.isFinite(ev.metrics.sharpeRatio)).toBe(true);
    const ref = evaluateEpisode(policy, env.frame, env.cfg);
    expect(ev.rows).toEqual(ref.rows);

    // Reset options go to the env: a shorter episode and another opening split.
    const part = evaluatePolicy(policy, env, { seed: 8, options: { startDate: '2019-03-01', longShare: 0.6 } });
    expect(part.rows[0].date).toBe('2019-03-01');
    expect(part.rows[0].longShare).toBeCloseTo(0.6, 12);
    expect(env.getState().rngSeed).toBe(8);
  });

  it('refuses what is not a policy or not a margin env, saying what to pass', () => {
    const env = makeEnv({ period: PERIOD });
    expect(() => evaluatePolicy({} as never, env)).toThrow(/policy must have act\(observation\)/);
    expect(() => evaluatePolicy(constant(54, 0), makeVecEnv({ period: PERIOD }) as never)).toThrow(/env must be a MarginTradingEnv \(makeEnv/);
  });
});

describe('evaluateStrategy', () => {
  it("on an env: the env's days, tickers and config; on a universe: the period given", () => {
    const env = makeEnv({ period: PERIOD, env: { turbulenceThreshold: 70 } });
    const ew = evaluateStrategy('equal-weight', env);
    expect(ew.rows[0].date).toBe(env.frame.dates[0]);
    expect(ew.rows[ew.rows.length - 1].date).toBe(env.frame.dates[env.frame.dates.length - 1]);
    expect(ew.tickers).toEqual(env.frame.tickers);
    expect(ew.envConfig.turbulenceThreshold).toBe(70);
    expect(ew.benchmark?.name).toBeTruthy();
    const mvo = evaluateStrategy('mvo', 'dow30', { period: PERIOD, options: { maxWeight: 0.3 } });
    expect(mvo.rows[0].date).toBe('2019-01-02');
    expect(mvo.decisions.length).toBe(6);
    expect(() => evaluateStrategy('nope' as never, env)).toThrow(/unknown strategy "nope": expected one of/);
    expect(() => evaluateStrategy('mvo', env, { period: PERIOD })).toThrow(/on an env the period is the env's/);
  });

  it('takes a Strategy object', () => {
    const env = makeEnv({ period: PERIOD });
    const first: import('marginlab').Strategy = {
      name: 'first-stock',
      design: { long: 1, short: 0 },
      describe: () => 'all in the first ticker',
      decide: (ctx) => {
        const w = new Float64Array(ctx.history.n);
        w[0] = 1;
        return w;
      },
    };
    const r = evaluateStrategy(first, env, { rebalance: 'never' });
    expect(r.strategy).toBe('first-stock');
    expect(r.decisions.length).toBe(1);
    expect(r.rows[r.rows.length - 1].longMarketValue).toBeGreaterThan(0);
  });
});
