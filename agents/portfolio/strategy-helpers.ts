/**
 * Helpers the strategies share (strategies.ts, score-strategies.ts, black-litterman.ts). They live here,
 * not in strategies.ts, because strategies.ts imports the score strategies: importing runtime values back
 * from it would be a cycle. This file imports strategies.ts for types only.
 */
import type { AssetScore } from '../../overlays/scoring/record.ts';
import { covariance, expectedReturns, type CovMethod, type MuMethod, type ReturnsWindow } from './estimators.ts';
import type { MvConstraints, MvObjective } from './mean-variance.ts';
import type { StrategyOptions } from './strategies.ts';
import { StrategyError, type BookDesign, type DecisionContext, type Weights } from './strategy.ts';

export function scatter(n: number, idx: readonly number[], w: ArrayLike<number>, scale = 1): Weights {
  const out = new Float64Array(n);
  idx.forEach((i, j) => (out[i] = w[j] * scale));
  return out;
}

/** The tickers with a full estimation window of `returns` returns on the decision day. */
export function eligibleFor(ctx: DecisionContext, returns: number, who: string): number[] {
  const h = ctx.history;
  if (returns > h.returnsAvailable) {
    throw new StrategyError(
      `${who}: the estimation window (${returns} returns) is longer than the history before ${ctx.date} (${h.returnsAvailable} returns): shorten --window or start the trade period later`,
      ctx.date,
    );
  }
  const idx = h.eligible(returns + 1);
  if (idx.length === 0) throw new StrategyError(`${who}: no ticker has ${returns} returns of history on ${ctx.date}`, ctx.date);
  return idx;
}

/** DAILY μ and Σ of the window with the options' estimators, and the covariance repair note if any. */
export function estimateDaily(r: ReturnsWindow, o: StrategyOptions): { mu: Float64Array; cov: Float64Array; note?: string } {
  const mu = expectedReturns(r, o.mu as MuMethod, o.emaSpan ? { span: o.emaSpan } : undefined);
  const c = covariance(r, o.cov as CovMethod);
  return { mu, cov: c.cov, note: c.repaired ? (c.repairNote ?? `covariance repaired to PSD (min eigenvalue ${c.minEigenvalue})`) : undefined };
}

export function mvObjective(o: StrategyOptions, who: string): MvObjective {
  switch (o.objective) {
    case 'max-sharpe':
      return { kind: 'max-sharpe', riskFree: o.riskFree };
    case 'min-variance':
      return { kind: 'min-variance' };
    case 'max-utility':
      return { kind: 'max-utility', riskAversion: o.riskAversion };
    case 'efficient-risk':
      if (o.targetVolatility === undefined) throw new StrategyError(`${who}: objective efficient-risk needs targetVolatility (annual)`);
      return { kind: 'efficient-risk', targetVolatility: o.targetVolatility };
    case 'efficient-return':
      if (o.targetReturn === undefined) throw new StrategyError(`${who}: objective efficient-return needs targetReturn (annual)`);
      return { kind: 'efficient-return', targetReturn: o.targetReturn };
  }
}

export function objectiveWords(obj: MvObjective): string {
  switch (obj.kind) {
    case 'max-sharpe':
      return `max-Sharpe (risk-free ${((obj.riskFree ?? 0) * 100).toFixed(2)}%/yr)`;
    case 'min-variance':
      return 'minimum variance';
    case 'max-utility':
      return `max-utility (δ = ${obj.riskAversion ?? 1})`;
    case 'efficient-risk':
      return `efficient-risk (target volatility ${(obj.targetVolatility * 100).toFixed(1)}%/yr)`;
    case 'efficient-return':
      return `efficient-return (target ${(obj.targetReturn * 100).toFixed(1)}%/yr)`;
  }
}

/** Long-only (minWeight ≥ 0) or long/short with a gross limit, as MeanVarianceStrategy sets it up. */
export function mvDesign(o: StrategyOptions, who: string, longOnly: boolean): { design: BookDesign; constraints: MvConstraints } {
  if (o.minWeight > o.maxWeight) throw new StrategyError(`${who}: minWeight ${o.minWeight} > maxWeight ${o.maxWeight}`);
  const constraints: MvConstraints = { lower: o.minWeight, upper: o.maxWeight, net: o.net, l2: o.l2 || undefined };
  if (o.minWeight < 0) {
    if (longOnly) {
      throw new StrategyError(
        `${who} is long-only, as published (Chapter 74's optimiser turns long/short into long-only silently, by max(0, w) and renormalising): minWeight ${o.minWeight} < 0 is not allowed; use black-litterman or mvo for shorts`,
      );
    }
    if (o.gross === undefined)
      throw new StrategyError(`${who}: shorts are allowed (minWeight ${o.minWeight} < 0) but no gross exposure limit is set: give gross (e.g. 1.6 for 130/30)`);
    if (o.gross < Math.abs(o.net)) throw new StrategyError(`${who}: gross ${o.gross} < |net| ${Math.abs(o.net)}`);
    constraints.gross = o.gross;
    return { design: { long: (o.gross + o.net) / 2, short: (o.gross - o.net) / 2 }, constraints };
  }
  if (!(o.net > 0)) throw new StrategyError(`${who}: a long-only portfolio needs net exposure > 0, got ${o.net}`);
  if (o.gross !== undefined) constraints.gross = o.gross;
  return { design: { long: o.net, short: 0 }, constraints };
}

/** A score as the journal records it. */
export function scoreNote(s: AssetScore): Record<string, unknown> {
  return {
    ticker: s.ticker,
    date: s.date,
    composite: round(s.composite),
    confidence: round(s.confidence),
    personas: s.personas,
    ...(s.promptHashes.length ? { promptHashes: s.promptHashes } : {}),
    ...(s.modelCutoff !== undefined ? { modelCutoff: s.modelCutoff } : {}),
    ...(s.cheating ? { cheating: true } : {}),
  };
}

/** Nonzero weights by ticker (journal). */
export function weightsNote(tickers: readonly string[], w: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) out[tickers[i]] = round(w[i]);
  return out;
}

/** 10 significant digits: the journal stays readable and JSON-stable. */
export function round(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(10)) : x;
}

/** Averages persona portfolios (each Σ = the same exposure, so the average keeps it). */
export function averageWeights(ws: readonly Weights[], n: number): Weights {
  const out = new Float64Array(n);
  for (const w of ws) for (let i = 0; i < n; i++) out[i] += w[i] / ws.length;
  return out;
}

/** Scored tickers the universe does not hold (a typo or another universe's file): named, never dropped silently. */
export function foreignNote(scores: ReadonlyMap<string, unknown>, tickers: readonly string[], who: string): string | null {
  const known = new Set(tickers);
  const out = [...scores.keys()].filter((k) => !known.has(k)).sort();
  return out.length ? `${who}scored ticker(s) not in the universe, ignored: ${out.join(', ')}` : null;
}
