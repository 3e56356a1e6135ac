/**
 * Expected-return and covariance estimators for the mean-variance baselines.
 *
 * Inputs are DAILY simple returns, a row-major T×N window (T days, N assets); outputs are DAILY too
 * (means per day, covariances per day²). Annualisation is the optimiser's business (`periodsPerYear`).
 *
 * Covariance methods (N×N, row-major, symmetric):
 * - 'sample': unbiased sample covariance, Σ = XᵀX / (T − 1) with X the demeaned window.
 * - 'ledoit-wolf': Ledoit & Wolf (2004), "Honey, I shrunk the sample covariance matrix": the demeaned
 *   maximum-likelihood sample covariance S = XᵀX / T (the paper's 1/T normalisation) shrunk toward the
 *   CONSTANT-CORRELATION target F (f_ii = s_ii, f_ij = r̄·√(s_ii s_jj), r̄ the average off-diagonal sample
 *   correlation) with the paper's optimal intensity δ* = max(0, min(1, κ̂/T)), κ̂ = (π̂ − ρ̂)/γ̂:
 *     π̂ = Σ_ij (1/T) Σ_t (x_ti x_tj − s_ij)²,
 *     ρ̂ = Σ_i π̂_ii + Σ_{i≠j} (r̄/2)(√(s_jj/s_ii) ϑ̂_ii,ij + √(s_ii/s_jj) ϑ̂_jj,ij),
 *     ϑ̂_ii,ij = (1/T) Σ_t (x_ti² − s_ii)(x_ti x_tj − s_ij),   γ̂ = ‖F − S‖²_F;
 *   Σ = δ* F + (1 − δ*) S.
 * - 'ledoit-wolf-identity': Ledoit & Wolf (2004), "A well-conditioned estimator for large-dimensional
 *   covariance matrices" (scikit-learn's LedoitWolf with its default assume_centered=False, i.e. the
 *   window IS demeaned): S = XᵀX / T shrunk toward m·I, m = tr(S)/N, with intensity
 *   s = min(b̄², d²)/d², d² = ‖S − mI‖²_F, b̄² = (1/T²) Σ_t ‖x_t x_tᵀ − S‖²_F; Σ = (1 − s) S + s m I.
 * - 'ewma': RiskMetrics-style exponentially weighted covariance, NOT demeaned (RiskMetrics' zero-mean
 *   convention): Σ = Σ_t w_t r_t r_tᵀ with w_t ∝ λ^(T−1−t) normalised over the window to sum to 1.
 *   λ defaults to 0.94; `halfLife` h (in days) gives λ = 2^(−1/h).
 *
 * Every estimate is checked for positive semidefiniteness: `minEigenvalue` is the smallest eigenvalue of
 * the estimate BEFORE any repair (Householder tridiagonalisation + Sturm bisection, no eigenvectors). If it
 * is below −1e-12·tr(Σ) (possible through rounding when T < N, e.g. EWMA on short windows) the matrix is
 * replaced by its Frobenius-nearest PSD matrix (eigenvalue clipping at 0, `nearestPsd`) and the estimate
 * says so: `repaired: true` and a `repairNote`. Nothing is repaired silently.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { PortfolioError } from './errors.ts';

/** Row-major T×N daily simple returns (row t = day t, oldest first), no NaN. */
export interface ReturnsWindow {
  T: number;
  N: number;
  data: Float64Array;
}

export type MuMethod = 'mean' | 'ema';
export type CovMethod = 'sample' | 'ledoit-wolf' | 'ledoit-wolf-identity' | 'ewma';

export interface CovEstimate {
  /** N×N row-major, daily units (return² per day). */
  cov: Float64Array;
  method: CovMethod;
  /** Shrinkage intensity in [0, 1] (ledoit-wolf variants only). */
  shrinkage?: number;
  /** Whether the estimate was replaced by its nearest PSD matrix. */
  repaired: boolean;
  /** Smallest eigenvalue of the estimate before any repair. */
  minEigenvalue: number;
  repairNote?: string;
}

/** Relative tolerance (× trace) below which a negative eigenvalue counts as a real PSD violation. */
export const PSD_TOLERANCE = 1e-12;

function checkWindow(r: ReturnsWindow, minT: number, what: string): void {
  const { T, N, data } = r;
  if (!Number.isInteger(T) || !Number.isInteger(N) || T < 0 || N < 1) {
    throw new PortfolioError(`${what}: window dimensions must be integers with N ≥ 1, got T=${T}, N=${N}`);
  }
  if (T < minT) throw new PortfolioError(`${what}: needs at least ${minT} days of returns, got T=${T}`);
  if (data.length !== T * N) throw new PortfolioError(`${what}: data has ${data.length} values, expected T·N = ${T * N}`);
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) {
      throw new PortfolioError(`${what}: non-finite return at day ${Math.floor(k / N)}, asset ${k % N}`);
    }
  }
}

/**
 * Expected DAILY returns.
 * - 'mean': arithmetic mean of each column.
 * - 'ema': the last value of pandas' `ewm(span).mean()` with adjust=True: Σ_k (1−α)^k r_{T−1−k} / Σ_k (1−α)^k,
 *   α = 2/(span+1), span ≥ 1 (default T).
 */
export function expectedReturns(r: ReturnsWindow, method: MuMethod = 'mean', opts: { span?: number } = {}): Float64Array {
  checkWindow(r, 1, `expectedReturns(${method})`);
  const { T, N, data } = r;
  const mu = new Float64Array(N);
  if (method === 'mean') {
    for (let t = 0; t < T; t++) for (let i = 0; i < N; i++) mu[i] += data[t * N + i];
    for (let i = 0; i < N; i++) mu[i] /= T;
    return mu;
  }
  if (method === 'ema') {
    const span = opts.span ?? T;
    if (!(Number.isFinite(span) && span >= 1)) throw new PortfolioError(`expectedReturns(ema): span must be ≥ 1, got ${span}`);
    const decay = 1 - 2 / (span + 1);
    let w = 1;
    let wSum = 0;
    for (let t = T - 1; t >= 0; t--) {
      for (let i = 0; i < N; i++) mu[i] += w * data[t * N + i];
      wSum += w;
      w *= decay;
    }
    for (let i = 0; i < N; i++) mu[i] /= wSum;
    return mu;
  }
  throw new PortfolioError(`expectedReturns: unknown method "${method as string}"`);
}

/** Demeaned copy of the window (T×N row-major) and the column means. */
function demean(r: ReturnsWindow): Float64Array {
  const { T, N, data } = r;
  const mean = expectedReturns(r, 'mean');
  const x = new Float64Array(T * N);
  for (let t = 0; t < T; t++) for (let i = 0; i < N; i++) x[t * N + i] = data[t * N + i] - mean[i];
  return x;
}

/** AᵀB / div for row-major T×N A and B (lower triangle computed, mirrored when symmetric). */
function crossProduct(a: Float64Array, b: Float64Array, T: number, N: number, div: number, symmetric: boolean): Float64Array {
  const out = new Float64Array(N * N);
  for (let t = 0; t < T; t++) {
    const o = t * N;
    for (let i = 0; i < N; i++) {
      const ai = a[o + i];
      if (ai === 0) continue;
      const row = i * N;
      const jEnd = symmetric ? i + 1 : N;
      for (let j = 0; j < jEnd; j++) out[row + j] += ai * b[o + j];
    }
  }
  for (let i = 0; i < N; i++) {
    const jEnd = symmetric ? i + 1 : N;
    for (let j = 0; j < jEnd; j++) {
      out[i * N + j] /= div;
      if (symmetric) out[j * N + i] = out[i * N + j];
    }
  }
  return out;
}

function sampleCov(r: ReturnsWindow): Float64Array {
  const x = demean(r);
  return crossProduct(x, x, r.T, r.N, r.T - 1, true);
}

/** Ledoit–Wolf (2004) shrinkage toward constant correlation. */
function ledoitWolfConstantCorrelation(r: ReturnsWindow): { cov: Float64Array; shrinkage: number } {
  const { T, N } = r;
  const x = demean(r);
  const s = crossProduct(x, x, T, N, T, true);
  const sd = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    if (!(s[i * N + i] > 0))
      throw new PortfolioError(
        `covariance(ledoit-wolf): asset ${i} has zero variance over the window; the constant-correlation target needs every variance positive`,
      );
    sd[i] = Math.sqrt(s[i * N + i]);
  }
  if (N === 1) return { cov: s, shrinkage: 0 };
  let rSum = 0;
  for (let i = 0; i < N; i++) for (let j = 0; j < i; j++) rSum += s[i * N + j] / (sd[i] * sd[j]);
  const rBar = (2 * rSum) / (N * (N - 1));
  const f = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) f[i * N + j] = i === j ? s[i * N + i] : rBar * sd[i] * sd[j];
  }
  // π_ij = (1/T) Σ_t x_ti² x_tj² − s_ij²;  ϑ_ii,ij = (1/T) Σ_t x_ti³ x_tj − s_ii s_ij.
  const x2 = new Float64Array(T * N);
  const x3 = new Float64Array(T * N);
  for (let k = 0; k < T * N; k++) {
    x2[k] = x[k] * x[k];
    x3[k] = x2[k] * x[k];
  }
  const m22 = crossProduct(x2, x2, T, N, T, true);
  const m31 = crossProduct(x3, x, T, N, T, false);
  let piHat = 0;
  let rhoHat = 0;
  let gammaHat = 0;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const sij = s[i * N + j];
      const pij = m22[i * N + j] - sij * sij;
      piHat += pij;
      const d = f[i * N + j] - sij;
      gammaHat += d * d;
      if (i === j) {
        rhoHat += pij;
      } else {
        const thetaIi = m31[i * N + j] - s[i * N + i] * sij; // ϑ_ii,ij
        const thetaJj = m31[j * N + i] - s[j * N + j] * sij; // ϑ_jj,ij
        rhoHat += (rBar / 2) * ((sd[j] / sd[i]) * thetaIi + (sd[i] / sd[j]) * thetaJj);
      }
    }
  }
  // γ̂ = 0 means S already has constant correlations: F = S and any intensity gives the same matrix.
  const shrinkage = gammaHat > 0 ? Math.max(0, Math.min(1, (piHat - rhoHat) / gammaHat / T)) : 0;
  const cov = new Float64Array(N * N);
  for (let k = 0; k < N * N; k++) cov[k] = shrinkage * f[k] + (1 - shrinkage) * s[k];
  return { cov, shrinkage };
}

/** Ledoit–Wolf (2004) shrinkage toward the scaled identity (scikit-learn's LedoitWolf, demeaned). */
function ledoitWolfIdentity(r: ReturnsWindow): { cov: Float64Array; shrinkage: number } {
  const { T, N } = r;
  const x = demean(r);
  const s = crossProduct(x, x, T, N, T, true);
  let m = 0;
  for (let i = 0; i < N; i++) m += s[i * N + i];
  m /= N;
  if (N === 1) return { cov: s, shrinkage: 0 };
  // d² = ‖S − mI‖²; b̄² = (1/T²) Σ_t ‖x_t x_tᵀ − S‖² = (1/T²)(Σ_t ‖x_t‖⁴ − T‖S‖²).
  let d2 = 0;
  let sNorm2 = 0;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const v = s[i * N + j];
      sNorm2 += v * v;
      const dv = v - (i === j ? m : 0);
      d2 += dv * dv;
    }
  }
  let fourth = 0;
  for (let t = 0; t < T; t++) {
    let n2 = 0;
    for (let i = 0; i < N; i++) n2 += x[t * N + i] * x[t * N + i];
    fourth += n2 * n2;
  }
  const b2bar = (fourth - T * sNorm2) / (T * T);
  const b2 = Math.min(b2bar, d2);
  const shrinkage = b2 <= 0 || d2 <= 0 ? 0 : b2 / d2;
  const cov = new Float64Array(N * N);
  for (let k = 0; k < N * N; k++) cov[k] = (1 - shrinkage) * s[k];
  for (let i = 0; i < N; i++) cov[i * N + i] += shrinkage * m;
  return { cov, shrinkage };
}

function ewmaCov(r: ReturnsWindow, opts: { halfLife?: number; lambda?: number }): Float64Array {
  const { T, N, data } = r;
  if (opts.halfLife !== undefined && opts.lambda !== undefined) {
    throw new PortfolioError('covariance(ewma): give either lambda or halfLife, not both');
  }
  let lambda = 0.94;
  if (opts.halfLife !== undefined) {
    if (!(Number.isFinite(opts.halfLife) && opts.halfLife > 0)) throw new PortfolioError(`covariance(ewma): halfLife must be > 0 days, got ${opts.halfLife}`);
    lambda = Math.pow(2, -1 / opts.halfLife);
  } else if (opts.lambda !== undefined) {
    lambda = opts.lambda;
  }
  if (!(lambda > 0 && lambda < 1)) throw new PortfolioError(`covariance(ewma): lambda must lie in (0, 1), got ${lambda}`);
  const w = new Float64Array(T);
  let wSum = 0;
  let wt = 1;
  for (let t = T - 1; t >= 0; t--) {
    w[t] = wt;
    wSum += wt;
    wt *= lambda;
  }
  const cov = new Float64Array(N * N);
  for (let t = 0; t < T; t++) {
    const wtn = w[t] / wSum;
    const o = t * N;
    for (let i = 0; i < N; i++) {
      const a = wtn * data[o + i];
      if (a === 0) continue;
      for (let j = 0; j <= i; j++) cov[i * N + j] += a * data[o + j];
    }
  }
  for (let i = 0; i < N; i++) for (let j = 0; j < i; j++) cov[j * N + i] = cov[i * N + j];
  return cov;
}

/**
 * Covariance estimate (daily units) of the window; see the module comment for each method's formula.
 * `opts.lambda` / `opts.halfLife` apply to 'ewma' only.
 */
export function covariance(r: ReturnsWindow, method: CovMethod = 'sample', opts: { halfLife?: number; lambda?: number } = {}): CovEstimate {
  checkWindow(r, method === 'ewma' ? 1 : 2, `covariance(${method})`);
  let cov: Float64Array;
  let shrinkage: number | undefined;
  switch (method) {
    case 'sample':
      cov = sampleCov(r);
      break;
    case 'ledoit-wolf':
      ({ cov, shrinkage } = ledoitWolfConstantCorrelation(r));
      break;
    case 'ledoit-wolf-identity':
      ({ cov, shrinkage } = ledoitWolfIdentity(r));
      break;
    case 'ewma':
      cov = ewmaCov(r, opts);
      break;
    default:
      throw new PortfolioError(`covariance: unknown method "${method as string}"`);
  }
  const psd = nearestPsd(cov, r.N);
  const out: CovEstimate = { cov: psd.cov, method, repaired: psd.repaired, minEigenvalue: psd.minEigenvalue };
  if (shrinkage !== undefined) out.shrinkage = shrinkage;
  if (psd.repaired) {
    out.repairNote = `${method} estimate was not positive semidefinite (smallest eigenvalue ${psd.minEigenvalue.toExponential(3)} < −${PSD_TOLERANCE}·trace, T=${r.T}, N=${r.N}); replaced by the nearest PSD matrix (eigenvalues clipped at 0)`;
  }
  return out;
}

/**
 * Smallest eigenvalue of a symmetric N×N matrix (lower triangle read): Householder reduction to
 * tridiagonal form (O(4N³/3), no eigenvectors) and Sturm-sequence bisection to machine precision.
 */
export function minEigenvalue(a: Float64Array, n: number): number {
  if (n === 1) return a[0];
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) m[i * n + j] = a[i * n + j];
  const d = new Float64Array(n);
  const e = new Float64Array(n - 1);
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    // Column k below the diagonal: x = m[k+1.., k].
    let norm2 = 0;
    for (let i = k + 1; i < n; i++) norm2 += m[i * n + k] * m[i * n + k];
    d[k] = m[k * n + k];
    const x0 = m[(k + 1) * n + k];
    const norm = Math.sqrt(norm2);
    if (norm === 0) {
      e[k] = 0;
      continue;
    }
    const alpha = x0 > 0 ? -norm : norm;
    e[k] = alpha;
    // v = x − αe₁, normalised.
    let vn2 = 0;
    for (let i = k + 1; i < n; i++) {
      v[i] = m[i * n + k] - (i === k + 1 ? alpha : 0);
      vn2 += v[i] * v[i];
    }
    if (vn2 === 0) continue;
    const vn = Math.sqrt(vn2);
    for (let i = k + 1; i < n; i++) v[i] /= vn;
    // p = B v over the trailing block B = m[k+1.., k+1..] (lower triangle stored).
    for (let i = k + 1; i < n; i++) p[i] = 0;
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      let acc = m[row + i] * v[i];
      const vi = v[i];
      for (let j = k + 1; j < i; j++) {
        const bij = m[row + j];
        acc += bij * v[j];
        p[j] += bij * vi;
      }
      p[i] += acc;
    }
    let c = 0;
    for (let i = k + 1; i < n; i++) c += v[i] * p[i];
    // B ← B − v qᵀ − q vᵀ with q = 2(p − c v).
    for (let i = k + 1; i < n; i++) p[i] = 2 * (p[i] - c * v[i]);
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      const vi = v[i];
      const qi = p[i];
      for (let j = k + 1; j <= i; j++) m[row + j] -= vi * p[j] + qi * v[j];
    }
  }
  d[n - 2] = m[(n - 2) * n + (n - 2)];
  d[n - 1] = m[(n - 1) * n + (n - 1)];
  e[n - 2] = m[(n - 1) * n + (n - 2)];
  // Gershgorin interval.
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const rad = (i > 0 ? Math.abs(e[i - 1]) : 0) + (i < n - 1 ? Math.abs(e[i]) : 0);
    lo = Math.min(lo, d[i] - rad);
    hi = Math.max(hi, d[i] + rad);
  }
  const scale = Math.max(Math.abs(lo), Math.abs(hi), Number.MIN_VALUE);
  const tiny = Number.EPSILON * scale * 1e-3;
  const countBelow = (x: number): number => {
    let count = 0;
    let q = d[0] - x;
    if (q < 0) count++;
    for (let i = 1; i < n; i++) {
      if (Math.abs(q) < tiny) q = q < 0 ? -tiny : tiny;
      q = d[i] - x - (e[i - 1] * e[i - 1]) / q;
      if (q < 0) count++;
    }
    return count;
  };
  for (let it = 0; it < 200 && hi - lo > 2 * Number.EPSILON * scale; it++) {
    const mid = 0.5 * (lo + hi);
    if (countBelow(mid) >= 1) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * The Frobenius-nearest positive-semidefinite matrix: eigenvalues below 0 clipped to 0 (V·max(Λ,0)·Vᵀ,
 * symmetrised). `minEigenvalue` is the smallest eigenvalue of the INPUT. A matrix whose smallest eigenvalue
 * is ≥ −1e-12·tr is returned as a copy, unchanged, with `repaired: false`.
 */
export function nearestPsd(cov: Float64Array, n: number): { cov: Float64Array; minEigenvalue: number; repaired: boolean } {
  if (!Number.isInteger(n) || n < 1 || cov.length !== n * n) throw new PortfolioError(`nearestPsd: expected an ${n}×${n} matrix, got ${cov.length} values`);
  let trace = 0;
  for (let i = 0; i < n; i++) trace += Math.abs(cov[i * n + i]);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const a = cov[i * n + j];
      const b = cov[j * n + i];
      if (!Number.isFinite(a) || !Number.isFinite(b)) throw new PortfolioError(`nearestPsd: non-finite entry at (${i}, ${j})`);
      if (Math.abs(a - b) > 1e-10 * Math.max(trace, Number.MIN_VALUE))
        throw new PortfolioError(`nearestPsd: matrix is not symmetric at (${i}, ${j}): ${a} vs ${b}`);
    }
    if (!Number.isFinite(cov[i * n + i])) throw new PortfolioError(`nearestPsd: non-finite entry at (${i}, ${i})`);
  }
  const lambdaMin = minEigenvalue(cov, n);
  if (lambdaMin >= -PSD_TOLERANCE * trace) return { cov: Float64Array.from(cov), minEigenvalue: lambdaMin, repaired: false };
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let j = 0; j < n; j++) row.push(i >= j ? cov[i * n + j] : cov[j * n + i]);
    rows.push(row);
  }
  const evd = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  const lam = evd.realEigenvalues;
  const vecs = evd.eigenvectorMatrix;
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const l = Math.max(lam[k], 0);
    if (l === 0) continue;
    for (let i = 0; i < n; i++) {
      const vik = l * vecs.get(i, k);
      for (let j = 0; j <= i; j++) out[i * n + j] += vik * vecs.get(j, k);
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) out[j * n + i] = out[i * n + j];
  return { cov: out, minEigenvalue: lambdaMin, repaired: true };
}
