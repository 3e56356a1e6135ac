/**
 * Black–Litterman: the market-implied prior, views, their uncertainty Ω, the posterior (He & Litterman
 * 1999), and the `black-litterman` strategy that optimises on it with the existing mean-variance layer.
 *
 * The pure functions work in whatever consistent units they are given. The strategy works in ANNUAL
 * units: Σ = P·Σ_daily (P = periodsPerYear), Π and Q annual EXCESS returns, and hands the optimiser
 * μ_BL/P and Σ_BL/P (its daily convention).
 *
 * Formulas (N assets, K views, P the K×N view matrix, Q the K view returns, Ω = diag(ω) K×K):
 * - prior                Π = δ·Σ·w_mkt
 * - posterior mean       μ_BL = [(τΣ)⁻¹ + PᵀΩ⁻¹P]⁻¹ [(τΣ)⁻¹Π + PᵀΩ⁻¹Q]
 *                             = Π + τΣPᵀ(PτΣPᵀ + Ω)⁻¹(Q − PΠ)          (computed this way: no Ω⁻¹, so ω = 0 is exact)
 * - posterior covariance Σ_BL = Σ + M,  M = [(τΣ)⁻¹ + PᵀΩ⁻¹P]⁻¹ = τΣ − τΣPᵀ(PτΣPᵀ + Ω)⁻¹PτΣ
 * - Ω, He–Litterman:     ωₖ = τ·pₖᵀΣpₖ  (Ω ∝ τ, so τ cancels in μ_BL; it still scales M)
 * - Ω, Idzorek:          ωₖ = (1/cₖ − 1)·pₖᵀ(τΣ)pₖ, the closed-form approximation PyPortfolioOpt uses;
 *                        c = 1 gives ω = 0 (the view holds exactly), c = 0 gives ω = ∞ and the view is
 *                        dropped (PyPortfolioOpt puts ω = 10⁶ there; dropping is the exact limit).
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import type { SignalRecord } from '../../overlays/signals.ts';
import { meanVariance, type MvConstraints, type MvObjective } from './mean-variance.ts';
import { crossSectionalZ } from './score-rules.ts';
import { scoreSource, type ScoreSource } from './score-source.ts';
import {
  averageWeights,
  eligibleFor,
  estimateDaily,
  foreignNote,
  mvDesign,
  mvObjective,
  objectiveWords,
  round,
  scatter,
  scoreNote,
  weightsNote,
} from './strategy-helpers.ts';
import type { StrategyOptions } from './strategies.ts';
import { StrategyError, type BookDesign, type DecisionContext, type DecisionNote, type Strategy, type StrategyInputs, type Weights } from './strategy.ts';

// --- pure functions ----------------------------------------------------------------------------------

function checkSquare(cov: ArrayLike<number>, n: number, who: string): void {
  if (cov.length !== n * n) throw new StrategyError(`${who}: covariance has ${cov.length} entries, expected ${n}² = ${n * n}`);
}

function quad(p: ArrayLike<number>, cov: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    if (p[i] === 0) continue;
    let r = 0;
    for (let j = 0; j < n; j++) r += cov[i * n + j] * p[j];
    s += p[i] * r;
  }
  return s;
}

/** The market-implied (excess) returns Π = δ·Σ·w_mkt. */
export function impliedPrior(cov: ArrayLike<number>, n: number, wMkt: ArrayLike<number>, delta: number): Float64Array {
  checkSquare(cov, n, 'impliedPrior');
  if (wMkt.length !== n) throw new StrategyError(`impliedPrior: ${wMkt.length} market weights for ${n} assets`);
  if (!(Number.isFinite(delta) && delta > 0)) throw new StrategyError(`impliedPrior: risk aversion δ must be > 0, got ${delta}`);
  const pi = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += cov[i * n + j] * wMkt[j];
    pi[i] = delta * s;
  }
  return pi;
}

/** He–Litterman's Ω: ωₖ = τ·pₖᵀΣpₖ (diagonal). */
export function heLittermanOmega(P: readonly ArrayLike<number>[], cov: ArrayLike<number>, n: number, tau: number): Float64Array {
  checkSquare(cov, n, 'heLittermanOmega');
  return Float64Array.from(P, (p) => tau * quad(p, cov, n));
}

/** Idzorek's Ω from confidences c ∈ [0, 1]: ωₖ = (1/cₖ − 1)·pₖᵀ(τΣ)pₖ; c = 0 gives ∞ (the view is dropped). */
export function idzorekOmega(P: readonly ArrayLike<number>[], cov: ArrayLike<number>, n: number, tau: number, confidences: readonly number[]): Float64Array {
  checkSquare(cov, n, 'idzorekOmega');
  if (confidences.length !== P.length) throw new StrategyError(`idzorekOmega: ${confidences.length} confidences for ${P.length} views`);
  return Float64Array.from(P, (p, k) => {
    const c = confidences[k];
    if (!(c >= 0 && c <= 1)) throw new StrategyError(`idzorekOmega: view ${k} confidence must be in [0, 1], got ${c}`);
    if (c === 0) return Infinity;
    return (1 / c - 1) * tau * quad(p, cov, n);
  });
}

export interface BlPosterior {
  /** μ_BL. */
  mean: Float64Array;
  /** Σ_BL = Σ + M, N×N row-major. */
  cov: Float64Array;
  /** M, the posterior covariance of the mean, N×N row-major. */
  meanCov: Float64Array;
  /** Per view: whether it entered (ω finite). */
  used: boolean[];
}

/**
 * The Black–Litterman posterior (gain form). Views with ω = ∞ are left out; with no view left the mean
 * is the prior exactly and M = τΣ. Ω must be ≥ 0; PτΣPᵀ + Ω must be positive definite (views with ω = 0
 * must be linearly independent), else a StrategyError says so.
 */
export function blackLittermanPosterior(args: {
  prior: ArrayLike<number>;
  cov: ArrayLike<number>;
  n: number;
  tau: number;
  P: readonly ArrayLike<number>[];
  Q: readonly number[];
  omega: ArrayLike<number>;
}): BlPosterior {
  const { prior, cov, n, tau } = args;
  checkSquare(cov, n, 'blackLittermanPosterior');
  if (prior.length !== n) throw new StrategyError(`blackLittermanPosterior: prior has ${prior.length} entries for ${n} assets`);
  if (!(Number.isFinite(tau) && tau > 0)) throw new StrategyError(`blackLittermanPosterior: τ must be > 0, got ${tau}`);
  if (args.Q.length !== args.P.length || args.omega.length !== args.P.length) {
    throw new StrategyError(
      `blackLittermanPosterior: ${args.P.length} view rows, ${args.Q.length} view returns, ${args.omega.length} uncertainties: they must match`,
    );
  }
  const used = args.P.map((p, k) => {
    if (p.length !== n) throw new StrategyError(`blackLittermanPosterior: view ${k} has ${p.length} weights for ${n} assets`);
    const w = args.omega[k];
    if (!(w >= 0)) throw new StrategyError(`blackLittermanPosterior: view ${k} uncertainty ω must be ≥ 0, got ${w}`);
    if (!Number.isFinite(args.Q[k])) throw new StrategyError(`blackLittermanPosterior: view ${k} return Q is not finite`);
    return Number.isFinite(w);
  });
  const keep = used.map((u, k) => (u ? k : -1)).filter((k) => k >= 0);
  const tS = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) tS.set(i, j, (tau * (cov[i * n + j] + cov[j * n + i])) / 2);
  const out = (mean: Float64Array, M: Matrix): BlPosterior => {
    const meanCov = new Float64Array(n * n);
    const post = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        // Symmetrised: the optimiser checks symmetry, and rounding in the update is not.
        const m = (M.get(i, j) + M.get(j, i)) / 2;
        meanCov[i * n + j] = m;
        post[i * n + j] = (cov[i * n + j] + cov[j * n + i]) / 2 + m;
      }
    }
    return { mean, cov: post, meanCov, used };
  };
  if (keep.length === 0) return out(Float64Array.from(prior), tS);
  const K = keep.length;
  const P = new Matrix(K, n);
  keep.forEach((k, r) => {
    for (let j = 0; j < n; j++) P.set(r, j, args.P[k][j]);
  });
  const PA = P.mmul(tS); // K×N: PτΣ
  const B = PA.mmul(P.transpose()); // K×K: PτΣPᵀ
  keep.forEach((k, r) => B.set(r, r, B.get(r, r) + args.omega[k]));
  for (let a = 0; a < K; a++) {
    for (let b = 0; b < a; b++) {
      const s = (B.get(a, b) + B.get(b, a)) / 2;
      B.set(a, b, s);
      B.set(b, a, s);
    }
  }
  const chol = new CholeskyDecomposition(B);
  // Rounding can leave a dependent pair of certain views barely "positive definite": a pivot that lost
  // all but 1e-10 of its diagonal is treated as zero.
  const L = chol.lowerTriangularMatrix;
  let degenerate = !chol.isPositiveDefinite();
  for (let k = 0; k < K && !degenerate; k++) degenerate = !(L.get(k, k) ** 2 > 1e-10 * B.get(k, k));
  if (degenerate) {
    throw new StrategyError(
      'Black–Litterman: PτΣPᵀ + Ω is not positive definite: views held with certainty (ω = 0, confidence 1) are linearly dependent, or a view has zero variance; lower a confidence or drop a view',
    );
  }
  const pi = Matrix.columnVector(Array.from(prior));
  const resid = Matrix.columnVector(keep.map((k) => args.Q[k])).sub(P.mmul(pi)); // Q − PΠ
  const X = chol.solve(PA); // B⁻¹PτΣ, K×N
  const gainT = X; // (τΣPᵀB⁻¹)ᵀ = B⁻¹PτΣ (τΣ and B symmetric)
  const mean = Float64Array.from(pi.add(gainT.transpose().mmul(resid)).to1DArray());
  const M = tS.sub(PA.transpose().mmul(X)); // τΣ − τΣPᵀB⁻¹PτΣ
  for (const x of mean) if (!Number.isFinite(x)) throw new StrategyError('Black–Litterman: the posterior mean is not finite (ill-conditioned views)');
  return out(mean, M);
}

// --- the strategy ------------------------------------------------------------------------------------

interface ViewSpec {
  /** A ticker, or "market" (the equal-weight portfolio of the universe). */
  on: string;
  p: Float64Array;
  q: number;
  confidence: number | null;
  provenance: Record<string, unknown>;
}

/** Successful forecasts (score set, no failure), ascending by date; a date's latest success wins. */
function successfulForecasts(signals: readonly SignalRecord[]): SignalRecord[] {
  const byDate = new Map<string, SignalRecord>();
  for (const s of signals) if (s.failure === undefined && s.score !== null) byDate.set(s.date, s);
  return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** The latest successful forecast dated ≤ date (never a later one), or null. */
export function forecastOnOrBefore(sorted: readonly SignalRecord[], date: string): SignalRecord | null {
  let lo = 0;
  let hi = sorted.length - 1;
  let ans: SignalRecord | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].date <= date) {
      ans = sorted[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

export class BlackLittermanStrategy implements Strategy {
  readonly name = 'black-litterman';
  readonly design: BookDesign;
  readonly cheating: boolean;
  readonly notes: string[] = [];
  private readonly constraints: MvConstraints;
  private readonly objective: MvObjective;
  private readonly source: ScoreSource | null;
  private readonly forecasts: SignalRecord[] | null;
  private readonly notesByDate: DecisionNote[] = [];

  constructor(
    readonly options: StrategyOptions,
    inputs: StrategyInputs,
  ) {
    const o = options;
    const d = mvDesign(o, this.name, false);
    this.design = d.design;
    this.constraints = d.constraints;
    // Π and Q are excess returns, so the max-Sharpe ratio is taken over excess return: risk-free 0.
    const obj = mvObjective(o, this.name);
    this.objective = obj.kind === 'max-sharpe' ? { kind: 'max-sharpe', riskFree: 0 } : obj;
    if (o.views === 'forecasts') {
      if (o.personaAggregation !== 'book') {
        throw new StrategyError(
          `black-litterman: personaAggregation "${o.personaAggregation}" applies to score views; views "forecasts" take one market forecast per date (leave personaAggregation at "book")`,
        );
      }
      if (!inputs.signals) {
        throw new StrategyError(
          'black-litterman with views "forecasts" needs market forecasts (StrategyInputs.signals: the `forecast` command\'s signals file); none were given. Give the signals, or use views "scores"',
        );
      }
      this.forecasts = successfulForecasts(inputs.signals);
      if (this.forecasts.length === 0)
        throw new StrategyError(
          `black-litterman: the ${inputs.signals.length} market forecast record(s) given hold no successful forecast (all failed), so there is no view`,
        );
      this.source = null;
      this.cheating = inputs.signals.some((s) => s.cheating === true);
    } else {
      this.forecasts = null;
      this.source = scoreSource(inputs, o.personaAggregation, this.name);
      this.cheating = this.source.cheating;
    }
  }

  describe(): string {
    const o = this.options;
    const omega =
      o.omega === 'idzorek'
        ? "Ω by Idzorek from each view's confidence c, ω = (1/c − 1)·pᵀτΣp"
        : 'Ω = τ·diag(PΣPᵀ) (He–Litterman; τ cancels in the mean, confidence not used)';
    const anchor = o.viewAnchor === 'prior' ? 'Π + ' : '';
    const views =
      o.views === 'scores'
        ? `one absolute view per scored asset, Q = ${anchor}${o.viewScale}·z(composite) annual excess return per cross-sectional σ of score (unscored assets get weight 0), ${this.source!.description}`
        : `one view on the equal-weight market, Q = ${anchor}${o.viewScale}·forecast score (−3 … 3) annual excess return, from the latest successful forecast dated ≤ the decision date`;
    const obj =
      this.objective.kind === 'max-sharpe'
        ? 'max-Sharpe of excess return (risk-free 0: Π and Q are excess returns; riskFree not used)'
        : objectiveWords(this.objective);
    const bounds = `weights in [${o.minWeight}, ${o.maxWeight}], net ${o.net}${o.gross !== undefined ? `, gross ≤ ${o.gross}` : ''}${o.l2 ? `, L2 γ = ${o.l2}` : ''}`;
    return `black-litterman: prior Π = ${o.marketRiskAversion}·Σ·w_mkt with equal market weights (no market caps in the bundle), annual Σ from ${o.cov} over a ${o.window}-day window; ${views}; ${omega}, τ = ${o.tau}; posterior mean and covariance Σ + M (He–Litterman); ${obj}, ${bounds}, rebalanced ${o.rebalance}${this.cheating ? '; CHEATING: its inputs read the future' : ''}`;
  }

  journal(): readonly DecisionNote[] {
    return this.notesByDate;
  }

  decide(ctx: DecisionContext): Weights {
    const o = this.options;
    const h = ctx.history;
    const idx = eligibleFor(ctx, o.window, this.name);
    const est = estimateDaily(h.returns(o.window, idx), o);
    if (est.note) this.notes.push(`${ctx.date}: ${est.note}`);
    const N = idx.length;
    const note: DecisionNote = {
      date: ctx.date,
      strategy: this.name,
      views: o.views,
      omega: o.omega,
      tau: o.tau,
      marketRiskAversion: o.marketRiskAversion,
      viewScale: o.viewScale,
      units: 'annual excess returns',
    };
    const parts: { persona: string | null; weights: Weights }[] = [];
    const personaNotes: Record<string, unknown>[] = [];
    const notes: string[] = [];
    try {
      if (this.forecasts) {
        const f = forecastOnOrBefore(this.forecasts, ctx.date);
        const views: ViewSpec[] = [];
        if (f === null) notes.push(`no successful forecast dated ≤ ${ctx.date}: no view, the posterior is the prior`);
        else {
          views.push({
            on: 'market',
            p: new Float64Array(N).fill(1 / N),
            q: o.viewScale * f.score!,
            confidence: f.confidence,
            provenance: {
              date: f.date,
              asOf: f.asOf,
              model: f.model,
              provider: f.provider,
              modelCutoff: f.modelCutoff?.month ?? null,
              promptHash: f.promptHash,
              score: f.score,
              label: f.label,
            },
          });
        }
        note.source = 'market forecasts (StrategyInputs.signals)';
        const r = this.solve(ctx, idx, est, views, notes);
        parts.push({ persona: null, weights: r.weights });
        personaNotes.push(r.note);
      } else {
        const src = this.source!;
        note.source = src.name;
        for (const snap of src.snapshots(h)) {
          const members = idx.filter((i) => snap.scores.has(h.tickers[i]));
          const who = snap.persona === null ? '' : `persona ${snap.persona}: `;
          const foreign = foreignNote(snap.scores, h.tickers, who);
          if (foreign) notes.push(foreign);
          if (members.length === 0) {
            notes.push(`${who}no eligible asset is scored on ${ctx.date}`);
            continue;
          }
          const unscored = idx.filter((i) => !snap.scores.has(h.tickers[i])).map((i) => h.tickers[i]);
          const pos = members.map((i) => idx.indexOf(i));
          const sub = subEstimate(est, N, pos);
          const scores = members.map((i) => snap.scores.get(h.tickers[i])!);
          const z = crossSectionalZ(scores.map((s) => s.composite));
          const n = members.length;
          const views: ViewSpec[] = scores.map((s, j) => {
            const p = new Float64Array(n);
            p[j] = 1;
            return { on: s.ticker, p, q: o.viewScale * z[j], confidence: s.confidence, provenance: { ...scoreNote(s), z: round(z[j]) } };
          });
          const r = this.solve(ctx, members, sub, views, notes);
          parts.push({ persona: snap.persona, weights: r.weights });
          personaNotes.push({ ...(snap.persona !== null ? { persona: snap.persona } : {}), ...(unscored.length ? { unscored } : {}), ...r.note });
        }
        if (parts.length === 0)
          throw new StrategyError(
            `black-litterman on ${ctx.date}: no eligible asset is scored (${src.name}); unscored assets get no weight, never a default score`,
            ctx.date,
          );
      }
    } catch (e) {
      note.error = (e as Error).message;
      if (notes.length) note.notes = notes;
      this.notesByDate.push(note);
      throw e instanceof StrategyError ? e : new StrategyError(`black-litterman on ${ctx.date}: ${(e as Error).message}`, ctx.date);
    }
    const w = averageWeights(
      parts.map((p) => p.weights),
      h.n,
    );
    note.decisions = personaNotes;
    if (parts.length > 1) note.personaAggregation = 'portfolios: weights averaged over personas';
    note.weights = weightsNote(h.tickers, w);
    if (notes.length) note.notes = notes;
    this.notesByDate.push(note);
    return w;
  }

  /** Posterior and optimisation on one universe (positions `members` of the history). */
  private solve(
    ctx: DecisionContext,
    members: readonly number[],
    est: { mu: Float64Array; cov: Float64Array },
    views: ViewSpec[],
    notes: string[],
  ): { weights: Weights; note: Record<string, unknown> } {
    const o = this.options;
    const P = ctx.periodsPerYear;
    const h = ctx.history;
    const n = members.length;
    const covA = est.cov.map((x) => x * P);
    const prior = impliedPrior(covA, n, new Float64Array(n).fill(1 / n), o.marketRiskAversion);
    const PMat = views.map((v) => v.p);
    const pPrior = views.map((v) => v.p.reduce((s, x, j) => s + x * prior[j], 0));
    const Q = views.map((v, k) => (o.viewAnchor === 'prior' ? pPrior[k] : 0) + v.q);
    let omega: Float64Array;
    if (o.omega === 'he-litterman') omega = heLittermanOmega(PMat, covA, n, o.tau);
    else {
      const hl = heLittermanOmega(PMat, covA, n, o.tau);
      omega = Float64Array.from(views, (v, k) => {
        if (v.confidence === null) {
          notes.push(`view on ${v.on} has no confidence: He–Litterman ω used for it`);
          return hl[k];
        }
        return idzorekOmega([v.p], covA, n, o.tau, [v.confidence])[0];
      });
    }
    const post = blackLittermanPosterior({ prior, cov: covA, n, tau: o.tau, P: PMat, Q, omega });
    const tickers = members.map((i) => h.tickers[i]);
    const byTicker = (x: ArrayLike<number>): Record<string, number> => Object.fromEntries(tickers.map((t, j) => [t, round(x[j])]));
    const note: Record<string, unknown> = {
      views: views.map((v, k) => ({
        on: v.on,
        ...v.provenance,
        Q: round(Q[k]),
        confidence: v.confidence,
        omega: Number.isFinite(omega[k]) ? round(omega[k]) : 'infinite (confidence 0: dropped)',
        used: post.used[k],
      })),
      prior: byTicker(prior),
      posterior: byTicker(post.mean),
    };
    const res = meanVariance(
      post.mean.map((x) => x / P),
      post.cov.map((x) => x / P),
      this.objective,
      this.constraints,
      { periodsPerYear: P },
    );
    note.expectedReturn = round(res.expectedReturn);
    note.volatility = round(res.volatility);
    return { weights: scatter(h.n, members, res.weights), note };
  }
}

/** μ and Σ restricted to positions `pos` of an N-asset estimate. */
export function subEstimate(est: { mu: Float64Array; cov: Float64Array }, N: number, pos: readonly number[]): { mu: Float64Array; cov: Float64Array } {
  const n = pos.length;
  const mu = Float64Array.from(pos, (p) => est.mu[p]);
  const cov = new Float64Array(n * n);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) cov[a * n + b] = est.cov[pos[a] * N + pos[b]];
  return { mu, cov };
}
