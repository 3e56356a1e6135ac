/**
 * How good are asset scores? Evaluation of composite scores (one per date and ticker) against what the
 * assets did AFTER each scoring date. Forward returns are computed here, from prices after the fact: that
 * is evaluation, not look-ahead, and nothing here is ever a scorer's input (the oracle scorer, a cheating
 * upper bound, is the one exception, and says so in every record).
 *
 * Forward window of a scoring date d (what a strategy deciding at the close of d could earn):
 *   entry = the first trading row on or after d (records dated d are usable at its close),
 *   exit  = the first trading row on or after the next scoring date (`horizon: 'next'`), or entry + h
 *           trading rows (`horizon: h`).
 * A window that the data does not cover (exit past the last row, or exit = entry because two scoring
 * dates fall on the same trading row) has no forward return; with 'next' the last scoring date has none
 * unless `extendLast` (then it uses the previous window's length in rows). A ticker needs a real bar
 * (`available`) and a positive close at both ends.
 *
 * Metrics:
 * - Rank IC: per date, Spearman's rank correlation (Pearson on average ranks, ties share their mean rank)
 *   between composites and forward returns over the tickers that have both; a date with fewer than
 *   `minAssets` (3) such tickers, or where either side is constant, has no IC and is listed in
 *   `undefinedDates`. Mean IC, its sample sd, t-stat = mean / (sd / √n) over the n dates with an IC
 *   (NaN when n < 2 or sd = 0), and ICIR = mean / sd.
 * - Hit rate of directional calls: composite > 5.5 calls "up", < 5.5 calls "down", exactly 5.5 makes no
 *   call (counted in `noCalls`, not in the rate). A call is a hit when the forward return has its sign
 *   (> 0 for up, < 0 for down); a forward return of exactly 0 is a miss for either call (counted also in
 *   `zeroReturns`). hitRate = hits / calls (NaN without calls). Only (date, ticker) pairs with a forward
 *   return count.
 * - Turnover between consecutive scoring dates:
 *   `rank`: over the tickers scored on both dates, the mean absolute change of each ticker's percentile
 *   rank of composite within that common set (ranks in [0, 1], ties share their mean rank): 0 = the same
 *   order, about 0.5 = reversed.
 *   `weight`: score-proportional weights w = composite / Σ composite over the tickers scored on each date
 *   (absent = 0); turnover = ½ Σ |w_new − w_old| (0 = same weights, 1 = disjoint).
 *   Each is averaged over the consecutive pairs.
 */

/** Composite (or any) score per date, then per ticker. */
export type ScorePanel = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** Close prices, row-major T×N; `available` (T×N, 1 = a real bar) when some cells are placeholders. */
export interface PriceRows {
  readonly dates: readonly string[];
  readonly tickers: readonly string[];
  readonly close: Float64Array;
  readonly available?: Uint8Array | null;
}

/** 'next': to the next scoring date; a number: that many trading rows. */
export type ForwardHorizon = 'next' | number;

export interface ForwardWindow {
  date: string;
  entryRow: number;
  exitRow: number;
}

/** Index of the first of the ascending `dates` that is ≥ `date` (dates.length when none). */
function lowerBound(dates: readonly string[], date: string): number {
  let lo = 0;
  let hi = dates.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (dates[mid] < date) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkHorizon(h: ForwardHorizon): void {
  if (h !== 'next' && !(Number.isInteger(h) && h >= 1))
    throw new Error(`forward horizon: expected 'next' or a positive whole number of trading days, got ${h}`);
}

/** The forward window of each scoring date (dates without one are absent); see the file comment. */
export function forwardWindows(
  rowDates: readonly string[],
  scoringDates: readonly string[],
  horizon: ForwardHorizon,
  options: { extendLast?: boolean } = {},
): Map<string, ForwardWindow> {
  checkHorizon(horizon);
  const sorted = [...new Set(scoringDates)].sort();
  const out = new Map<string, ForwardWindow>();
  const T = rowDates.length;
  let previousLength: number | null = null;
  sorted.forEach((date, k) => {
    const entryRow = lowerBound(rowDates, date);
    let exitRow: number;
    if (horizon === 'next') {
      if (k + 1 < sorted.length) exitRow = lowerBound(rowDates, sorted[k + 1]);
      else if (options.extendLast && previousLength !== null) exitRow = entryRow + previousLength;
      else return;
    } else exitRow = entryRow + horizon;
    if (entryRow >= T || exitRow >= T || exitRow <= entryRow) return;
    previousLength = exitRow - entryRow;
    out.set(date, { date, entryRow, exitRow });
  });
  return out;
}

function closeAt(p: PriceRows, row: number, i: number): number {
  if (p.available && !p.available[row * p.tickers.length + i]) return NaN;
  const c = p.close[row * p.tickers.length + i];
  return Number.isFinite(c) && c > 0 ? c : NaN;
}

/** Simple forward return per scoring date and ticker (close at exit / close at entry − 1). */
export function forwardReturns(
  p: PriceRows,
  scoringDates: readonly string[],
  horizon: ForwardHorizon,
  options: { extendLast?: boolean } = {},
): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const [date, w] of forwardWindows(p.dates, scoringDates, horizon, options)) {
    const day = new Map<string, number>();
    p.tickers.forEach((t, i) => {
      const a = closeAt(p, w.entryRow, i);
      const b = closeAt(p, w.exitRow, i);
      if (Number.isFinite(a) && Number.isFinite(b)) day.set(t, b / a - 1);
    });
    out.set(date, day);
  }
  return out;
}

/**
 * Annualised volatility (√periodsPerYear × sample sd of daily log returns) of ticker column `i` over rows
 * entry … exit; null with fewer than 2 returns or a missing bar inside.
 */
export function windowVolatility(p: PriceRows, i: number, entryRow: number, exitRow: number, periodsPerYear = 252): number | null {
  const xs: number[] = [];
  for (let r = entryRow + 1; r <= exitRow; r++) {
    const a = closeAt(p, r - 1, i);
    const b = closeAt(p, r, i);
    if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
    xs.push(Math.log(b / a));
  }
  if (xs.length < 2) return null;
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1)) * Math.sqrt(periodsPerYear);
}

/** Average ranks (1 … n, ties share their mean rank). */
export function averageRanks(xs: readonly number[]): number[] {
  const idx = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out = new Array<number>(xs.length);
  for (let a = 0; a < idx.length;) {
    let b = a;
    while (b + 1 < idx.length && idx[b + 1][0] === idx[a][0]) b++;
    for (let k = a; k <= b; k++) out[idx[k][1]] = (a + b) / 2 + 1;
    a = b + 1;
  }
  return out;
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 2) return NaN;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's rank correlation (ties: average ranks); NaN for fewer than 2 pairs or a constant side. */
export function spearman(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`spearman: ${x.length} scores against ${y.length} returns`);
  return pearson(averageRanks(x), averageRanks(y));
}

export interface MeanStats {
  mean: number;
  /** Sample standard deviation (n − 1). */
  sd: number;
  n: number;
  /** mean / (sd / √n); NaN when n < 2 or sd = 0. */
  tStat: number;
}

export function meanStats(xs: readonly number[]): MeanStats {
  const n = xs.length;
  const mean = n === 0 ? NaN : xs.reduce((s, x) => s + x, 0) / n;
  const sd = n < 2 ? NaN : Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  return { mean, sd, n, tStat: n < 2 || !(sd > 0) ? NaN : mean / (sd / Math.sqrt(n)) };
}

export interface RankIcReport extends MeanStats {
  perDate: { date: string; ic: number; assets: number }[];
  /** mean / sd. */
  icir: number;
  /** Dates with scores but no IC (fewer than minAssets pairs, a constant side, or no forward return). */
  undefinedDates: string[];
}

/** Pairs (score, forward return) of one date, tickers in sorted order. */
function pairsOf(scores: ReadonlyMap<string, number>, fwd: ReadonlyMap<string, number> | undefined): { s: number[]; r: number[] } {
  const s: number[] = [];
  const r: number[] = [];
  if (!fwd) return { s, r };
  for (const t of [...scores.keys()].sort()) {
    const x = scores.get(t)!;
    const y = fwd.get(t);
    if (y !== undefined && Number.isFinite(x) && Number.isFinite(y)) {
      s.push(x);
      r.push(y);
    }
  }
  return { s, r };
}

export function rankIc(scores: ScorePanel, forward: ReadonlyMap<string, ReadonlyMap<string, number>>, options: { minAssets?: number } = {}): RankIcReport {
  const minAssets = options.minAssets ?? 3;
  const perDate: RankIcReport['perDate'] = [];
  const undefinedDates: string[] = [];
  for (const date of [...scores.keys()].sort()) {
    const { s, r } = pairsOf(scores.get(date)!, forward.get(date));
    const ic = s.length >= minAssets ? spearman(s, r) : NaN;
    if (Number.isFinite(ic)) perDate.push({ date, ic, assets: s.length });
    else undefinedDates.push(date);
  }
  const m = meanStats(perDate.map((d) => d.ic));
  return { ...m, icir: m.n >= 2 && m.sd > 0 ? m.mean / m.sd : NaN, perDate, undefinedDates };
}

export interface HitRateReport {
  /** Directional calls made (composite ≠ threshold) on pairs with a forward return. */
  calls: number;
  upCalls: number;
  downCalls: number;
  hits: number;
  /** hits / calls; NaN without calls. */
  hitRate: number;
  /** Pairs at exactly the threshold: no call, not in the rate. */
  noCalls: number;
  /** Calls whose forward return was exactly 0 (misses). */
  zeroReturns: number;
}

export function hitRate(scores: ScorePanel, forward: ReadonlyMap<string, ReadonlyMap<string, number>>, threshold = 5.5): HitRateReport {
  const rep: HitRateReport = { calls: 0, upCalls: 0, downCalls: 0, hits: 0, hitRate: NaN, noCalls: 0, zeroReturns: 0 };
  for (const date of [...scores.keys()].sort()) {
    const { s, r } = pairsOf(scores.get(date)!, forward.get(date));
    for (let k = 0; k < s.length; k++) {
      if (s[k] === threshold) {
        rep.noCalls++;
        continue;
      }
      rep.calls++;
      const up = s[k] > threshold;
      if (up) rep.upCalls++;
      else rep.downCalls++;
      if (r[k] === 0) rep.zeroReturns++;
      else if (up === r[k] > 0) rep.hits++;
    }
  }
  rep.hitRate = rep.calls === 0 ? NaN : rep.hits / rep.calls;
  return rep;
}

export interface TurnoverReport {
  perPair: { from: string; to: string; turnover: number; assets: number }[];
  /** Mean over the pairs (NaN without a pair). */
  mean: number;
}

function percentile(xs: readonly number[]): number[] {
  const r = averageRanks(xs);
  return r.map((x) => (xs.length === 1 ? 0.5 : (x - 1) / (xs.length - 1)));
}

/** Mean |Δ percentile rank| of composite between consecutive dates, over the tickers scored on both. */
export function rankTurnover(scores: ScorePanel): TurnoverReport {
  const dates = [...scores.keys()].sort();
  const perPair: TurnoverReport['perPair'] = [];
  for (let k = 1; k < dates.length; k++) {
    const a = scores.get(dates[k - 1])!;
    const b = scores.get(dates[k])!;
    const common = [...a.keys()].filter((t) => b.has(t)).sort();
    if (common.length === 0) continue;
    const ra = percentile(common.map((t) => a.get(t)!));
    const rb = percentile(common.map((t) => b.get(t)!));
    const turnover = common.reduce((s, _, i) => s + Math.abs(rb[i] - ra[i]), 0) / common.length;
    perPair.push({ from: dates[k - 1], to: dates[k], turnover, assets: common.length });
  }
  return { perPair, mean: perPair.length === 0 ? NaN : perPair.reduce((s, p) => s + p.turnover, 0) / perPair.length };
}

/** ½ Σ |Δw| of score-proportional weights (w = composite / Σ composite on the date; absent = 0). */
export function weightTurnover(scores: ScorePanel): TurnoverReport {
  const dates = [...scores.keys()].sort();
  const weights = (day: ReadonlyMap<string, number>): Map<string, number> => {
    const total = [...day.values()].reduce((s, x) => s + x, 0);
    return new Map([...day].map(([t, x]) => [t, total > 0 ? x / total : 0]));
  };
  const perPair: TurnoverReport['perPair'] = [];
  for (let k = 1; k < dates.length; k++) {
    const a = weights(scores.get(dates[k - 1])!);
    const b = weights(scores.get(dates[k])!);
    const union = new Set([...a.keys(), ...b.keys()]);
    let sum = 0;
    for (const t of union) sum += Math.abs((b.get(t) ?? 0) - (a.get(t) ?? 0));
    perPair.push({ from: dates[k - 1], to: dates[k], turnover: sum / 2, assets: union.size });
  }
  return { perPair, mean: perPair.length === 0 ? NaN : perPair.reduce((s, p) => s + p.turnover, 0) / perPair.length };
}

export interface ScoreQualityReport {
  horizon: ForwardHorizon;
  rankIc: RankIcReport;
  hitRate: HitRateReport;
  rankTurnover: TurnoverReport;
  weightTurnover: TurnoverReport;
}

/** Every metric above for `scores` against the forward returns of `prices` (see the file comment). */
export function scoreQuality(
  scores: ScorePanel,
  prices: PriceRows,
  options: { horizon?: ForwardHorizon; minAssets?: number; threshold?: number } = {},
): ScoreQualityReport {
  const horizon = options.horizon ?? 'next';
  const fwd = forwardReturns(prices, [...scores.keys()], horizon);
  return {
    horizon,
    rankIc: rankIc(scores, fwd, { minAssets: options.minAssets }),
    hitRate: hitRate(scores, fwd, options.threshold),
    rankTurnover: rankTurnover(scores),
    weightTurnover: weightTurnover(scores),
  };
}
