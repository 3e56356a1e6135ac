/**
 * Score → weights rules: Chapter 74's published score-proportional rule (portfolio_engine.py
 * `generate_portfolio`), reproduced with its bug, and the corrected rule (the exact Euclidean projection
 * onto the capped simplex). Pure functions over arrays; the strategy maps tickers to positions.
 *
 * Units: scores are composites on the 1–10 scale; weights are fractions of equity; `total` is the long
 * exposure Σw the rule must hit (1 = fully invested).
 */
import { StrategyError } from './strategy.ts';

export type ScoreRuleName = 'capped' | 'published';

export interface Bounds {
  /** Lower bound of each HELD asset (Chapter 74: 0.02). */
  lower: number;
  /** Upper bound of each asset (Chapter 74: 0.30). */
  upper: number;
}

function fmt(x: number): string {
  return String(Number(x.toPrecision(6)));
}

function checkBounds(b: Bounds, who: string): void {
  if (!(Number.isFinite(b.lower) && Number.isFinite(b.upper))) throw new StrategyError(`${who}: bounds must be finite, got [${b.lower}, ${b.upper}]`);
  if (b.lower < 0) throw new StrategyError(`${who}: score rules are long-only: minWeight ${b.lower} < 0 (use black-litterman or mvo for shorts)`);
  if (b.lower > b.upper) throw new StrategyError(`${who}: minWeight ${b.lower} > maxWeight ${b.upper}`);
  if (!(b.upper > 0)) throw new StrategyError(`${who}: maxWeight must be > 0, got ${b.upper}`);
}

function checkScores(scores: readonly number[], who: string): void {
  scores.forEach((s, i) => {
    if (!Number.isFinite(s)) throw new StrategyError(`${who}: score ${i} is not finite (${s}); unscored assets must be left out, never given a default`);
  });
}

/**
 * Chapter 74's selection: assets with score ≥ minScore, best first (ties keep the input order, as
 * Python's stable sort does), the first maxAssets. Returns positions into `scores`.
 * The published code falls back to EVERY asset when none passes ("No assets meet minimum score. Using
 * all assets."); `fallbackToAll` reproduces that, otherwise the empty selection is returned.
 */
export function selectByScore(
  scores: readonly number[],
  minScore: number,
  maxAssets: number,
  fallbackToAll = false,
): { selected: number[]; fellBackToAll: boolean } {
  if (!(Number.isInteger(maxAssets) && maxAssets >= 1)) throw new StrategyError(`maxAssets must be a positive integer, got ${maxAssets}`);
  checkScores(scores, 'selectByScore');
  let pool = scores.map((_, i) => i).filter((i) => scores[i] >= minScore);
  let fellBackToAll = false;
  if (pool.length === 0 && fallbackToAll && scores.length > 0) {
    pool = scores.map((_, i) => i);
    fellBackToAll = true;
  }
  pool.sort((a, b) => scores[b] - scores[a] || a - b);
  return { selected: pool.slice(0, maxAssets), fellBackToAll };
}

/**
 * Chapter 74's weighting, verbatim: wᵢ = sᵢ/Σs, clamped to [lower, upper], then renormalised ONCE to
 * sum 1. The renormalisation undoes the clamp: [9, 2, 2, 2] with upper 0.30 gives
 * [0.4286, 0.1905, 0.1905, 0.1905]. With n·upper < 1 no weights can satisfy the bounds, and the rule
 * still returns weights summing to 1 (1/n each when every raw weight is above upper) without a word.
 * All-zero scores give 1/n (published). The result sums to 1; scale it for another exposure.
 */
export function publishedScoreWeights(scores: readonly number[], bounds: Bounds): Float64Array {
  checkScores(scores, 'published score rule');
  const n = scores.length;
  const w = new Float64Array(n);
  if (n === 0) return w;
  const total = scores.reduce((a, b) => a + b, 0);
  if (total === 0) return w.fill(1 / n);
  for (let i = 0; i < n; i++) w[i] = Math.max(bounds.lower, Math.min(bounds.upper, scores[i] / total));
  const s = w.reduce((a, b) => a + b, 0);
  for (let i = 0; i < n; i++) w[i] /= s;
  return w;
}

/**
 * The Euclidean projection of v onto the capped simplex {Σw = total, lower ≤ wᵢ ≤ upper}:
 * wᵢ = clip(vᵢ − λ, lower, upper) with the shift λ that makes Σw = total (water-filling). Σw(λ) is
 * piecewise linear and non-increasing in λ with breakpoints vᵢ − upper and vᵢ − lower; the segment
 * holding `total` is found among them and λ solved exactly on it from the free assets:
 * λ = (Σ_free vᵢ + n_upper·upper + n_lower·lower − total)/n_free.
 * Infeasible bounds (n·upper < total or n·lower > total) raise a StrategyError with the numbers.
 */
export function projectCappedSimplex(v: readonly number[], total: number, bounds: Bounds): Float64Array {
  const n = v.length;
  checkScores(v, 'capped-simplex projection');
  if (!(Number.isFinite(total) && total > 0)) throw new StrategyError(`capped-simplex projection: the exposure must be > 0, got ${total}`);
  const { lower, upper } = bounds;
  if (lower > upper) throw new StrategyError(`capped-simplex projection: minWeight ${lower} > maxWeight ${upper}`);
  if (n === 0) throw new StrategyError('capped-simplex projection: no asset to hold');
  const tol = 1e-12 * Math.max(1, total);
  if (n * upper < total - tol) {
    throw new StrategyError(
      `infeasible score-rule bounds: ${n} held asset(s) × maxWeight ${fmt(upper)} = ${fmt(n * upper)} < exposure ${fmt(total)}; raise maxWeight to ≥ ${fmt(total / n)}, hold more assets (maxAssets, minScore) or lower the exposure`,
    );
  }
  if (n * lower > total + tol) {
    throw new StrategyError(
      `infeasible score-rule bounds: ${n} held asset(s) × minWeight ${fmt(lower)} = ${fmt(n * lower)} > exposure ${fmt(total)}; lower minWeight to ≤ ${fmt(total / n)} or hold fewer assets (maxAssets)`,
    );
  }
  const sumAt = (lam: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.min(upper, Math.max(lower, v[i] - lam));
    return s;
  };
  const bps = [...v.map((x) => x - upper), ...v.map((x) => x - lower)].sort((a, b) => a - b);
  // Σw(bps[0]) = n·upper ≥ total ≥ n·lower = Σw(bps[last]): find the segment [bps[k], bps[k+1]] holding total.
  let k = 0;
  while (k < bps.length - 1 && sumAt(bps[k + 1]) > total) k++;
  const w = new Float64Array(n);
  if (k === bps.length - 1 || bps[k + 1] === bps[k]) {
    // Degenerate: every asset sits on a bound at the breakpoint (n·upper = total or n·lower = total).
    for (let i = 0; i < n; i++) w[i] = Math.min(upper, Math.max(lower, v[i] - bps[k]));
    return w;
  }
  // Classify the assets inside the open segment (its midpoint), then solve λ exactly.
  const mid = (bps[k] + bps[k + 1]) / 2;
  let free = 0;
  let freeSum = 0;
  let fixed = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i] - mid;
    if (x >= upper) fixed += upper;
    else if (x <= lower) fixed += lower;
    else {
      free++;
      freeSum += v[i];
    }
  }
  if (free === 0) {
    for (let i = 0; i < n; i++) w[i] = Math.min(upper, Math.max(lower, v[i] - mid));
    return w;
  }
  const lam = (freeSum + fixed - total) / free;
  for (let i = 0; i < n; i++) w[i] = Math.min(upper, Math.max(lower, v[i] - lam));
  return w;
}

/**
 * The corrected rule: the score-proportional weights total·sᵢ/Σs projected onto
 * {Σw = total, lower ≤ w ≤ upper}. [9, 2, 2, 2] with upper 0.30 gives [0.30, 0.2333, 0.2333, 0.2333].
 */
export function cappedScoreWeights(scores: readonly number[], total: number, bounds: Bounds): Float64Array {
  checkScores(scores, 'capped score rule');
  const s = scores.reduce((a, b) => a + b, 0);
  if (!(s > 0)) throw new StrategyError(`capped score rule: the held scores sum to ${s}; score-proportional weights need positive scores`);
  return projectCappedSimplex(
    scores.map((x) => (total * x) / s),
    total,
    bounds,
  );
}

export interface ScoreRuleResult {
  /** Weights aligned with the input scores (0 for assets not selected), Σ = total. */
  weights: Float64Array;
  /** Positions of the held assets, best score first. */
  selected: number[];
  /** What the rule did that a reader must know (the published fallback, its bound violations). */
  notes: string[];
}

/**
 * A rule end to end: select (minScore, maxAssets), weight, and for `published` report the bounds it
 * breaks. `total` is the long exposure; the published rule computes on Σ = 1 and is scaled by it.
 */
export function scoreRuleWeights(
  rule: ScoreRuleName,
  scores: readonly number[],
  o: { minScore: number; maxAssets: number; total: number } & Bounds,
): ScoreRuleResult {
  checkBounds(o, `${rule} score rule`);
  const notes: string[] = [];
  const { selected, fellBackToAll } = selectByScore(scores, o.minScore, o.maxAssets, rule === 'published');
  if (fellBackToAll) notes.push(`no asset has composite ≥ ${o.minScore}: the published rule falls back to every scored asset (the best ${selected.length})`);
  if (selected.length === 0) {
    throw new StrategyError(
      scores.length === 0
        ? `${rule} score rule: no asset is scored on this date (unscored assets get no weight, never a default score)`
        : `${rule} score rule: no asset has composite ≥ minScore ${o.minScore} (best ${fmt(Math.max(...scores))}); lower minScore`,
    );
  }
  const s = selected.map((i) => scores[i]);
  let w: Float64Array;
  if (rule === 'published') {
    w = publishedScoreWeights(s, o).map((x) => x * o.total);
    const over = w.filter((x) => x > o.upper * o.total * (1 + 1e-12)).length;
    const under = w.filter((x) => x < o.lower * o.total * (1 - 1e-12)).length;
    if (over || under) {
      notes.push(
        `published rule breaks its bounds after renormalising: ${over} weight(s) above maxWeight ${o.upper}, ${under} below minWeight ${o.lower}${selected.length * o.upper < 1 ? ` (${selected.length} × ${o.upper} < 1: no weights can satisfy them)` : ''}`,
      );
    }
  } else w = cappedScoreWeights(s, o.total, o);
  const weights = new Float64Array(scores.length);
  selected.forEach((i, j) => (weights[i] = w[j]));
  return { weights, selected, notes };
}

/**
 * Cross-sectional z-scores (x − mean)/std with the POPULATION std (numpy's np.std, ddof = 0, as
 * Chapter 74); a constant cross-section gives zeros (published).
 */
export function crossSectionalZ(xs: readonly number[]): Float64Array {
  const n = xs.length;
  const z = new Float64Array(n);
  if (n === 0) return z;
  const m = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / n);
  // A spread at rounding level is no spread: dividing by it would blow noise up to ±1.
  if (!(sd > 1e-12 * Math.max(1, Math.abs(m)))) return z;
  for (let i = 0; i < n; i++) z[i] = (xs[i] - m) / sd;
  return z;
}
