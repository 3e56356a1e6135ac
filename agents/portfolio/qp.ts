/**
 * The quadratic-program layer: min ½xᵀHx + cᵀx  s.t.  rowLower ≤ Ax ≤ rowUpper,  lower ≤ x ≤ upper,
 * with H positive SEMIdefinite. Primary solver: HiGHS (the `highs` npm package, HiGHS 1.15 compiled to
 * WebAssembly; its QP solver is a primal active-set method), given the model through highs-js's structured
 * API (CSR rows, lower-triangular CSC Hessian), not as LP-format text. Every HiGHS answer is verified; the
 * verified fallback is `quadprog` (Goldfarb–Idnani dual active set, a port of R's quadprog).
 *
 * Why HiGHS first and not `quadprog` alone (measured for this choice on the 2-core shared dev machine,
 * Node 20; one long-only max-Sharpe solve in the homogenised form, one-factor synthetic returns; medians):
 *
 *   problem                  quadprog 1.6.1 (Goldfarb–Idnani)   highs 1.15.3, structured API          highs, LP text
 *   27 assets, 252 days      4.4 ms (2 warm-ups), 1.3 ms (50)   2.4 ms default; 1.7 ms scaled (below)  25–28 ms
 *   500 assets, 756 days     8 250 ms                           61 ms default; 36 ms scaled            ~700 ms (4.5 MB text)
 *
 * Through this layer and meanVariance (scripts/bench/portfolio-solve.ts, verification included): 0.9–1.3 ms
 * for 27 assets once V8 has tiered up (≈ 0.8 ms of it inside HiGHS's run()), 42–77 ms for 500, with other
 * jobs loading the 2 cores.
 *
 * - quadprog needs a strictly positive-definite Hessian, so every variable with no quadratic term (κ of
 *   max-Sharpe, t ≥ |w| of gross limits) needs an artificial ridge; it takes dense 1-indexed nested arrays,
 *   and at 500 assets it is two orders of magnitude too slow for the 200 ms goal.
 * - HiGHS accepts a PSD Hessian as is (`qp_regularization_value` is set to 0, so no ridge), reports
 *   infeasibility as a status and is actively maintained (HiGHS is also the engine behind SciPy's linprog
 *   and milp). Parsing LP-format text costs more than solving (≈ 0.7 s for a dense 500×500 Hessian), hence
 *   the structured API.
 * - On the raw daily problem (Hessian entries ~1e-4) HiGHS's defaults are not small: its regularisation 1e-7
 *   moved the weights by 6e-5 against quadprog's exact answer, and one variant cycled to the iteration
 *   limit. So every problem is SCALED: the objective by 1/max(mean |diag H|, max |c|) and each row by
 *   1/max|coefficient|; solution and multipliers are unscaled. Scaled, with regularisation 0, HiGHS
 *   reproduces quadprog's Sharpe ratio to 15 digits.
 * - HiGHS's active-set QP is not always right. On random small portfolio problems it occasionally returned
 *   NaN weights flagged "optimal" (degenerate active sets, well-conditioned Hessian), failed with an
 *   internal error, cycled to the iteration limit, or returned a non-stationary point; in 24 722 solves of
 *   the property-test generator 107 (0.4%) needed the fallback, and none was left unsolved. So a HiGHS
 *   "optimal" is accepted only after `verify` (finite; feasible to 1e-7; stationary to 1e-6 with correctly
 *   signed, complementary multipliers, all on the scaled problem). Otherwise, and when HiGHS errors, stops
 *   at a limit, or calls a problem with every variable bounded "unbounded", quadprog solves it and is
 *   verified the same way. A small "infeasible" problem (≤ 200 variables) gets quadprog's second opinion.
 *   The fallback's ridge (1e-9 × mean |diag H̃|, only on variables without curvature, or on all if the
 *   Hessian is still singular) is why its answer is verified against the unridged problem.
 *
 * Multipliers follow one sign convention: at an optimum, Hx + c = Aᵀ·rowDual + colDual, so a multiplier
 * is ≥ 0 on an active lower bound and ≤ 0 on an active upper bound (HiGHS's own convention, unscaled).
 */
import loadHighs from 'highs';
import { createRequire } from 'node:module';
import { SolverError } from './errors.ts';

const highs = await loadHighs();
const INF = highs.infinity;
const STATUS = highs.constants.modelStatus;
const STATUS_NAME = new Map<number, string>(Object.entries(STATUS).map(([name, code]) => [code as number, name]));

/** quadprog 1.6.1 (CommonJS, untyped): min −dᵀb + ½bᵀDb s.t. Aᵀb ≥ b0, the first meq as equalities; 1-indexed. */
interface QuadprogResult {
  solution?: number[];
  Lagrangian?: number[];
  iterations?: number[];
  message: string;
}
const quadprog = createRequire(import.meta.url)('quadprog') as {
  solveQP(D: number[][], d: number[], A: number[][], b: number[], meq: number): QuadprogResult;
};

export interface QpRow {
  /** Variable indices (no duplicates) and their coefficients. */
  indices: ArrayLike<number>;
  values: ArrayLike<number>;
  /** −Infinity / +Infinity for a one-sided row; equal values for an equality. */
  lower: number;
  upper: number;
}

export interface QpProblem {
  /** Number of variables. */
  n: number;
  /**
   * Dense symmetric PSD Hessian of the first `hessianDim` variables (row-major hessianDim × hessianDim; only
   * the lower triangle is read). Variables from `hessianDim` on have no quadratic term. Omit for an LP.
   */
  hessian?: Float64Array;
  hessianDim?: number;
  /** Linear objective c (length n), default 0. */
  linear?: ArrayLike<number>;
  /** Column bounds (±Infinity allowed), length n. */
  lower: ArrayLike<number>;
  upper: ArrayLike<number>;
  rows: QpRow[];
}

export type QpStatus = 'optimal' | 'infeasible' | 'unbounded' | 'unbounded-or-infeasible';

export interface QpSolution {
  status: QpStatus;
  /** Primal solution (meaningful when status is 'optimal'). */
  x: Float64Array;
  /** ½xᵀHx + cᵀx at x, unscaled. */
  objective: number;
  /** Row multipliers y and column multipliers z with Hx + c = Aᵀy + z. */
  rowDual: Float64Array;
  colDual: Float64Array;
  iterations: number;
  /** Which library produced the answer ('quadprog' only as the verified fallback). */
  solver: 'highs' | 'quadprog';
  /** Why the fallback ran, when it did. */
  note?: string;
}

export interface QpOptions {
  /** Active-set iteration cap (default 20·(n + rows) + 1000). */
  iterationLimit?: number;
  /** Seconds (default 120). */
  timeLimit?: number;
  /** 'auto' (default): HiGHS, verified, quadprog when that fails. The others force one library (tests). */
  solver?: 'auto' | 'highs' | 'quadprog';
}

/** How often each path ran in this process (diagnostics). */
export const qpStats = { highs: 0, fallbacks: 0 };

/** Feasibility and stationarity tolerances of the verification, on the scaled problem. */
const PRIMAL_TOL = 1e-7;
const DUAL_TOL = 1e-6;
/** Fallback only: ridge (× mean |diag H̃|, at least 1) on variables without curvature, as quadprog needs PD. */
const FALLBACK_RIDGE = 1e-9;

function toHighsBound(v: number): number {
  if (v === Infinity) return INF;
  if (v === -Infinity) return -INF;
  return v;
}

/** The problem after scaling: objective × objScale, row i × rowScale[i]; bounds as ±Infinity. */
interface Scaled {
  n: number;
  m: number;
  hDim: number;
  objScale: number;
  rowScale: Float64Array;
  c: Float64Array;
  colLower: Float64Array;
  colUpper: Float64Array;
  starts: Int32Array;
  indices: Int32Array;
  values: Float64Array;
  rowLower: Float64Array;
  rowUpper: Float64Array;
  /** Scaled Hessian, hDim × hDim dense, full (both triangles). */
  H: Float64Array;
}

function scale(p: QpProblem): Scaled {
  const { n, rows } = p;
  const hDim = p.hessian ? (p.hessianDim ?? n) : 0;
  if (hDim > n) throw new SolverError('invalid', `solveQp: hessianDim ${hDim} exceeds the ${n} variables`);
  if (p.hessian && p.hessian.length !== hDim * hDim) throw new SolverError('invalid', `solveQp: Hessian has ${p.hessian.length} entries, expected ${hDim}²`);
  const m = rows.length;
  let diagMean = 0;
  for (let i = 0; i < hDim; i++) diagMean += Math.abs(p.hessian![i * hDim + i]);
  diagMean = hDim > 0 ? diagMean / hDim : 0;
  let cMax = 0;
  if (p.linear) for (let j = 0; j < n; j++) cMax = Math.max(cMax, Math.abs(p.linear[j]));
  const objScale = diagMean > 0 || cMax > 0 ? 1 / Math.max(diagMean, cMax) : 1;
  const c = new Float64Array(n);
  if (p.linear) for (let j = 0; j < n; j++) c[j] = objScale * p.linear[j];
  const colLower = Float64Array.from({ length: n }, (_, j) => p.lower[j]);
  const colUpper = Float64Array.from({ length: n }, (_, j) => p.upper[j]);
  let nnz = 0;
  for (const r of rows) nnz += r.indices.length;
  const starts = new Int32Array(m + 1);
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  const rowLower = new Float64Array(m);
  const rowUpper = new Float64Array(m);
  const rowScale = new Float64Array(m);
  let k = 0;
  for (let i = 0; i < m; i++) {
    const r = rows[i];
    let amax = 0;
    for (let q = 0; q < r.values.length; q++) amax = Math.max(amax, Math.abs(r.values[q]));
    const s = amax > 0 ? 1 / amax : 1;
    rowScale[i] = s;
    for (let q = 0; q < r.indices.length; q++) {
      indices[k] = r.indices[q];
      values[k] = r.values[q] * s;
      k++;
    }
    starts[i + 1] = k;
    rowLower[i] = r.lower * s;
    rowUpper[i] = r.upper * s;
  }
  const H = new Float64Array(hDim * hDim);
  for (let i = 0; i < hDim; i++) {
    for (let j = 0; j <= i; j++) {
      const v = p.hessian![i * hDim + j] * objScale;
      H[i * hDim + j] = v;
      H[j * hDim + i] = v;
    }
  }
  return { n, m, hDim, objScale, rowScale, c, colLower, colUpper, starts, indices, values, rowLower, rowUpper, H };
}

interface RawResult {
  status: QpStatus | 'failed';
  x: Float64Array;
  rowDual: Float64Array;
  colDual: Float64Array;
  iterations: number;
  detail: string;
}

function runHighs(sp: Scaled, iterationLimit: number, timeLimit: number): RawResult {
  const { n, m, hDim, H } = sp;
  let hessian;
  if (hDim > 0) {
    let hnnz = 0;
    for (let j = 0; j < hDim; j++) for (let i = j; i < hDim; i++) if (H[i * hDim + j] !== 0) hnnz++;
    const hStarts = new Int32Array(n + 1);
    const hIdx = new Int32Array(hnnz);
    const hVal = new Float64Array(hnnz);
    let q = 0;
    for (let j = 0; j < hDim; j++) {
      for (let i = j; i < hDim; i++) {
        const v = H[i * hDim + j];
        if (v !== 0) {
          hIdx[q] = i;
          hVal[q] = v;
          q++;
        }
      }
      hStarts[j + 1] = q;
    }
    for (let j = hDim; j < n; j++) hStarts[j + 1] = q;
    hessian = { format: 'triangular' as const, dimension: n, starts: hStarts, indices: hIdx, values: hVal };
  }
  const model = {
    numCols: n,
    numRows: m,
    colCost: sp.c,
    colLower: sp.colLower.map(toHighsBound),
    colUpper: sp.colUpper.map(toHighsBound),
    rowLower: sp.rowLower.map(toHighsBound),
    rowUpper: sp.rowUpper.map(toHighsBound),
    matrix: { format: 'csr' as const, numRows: m, numCols: n, starts: sp.starts, indices: sp.indices, values: sp.values },
    ...(hessian ? { hessian } : {}),
  };
  try {
    return highs.withModel(model, (md) => {
      md.options.set({
        output_flag: false,
        time_limit: timeLimit,
        qp_iteration_limit: iterationLimit,
        simplex_iteration_limit: iterationLimit,
        qp_regularization_value: 0,
      });
      md.run();
      const code = md.getModelStatus() as number;
      const sol = md.getSolution();
      const iterations = Number(hDim > 0 ? md.info.get('qp_iteration_count') : md.info.get('simplex_iteration_count'));
      const status: RawResult['status'] =
        code === STATUS.optimal
          ? 'optimal'
          : code === STATUS.infeasible
            ? 'infeasible'
            : code === STATUS.unbounded
              ? 'unbounded'
              : code === STATUS.unboundedOrInfeasible
                ? 'unbounded-or-infeasible'
                : 'failed';
      const detail = status === 'failed' ? `HiGHS model status "${STATUS_NAME.get(code) ?? code}" after ${iterations} iterations` : `HiGHS ${status}`;
      return {
        status,
        x: Float64Array.from(sol.colValue),
        rowDual: Float64Array.from(sol.rowDual),
        colDual: Float64Array.from(sol.colDual),
        iterations,
        detail,
      };
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return {
      status: 'failed',
      x: new Float64Array(n),
      rowDual: new Float64Array(m),
      colDual: new Float64Array(n),
      iterations: 0,
      detail: `HiGHS error: ${msg}`,
    };
  }
}

/**
 * quadprog (Goldfarb–Idnani dual active set) on the scaled problem. It needs a positive-definite Hessian:
 * variables without curvature get the ridge FALLBACK_RIDGE·max(1, mean |diag H̃|), and if the Hessian is
 * still not PD the same ridge goes on every variable. The answer is verified against the unridged problem.
 */
function runQuadprog(sp: Scaled): RawResult {
  const { n, m, hDim, H } = sp;
  let diagMean = 0;
  for (let i = 0; i < hDim; i++) diagMean += Math.abs(H[i * hDim + i]);
  const ridge = FALLBACK_RIDGE * Math.max(1, hDim > 0 ? diagMean / hDim : 1);
  // Constraints Aᵀx ≥ b: equalities first (meq), then one-sided rows and bounds. `map` records where each
  // quadprog column came from: [kind 0 row / 1 column, index, sign].
  const cols: { a: Map<number, number>; b: number; kind: 0 | 1; index: number; sign: number }[] = [];
  const eqs: typeof cols = [];
  for (let i = 0; i < m; i++) {
    const a = new Map<number, number>();
    for (let q = sp.starts[i]; q < sp.starts[i + 1]; q++) a.set(sp.indices[q], (a.get(sp.indices[q]) ?? 0) + sp.values[q]);
    const lo = sp.rowLower[i];
    const hi = sp.rowUpper[i];
    if (lo === hi) eqs.push({ a, b: lo, kind: 0, index: i, sign: 1 });
    else {
      if (lo > -Infinity) cols.push({ a, b: lo, kind: 0, index: i, sign: 1 });
      if (hi < Infinity) cols.push({ a: new Map([...a].map(([j, v]) => [j, -v])), b: -hi, kind: 0, index: i, sign: -1 });
    }
  }
  for (let j = 0; j < n; j++) {
    const lo = sp.colLower[j];
    const hi = sp.colUpper[j];
    if (lo === hi) eqs.push({ a: new Map([[j, 1]]), b: lo, kind: 1, index: j, sign: 1 });
    else {
      if (lo > -Infinity) cols.push({ a: new Map([[j, 1]]), b: lo, kind: 1, index: j, sign: 1 });
      if (hi < Infinity) cols.push({ a: new Map([[j, -1]]), b: -hi, kind: 1, index: j, sign: -1 });
    }
  }
  const all = [...eqs, ...cols];
  const q = all.length;
  const attempt = (ridgeAll: boolean): QuadprogResult => {
    const D: number[][] = [[]];
    for (let i = 0; i < n; i++) {
      const row = new Array<number>(n + 1).fill(0);
      if (i < hDim) for (let j = 0; j < hDim; j++) row[j + 1] = H[i * hDim + j];
      if (i >= hDim || ridgeAll) row[i + 1] += ridge;
      D.push(row);
    }
    const d = [0, ...Array.from(sp.c, (v) => -v)];
    const A: number[][] = [[]];
    for (let i = 0; i < n; i++) A.push(new Array<number>(q + 1).fill(0));
    const b = [0];
    all.forEach((col, k) => {
      for (const [j, v] of col.a) A[j + 1][k + 1] = v;
      b.push(col.b);
    });
    if (q === 0) {
      // quadprog needs at least one constraint column: add the trivial 0 ≥ −1.
      for (let i = 0; i < n; i++) A[i + 1].push(0);
      A[1][1] = 0;
      b.push(-1);
    }
    return quadprog.solveQP(D, d, A, b, eqs.length);
  };
  let res = attempt(false);
  if (/not positive definite/.test(res.message)) res = attempt(true);
  const x = new Float64Array(n);
  const rowDual = new Float64Array(m);
  const colDual = new Float64Array(n);
  const iterations = res.iterations?.[1] ?? 0;
  if (/inconsistent/.test(res.message)) return { status: 'infeasible', x, rowDual, colDual, iterations, detail: `quadprog: ${res.message}` };
  if (res.message || !res.solution) return { status: 'failed', x, rowDual, colDual, iterations, detail: `quadprog: ${res.message || 'no solution'}` };
  for (let j = 0; j < n; j++) x[j] = res.solution[j + 1];
  // Inequality multipliers as quadprog reports them (≥ 0). Its equality multipliers are not used: it turns
  // an equality into whichever inequality is currently violated (negating the column in place), so their sign
  // is unreliable. They are recovered instead by least squares from stationarity,
  // Hx + c − Σ_ineq λ_k a_k = Σ_eq μ_e a_e.
  all.forEach((col, k) => {
    if (k < eqs.length) return;
    const lam = res.Lagrangian?.[k + 1] ?? 0;
    if (col.kind === 0) rowDual[col.index] += col.sign * lam;
    else colDual[col.index] += col.sign * lam;
  });
  if (eqs.length) {
    const r = new Float64Array(n);
    for (let i = 0; i < hDim; i++) {
      let acc = 0;
      for (let j = 0; j < hDim; j++) acc += H[i * hDim + j] * x[j];
      r[i] = acc;
    }
    for (let j = 0; j < n; j++) r[j] += sp.c[j] - colDual[j];
    for (let i = 0; i < m; i++) {
      if (rowDual[i] === 0) continue;
      for (let qq = sp.starts[i]; qq < sp.starts[i + 1]; qq++) r[sp.indices[qq]] -= rowDual[i] * sp.values[qq];
    }
    const E = eqs.length;
    const G = new Float64Array(E * E);
    const rhs = new Float64Array(E);
    for (let a = 0; a < E; a++) {
      for (const [j, v] of eqs[a].a) rhs[a] += v * r[j];
      for (let bb = 0; bb <= a; bb++) {
        let g = 0;
        for (const [j, v] of eqs[a].a) g += v * (eqs[bb].a.get(j) ?? 0);
        G[a * E + bb] = G[bb * E + a] = g;
      }
    }
    const mu = solveSymmetric(G, rhs, E);
    eqs.forEach((col, a) => {
      if (col.kind === 0) rowDual[col.index] += mu[a];
      else colDual[col.index] += mu[a];
    });
  }
  return { status: 'optimal', x, rowDual, colDual, iterations, detail: 'quadprog optimal' };
}

/** Solves the small symmetric system Gμ = b by Gaussian elimination with partial pivoting (μ = 0 on null directions). */
function solveSymmetric(G: Float64Array, b: Float64Array, k: number): Float64Array {
  const a = Float64Array.from(G);
  const x = Float64Array.from(b);
  let scale = 0;
  for (let i = 0; i < k; i++) scale = Math.max(scale, Math.abs(a[i * k + i]));
  const tiny = 1e-13 * Math.max(scale, Number.MIN_VALUE);
  const ok = new Uint8Array(k);
  for (let c = 0; c < k; c++) {
    let best = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r * k + c]) > Math.abs(a[best * k + c])) best = r;
    if (Math.abs(a[best * k + c]) <= tiny) continue; // dependent equality: leave its multiplier at 0
    if (best !== c) {
      for (let j = 0; j < k; j++) [a[c * k + j], a[best * k + j]] = [a[best * k + j], a[c * k + j]];
      [x[c], x[best]] = [x[best], x[c]];
    }
    ok[c] = 1;
    for (let r = c + 1; r < k; r++) {
      const f = a[r * k + c] / a[c * k + c];
      if (f === 0) continue;
      for (let j = c; j < k; j++) a[r * k + j] -= f * a[c * k + j];
      x[r] -= f * x[c];
    }
  }
  const mu = new Float64Array(k);
  for (let c = k - 1; c >= 0; c--) {
    if (!ok[c]) continue;
    let s = x[c];
    for (let j = c + 1; j < k; j++) s -= a[c * k + j] * mu[j];
    mu[c] = s / a[c * k + c];
  }
  return mu;
}

/** Primal feasibility and stationarity (with multiplier signs) of a candidate on the scaled problem. */
function verify(sp: Scaled, r: RawResult): string | null {
  const { n, m, hDim, H } = sp;
  const { x, rowDual: y, colDual: z } = r;
  for (let j = 0; j < n; j++) if (!Number.isFinite(x[j]) || !Number.isFinite(z[j])) return `non-finite value for variable ${j}`;
  for (let i = 0; i < m; i++) if (!Number.isFinite(y[i])) return `non-finite multiplier for row ${i}`;
  const g = new Float64Array(n);
  let scaleG = 1;
  for (let i = 0; i < hDim; i++) {
    let acc = 0;
    for (let j = 0; j < hDim; j++) acc += H[i * hDim + j] * x[j];
    g[i] = acc;
    scaleG = Math.max(scaleG, Math.abs(acc));
  }
  for (let j = 0; j < n; j++) {
    g[j] += sp.c[j] - z[j];
    scaleG = Math.max(scaleG, Math.abs(sp.c[j]));
  }
  const dualTol = DUAL_TOL * scaleG;
  const side = (v: number, lo: number, hi: number, mult: number, what: string): string | null => {
    const tl = PRIMAL_TOL * (1 + Math.abs(lo));
    const th = PRIMAL_TOL * (1 + Math.abs(hi));
    if (v < lo - tl || v > hi + th) return `${what} violated: ${v} not in [${lo}, ${hi}]`;
    const atLo = v <= lo + tl;
    const atHi = v >= hi - th;
    if (!atLo && mult > dualTol) return `${what}: positive multiplier ${mult} off its lower limit`;
    if (!atHi && mult < -dualTol) return `${what}: negative multiplier ${mult} off its upper limit`;
    return null;
  };
  for (let j = 0; j < n; j++) {
    const e = side(x[j], sp.colLower[j], sp.colUpper[j], z[j], `bound of variable ${j}`);
    if (e) return e;
  }
  for (let i = 0; i < m; i++) {
    let ax = 0;
    for (let q = sp.starts[i]; q < sp.starts[i + 1]; q++) {
      ax += sp.values[q] * x[sp.indices[q]];
      g[sp.indices[q]] -= y[i] * sp.values[q];
    }
    const e = side(ax, sp.rowLower[i], sp.rowUpper[i], y[i], `row ${i}`);
    if (e) return e;
  }
  let worst = 0;
  for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(g[j]));
  if (worst > dualTol) return `stationarity residual ${worst.toExponential(2)} > ${dualTol.toExponential(2)}`;
  return null;
}

function unscale(p: QpProblem, sp: Scaled, r: RawResult, solver: 'highs' | 'quadprog', note?: string): QpSolution {
  const { n, m } = sp;
  const rowDual = new Float64Array(m);
  for (let i = 0; i < m; i++) rowDual[i] = r.rowDual[i] * (sp.rowScale[i] / sp.objScale);
  const colDual = new Float64Array(n);
  for (let j = 0; j < n; j++) colDual[j] = r.colDual[j] / sp.objScale;
  const x = r.x;
  let objective = 0;
  if (p.linear) for (let j = 0; j < n; j++) objective += p.linear[j] * x[j];
  const hDim = sp.hDim;
  if (hDim > 0) {
    const H = p.hessian!;
    let quad = 0;
    for (let i = 0; i < hDim; i++) {
      let acc = 0;
      for (let j = 0; j < i; j++) acc += H[i * hDim + j] * x[j];
      quad += x[i] * (2 * acc + H[i * hDim + i] * x[i]);
    }
    objective += 0.5 * quad;
  }
  const status = r.status === 'failed' ? 'optimal' : r.status;
  return { status, x, objective, rowDual, colDual, iterations: r.iterations, solver, ...(note ? { note } : {}) };
}

/**
 * Solves the QP (or LP when there is no Hessian). HiGHS runs first; an "optimal" answer is accepted only if
 * it passes `verify` (finite, feasible to 1e-7 and stationary to 1e-6 with correctly signed multipliers, on
 * the scaled problem). HiGHS 1.15's active-set QP was seen to return NaN weights flagged optimal on small,
 * well-conditioned, degenerate problems (a known class of upstream QP issues), so in 'auto' mode a rejected
 * answer, a HiGHS error, or an "infeasible"/"unbounded" claim on a problem with every variable bounded is
 * re-solved with quadprog and verified the same way. Throws SolverError when neither gives a verified answer.
 */
export function solveQp(p: QpProblem, opts: QpOptions = {}): QpSolution {
  const sp = scale(p);
  const mode = opts.solver ?? 'auto';
  const iterationLimit = opts.iterationLimit ?? 20 * (sp.n + sp.m) + 1000;
  const timeLimit = opts.timeLimit ?? 120;
  const kind = sp.hDim > 0 ? 'QP' : 'LP';
  let why = '';
  if (mode !== 'quadprog') {
    const h = runHighs(sp, iterationLimit, timeLimit);
    if (h.status === 'optimal') {
      const bad = verify(sp, h);
      if (!bad) {
        qpStats.highs++;
        return unscale(p, sp, h, 'highs');
      }
      why = `HiGHS answer rejected: ${bad}`;
    } else if (h.status !== 'failed') {
      let allBounded = true;
      for (let j = 0; j < sp.n; j++) if (!(Number.isFinite(sp.colLower[j]) && Number.isFinite(sp.colUpper[j]))) allBounded = false;
      if (h.status === 'infeasible' || !allBounded || mode === 'highs') {
        if (h.status === 'infeasible' && mode === 'auto' && sp.n <= 200) {
          // Cheap second opinion on small problems: quadprog detects inconsistent constraints.
          const qv = runQuadprog(sp);
          if (qv.status === 'optimal' && !verify(sp, qv)) {
            qpStats.fallbacks++;
            return unscale(p, sp, qv, 'quadprog', 'HiGHS reported infeasible; quadprog found a verified optimum');
          }
        }
        qpStats.highs++;
        return unscale(p, sp, h, 'highs');
      }
      why = `HiGHS reported ${h.status} although every variable is bounded`;
    } else {
      why = h.detail;
    }
    if (mode === 'highs') throw new SolverError('rejected', `HiGHS did not solve the ${kind} (${sp.n} variables, ${sp.m} rows): ${why}`);
  }
  const q = runQuadprog(sp);
  if (q.status === 'infeasible') {
    qpStats.fallbacks++;
    return unscale(p, sp, q, 'quadprog', why || undefined);
  }
  const bad = q.status === 'optimal' ? verify(sp, q) : q.detail;
  if (!bad) {
    qpStats.fallbacks++;
    return unscale(p, sp, q, 'quadprog', why || undefined);
  }
  throw new SolverError(
    why ? 'rejected' : 'failed',
    `no verified solution of the ${kind} (${sp.n} variables, ${sp.m} rows): ${why ? `${why}; ` : ''}quadprog: ${bad}. Causes include a Hessian that is not positive semidefinite and an objective unbounded below (unbounded weights)`,
  );
}
