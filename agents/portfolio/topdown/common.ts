/** Pieces the three strategies share: the published costs, the book design, the price signal. */
import type { StrategyOptions } from '../strategies.ts';
import { exposures, StrategyError, type BookDesign, type PointInTimeHistory, type StrategyCosts, type Weights } from '../strategy.ts';

/**
 * The paper's costs: 10 bp commission + 10 bp market impact "per trade". Read as per side (the paper does
 * not say per side or round trip): every buy and every sell pays a 10 bp fee (the env's buyCost/sellCost)
 * and fills 10 bp worse than the close (the env's slippage).
 */
export const PUBLISHED_COSTS: Readonly<Required<StrategyCosts>> = { buyCost: 0.001, sellCost: 0.001, slippage: 0.001 };

export function costsOf(o: StrategyOptions): StrategyCosts | undefined {
  return o.tradeCosts === 'published' ? { ...PUBLISHED_COSTS } : undefined;
}

export function costsWords(o: StrategyOptions): string {
  return o.tradeCosts === 'published'
    ? "costs as published: 10 bp commission + 10 bp market impact per trade side (over the env preset's)"
    : "the run's env costs";
}

/** Half the capital cap on each side: gross ≤ cap, no loan (k = max(1, cap)). */
export function topDownDesign(o: StrategyOptions): BookDesign {
  return { long: o.capitalCap / 2, short: o.capitalCap / 2 };
}

/**
 * Trailing return from t − lookback to t − skip of every ticker with a real bar on each of the last
 * lookback + 1 rows; NaN for the others (not tradable today by these rules).
 */
export function trailingReturns(h: PointInTimeHistory, lookback: number, skip: number, who: string): Float64Array {
  if (skip >= lookback) throw new StrategyError(`${who}: skip (${skip}) must be shorter than lookback (${lookback})`, h.date);
  if (lookback > h.returnsAvailable) {
    throw new StrategyError(
      `${who}: the momentum window (${lookback} days) is longer than the history before ${h.date} (${h.returnsAvailable} returns): shorten lookback or start the trade period later`,
      h.date,
    );
  }
  const out = new Float64Array(h.n).fill(NaN);
  for (const i of h.eligible(lookback + 1)) out[i] = h.closeAt(h.t - skip, i) / h.closeAt(h.t - lookback, i) - 1;
  return out;
}

/** A last check of every book these rules build: each side within its half of the cap, no name on both sides. */
export function checkBook(w: Weights, o: StrategyOptions, who: string, date: string): { long: number; short: number; gross: number } {
  const e = exposures(w);
  const half = o.capitalCap / 2;
  if (e.long > half * (1 + 1e-12) || e.short > half * (1 + 1e-12)) {
    throw new StrategyError(
      `${who}: built long ${e.long}, short ${e.short} on ${date}, beyond half the capital cap ${o.capitalCap} per side (a bug: report it)`,
      date,
    );
  }
  return { long: e.long, short: e.short, gross: e.gross };
}

/** Rounded for the journal (weights to 1e-6, scores to 1e-4): the run folder stays readable and deterministic. */
export const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;
export const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;
