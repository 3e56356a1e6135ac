/**
 * Special functions for the statistics across seeds: the normal and Student t distributions.
 *
 * Only what the confidence intervals need, written from the textbook definitions (DLMF chapters 5, 7, 8)
 * and refined by Newton/Halley steps against an accurate CDF, so the quantiles are good to ~1e-14
 * relative rather than the ~1e-4 of the usual closed-form approximations.
 */

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT_PI = Math.sqrt(Math.PI);

/**
 * From this ν on, the Cornish–Fisher series alone is used: checked against 60-digit mpmath, its quantile
 * error is < 3e-16 relative for 1e-12 ≤ p and < 3e-14 for 1e-30 ≤ p (the O(ν⁻⁵) remainder).
 */
const CORNISH_FISHER_ONLY_DF = 1e4;

/**
 * Stirling's series for ln Γ(x) without the leading terms:
 * Σ_k B_{2k} / (2k(2k−1) x^{2k−1}) = 1/(12x) − 1/(360x³) + 1/(1260x⁵) − 1/(1680x⁷) + 1/(1188x⁹) − 691/(360360x¹¹).
 * For x ≥ 10 the first omitted term (1/(156 x¹³)) is below 1e-15, so the series is used only there.
 */
function stirlingTail(x: number): number {
  const x2 = 1 / (x * x);
  return (1 / x) * (1 / 12 + x2 * (-1 / 360 + x2 * (1 / 1260 + x2 * (-1 / 1680 + x2 * (1 / 1188 + x2 * (-691 / 360360))))));
}

/**
 * ln Γ(x) for x > 0.
 * x ≥ 10: Stirling, ln Γ(x) = (x − ½) ln x − x + ½ ln 2π + stirlingTail(x).
 * x < 10: shift up with Γ(x) = Γ(x + k) / (x (x+1) … (x+k−1)) so that the series is accurate.
 */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma: x must be > 0, got ${x}`);
  let shift = 0;
  let prod = 1;
  while (x < 10) {
    prod *= x;
    x += 1;
    shift += 1;
  }
  const base = (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + stirlingTail(x);
  return shift === 0 ? base : base - Math.log(prod);
}

/**
 * ln Γ(a + ½) − ln Γ(a), without the cancellation of subtracting two large logs.
 * For a ≥ 10, from Stirling's form of each term:
 *   = a·ln(1 + 1/(2a)) + ½ ln a − ½ + stirlingTail(a + ½) − stirlingTail(a),
 * where a·ln(1 + 1/(2a)) uses log1p. This keeps the Student t density exact to ~1e-15 even for df ~ 1e8.
 */
function logGammaHalfRatio(a: number): number {
  if (a < 10) return logGamma(a + 0.5) - logGamma(a);
  return a * Math.log1p(0.5 / a) + 0.5 * Math.log(a) - 0.5 + stirlingTail(a + 0.5) - stirlingTail(a);
}

/** ln B(ν/2, ½) = ln Γ(ν/2) + ln Γ(½) − ln Γ(ν/2 + ½), with ln Γ(½) = ½ ln π. */
function logBetaHalfDf(df: number): number {
  return 0.5 * Math.log(Math.PI) - logGammaHalfRatio(df / 2);
}

/**
 * Continued fraction for the regularized incomplete beta (DLMF 8.17.22), evaluated by the modified Lentz
 * method: I_x(a,b) = prefactor / (1 + d₁/(1 + d₂/(1 + …))) with
 *   d_{2m+1} = −(a+m)(a+b+m) x / ((a+2m)(a+2m+1)),   d_{2m} = m(b−m) x / ((a+2m−1)(a+2m)).
 * Returns only the fraction 1/(1 + d₁/(1 + …)); converges fast for x < (a+1)/(a+b+2).
 */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 100_000; m++) {
    const m2 = 2 * m;
    // even step d_{2m}
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    f *= d * c;
    // odd step d_{2m+1}
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) return f;
  }
  throw new Error(`incomplete beta continued fraction did not converge (x=${x}, a=${a}, b=${b})`);
}

/**
 * Upper tail of Student's t, S(t) = P(T > t) for t ≥ 0, with ν = df:
 *   S(t) = ½ · I_x(ν/2, ½),  x = ν/(ν + t²)        (DLMF 8.17 / A&S 26.7.1).
 * When x is close to 1 (small t) the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) is used instead, with
 * 1 − x = t²/(ν + t²) computed directly. The prefactor x^a (1−x)^b / (a·B(a,b)) is taken in logs:
 * ln x = −log1p(t²/ν), ln(1−x) = ln(t²/ν) − log1p(t²/ν).
 */
function studentUpperTail(t: number, df: number): number {
  if (t === 0) return 0.5;
  if (!Number.isFinite(t)) return 0;
  const r = (t * t) / df;
  const lnX = -Math.log1p(r);
  const lnXc = Math.log(r) + lnX;
  const x = Math.exp(lnX);
  const a = df / 2;
  const b = 0.5;
  const lnB = logBetaHalfDf(df);
  if (x < (a + 1) / (a + b + 2)) {
    const pre = Math.exp(a * lnX + b * lnXc - lnB) / a;
    return 0.5 * pre * betaContinuedFraction(x, a, b);
  }
  const xc = r / (1 + r);
  const pre = Math.exp(b * lnXc + a * lnX - lnB) / b;
  return 0.5 * (1 - pre * betaContinuedFraction(xc, b, a));
}

/**
 * Student t CDF, P(T ≤ t), ν = df > 0 (non-integer allowed); df = ∞ gives the normal CDF.
 * For ν ≥ 1e4 the incomplete-beta continued fraction needs ~√ν terms near t ≈ 2 and loses digits to
 * rounding, so there the Cornish–Fisher map z ↦ t (exact to < 3e-16 for |z| < 7 at such ν) is inverted
 * by Newton's method and Φ(z) returned.
 */
export function studentTCdf(t: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(t)) return NaN;
  if (df === Infinity) return normalCdf(t);
  if (df >= CORNISH_FISHER_ONLY_DF) return normalCdf(invertCornishFisher(t, df));
  return t >= 0 ? 1 - studentUpperTail(t, df) : studentUpperTail(-t, df);
}

/**
 * The z with cornishFisherT(z, ν) = t. Newton with the derivative of the first correction only,
 * dt/dz ≈ 1 + (3z² + 1)/(4ν): the neglected terms are O(ν⁻²), so each step gains ~8 digits.
 */
function invertCornishFisher(t: number, df: number): number {
  let z = t;
  for (let i = 0; i < 20; i++) {
    const step = (cornishFisherT(z, df) - t) / (1 + (3 * z * z + 1) / (4 * df));
    z -= step;
    if (Math.abs(step) <= 1e-16 * Math.abs(z)) break;
  }
  return z;
}

/** Student t density: f(t) = exp(−ln B(ν/2, ½) − ½ ln ν − ((ν+1)/2)·log1p(t²/ν)). */
export function studentTPdf(t: number, df: number): number {
  checkDf(df);
  if (df === Infinity) return Math.exp(-0.5 * t * t - LN_SQRT_2PI);
  return Math.exp(-logBetaHalfDf(df) - 0.5 * Math.log(df) - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/**
 * Complementary error function, erfc(x), accurate to ~1e-15 relative.
 * |x| < 2: the all-positive series erf(x) = (2/√π) e^{−x²} Σ_n 2ⁿ x^{2n+1} / (1·3·…·(2n+1)), erfc = 1 − erf
 *   (no alternating cancellation; erfc ≥ 0.0047 there so 1 − erf loses under two digits).
 * x ≥ 2: the continued fraction erfc(x) = (e^{−x²}/√π) · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), by Lentz.
 * x ≤ −2: erfc(x) = 2 − erfc(−x).
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= -2) return 2 - erfc(-x);
  if (x < 2) {
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / SQRT_PI) * Math.exp(-x2) * sum;
  }
  if (x > 27) return 0; // e^{−729} underflows
  // Lentz on b0 + a1/(b1 + a2/(b2 + …)) with b_k = x, a_k = k/2.
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 5000; k++) {
    const ak = k / 2;
    d = x + ak * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = x + ak / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (SQRT_PI * f);
}

/** Standard normal CDF: Φ(x) = ½ erfc(−x/√2). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/**
 * Standard normal quantile Φ⁻¹(p), 0 < p < 1.
 * Start: Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4) on the smaller tail q = min(p, 1−p):
 *   s = √(−2 ln q), x = s − (2.515517 + 0.802853 s + 0.010328 s²)/(1 + 1.432788 s + 0.189269 s² + 0.001308 s³).
 * Then Halley steps on Φ(x) − p with the accurate erfc above: u = (Φ(x) − p)/φ(x), x ← x − u/(1 + x·u/2).
 */
export function normalQuantile(p: number): number {
  checkProbability(p);
  if (p === 0.5) return 0;
  const q = p < 0.5 ? p : 1 - p;
  const s = Math.sqrt(-2 * Math.log(q));
  // lower-tail point (negative)
  let x = -(s - (2.515517 + 0.802853 * s + 0.010328 * s * s) / (1 + 1.432788 * s + 0.189269 * s * s + 0.001308 * s * s * s));
  for (let i = 0; i < 8; i++) {
    const e = normalCdf(x) - q;
    const u = e * Math.exp(0.5 * x * x + LN_SQRT_2PI);
    const step = u / (1 + (x * u) / 2);
    x -= step;
    if (Math.abs(step) <= 1e-16 * Math.abs(x)) break;
  }
  return p < 0.5 ? x : -x;
}

/**
 * Cornish–Fisher expansion of the t quantile in powers of 1/ν around the normal quantile z
 * (Abramowitz & Stegun 26.7.5):
 *   t ≈ z + g₁/ν + g₂/ν² + g₃/ν³ + g₄/ν⁴,
 *   g₁ = (z³ + z)/4, g₂ = (5z⁵ + 16z³ + 3z)/96, g₃ = (3z⁷ + 19z⁵ + 17z³ − 15z)/384,
 *   g₄ = (79z⁹ + 776z⁷ + 1482z⁵ − 1920z³ − 945z)/92160.
 * Used as the Newton starting point and, for very large ν, as the answer (error O(ν⁻⁵)).
 */
function cornishFisherT(z: number, df: number): number {
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * (3 + z2 * (16 + 5 * z2))) / 96;
  const g3 = (z * (-15 + z2 * (17 + z2 * (19 + 3 * z2)))) / 384;
  const g4 = (z * (-945 + z2 * (-1920 + z2 * (1482 + z2 * (776 + 79 * z2))))) / 92160;
  const v = 1 / df;
  return z + v * (g1 + v * (g2 + v * (g3 + v * g4)));
}

/**
 * Student t quantile t_{p,ν}: the t with P(T ≤ t) = p. Accurate to ~1e-13 relative for ν ≥ 1 and
 * 1e-12 < p < 1 − 1e-12 (checked against scipy.stats.t.ppf in the tests).
 * - ν = 1 (Cauchy): t = tan(π(p − ½)), written for the upper tail q = 1 − p as 1/tan(πq).
 * - ν = 2: t = (2p − 1)/√(2p(1 − p)).
 * - ν = ∞: the normal quantile.
 * - otherwise: bracketed Newton on the upper tail S(t) = q, started from the Cornish–Fisher value,
 *   with bisection whenever a Newton step leaves the bracket; from ν = 1e4 on, the Cornish–Fisher value.
 */
export function studentTQuantile(p: number, df: number): number {
  checkProbability(p);
  checkDf(df);
  if (p === 0.5) return 0;
  // Work on the smaller tail q (exact: 1 − p is exact for p ≥ ½) and restore the sign at the end.
  const sign = p < 0.5 ? -1 : 1;
  const q = p < 0.5 ? p : 1 - p;
  return sign * upperTailQuantile(q, df);
}

/** The t with S(t) = P(T > t) = q, for 0 < q < ½. */
function upperTailQuantile(q: number, df: number): number {
  if (df === Infinity) return -normalQuantile(q);
  if (df === 1) return 1 / Math.tan(Math.PI * q);
  if (df === 2) return (1 - 2 * q) / Math.sqrt(2 * q * (1 - q));
  const z = -normalQuantile(q);
  const start = cornishFisherT(z, df);
  if (df >= CORNISH_FISHER_ONLY_DF) return start;

  // Bracket [lo, hi] with S(lo) ≥ q > S(hi); S is decreasing in t.
  let lo = 0;
  let hi = Math.max(start, z, 1);
  while (studentUpperTail(hi, df) >= q) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return Infinity;
  }
  let t = start > lo && start < hi ? start : (lo + hi) / 2;
  for (let i = 0; i < 200; i++) {
    const diff = studentUpperTail(t, df) - q;
    if (diff === 0) return t;
    if (diff > 0) lo = t;
    else hi = t;
    // Newton on S(t) − q: S'(t) = −f(t).
    let next = t + diff / studentTPdf(t, df);
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - t) <= 4e-16 * Math.abs(next) || hi - lo <= 4e-16 * hi) return next;
    t = next;
  }
  return t;
}

function checkProbability(p: number): void {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must be strictly between 0 and 1, got ${p}`);
}

function checkDf(df: number): void {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be > 0 (or Infinity), got ${df}`);
}
