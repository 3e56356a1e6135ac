import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildMarketFrame, PAPER_TICKERS } from '../../src/data/build.ts';
import {
  cleanAndRound6,
  computeIndicators,
  dx,
  ewmAdjustFalse,
  PAPER_INDICATORS,
  rollingMean,
  rollingStd,
  rsi,
} from '../../src/data/indicators.ts';
import type { Panel } from '../../src/data/panel.ts';

interface EpisodeFixture {
  tickers: string[];
  dates: string[];
  prices: number[][];
  obs_first: number[];
  obs_last_nonterminal: number[];
}

const fixture = (name: string): EpisodeFixture =>
  JSON.parse(readFileSync(new URL(`../fixtures/margintrader/${name}.json`, import.meta.url), 'utf8')) as EpisodeFixture;

describe('indicators match the golden fixtures exactly', () => {
  // Observation layout: 6 account, 27 close, 27 holdings, then 8 indicators × 27 (README §2.1).
  const N = 27;
  const K = PAPER_INDICATORS.length;
  it.each(['random_2019', 'mixed_flip_2021'])('%s: obs_first and obs_last_nonterminal indicator slots, and every day\'s close', (name) => {
    const f = fixture(name);
    expect(f.tickers).toEqual([...PAPER_TICKERS]);
    const T = f.dates.length;
    const frame = buildMarketFrame({ start: f.dates[0], end: f.dates[T - 1] });
    expect(frame.dates).toEqual(f.dates);
    expect(frame.indicatorNames).toEqual([...PAPER_INDICATORS]);
    expect(Array.from(frame.close)).toEqual(f.prices.flat());
    for (const [obs, t] of [
      [f.obs_first, 0],
      [f.obs_last_nonterminal, T - 1],
    ] as const) {
      expect(Array.from(frame.close.subarray(t * N, (t + 1) * N))).toEqual(obs.slice(6, 6 + N));
      const mismatches: string[] = [];
      for (let k = 0; k < K; k++) {
        for (let i = 0; i < N; i++) {
          const want = obs[6 + 2 * N + k * N + i];
          const got = frame.indicators[t * K * N + k * N + i];
          if (got !== want) mismatches.push(`${frame.dates[t]} ${PAPER_INDICATORS[k]} ${f.tickers[i]}: ${got} vs ${want}`);
        }
      }
      expect(mismatches).toEqual([]);
    }
  });
});

describe('pandas conventions', () => {
  it('ewm(adjust=False) starts at the first number and skips leading NaN', () => {
    expect([...ewmAdjustFalse(Float64Array.from([1, 2, 3]), 0.5)]).toEqual([1, 1.5, 2.25]);
    const e = ewmAdjustFalse(Float64Array.from([NaN, 4, 0]), 0.25);
    expect(Number.isNaN(e[0])).toBe(true);
    expect([e[1], e[2]]).toEqual([4, 3]);
  });

  it('rolling mean and std need a full window (NaN before) and use ddof 1', () => {
    const m = rollingMean(Float64Array.from([1, 2, 3, 4]), 3);
    expect(Number.isNaN(m[1])).toBe(true);
    expect([m[2], m[3]]).toEqual([2, 3]);
    expect(rollingStd(Float64Array.from([1, 2, 3, 4]), 3)[3]).toBe(1);
  });

  it('rounds like numpy: half to even at the 6th decimal, NaN and infinities to 0', () => {
    // The two tie cases the fixtures decide (a CSCO and a JPM 30-day mean in 2021).
    expect(cleanAndRound6(38.8897215)).toBe(38.889722);
    expect(cleanAndRound6(146.94890649999996)).toBe(146.948906);
    expect(cleanAndRound6(5e-7)).toBe(0);
    expect(cleanAndRound6(1.5e-6)).toBe(2e-6);
    expect(cleanAndRound6(2.5e-6)).toBe(2e-6);
    expect(cleanAndRound6(-2.5e-6)).toBe(-2e-6);
    expect([NaN, Infinity, -Infinity].map(cleanAndRound6)).toEqual([0, 0, 0]);
  });

  it('rsi is 100 when prices only rise and 0 (from 0/0) when they never move', () => {
    const up = { close: Float64Array.from([1, 2, 3, 4]), high: new Float64Array(4), low: new Float64Array(4) };
    expect(rsi(up, 30)[3]).toBe(100);
    const flat = { close: Float64Array.from([5, 5, 5]), high: new Float64Array(3), low: new Float64Array(3) };
    expect(cleanAndRound6(rsi(flat, 30)[2])).toBe(0);
  });

  it('dx is 100 when every bar moves up (only +DM)', () => {
    const c = Float64Array.from([10, 11, 12, 13, 14]);
    const bars = { close: c, high: c.map((v) => v + 0.5), low: c.map((v) => v - 0.5) };
    expect(dx(bars, 30)[4]).toBe(100);
  });
});

/** A random-walk panel of T days × N tickers with a fixed pseudo-random seed. */
function randomPanel(T: number, N: number, seed: number): Panel {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const p: Panel = {
    dates: Array.from({ length: T }, (_, t) => new Date(Date.UTC(2020, 0, 1 + t)).toISOString().slice(0, 10)),
    tickers: Array.from({ length: N }, (_, i) => `T${i}`),
    open: new Float64Array(T * N),
    high: new Float64Array(T * N),
    low: new Float64Array(T * N),
    close: new Float64Array(T * N),
    volume: new Float64Array(T * N).fill(1000),
  };
  for (let i = 0; i < N; i++) {
    let c = 50 + 50 * rand();
    for (let t = 0; t < T; t++) {
      const k = t * N + i;
      p.open[k] = c;
      c *= 1 + (rand() - 0.5) * 0.06;
      p.close[k] = c;
      p.high[k] = Math.max(p.open[k], c) * (1 + 0.01 * rand());
      p.low[k] = Math.min(p.open[k], c) * (1 - 0.01 * rand());
    }
  }
  return p;
}

describe('no look-ahead', () => {
  it('altering prices after day t changes no indicator at or before t', () => {
    const T = 90;
    const N = 3;
    const K = PAPER_INDICATORS.length;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: T - 2 }), fc.double({ min: 0.2, max: 5, noNaN: true }), (seed, t, factor) => {
        const base = randomPanel(T, N, seed);
        const altered = randomPanel(T, N, seed);
        for (const field of ['open', 'high', 'low', 'close'] as const) {
          for (let k = (t + 1) * N; k < T * N; k++) altered[field][k] *= factor * (1 + (k % 7) / 10);
        }
        const a = computeIndicators(base);
        const b = computeIndicators(altered);
        expect(Array.from(b.subarray(0, (t + 1) * K * N))).toEqual(Array.from(a.subarray(0, (t + 1) * K * N)));
        // And the alteration is visible afterwards (the test would be empty otherwise).
        expect(Array.from(b.subarray((t + 1) * K * N))).not.toEqual(Array.from(a.subarray((t + 1) * K * N)));
      }),
      { numRuns: 60 },
    );
  });

  it('real data: a frame ending earlier has the same values on the shared days', () => {
    const long = buildMarketFrame({ start: '2019-06-03', end: '2019-12-31' });
    const short = buildMarketFrame({ start: '2019-06-03', end: '2019-08-30' });
    const T = short.dates.length;
    const w = short.indicators.length / T;
    expect(Array.from(short.indicators)).toEqual(Array.from(long.indicators.subarray(0, T * w)));
    expect(Array.from(short.turbulence)).toEqual(Array.from(long.turbulence.subarray(0, T)));
    expect(Array.from(short.vix)).toEqual(Array.from(long.vix.subarray(0, T)));
  });
});
