import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MarketFrame } from '../../src/data/market-frame.ts';

export const FIXTURE_DIR = join(import.meta.dirname, '..', 'fixtures', 'margintrader');

export function loadFixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, name), 'utf8')) as T;
}

/**
 * A MarketFrame from a fixture's real prices (2019 or 2021, 27 Dow stocks), with `k` synthetic
 * indicator rows (deterministic, distinct per slot) so the observation layout can be checked.
 */
export function fixtureFrame(name = 'random_2019.json', k = 0): MarketFrame {
  const fx = loadFixture(name);
  const T: number = fx.dates.length;
  const N: number = fx.tickers.length;
  const close = new Float64Array(T * N);
  fx.prices.forEach((row: number[], t: number) => close.set(row, t * N));
  const open = new Float64Array(close);
  const indicators = new Float64Array(T * k * N);
  for (let t = 0; t < T; t++) for (let j = 0; j < k * N; j++) indicators[t * k * N + j] = 1000 * (j + 1) + t + 0.5;
  const vix = new Float64Array(T).fill(15);
  return {
    dates: fx.dates,
    tickers: fx.tickers,
    close,
    open,
    indicatorNames: Array.from({ length: k }, (_, j) => `ind${j}`),
    indicators,
    vix,
    turbulence: new Float64Array(T),
  };
}

/** A small hand-made frame: N tickers, given close rows. */
export function tinyFrame(closeRows: number[][], dates?: string[]): MarketFrame {
  const T = closeRows.length;
  const N = closeRows[0].length;
  const close = new Float64Array(T * N);
  closeRows.forEach((r, t) => close.set(r, t * N));
  const ds = dates ?? Array.from({ length: T }, (_, t) => new Date(Date.UTC(2020, 0, 1 + t)).toISOString().slice(0, 10));
  return {
    dates: ds,
    tickers: Array.from({ length: N }, (_, i) => `T${i}`),
    close,
    open: new Float64Array(close),
    indicatorNames: [],
    indicators: new Float64Array(0),
    vix: new Float64Array(T),
    turbulence: new Float64Array(T),
  };
}
