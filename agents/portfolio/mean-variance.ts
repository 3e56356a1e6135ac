/**
 * Mean-variance portfolio optimisation on DAILY inputs (μ per day, Σ per day²) with ANNUAL targets and
 * results (× periodsPerYear for returns and variances, default 252). Every problem is a convex QP solved by
 * `solveQp` (HiGHS); see qp.ts for the solver choice.
 *
 * Notation: P = periodsPerYear, w the weights, μ, Σ daily, γ = constraints.l2, rf = riskFree/P (daily).
 *
 * Objectives
 * - min-variance:     min  P·wᵀΣw + γ‖w‖²
 * - max-utility:      max  P·μᵀw − (δ/2)·P·wᵀΣw − γ‖w‖²   (δ = riskAversion, default 1; the maximiser is
 *                     the same whether μ, Σ are daily or annual, since both scale by P)
 * - efficient-return: min  P·wᵀΣw + γ‖w‖²  s.t.  P·μᵀw ≥ targetReturn   (≥: a target below the
 *                     minimum-variance portfolio's return gives that portfolio)
 * - efficient-risk:   max  P·μᵀw − γ‖w‖²  s.t.  √(P·wᵀΣw) ≤ targetVolatility. A QCQP, solved on the
 *                     max-utility path w(δ): the volatility of w(δ) falls monotonically as δ grows, so δ is
 *                     bracketed by decades and then found by the Illinois (modified regula falsi) method on
 *                     1/δ until |σ(w) − target| ≤ 1e-9·target (EFFICIENT_RISK_TOLERANCE). When the maximum-
 *                     return portfolio already has σ ≤ target the constraint is slack and that portfolio is
 *                     returned (status says so).
 * - max-sharpe:       max (P·μᵀw − riskFree)/√(P·wᵀΣw + γ‖w‖²), by the Charnes–Cooper/Schaible
 *                     homogenisation: min P·yᵀΣy + γ‖y‖² s.t. (P·μ − riskFree)ᵀy = 1, every linear constraint
 *                     a ≤ gᵀw ≤ b rewritten as aκ ≤ gᵀy ≤ bκ with κ ≥ 0 (bounds, net, sectors; the gross
 *                     limit as Σt ≤ Gκ with t ≥ ±y), and w = y/κ. A finite lower bound l_i is absorbed by
 *                     the substitution y_i = z_i + l_i·κ, z_i ≥ 0, so no asset variable is free (HiGHS
 *                     mishandled free ones here). With l2 > 0 this maximises excess return
 *                     over √(variance + γ‖w‖²): the penalty acts as extra "variance" in the denominator. There
 *                     is no local search; the homogenised problem is convex.
 *
 * Constraints (all on the weights w, fractions of capital)
 * - lower ≤ w_i ≤ upper (per asset; defaults 0 and 1, i.e. long-only; −Infinity / Infinity allowed)
 * - net: Σw = net, or net[0] ≤ Σw ≤ net[1] (default 1, fully invested; 0 is market-neutral)
 * - gross: Σ|w| ≤ gross, through epigraph variables t_i ≥ |w_i| for the assets whose bounds straddle 0
 *   (t has no quadratic term: the Hessian is only PSD, which HiGHS accepts; no ridge is added)
 * - sectors: lower ≤ Σ_{i∈members} w_i ≤ upper (net weight of the members)
 * - l2: γ‖w‖² added to the annualised objective as above.
 *
 * Cheap feasibility checks run first and name the offending constraint (InfeasibleConstraintError); a
 * solver "infeasible" status is turned into the same error, naming the objective's target where that is
 * the cause. `sharpe` in the result uses riskFree for max-sharpe and 0 for every other objective; it is NaN
 * when the volatility is 0 (e.g. all weight on a zero-variance asset).
 */
import { InfeasibleConstraintError, PortfolioError, SolverError } from './errors.ts';
import { solveQp, type QpRow, type QpSolution } from './qp.ts';

export type MvObjective =
  | { kind: 'max-sharpe'; riskFree?: number }
  | { kind: 'min-variance' }
  | { kind: 'efficient-risk'; targetVolatility: number }
  | { kind: 'efficient-return'; targetReturn: number }
  | { kind: 'max-utility'; riskAversion?: number };

export interface SectorLimit {
  name: string;
  members: number[];
  lower?: number;
  upper?: number;
}

export interface MvConstraints {
  lower?: number | ArrayLike<number>;
  upper?: number | ArrayLike<number>;
  net?: number | [number, number];
  gross?: number;
  sectors?: SectorLimit[];
  l2?: number;
}

export interface MvResult {
  weights: Float64Array;
  objective: MvObjective;
  expectedReturn: number;
  volatility: number;
  sharpe: number;
  status: string;
  iterations?: number;
}

/** Relative tolerance on the efficient-risk volatility target. */
export const EFFICIENT_RISK_TOLERANCE = 1e-9;

// ---------------------------------------------------------------------------------------------------------
// Constraint normalisation and cheap feasibility checks

interface Sector {
  name: string;
  members: Int32Array;
  lower: number;
  upper: number;
}

interface Normalized {
  N: number;
  lower: Float64Array;
  upper: Float64Array;
  netLo: number;
  netHi: number;
  gross: number;
  sectors: Sector[];
  l2: number;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  return String(Number(x.toPrecision(4)));
}

function pct(x: number): string {
  return `${Number((x * 100).toPrecision(3))}%`;
}

function netLabel(lo: number, hi: number): string {
  if (lo === hi) {
    if (lo === 1) return '1 (fully invested)';
    if (lo === 0) return '0 (market-neutral)';
    return `net ${fmt(lo)}`;
  }
  return `net range [${fmt(lo)}, ${fmt(hi)}]`;
}

function expand(v: number | ArrayLike<number> | undefined, def: number, N: number, what: string): Float64Array {
  const out = new Float64Array(N);
  if (v === undefined) out.fill(def);
  else if (typeof v === 'number') out.fill(v);
  else {
    if (v.length !== N) throw new PortfolioError(`${what}: expected ${N} per-asset values, got ${v.length}`);
    for (let i = 0; i < N; i++) out[i] = v[i];
  }
  for (let i = 0; i < N; i++) if (Number.isNaN(out[i])) throw new PortfolioError(`${what}: NaN for asset ${i}`);
  return out;
}

function uniform(a: Float64Array): number | undefined {
  for (let i = 1; i < a.length; i++) if (a[i] !== a[0]) return undefined;
  return a[0];
}

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/** Absolute slack allowed in the up-front checks (weights are O(1)). */
const CHECK_TOL = 1e-12;

function normalize(N: number, c: MvConstraints): Normalized {
  const lower = expand(c.lower, 0, N, 'lower');
  const upper = expand(c.upper, 1, N, 'upper');
  for (let i = 0; i < N; i++) {
    if (lower[i] > upper[i]) throw new InfeasibleConstraintError(`asset ${i} bounds: lower ${fmt(lower[i])} > upper ${fmt(upper[i])}`);
    if (lower[i] === Infinity || upper[i] === -Infinity)
      throw new InfeasibleConstraintError(`asset ${i} bounds: [${fmt(lower[i])}, ${fmt(upper[i])}] admits no weight`);
  }
  let netLo: number;
  let netHi: number;
  if (c.net === undefined) netLo = netHi = 1;
  else if (typeof c.net === 'number') netLo = netHi = c.net;
  else [netLo, netHi] = c.net;
  if (Number.isNaN(netLo) || Number.isNaN(netHi)) throw new PortfolioError('net: NaN');
  if (netLo > netHi) throw new InfeasibleConstraintError(`net range: lower ${fmt(netLo)} > upper ${fmt(netHi)}`);
  const gross = c.gross ?? Infinity;
  if (Number.isNaN(gross)) throw new PortfolioError('gross: NaN');
  if (gross < 0) throw new InfeasibleConstraintError(`gross ${fmt(gross)} < 0`);
  const l2 = c.l2 ?? 0;
  if (!(Number.isFinite(l2) && l2 >= 0)) throw new PortfolioError(`l2: must be a finite number ≥ 0, got ${l2}`);

  // Per-asset bounds against the net constraint.
  const sumLo = sum(lower);
  const sumHi = sum(upper);
  const uLo = uniform(lower);
  const uHi = uniform(upper);
  if (sumHi < netLo - CHECK_TOL) {
    const lhs = uHi !== undefined ? `${N} assets × upper ${fmt(uHi)} = ${fmt(sumHi)}` : `sum of the upper bounds ${fmt(sumHi)}`;
    throw new InfeasibleConstraintError(`per-asset bounds: ${lhs} < ${netLabel(netLo, netHi)}`);
  }
  if (sumLo > netHi + CHECK_TOL) {
    const lhs = uLo !== undefined ? `${N} assets × lower ${fmt(uLo)} = ${fmt(sumLo)}` : `sum of the lower bounds ${fmt(sumLo)}`;
    throw new InfeasibleConstraintError(`per-asset bounds: ${lhs} > ${netLabel(netLo, netHi)}`);
  }

  // Gross against net and against the exposure the bounds force.
  if (gross < Infinity) {
    const netDist = netLo > 0 ? netLo : netHi < 0 ? -netHi : 0;
    if (gross < netDist - CHECK_TOL) throw new InfeasibleConstraintError(`gross ${fmt(gross)} < |net| ${fmt(netDist)}`);
    let forced = 0;
    for (let i = 0; i < N; i++) forced += Math.max(lower[i], 0, -upper[i]);
    if (forced > gross + CHECK_TOL)
      throw new InfeasibleConstraintError(`gross ${fmt(gross)} < ${fmt(forced)}, the gross exposure forced by the per-asset bounds`);
  }

  // Sectors.
  const sectors: Sector[] = [];
  const owner = new Int32Array(N).fill(-1);
  let disjoint = true;
  for (const s of c.sectors ?? []) {
    const lo = s.lower ?? -Infinity;
    const hi = s.upper ?? Infinity;
    if (Number.isNaN(lo) || Number.isNaN(hi)) throw new PortfolioError(`sector ${s.name}: NaN limit`);
    if (!s.members.length) throw new PortfolioError(`sector ${s.name}: no members`);
    const seen = new Set<number>();
    for (const m of s.members) {
      if (!Number.isInteger(m) || m < 0 || m >= N) throw new PortfolioError(`sector ${s.name}: member ${m} is not an asset index in [0, ${N})`);
      if (seen.has(m)) throw new PortfolioError(`sector ${s.name}: member ${m} listed twice`);
      seen.add(m);
      if (owner[m] >= 0) disjoint = false;
      owner[m] = sectors.length;
    }
    if (lo > hi) throw new InfeasibleConstraintError(`sector ${s.name}: lower ${fmt(lo)} > upper ${fmt(hi)}`);
    let mLo = 0;
    let mHi = 0;
    for (const m of s.members) {
      mLo += lower[m];
      mHi += upper[m];
    }
    if (lo > mHi + CHECK_TOL)
      throw new InfeasibleConstraintError(`sector ${s.name} lower ${fmt(lo)} > ${fmt(mHi)}, the sum of its ${s.members.length} members' upper bounds`);
    if (hi < mLo - CHECK_TOL)
      throw new InfeasibleConstraintError(`sector ${s.name} upper ${fmt(hi)} < ${fmt(mLo)}, the sum of its ${s.members.length} members' lower bounds`);
    sectors.push({ name: s.name, members: Int32Array.from(s.members), lower: lo, upper: hi });
  }
  if (disjoint && sectors.length) {
    // Σw = Σ_sectors (sector sums) + Σ_outside w, so the sector floors (ceilings) bound the net sum.
    let outLo = 0;
    let outHi = 0;
    for (let i = 0; i < N; i++) {
      if (owner[i] < 0) {
        outLo += lower[i];
        outHi += upper[i];
      }
    }
    const floors: string[] = [];
    const ceilings: string[] = [];
    let floorSum = outLo;
    let ceilSum = outHi;
    for (const s of sectors) {
      let mLo = 0;
      let mHi = 0;
      for (const m of s.members) {
        mLo += lower[m];
        mHi += upper[m];
      }
      const f = Math.max(s.lower, mLo);
      const g = Math.min(s.upper, mHi);
      floorSum += f;
      ceilSum += g;
      if (f !== 0) floors.push(s.lower >= mLo ? `sector ${s.name} lower ${fmt(f)}` : `sector ${s.name} members' lower bounds ${fmt(f)}`);
      if (g !== 0) ceilings.push(s.upper <= mHi ? `sector ${s.name} upper ${fmt(g)}` : `sector ${s.name} members' upper bounds ${fmt(g)}`);
    }
    if (outLo !== 0) floors.push(`other assets' lower bounds ${fmt(outLo)}`);
    if (outHi !== 0) ceilings.push(`other assets' upper bounds ${fmt(outHi)}`);
    if (floorSum > netHi + CHECK_TOL) throw new InfeasibleConstraintError(`${floors.join(' + ')} > ${fmt(netHi)}`);
    if (ceilSum < netLo - CHECK_TOL) throw new InfeasibleConstraintError(`${ceilings.length ? ceilings.join(' + ') : 'sector upper limits 0'} < ${fmt(netLo)}`);
  }
  return { N, lower, upper, netLo, netHi, gross, sectors, l2 };
}

// ---------------------------------------------------------------------------------------------------------
// Building the feasible set (standard or homogenised)

interface Built {
  n: number;
  lower: Float64Array;
  upper: Float64Array;
  rows: QpRow[];
  /** Index of κ in the homogenised problem (always N, right after the asset variables), −1 otherwise. */
  kappa: number;
  /**
   * Homogenised form only: the asset variables are z = y − κ·shift ≥ 0 where shift_i is a finite, nonzero
   * lower bound (0 elsewhere), so y = z + κ·shift and w = z/κ + shift. Turning the lower-bound rows
   * y_i ≥ lower_i·κ into column bounds z_i ≥ 0 leaves no free asset variable: HiGHS's active-set QP
   * (1.15) was seen to return NaN rows flagged "optimal" on homogenised problems with free y_i.
   */
  shift: Float64Array;
}

function buildFeasibleSet(cs: Normalized, homogeneous: boolean): Built {
  const { N, lower, upper, netLo, netHi, gross } = cs;
  const rows: QpRow[] = [];
  // Assets whose bounds straddle 0 need |w_i| through t_i when a gross limit can bind.
  let maxGross = 0;
  for (let i = 0; i < N; i++) maxGross += Math.max(Math.abs(lower[i]), Math.abs(upper[i]));
  const grossBinds = gross < Infinity && gross < maxGross - CHECK_TOL;
  let n = N;
  const kappa = homogeneous ? n++ : -1;
  const tIndex = new Int32Array(N).fill(-1);
  if (grossBinds) for (let i = 0; i < N; i++) if (lower[i] < 0 && upper[i] > 0) tIndex[i] = n++;
  const colLo = new Float64Array(n);
  const colHi = new Float64Array(n);
  for (let j = N; j < n; j++) {
    colLo[j] = 0;
    colHi[j] = Infinity;
  }
  const shift = new Float64Array(N);

  /** lo ≤ Σ values·x[indices] ≤ hi, homogenised to loκ ≤ … ≤ hiκ when needed. */
  const addRange = (indices: number[], values: number[], lo: number, hi: number): void => {
    if (lo === -Infinity && hi === Infinity) return;
    if (!homogeneous) {
      rows.push({ indices, values, lower: lo, upper: hi });
      return;
    }
    if (lo === hi) {
      rows.push({ indices: [...indices, kappa], values: [...values, -lo], lower: 0, upper: 0 });
      return;
    }
    if (lo > -Infinity) rows.push({ indices: [...indices, kappa], values: [...values, -lo], lower: 0, upper: Infinity });
    if (hi < Infinity) rows.push({ indices: [...indices, kappa], values: [...values, -hi], lower: -Infinity, upper: 0 });
  };

  // Per-asset bounds. In the homogenised form a finite lower bound becomes the column bound z_i ≥ 0 (see
  // `shift`), and an UPPER bound, which costs a row, is dropped when the kept constraints imply it: the net
  // row with every other asset's lower bound (w_i = Σw − Σ_{j≠i} w_j ≤ netHi − Σ_{j≠i} lower_j) or the
  // gross row (w_i ≤ G).
  const sumLo = sum(lower);
  const sumHi = sum(upper);
  const netRow = !(netLo <= sumLo && sumHi <= netHi);
  const grossCap = grossBinds ? gross : Infinity;
  for (let i = 0; i < N; i++) {
    if (!homogeneous) {
      colLo[i] = lower[i];
      colHi[i] = upper[i];
      continue;
    }
    if (lower[i] > -Infinity) {
      shift[i] = lower[i];
      colLo[i] = 0;
    } else {
      colLo[i] = -Infinity;
    }
    colHi[i] = Infinity;
    const impliedHi = Math.min(netRow ? netHi - (sumLo - lower[i]) : Infinity, grossCap);
    if (upper[i] < Infinity && !(upper[i] >= impliedHi)) {
      if (upper[i] === 0 && shift[i] === 0) colHi[i] = 0;
      else addRange([i], [1], -Infinity, upper[i]);
    }
  }

  // Net exposure, unless the per-asset bounds already imply it.
  if (netRow) {
    const idx: number[] = [];
    const val: number[] = [];
    for (let i = 0; i < N; i++) {
      idx.push(i);
      val.push(1);
    }
    addRange(idx, val, netLo, netHi);
  }

  for (const s of cs.sectors) addRange(Array.from(s.members), new Array<number>(s.members.length).fill(1), s.lower, s.upper);

  if (grossBinds) {
    const idx: number[] = [];
    const val: number[] = [];
    for (let i = 0; i < N; i++) {
      const t = tIndex[i];
      if (t >= 0) {
        rows.push({ indices: [i, t], values: [1, -1], lower: -Infinity, upper: 0 });
        rows.push({ indices: [i, t], values: [-1, -1], lower: -Infinity, upper: 0 });
        idx.push(t);
        val.push(1);
      } else if (lower[i] >= 0 && upper[i] > 0) {
        idx.push(i);
        val.push(1);
      } else if (upper[i] <= 0 && lower[i] < 0) {
        idx.push(i);
        val.push(-1);
      }
    }
    addRange(idx, val, -Infinity, gross);
  }
  if (homogeneous) for (const r of rows) substituteShift(r, shift, N, kappa);
  return { n, lower: colLo, upper: colHi, rows, kappa, shift };
}

/** Rewrites a row over y as one over (z, κ) with y = z + κ·shift (adds Σ a_i shift_i to κ's coefficient). */
function substituteShift(r: QpRow, shift: Float64Array, N: number, kappa: number): void {
  const idx = r.indices as number[];
  const val = r.values as number[];
  let extra = 0;
  let k = -1;
  for (let q = 0; q < idx.length; q++) {
    if (idx[q] < N) extra += val[q] * shift[idx[q]];
    else if (idx[q] === kappa) k = q;
  }
  if (extra === 0) return;
  if (k >= 0) val[k] += extra;
  else {
    idx.push(kappa);
    val.push(extra);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

function quadForm(cov: Float64Array, w: ArrayLike<number>, N: number): number {
  let q = 0;
  for (let i = 0; i < N; i++) {
    let acc = 0;
    const row = i * N;
    for (let j = 0; j < i; j++) acc += cov[row + j] * w[j];
    q += w[i] * (2 * acc + cov[row + i] * w[i]);
  }
  return q;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>, N: number): number {
  let s = 0;
  for (let i = 0; i < N; i++) s += a[i] * b[i];
  return s;
}

/** Hessian factor·Σ + diag·I as a dense N×N matrix (lower triangle filled; solveQp reads only that). */
function hessianOf(cov: Float64Array, N: number, factor: number, diag: number): Float64Array {
  const H = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    const row = i * N;
    for (let j = 0; j <= i; j++) H[row + j] = factor * cov[row + j];
    H[row + i] += diag;
  }
  return H;
}

function genericInfeasible(cs: Normalized): InfeasibleConstraintError {
  const parts = ['per-asset bounds', `net ${netLabel(cs.netLo, cs.netHi)}`];
  if (cs.sectors.length) parts.push(`${cs.sectors.length} sector limit(s)`);
  if (cs.gross < Infinity) parts.push(`gross ${fmt(cs.gross)}`);
  return new InfeasibleConstraintError(`constraint set (${parts.join(', ')}) admits no portfolio`, 'reported infeasible by the solver');
}

class Solver {
  iterations = 0;
  constructor(
    readonly mu: Float64Array,
    readonly cov: Float64Array,
    readonly cs: Normalized,
    readonly P: number,
  ) {}

  private run(built: Built, hessian: Float64Array | undefined, linear: Float64Array | undefined, extraRows: QpRow[] = []): QpSolution {
    const sol = solveQp({
      n: built.n,
      hessian,
      hessianDim: hessian ? this.cs.N : undefined,
      linear,
      lower: built.lower,
      upper: built.upper,
      rows: extraRows.length ? [...built.rows, ...extraRows] : built.rows,
    });
    this.iterations += sol.iterations;
    return sol;
  }

  /** Weights of an optimal standard-form solution; throws on the non-optimal statuses. */
  private weights(sol: QpSolution, onInfeasible: () => Error): Float64Array {
    if (sol.status === 'optimal') return sol.x.slice(0, this.cs.N);
    if (sol.status === 'infeasible') throw onInfeasible();
    if (sol.status === 'unbounded-or-infeasible') {
      const f = this.run(buildFeasibleSet(this.cs, false), undefined, undefined);
      if (f.status === 'infeasible') throw onInfeasible();
    }
    throw new SolverError(
      sol.status,
      `mean-variance problem is ${sol.status}: with unbounded per-asset weights the objective can diverge; give finite bounds or a gross limit`,
    );
  }

  /** min wᵀ(Σ + (γ/P)I)w (daily units; γ/P converts the annual-objective penalty). */
  minVariance(l2: number): Float64Array {
    const { N } = this.cs;
    const built = buildFeasibleSet(this.cs, false);
    const sol = this.run(built, hessianOf(this.cov, N, 2, (2 * l2) / this.P), undefined);
    return this.weights(sol, () => genericInfeasible(this.cs));
  }

  /** max μᵀw − (δ/2) wᵀΣw − (γ/P)‖w‖². */
  maxUtility(delta: number, l2: number): Float64Array {
    const { N } = this.cs;
    const built = buildFeasibleSet(this.cs, false);
    const c = new Float64Array(built.n);
    for (let i = 0; i < N; i++) c[i] = -this.mu[i];
    const sol = this.run(built, hessianOf(this.cov, N, delta, (2 * l2) / this.P), c);
    return this.weights(sol, () => genericInfeasible(this.cs));
  }

  /** max μᵀw − (γ/P)‖w‖² (an LP when γ = 0); null when unbounded. */
  maxReturn(l2: number, excess = 0): Float64Array | null {
    const { N } = this.cs;
    const built = buildFeasibleSet(this.cs, false);
    const c = new Float64Array(built.n);
    for (let i = 0; i < N; i++) c[i] = -(this.mu[i] - excess);
    const H = l2 > 0 ? hessianOf(this.cov, N, 0, (2 * l2) / this.P) : undefined;
    const sol = this.run(built, H, c);
    if (sol.status === 'unbounded' || sol.status === 'unbounded-or-infeasible') {
      // unbounded-or-infeasible: decide by a feasibility LP.
      if (sol.status === 'unbounded-or-infeasible') {
        const f = this.run(built, undefined, undefined);
        if (f.status === 'infeasible') throw genericInfeasible(this.cs);
      }
      return null;
    }
    return this.weights(sol, () => genericInfeasible(this.cs));
  }

  efficientReturn(targetAnnual: number, l2: number): Float64Array {
    const { N } = this.cs;
    const target = targetAnnual / this.P;
    const built = buildFeasibleSet(this.cs, false);
    const row: QpRow = { indices: Array.from({ length: N }, (_, i) => i), values: Array.from(this.mu), lower: target, upper: Infinity };
    const sol = this.run(built, hessianOf(this.cov, N, 2, (2 * l2) / this.P), undefined, [row]);
    return this.weights(sol, () => {
      const best = this.maxReturn(0);
      if (best === null) return genericInfeasible(this.cs);
      const maxRet = dot(this.mu, best, N) * this.P;
      return new InfeasibleConstraintError(`target return ${pct(targetAnnual)} above the maximum achievable return ${pct(maxRet)}`);
    });
  }

  efficientRisk(targetVolAnnual: number, l2: number): { w: Float64Array; status: string } {
    const { N } = this.cs;
    if (!(targetVolAnnual >= 0)) throw new PortfolioError(`efficient-risk: targetVolatility must be ≥ 0, got ${targetVolAnnual}`);
    const vol = (w: Float64Array) => Math.sqrt(Math.max(quadForm(this.cov, w, N), 0) * this.P);
    const wMin = this.minVariance(0);
    const volMin = vol(wMin);
    if (volMin > targetVolAnnual * (1 + EFFICIENT_RISK_TOLERANCE)) {
      throw new InfeasibleConstraintError(`target volatility ${pct(targetVolAnnual)} below the minimum-variance volatility ${pct(volMin)}`);
    }
    const wMax = this.maxReturn(l2);
    if (wMax !== null && vol(wMax) <= targetVolAnnual * (1 + EFFICIENT_RISK_TOLERANCE)) {
      return { w: wMax, status: 'optimal (volatility constraint not binding: the maximum-return portfolio is below the target)' };
    }
    if (volMin >= targetVolAnnual * (1 - EFFICIENT_RISK_TOLERANCE)) {
      return { w: wMin, status: 'optimal (target volatility equals the minimum-variance volatility)' };
    }
    // σ(w(δ)) decreases in δ. Bracket in decades, then Illinois on v = 1/δ.
    const f = (delta: number) => {
      const w = this.maxUtility(delta, l2);
      return { w, g: vol(w) - targetVolAnnual };
    };
    let muScale = 0;
    for (let i = 0; i < N; i++) muScale = Math.max(muScale, Math.abs(this.mu[i]));
    const sigmaDaily = targetVolAnnual / Math.sqrt(this.P);
    let delta = muScale > 0 ? muScale / (sigmaDaily * sigmaDaily) : 1;
    const first = f(delta);
    if (Math.abs(first.g) <= EFFICIENT_RISK_TOLERANCE * targetVolAnnual) return { w: first.w, status: 'optimal' };
    let lo = { delta, ...first }; // σ above target (g > 0) wants larger δ
    let hi = { delta, ...first };
    for (let k = 0; k < 60 && lo.g <= 0; k++) {
      delta /= 10;
      lo = { delta, ...f(delta) };
    }
    delta = hi.delta;
    for (let k = 0; k < 60 && hi.g > 0; k++) {
      delta *= 10;
      hi = { delta, ...f(delta) };
    }
    if (lo.g <= 0 || hi.g > 0)
      throw new SolverError('not bracketed', `efficient-risk: could not bracket the risk aversion for target volatility ${pct(targetVolAnnual)}`);
    // Illinois on v = 1/δ: g(v) increasing in v; a = hi (g ≤ 0, small v), b = lo (g > 0, large v).
    // `g` is the Illinois surrogate (halved when an end is kept twice), `gt` the true σ − target.
    let a = { v: 1 / hi.delta, g: hi.g, gt: hi.g, w: hi.w };
    let b = { v: 1 / lo.delta, g: lo.g, gt: lo.g, w: lo.w };
    let side = 0;
    for (let it = 0; it < 200; it++) {
      if (Math.abs(a.gt) <= EFFICIENT_RISK_TOLERANCE * targetVolAnnual) return { w: a.w, status: 'optimal' };
      if (Math.abs(b.gt) <= EFFICIENT_RISK_TOLERANCE * targetVolAnnual) return { w: b.w, status: 'optimal' };
      let v = (a.v * b.g - b.v * a.g) / (b.g - a.g);
      if (!(v > a.v && v < b.v)) v = 0.5 * (a.v + b.v);
      const c = f(1 / v);
      const cc = { v, g: c.g, gt: c.g, w: c.w };
      if (cc.g > 0) {
        b = cc;
        if (side === -1) a = { ...a, g: a.g / 2 };
        side = -1;
      } else {
        a = cc;
        if (side === 1) b = { ...b, g: b.g / 2 };
        side = 1;
      }
      if (b.v - a.v <= 1e-15 * b.v) break;
    }
    const ga = a.gt;
    const gb = b.gt;
    const best = Math.abs(ga) <= Math.abs(gb) ? a.w : b.w;
    const err = Math.min(Math.abs(ga), Math.abs(gb));
    if (err <= 1e-6 * targetVolAnnual) return { w: best, status: `optimal (volatility within ${(err / targetVolAnnual).toExponential(1)} of the target)` };
    throw new SolverError('not converged', `efficient-risk: risk-aversion search ended ${pct(err)} away from the target volatility ${pct(targetVolAnnual)}`);
  }

  maxSharpe(riskFreeAnnual: number, l2: number): Float64Array {
    const { N } = this.cs;
    const rf = riskFreeAnnual / this.P;
    const built = buildFeasibleSet(this.cs, true);
    // Ratio row in annual units: (P·μ − riskFree)ᵀ y = 1 (y, κ then come out O(1) for annual Sharpe ~ 1).
    const excess = new Float64Array(N);
    for (let i = 0; i < N; i++) excess[i] = (this.mu[i] - rf) * this.P;
    const idx: number[] = [];
    const val: number[] = [];
    for (let i = 0; i < N; i++) {
      if (excess[i] !== 0) {
        idx.push(i);
        val.push(excess[i]);
      }
    }
    const explain = (): Error => {
      let best: Float64Array | null;
      try {
        best = this.maxReturn(0, rf);
      } catch (e) {
        return e as Error;
      }
      if (best === null) return genericInfeasible(this.cs);
      const maxEx = dot(excess, best, N);
      if (maxEx <= 0) {
        return new InfeasibleConstraintError(
          `max-sharpe: no feasible portfolio has expected return above the risk-free rate ${pct(riskFreeAnnual)} (the best excess return is ${pct(maxEx)})`,
        );
      }
      return genericInfeasible(this.cs);
    };
    if (!idx.length) throw explain();
    const ratio: QpRow = { indices: idx, values: val, lower: 1, upper: 1 };
    substituteShift(ratio, built.shift, N, built.kappa);
    // Objective P·yᵀΣy + γ‖y‖² = ½ (z, κ)ᵀ H' (z, κ) with y = z + κ·shift:
    // H' = [[H, H·shift], [shiftᵀH, shiftᵀH·shift]], H = 2PΣ + 2γI.
    const H = hessianOf(this.cov, N, 2 * this.P, 2 * l2);
    const M = N + 1;
    const H1 = new Float64Array(M * M);
    let sHs = 0;
    for (let i = 0; i < N; i++) {
      let hs = 0;
      for (let j = 0; j < N; j++) {
        const hij = i >= j ? H[i * N + j] : H[j * N + i];
        H1[i * M + j] = hij;
        hs += hij * built.shift[j];
      }
      H1[N * M + i] = hs;
      H1[i * M + N] = hs;
      sHs += hs * built.shift[i];
    }
    H1[N * M + N] = sHs;
    const sol = solveQp({ n: built.n, hessian: H1, hessianDim: M, lower: built.lower, upper: built.upper, rows: [...built.rows, ratio] });
    this.iterations += sol.iterations;
    if (sol.status === 'infeasible') throw explain();
    if (sol.status !== 'optimal') throw new SolverError(sol.status, `max-sharpe: homogenised problem is ${sol.status}`);
    const kappa = sol.x[built.kappa];
    let zmax = 0;
    for (let i = 0; i < N; i++) zmax = Math.max(zmax, Math.abs(sol.x[i]));
    if (!(kappa > 1e-12 * Math.max(zmax, 1))) {
      throw new InfeasibleConstraintError(
        'max-sharpe: the Sharpe ratio is not attained — it is approached only as the weights diverge (κ → 0); give finite per-asset bounds or a gross limit',
      );
    }
    const w = new Float64Array(N);
    for (let i = 0; i < N; i++) w[i] = sol.x[i] / kappa + built.shift[i];
    return w;
  }
}

/** Largest violation of the (normalised) constraints at w, with what is violated. */
export function constraintViolation(w: ArrayLike<number>, cs: MvConstraints = {}): { violation: number; constraint: string } {
  const N = w.length;
  const n = normalize(N, cs);
  let worst = { violation: 0, constraint: 'none' };
  const note = (v: number, c: string) => {
    if (v > worst.violation) worst = { violation: v, constraint: c };
  };
  let s = 0;
  let g = 0;
  for (let i = 0; i < N; i++) {
    note(n.lower[i] - w[i], `asset ${i} lower bound`);
    note(w[i] - n.upper[i], `asset ${i} upper bound`);
    s += w[i];
    g += Math.abs(w[i]);
  }
  note(n.netLo - s, 'net lower');
  note(s - n.netHi, 'net upper');
  note(g - n.gross, 'gross');
  for (const sec of n.sectors) {
    let t = 0;
    for (const m of sec.members) t += w[m];
    note(sec.lower - t, `sector ${sec.name} lower`);
    note(t - sec.upper, `sector ${sec.name} upper`);
  }
  return worst;
}

/** Absolute tolerance of the post-solve feasibility check on the weights. */
const POST_TOL = 1e-7;

export function meanVariance(
  mu: ArrayLike<number>,
  cov: Float64Array,
  objective: MvObjective,
  constraints: MvConstraints = {},
  opts: { periodsPerYear?: number } = {},
): MvResult {
  const N = mu.length;
  if (N < 1) throw new PortfolioError('meanVariance: no assets');
  if (cov.length !== N * N) throw new PortfolioError(`meanVariance: covariance has ${cov.length} entries, expected ${N}² = ${N * N}`);
  const P = opts.periodsPerYear ?? 252;
  if (!(Number.isFinite(P) && P > 0)) throw new PortfolioError(`meanVariance: periodsPerYear must be > 0, got ${P}`);
  const muArr = Float64Array.from(mu);
  for (let i = 0; i < N; i++) if (!Number.isFinite(muArr[i])) throw new PortfolioError(`meanVariance: expected return of asset ${i} is not finite`);
  let trace = 0;
  for (let i = 0; i < N; i++) {
    const d = cov[i * N + i];
    if (!(Number.isFinite(d) && d >= 0)) throw new PortfolioError(`meanVariance: variance of asset ${i} is ${d}`);
    trace += d;
  }
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < i; j++) {
      const a = cov[i * N + j];
      if (!Number.isFinite(a)) throw new PortfolioError(`meanVariance: covariance (${i}, ${j}) is not finite`);
      if (Math.abs(a - cov[j * N + i]) > 1e-10 * Math.max(trace, Number.MIN_VALUE))
        throw new PortfolioError(`meanVariance: covariance is not symmetric at (${i}, ${j})`);
    }
  }
  const cs = normalize(N, constraints);
  const solver = new Solver(muArr, cov, cs, P);
  let w: Float64Array;
  let status = 'optimal';
  switch (objective.kind) {
    case 'min-variance':
      w = solver.minVariance(cs.l2);
      break;
    case 'max-utility': {
      const delta = objective.riskAversion ?? 1;
      if (!(Number.isFinite(delta) && delta > 0)) throw new PortfolioError(`max-utility: riskAversion must be > 0, got ${delta}`);
      w = solver.maxUtility(delta, cs.l2);
      break;
    }
    case 'efficient-return':
      if (!Number.isFinite(objective.targetReturn)) throw new PortfolioError('efficient-return: targetReturn must be finite');
      w = solver.efficientReturn(objective.targetReturn, cs.l2);
      break;
    case 'efficient-risk': {
      const r = solver.efficientRisk(objective.targetVolatility, cs.l2);
      w = r.w;
      status = r.status;
      break;
    }
    case 'max-sharpe': {
      const rf = objective.riskFree ?? 0;
      if (!Number.isFinite(rf)) throw new PortfolioError('max-sharpe: riskFree must be finite');
      w = solver.maxSharpe(rf, cs.l2);
      break;
    }
    default:
      throw new PortfolioError(`meanVariance: unknown objective ${JSON.stringify(objective)}`);
  }
  const check = constraintViolation(w, constraints);
  if (check.violation > POST_TOL) {
    throw new SolverError('inaccurate', `${objective.kind}: solution violates the ${check.constraint} by ${check.violation.toExponential(2)}`);
  }
  const expectedReturn = dot(muArr, w, N) * P;
  const volatility = Math.sqrt(Math.max(quadForm(cov, w, N), 0) * P);
  const rf = objective.kind === 'max-sharpe' ? (objective.riskFree ?? 0) : 0;
  const sharpe = volatility > 0 ? (expectedReturn - rf) / volatility : NaN;
  return { weights: w, objective, expectedReturn, volatility, sharpe, status, iterations: solver.iterations };
}
