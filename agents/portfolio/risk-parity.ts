/**
 * Risk-based allocations on a covariance matrix (any units; the weights do not depend on them).
 *
 * - `riskParity`: equal-risk-contribution (ERC) or risk-budgeting weights, long-only and fully invested:
 *   RC_i = w_i (Σw)_i = b_i · wᵀΣw with budgets b (default 1/N, normalised to sum 1). Solved by Newton's
 *   method on Spinu's (2013) strictly convex formulation
 *       min_x F(x) = ½ xᵀΣx − Σ_i b_i ln x_i,   x > 0,
 *   whose unique minimiser satisfies x_i (Σx)_i = b_i, so w = x / Σx. Newton steps d = −(Σ + diag(b/x²))⁻¹ ∇F
 *   with a backtracking (Armijo) line search that keeps x > 0; F is strictly convex, so this converges
 *   globally and quadratically near the solution. Stopping rule: the maximum relative deviation
 *   max_i |RC_i / (b_i wᵀΣw) − 1| ≤ tol (default 1e-10); otherwise SolverError after maxIter (default 200).
 * - `inverseVolatility`: w_i ∝ 1/σ_i.
 */
import { PortfolioError, SolverError } from './errors.ts';

function checkCov(cov: Float64Array, n: number, what: string): Float64Array {
  if (!Number.isInteger(n) || n < 1 || cov.length !== n * n) throw new PortfolioError(`${what}: expected an ${n}×${n} covariance, got ${cov.length} values`);
  const sd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = cov[i * n + i];
    if (!(Number.isFinite(v) && v > 0)) throw new PortfolioError(`${what}: asset ${i} has variance ${v}; every variance must be positive`);
    sd[i] = Math.sqrt(v);
  }
  for (let k = 0; k < n * n; k++) if (!Number.isFinite(cov[k])) throw new PortfolioError(`${what}: non-finite covariance entry ${k}`);
  return sd;
}

export function inverseVolatility(cov: Float64Array, n: number): Float64Array {
  const sd = checkCov(cov, n, 'inverseVolatility');
  const w = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    w[i] = 1 / sd[i];
    s += w[i];
  }
  for (let i = 0; i < n; i++) w[i] /= s;
  return w;
}

/** Risk contributions RC_i = w_i (Σw)_i (they sum to wᵀΣw). */
export function riskContributions(cov: Float64Array, n: number, w: ArrayLike<number>): Float64Array {
  const rc = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let j = 0; j < n; j++) acc += cov[i * n + j] * w[j];
    rc[i] = w[i] * acc;
  }
  return rc;
}

/** In-place Cholesky of a dense SPD matrix (lower triangle); false if not positive definite. */
function cholesky(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j];
    for (let k = 0; k < j; k++) d -= a[rj + k] * a[rj + k];
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= a[ri + k] * a[rj + k];
      a[ri + j] = s / ljj;
    }
  }
  return true;
}

function cholSolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const y = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = y[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * y[k];
    y[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * y[k];
    y[i] = s / l[i * n + i];
  }
  return y;
}

export function riskParity(
  cov: Float64Array,
  n: number,
  opts: { tol?: number; maxIter?: number; budgets?: ArrayLike<number> } = {},
): { weights: Float64Array; iterations: number; maxDeviation: number } {
  const sd = checkCov(cov, n, 'riskParity');
  const tol = opts.tol ?? 1e-10;
  const maxIter = opts.maxIter ?? 200;
  if (!(tol > 0)) throw new PortfolioError(`riskParity: tol must be > 0, got ${tol}`);
  const b = new Float64Array(n);
  if (opts.budgets) {
    if (opts.budgets.length !== n) throw new PortfolioError(`riskParity: ${opts.budgets.length} budgets for ${n} assets`);
    let s = 0;
    for (let i = 0; i < n; i++) {
      const v = opts.budgets[i];
      if (!(Number.isFinite(v) && v > 0)) throw new PortfolioError(`riskParity: budget of asset ${i} is ${v}; budgets must be positive`);
      b[i] = v;
      s += v;
    }
    for (let i = 0; i < n; i++) b[i] /= s;
  } else {
    b.fill(1 / n);
  }
  // Work on the correlation-like scaled matrix C = D⁻¹ΣD⁻¹ (D = diag σ): with x = D⁻¹u, u solves the same
  // problem on C, which keeps the Newton system well scaled whatever the units.
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) C[i * n + j] = cov[i * n + j] / (sd[i] * sd[j]);

  const F = (u: Float64Array): number => {
    let q = 0;
    let lg = 0;
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let j = 0; j < n; j++) acc += C[i * n + j] * u[j];
      q += u[i] * acc;
      lg += b[i] * Math.log(u[i]);
    }
    return 0.5 * q - lg;
  };
  const deviation = (u: Float64Array): number => {
    // RC are scale-invariant: compute on C with u (w_i ∝ u_i/σ_i gives the same relative contributions).
    const rc = riskContributions(C, n, u);
    let total = 0;
    for (let i = 0; i < n; i++) total += rc[i];
    let dev = 0;
    for (let i = 0; i < n; i++) dev = Math.max(dev, Math.abs(rc[i] / (b[i] * total) - 1));
    return dev;
  };

  // Start: u_i ∝ √b_i, scaled so that uᵀCu = 1 (= Σb, which holds at the optimum).
  let u = new Float64Array(n);
  for (let i = 0; i < n; i++) u[i] = Math.sqrt(b[i]);
  {
    let q = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) q += u[i] * C[i * n + j] * u[j];
    const s = 1 / Math.sqrt(q);
    for (let i = 0; i < n; i++) u[i] *= s;
  }
  let dev = deviation(u);
  let it = 0;
  const H = new Float64Array(n * n);
  const g = new Float64Array(n);
  const cand = new Float64Array(n);
  while (dev > tol && it < maxIter) {
    it++;
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let j = 0; j < n; j++) acc += C[i * n + j] * u[j];
      g[i] = acc - b[i] / u[i];
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) H[i * n + j] = C[i * n + j];
      H[i * n + i] += b[i] / (u[i] * u[i]);
    }
    if (!cholesky(H, n)) throw new SolverError('not positive definite', `riskParity: Newton system not positive definite at iteration ${it}`);
    const d = cholSolve(H, n, g); // step is −d
    let slope = 0;
    for (let i = 0; i < n; i++) slope -= g[i] * d[i];
    const f0 = F(u);
    let t = 1;
    for (let i = 0; i < n; i++) if (d[i] > 0) t = Math.min(t, (0.99 * u[i]) / d[i]);
    let accepted = false;
    for (let ls = 0; ls < 60; ls++) {
      for (let i = 0; i < n; i++) cand[i] = u[i] - t * d[i];
      const f1 = F(cand);
      if (f1 <= f0 + 1e-4 * t * slope || Math.abs(f1 - f0) <= 1e-15 * Math.max(1, Math.abs(f0))) {
        accepted = true;
        break;
      }
      t /= 2;
    }
    if (!accepted) break;
    u = Float64Array.from(cand);
    dev = deviation(u);
  }
  if (!(dev <= tol)) {
    throw new SolverError(
      'not converged',
      `riskParity: max relative risk-contribution deviation ${dev.toExponential(2)} > tol ${tol} after ${it} Newton iterations`,
    );
  }
  const w = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    w[i] = u[i] / sd[i];
    s += w[i];
  }
  for (let i = 0; i < n; i++) w[i] /= s;
  // Report the deviation measured on the returned weights and the caller's covariance.
  const rc = riskContributions(cov, n, w);
  let total = 0;
  for (let i = 0; i < n; i++) total += rc[i];
  let maxDeviation = 0;
  for (let i = 0; i < n; i++) maxDeviation = Math.max(maxDeviation, Math.abs(rc[i] / (b[i] * total) - 1));
  return { weights: w, iterations: it, maxDeviation };
}
