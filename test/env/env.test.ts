import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { envConfig } from '../../env/config.ts';
import { MarginTradingEnv, obsRatioSlot } from '../../env/margin-env.ts';
import { MarginVecEnv } from '../../env/vector-env.ts';
import { stream } from '../../src/rng.ts';
import { fixtureFrame, loadFixture, tinyFrame } from '../helpers/fixture-frame.ts';

const frame2019 = fixtureFrame('random_2019.json', 8);
const N = 27;

function randomActions(seed: number, steps: number, dim = 2 * N): Float64Array[] {
  const r = stream(seed, 'policy');
  return Array.from({ length: steps }, () => Float64Array.from({ length: dim }, () => r.uniform(-1, 1)));
}

describe('accounting identities under random actions (property)', () => {
  for (const preset of ['paper', 'realistic'] as const) {
    it(`${preset}: identities, non-negative balances, integer holdings, no NaN`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 20, max: 800 }), (seed, hmax) => {
          const env = new MarginTradingEnv(frame2019, envConfig(preset, { hmax }));
          env.reset({ seed });
          const c = env.core;
          const r = stream(seed, 'actions');
          const a = new Float64Array(2 * N);
          for (let step = 0; ; step++) {
            for (let i = 0; i < a.length; i++) a[i] = r.uniform(-1, 1);
            const feesBefore = c.counters.fees;
            const res = env.step(a);
            const total = c.longEquity + c.shortEquity;
            expect(res.info.equity).toBe(total);
            // After the re-mark the identities are exact up to rounding; the terminal re-margin's forced
            // liquidation may leave the original's fee leak (bounded by that step's fees) until the next mark.
            const leak = res.truncated && preset === 'paper' ? c.counters.fees - feesBefore : 0;
            const tol = leak + 1e-9 * Math.max(1, Math.abs(c.cash) + Math.abs(c.loan) + Math.abs(c.credit));
            expect(Math.abs(c.longEquity - (c.cash + c.longMarketValue() - c.loan))).toBeLessThanOrEqual(tol);
            expect(Math.abs(c.shortEquity - (c.credit - c.limit - c.shortMarketValue()))).toBeLessThanOrEqual(tol);
            for (const v of [c.cash, c.loan, c.limit, c.credit]) expect(v).toBeGreaterThanOrEqual(-1e-6);
            for (const h of c.holdings) expect(Number.isInteger(h)).toBe(true);
            expect(Number.isFinite(res.reward)).toBe(true);
            expect(res.observation.every(Number.isFinite)).toBe(true);
            if (res.terminated || res.truncated) {
              expect(step + 1).toBeLessThanOrEqual(frame2019.dates.length - 1);
              break;
            }
          }
        }),
        { numRuns: 12 },
      );
    });
  }

  it('P&L attribution: Δ total equity = Σ holdings·Δprice − fees, on every step without forced trades', () => {
    const env = new MarginTradingEnv(frame2019, envConfig('paper'));
    env.reset({ seed: 3 });
    const c = env.core;
    const acts = randomActions(3, 251);
    let checked = 0;
    for (let t = 0; t < 250; t++) {
      const before = c.totalEquity;
      const feesBefore = c.counters.fees;
      const forcedBefore = c.counters.forcedTrades;
      const pricesBefore = Float64Array.from(c.prices);
      let held: Float64Array | null = null;
      env.hooks.preMark = (core) => (held = Float64Array.from(core.holdings));
      const res = env.step(acts[t]);
      if (c.counters.forcedTrades !== forcedBefore) continue; // the original's fee leak breaks attribution there
      let pnl = 0;
      for (let i = 0; i < N; i++) pnl += held![i] * (c.prices[i] - pricesBefore[i]);
      expect(Math.abs(c.totalEquity - before - (pnl - (c.counters.fees - feesBefore)))).toBeLessThan(1e-6);
      checked++;
      if (res.truncated) break;
    }
    expect(checked).toBeGreaterThan(200);
  });
});

describe('observation layout', () => {
  it('has 6 + 2N + 8N paper slots then [long share, target]', () => {
    const env = new MarginTradingEnv(frame2019, envConfig('paper'));
    expect(env.obsDim).toBe(6 + 2 * N + 8 * N + 2);
    expect(env.observationSpace.shape).toEqual([278]);
    expect(env.actionSpace.shape).toEqual([54]);
    expect(env.actionSpace.low[0]).toBe(-1);
    const { observation: o } = env.reset({ options: { longShare: 0.6 } });
    expect(Array.from(o.slice(0, 6))).toEqual([1_200_000, 600_000, 600_000, 800_000, 1_200_000, 400_000]);
    for (let i = 0; i < N; i++) expect(o[6 + i]).toBe(frame2019.close[i]);
    for (let i = 0; i < N; i++) expect(o[6 + N + i]).toBe(0);
    // indicator j of ticker i sits at 6 + 2N + j·N + i (grouped by indicator)
    for (let j = 0; j < 8; j++) for (let i = 0; i < N; i++) expect(o[6 + 2 * N + j * N + i]).toBe(frame2019.indicators[j * N + i]);
    expect(o[obsRatioSlot(N, 8)]).toBeCloseTo(0.6, 12);
    expect(o[obsRatioSlot(N, 8) + 1]).toBeCloseTo(0.6, 12);
    const next = env.step(new Float64Array(54).fill(0.5)).observation;
    for (let i = 0; i < N; i++) expect(next[6 + i]).toBe(frame2019.close[N + i]); // re-marked at day 1's close
  });
  it("the paper state (observeRatio off) matches the fixture's first observation", () => {
    const fx = loadFixture('random_2019.json');
    const env = new MarginTradingEnv(fixtureFrame('random_2019.json', 0), envConfig('paper', { observeRatio: false }));
    const { observation } = env.reset();
    expect(Array.from(observation)).toEqual(fx.obs_first.slice(0, 6 + 2 * N));
  });
});

describe('determinism and no look-ahead', () => {
  it('same seed → identical episode (vector env with random starts)', () => {
    const run = () => {
      const v = new MarginVecEnv(frame2019, envConfig('paper'), { numEnvs: 3, randomStart: true, episodeLength: 40 });
      v.reset(11);
      const acts = randomActions(5, 100, 3 * 54);
      const trace: number[] = [];
      for (const a of acts) {
        const r = v.step(a);
        trace.push(...r.rewards, ...r.observations.slice(0, 10));
      }
      return trace;
    };
    expect(run()).toEqual(run());
  });

  it('changing prices after day t changes nothing observed up to t', () => {
    for (const execution of ['close', 'next-open'] as const) {
      const t = 120;
      const altered = fixtureFrame('random_2019.json', 8);
      for (let d = t + 1; d < altered.dates.length; d++) {
        for (let i = 0; i < N; i++) {
          altered.close[d * N + i] *= 1.5;
          altered.open[d * N + i] *= 0.7;
        }
        for (let j = 0; j < 8 * N; j++) altered.indicators[d * 8 * N + j] = -1;
      }
      const cfg = envConfig('paper', { execution });
      const a = new MarginTradingEnv(frame2019, cfg);
      const b = new MarginTradingEnv(altered, cfg);
      const oa = [a.reset({ seed: 1 }).observation];
      const ob = [b.reset({ seed: 1 }).observation];
      const acts = randomActions(9, t);
      const ra: number[] = [];
      const rb: number[] = [];
      // Steps 0 … t−1 produce the observations of days 1 … t.
      for (let s = 0; s < t; s++) {
        const x = a.step(acts[s]);
        const y = b.step(acts[s]);
        oa.push(x.observation);
        ob.push(y.observation);
        ra.push(x.reward);
        rb.push(y.reward);
      }
      expect(ob).toEqual(oa);
      expect(rb).toEqual(ra);
    }
  });
});

describe('deviations from the original', () => {
  it('negative short equity ends the episode (terminated, reason) instead of exit()', () => {
    // Short 100 shares of T0 at 10 with a thin short book, then the price jumps ×10.
    const f = tinyFrame([
      [10, 10],
      [10, 10],
      [100, 10],
      [100, 10],
    ]);
    const env = new MarginTradingEnv(f, envConfig('paper', { hmax: 100, initialAmount: 2000 }));
    env.reset();
    env.step([0, 0, -1, 0]);
    const r = env.step([0, 0, 0, 0]);
    expect(r.terminated).toBe(true);
    expect(r.truncated).toBe(false);
    expect(r.info.reason).toBe('negative_short_equity');
    expect(() => env.step([0, 0, 0, 0])).toThrow(/reset/);
  });
  it('a flat account gets a 0 Sharpe term by default and NaN with nanSharpe', () => {
    for (const nanSharpe of [false, true]) {
      const env = new MarginTradingEnv(frame2019, envConfig('paper', { nanSharpe }));
      env.reset();
      const rewards = Array.from({ length: 6 }, () => env.step(new Float64Array(54)).reward);
      expect(rewards.slice(0, 3)).toEqual([0, 0, 0]);
      if (nanSharpe) expect(Number.isNaN(rewards[3])).toBe(true);
      else expect(rewards[3]).toBe(0);
    }
  });
  it('the last day is a truncation with the terminal re-margin applied', () => {
    const env = new MarginTradingEnv(frame2019, envConfig('paper'));
    env.reset({ options: { startIndex: 0, endIndex: 5 } });
    let r;
    for (let s = 0; s < 5; s++) r = env.step(new Float64Array(54).fill(0.3));
    expect(r!.truncated).toBe(true);
    expect(r!.terminated).toBe(false);
    expect(r!.info.reason).toBe('end_of_data');
    expect(r!.info.equityAfterTerminalRemargin).toBeDefined();
  });
  it("the terminal re-margin force-sells at the last day's prices and reports the equity net of the fee (hand-computed)", () => {
    // docs/mechanics.md#terminal-re-margin. $2,000, 1:1: e^l 1,000, cash 2,000, loan 1,000; e^s 1,000, limit 2,000.
    // Day 0 at 10: buy 200 shares of stock 0 (no buy fee): cash 0, e^l 1,000; long maintenance 1,000/2,000 = 0.5,
    // no margin call. Re-mark at 6: long MV 1,200, e^l = 0 + 1,200 − 1,000 = 200 (the last day: truncated).
    // Terminal update_loan: target 200, d = 200 − 1,000 = −800; cash 0 ≤ 800 → forced liquidation: rest 800;
    // the only long (MV 1,200) is sold whole: cash += 1,200·0.99 = 1,188, e^l −= 12 → 188; 1,200 ≥ rest →
    // cash 388; loan 200. update_credit: no shorts, d = 2·1,000 − 2,000 = 0, nothing moves.
    // Reported equity 188 + 1,000 = 1,188; the book itself stays as logged (equity 1,200, 200 shares).
    const f = tinyFrame([
      [10, 10],
      [6, 10],
    ]);
    const env = new MarginTradingEnv(f, envConfig('paper', { initialAmount: 2000, hmax: 200, buyCost: 0, sellCost: 0.01 }));
    env.reset();
    const r = env.step([1, 0, 0, 0]);
    expect(r.truncated).toBe(true);
    expect(r.info.equity).toBe(1200);
    expect(r.info.equityAfterTerminalRemargin).toBeCloseTo(1188, 9);
    expect(Array.from(env.core.holdings)).toEqual([200, 0]);
    expect(env.core.accountVector()).toEqual([0, 1000, 200, 2000, 3000, 1000]);
    expect(r.info.counters.forcedTrades).toBe(0);
    // Off: nothing is reported.
    const off = new MarginTradingEnv(f, envConfig('paper', { initialAmount: 2000, hmax: 200, buyCost: 0, sellCost: 0.01, terminalRemargin: false }));
    off.reset();
    expect(off.step([1, 0, 0, 0]).info.equityAfterTerminalRemargin).toBeUndefined();
  });
  it('wipe-out terminates in the realistic preset', () => {
    // 90% long, fully invested at 10, then both stocks fall to 0.5 the next morning.
    const f = tinyFrame([
      [10, 10],
      [0.5, 0.5],
      [0.5, 0.5],
      [0.5, 0.5],
    ]);
    const env = new MarginTradingEnv(f, envConfig('realistic', { hmax: 100_000, execution: 'close' }));
    env.reset({ options: { longShare: 0.9 } });
    const r = env.step([1, 1, 0, 0]);
    expect(r.info.equity).toBeLessThan(0);
    expect(r.terminated).toBe(true);
    expect(r.info.reason).toBe('wipeout');
  });
  it('loan interest and borrow fees reduce equity by the stated daily rates', () => {
    const f = tinyFrame([
      [10, 10],
      [10, 10],
      [10, 10],
    ]);
    const env = new MarginTradingEnv(f, envConfig('paper', { loanRate: 0.0252, buyCost: 0, sellCost: 0 }));
    env.reset();
    const r = env.step([0, 0, 0, 0]);
    // loan 500,000 · 0.0252 / 252 = 50 per day
    expect(r.info.rewardRaw).toBeCloseTo(-50, 9);
    expect(r.info.counters.financing).toBeCloseTo(50, 9);
  });
  it('unknown config keys are errors that name the key', () => {
    expect(() => envConfig('paper', { hmaxx: 3 } as never)).toThrow(/hmaxx/);
  });
});

describe('ratio schedule (the overlay input)', () => {
  it('a continuous env with reallocation events reproduces the paper pipeline (reallocation.json) bit for bit', () => {
    const fx = loadFixture('reallocation.json');
    const segs = fx.segments as any[];
    const dates: string[] = [];
    const rows: number[][] = [];
    const actions: number[][] = [];
    segs.forEach((s, k) => {
      const last = k === segs.length - 1;
      const days = last ? s.dates.length : s.dates.length - 1; // boundary day is shared with the next segment
      for (let d = 0; d < days; d++) {
        dates.push(s.dates[d]);
        rows.push(s.prices[d]);
        if (d < s.dates.length - 1) actions.push(s.actions[d]);
      }
    });
    const f = tinyFrame(rows, dates);
    const env = new MarginTradingEnv(f, envConfig('paper', { nanSharpe: true, observeRatio: true }), {
      schedule: { targets: [], reallocations: fx.steps.map((c: any) => ({ date: c.date, change: c.c })) },
    });
    const before = fx.steps[0].before as number[];
    env.reset({ options: { previousState: { account: before.slice(0, 6), holdings: before.slice(33, 60) } } });
    const expectedEquity: number[] = segs.flatMap((s) => s.asset_memory.slice(1));
    const got: number[] = [];
    const targets: number[] = [];
    for (const a of actions) {
      const r = env.step(a);
      got.push(r.info.equity);
      if (r.info.reallocation) targets.push(r.info.reallocation.target);
    }
    expect(got).toEqual(expectedEquity);
    expect(targets).toEqual(fx.steps.map((c: any) => c.target_ratio_returned));
  });

  it('targets appear in the observation and setLongShortRatio moves equity between steps', () => {
    const env = new MarginTradingEnv(frame2019, envConfig('paper'), {
      schedule: { targets: [{ date: '2019-03-01', longShare: 0.7 }], reallocations: [] },
    });
    env.reset();
    const slot = obsRatioSlot(N, 8) + 1;
    let o = env.observation();
    expect(o[slot]).toBe(0.5);
    while (env.currentDate < '2019-03-01') env.step(new Float64Array(54));
    o = env.step(new Float64Array(54)).observation;
    expect(o[slot]).toBe(0.7);
    const total = env.core.totalEquity;
    env.setLongShortRatio(0.8);
    expect(env.core.longEquity / env.core.totalEquity).toBeCloseTo(0.8, 12);
    expect(env.core.totalEquity).toBeCloseTo(total, 6);
    expect(() => env.setSchedule({ targets: [], reallocations: [{ date: '2019-06-03', target: 1.5 }] })).toThrow(/outside \[0, 1\]/);
  });
});

describe('vector env', () => {
  it('steps N copies in lockstep with autoreset and final observations', () => {
    const v = new MarginVecEnv(frame2019, envConfig('paper'), { numEnvs: 4, episodeLength: 10, randomStart: true });
    const obs = v.reset(1);
    expect(obs.length).toBe(4 * v.obsDim);
    let ended = 0;
    for (let s = 0; s < 25; s++) {
      const r = v.step(new Float32Array(4 * 54).fill(0.1));
      for (let j = 0; j < 4; j++) {
        if (r.truncated[j]) {
          ended++;
          expect(r.finalObservations[j]).not.toBeNull();
          expect(r.episodeInfos[j]!.length).toBe(10);
        } else expect(r.finalObservations[j]).toBeNull();
      }
    }
    expect(ended).toBe(8); // every copy ends at steps 10 and 20
  });
  it('copy j matches a single env reset with the same start', () => {
    const v = new MarginVecEnv(frame2019, envConfig('paper'), { numEnvs: 2 });
    v.reset(0);
    const single = new MarginTradingEnv(frame2019, envConfig('paper'));
    single.reset();
    const acts = randomActions(2, 30, 108);
    for (const a of acts) {
      const r = v.step(a);
      const s = single.step(a.subarray(54, 108));
      expect(r.rewards[1]).toBe(s.reward);
    }
  });
});

describe('vector env checkpoints', () => {
  it('getState/setState (through JSON) continues bit-identically mid-episode', () => {
    const opts = { numEnvs: 3, randomStart: true, episodeLength: 25 };
    const a = new MarginVecEnv(frame2019, envConfig('paper'), opts);
    a.reset(4);
    const acts = randomActions(8, 60, 3 * 54);
    for (let s = 0; s < 30; s++) a.step(acts[s]);
    const saved = JSON.parse(JSON.stringify(a.getState()));
    const tail = (v: MarginVecEnv) =>
      acts.slice(30).flatMap((x) => {
        const r = v.step(x);
        return [...r.rewards, ...r.observations.slice(0, 12), ...r.truncated];
      });
    const expected = tail(a);
    const b = new MarginVecEnv(frame2019, envConfig('paper'), opts);
    b.reset(999); // different state, then restored
    b.setState(saved);
    expect(tail(b)).toEqual(expected);
  });
});

describe('observation ownership', () => {
  it('fresh observations by default; one reused buffer with reuseObservation', () => {
    const fresh = new MarginTradingEnv(frame2019, envConfig('paper'));
    const a = fresh.reset().observation;
    const b = fresh.step(new Float64Array(54).fill(0.2)).observation;
    expect(a).not.toBe(b);
    expect(a[6]).toBe(frame2019.close[0]); // not overwritten by the step
    const reuse = new MarginTradingEnv(frame2019, envConfig('paper'), { reuseObservation: true });
    const c = reuse.reset().observation;
    const d = reuse.step(new Float64Array(54).fill(0.2)).observation;
    expect(c).toBe(d);
    expect(Array.from(d)).toEqual(Array.from(b));
  });
});
