/**
 * Per-asset price statistics for scoring contexts and the transparent price-momentum scorer. Inputs are
 * a read-only view of the rows a decision may see, so the same code serves `score` (rows strictly
 * before the scoring date) and a strategy's in-process stand-in (a PointInTimeHistory, rows ≤ t).
 */
import type { ScoreAnswer } from './record.ts';

/** The visible rows of a close panel: rows 0 … rows−1, NaN where a ticker has no bar. */
export interface VisibleCloses {
  readonly tickers: readonly string[];
  readonly rows: number;
  date(row: number): string;
  close(row: number, i: number): number;
}

export interface AssetPriceStats {
  ticker: string;
  /** The last visible date with a close for this ticker (null: none). */
  lastDate: string | null;
  /** Simple returns over 21, 63, 126 trading days, and 12-1 (t−252 … t−21); null without enough history. */
  return1m: number | null;
  return3m: number | null;
  return6m: number | null;
  return12m1m: number | null;
  /** Annualised volatility of daily log returns over the last 63 rows (√252). */
  volatility3m: number | null;
  /** Drawdown from the 252-row high (≤ 0). */
  drawdown1y: number | null;
}

export function assetPriceStats(v: VisibleCloses): AssetPriceStats[] {
  const last = v.rows - 1;
  const ok = (x: number): boolean => Number.isFinite(x) && x > 0;
  return v.tickers.map((ticker, i) => {
    const at = (row: number): number => (row >= 0 && row <= last ? v.close(row, i) : NaN);
    const ret = (from: number, to: number): number | null => (ok(at(from)) && ok(at(to)) ? at(to) / at(from) - 1 : null);
    let vol: number | null = null;
    if (last >= 63) {
      const xs: number[] = [];
      for (let r = last - 62; r <= last; r++) if (ok(at(r)) && ok(at(r - 1))) xs.push(Math.log(at(r) / at(r - 1)));
      if (xs.length >= 40) {
        const m = xs.reduce((a, b) => a + b, 0) / xs.length;
        vol = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) * Math.sqrt(252);
      }
    }
    let dd: number | null = null;
    if (ok(at(last))) {
      let hi = -Infinity;
      for (let r = Math.max(0, last - 251); r <= last; r++) if (ok(at(r))) hi = Math.max(hi, at(r));
      dd = at(last) / hi - 1;
    }
    return {
      ticker,
      lastDate: ok(at(last)) ? v.date(last) : null,
      return1m: ret(last - 21, last),
      return3m: ret(last - 63, last),
      return6m: ret(last - 126, last),
      return12m1m: ret(last - 252, last - 21),
      volatility3m: vol,
      drawdown1y: dd,
    };
  });
}

/** Percentile ranks in [0, 1] of the finite values (ties share their mean rank); null stays null. */
export function percentileRanks(xs: readonly (number | null)[]): (number | null)[] {
  const idx = xs.map((x, i) => [x, i] as const).filter(([x]) => x !== null && Number.isFinite(x)) as [number, number][];
  idx.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: (number | null)[] = xs.map(() => null);
  const n = idx.length;
  for (let a = 0; a < n;) {
    let b = a;
    while (b + 1 < n && idx[b + 1][0] === idx[a][0]) b++;
    const rank = n === 1 ? 0.5 : (a + b) / 2 / (n - 1);
    for (let k = a; k <= b; k++) out[idx[k][1]] = rank;
    a = b + 1;
  }
  return out;
}

/**
 * The transparent price-momentum scorer (a control, not an LLM): momentum = 1 + 9·rank of the 12-1
 * return (6-month return when a year is not visible), risk = 1 + 9·rank of 3-month volatility, and
 * fundamentals and sentiment at the neutral 5.5 (it reads no fundamentals or news). Assets without the
 * statistics it needs are left out (unscored), never given a default.
 */
export function momentumScoreAnswers(stats: readonly AssetPriceStats[]): Map<string, ScoreAnswer> {
  const mom = percentileRanks(stats.map((s) => s.return12m1m ?? s.return6m));
  const vol = percentileRanks(stats.map((s) => s.volatility3m));
  const out = new Map<string, ScoreAnswer>();
  stats.forEach((s, i) => {
    if (mom[i] === null || vol[i] === null) return;
    const m = 1 + 9 * mom[i]!;
    const r = 1 + 9 * vol[i]!;
    const used = s.return12m1m !== null ? `12-1 return ${(s.return12m1m * 100).toFixed(1)}%` : `6-month return ${(s.return6m! * 100).toFixed(1)}%`;
    out.set(s.ticker, {
      fundamentals: 5.5,
      momentum: m,
      sentiment: 5.5,
      risk: r,
      reasoning: `price momentum rule: ${used} ranks at the ${Math.round(mom[i]! * 100)}th percentile of the universe (momentum ${m.toFixed(2)}); 3-month volatility ${(s.volatility3m! * 100).toFixed(1)}%/yr ranks at the ${Math.round(vol[i]! * 100)}th (risk ${r.toFixed(2)}); fundamentals and sentiment neutral (not read)`,
      confidence: 0.5,
      keyFactors: [used, `volatility ${(s.volatility3m! * 100).toFixed(1)}%/yr`],
    });
  });
  return out;
}
