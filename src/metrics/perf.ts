/**
 * Performance statistics of one account-value series: the set the Margin Trader paper reports, which is
 * FinRL's `backtest_stats`, which is pyfolio's `timeseries.perf_stats` (empyrical functions plus
 * scipy.stats skew/kurtosis plus pyfolio's own value at risk). Each function below matches its Python
 * counterpart's definition, including the edge-case conventions noted in its comment, so that a table
 * produced here can be compared number for number with one produced by the original scripts.
 *
 * Input is the daily account value V₀ … V_N; everything works on the N simple returns
 * rₜ = Vₜ / Vₜ₋₁ − 1 (pandas `pct_change`). P is the number of periods per year (252 trading days).
 */
import { mean, percentile, std } from './stats.ts';

export const PERF_STAT_KEYS = [
  'annualReturn',
  'cumulativeReturns',
  'annualVolatility',
  'sharpeRatio',
  'calmarRatio',
  'stability',
  'maxDrawdown',
  'omegaRatio',
  'sortinoRatio',
  'skew',
  'kurtosis',
  'tailRatio',
  'dailyValueAtRisk',
] as const;

export type PerfStatKey = (typeof PERF_STAT_KEYS)[number];

/** One number per statistic, in pyfolio's units (fractions, not percent: 0.12 is 12%). */
export type PerfStats = Record<PerfStatKey, number>;

/** How a statistic should be displayed: 'percent' multiplies by 100 and adds %, 'ratio' is a plain number. */
export type StatFormat = 'percent' | 'ratio';

export interface StatLabel {
  /** pyfolio's display name, as printed by FinRL's backtest_stats. */
  label: string;
  /** One line for the README and report legends. */
  meaning: string;
  format: StatFormat;
  /** Whether larger is better; null where neither direction is (skew, kurtosis). */
  higherIsBetter: boolean | null;
}

export const PERF_STAT_LABELS: Readonly<Record<PerfStatKey, StatLabel>> = {
  annualReturn: {
    label: 'Annual return',
    meaning: 'Compound annual growth rate of the account value.',
    format: 'percent',
    higherIsBetter: true,
  },
  cumulativeReturns: {
    label: 'Cumulative returns',
    meaning: 'Total return over the whole period (final value / initial value − 1).',
    format: 'percent',
    higherIsBetter: true,
  },
  annualVolatility: {
    label: 'Annual volatility',
    meaning: 'Standard deviation of daily returns scaled to a year by √252.',
    format: 'percent',
    higherIsBetter: false,
  },
  sharpeRatio: {
    label: 'Sharpe ratio',
    meaning: 'Mean daily excess return over its standard deviation, annualised by √252.',
    format: 'ratio',
    higherIsBetter: true,
  },
  calmarRatio: {
    label: 'Calmar ratio',
    meaning: 'Annual return divided by the size of the maximum drawdown.',
    format: 'ratio',
    higherIsBetter: true,
  },
  stability: {
    label: 'Stability',
    meaning: 'R² of a straight-line fit to cumulative log returns (1 = perfectly steady growth).',
    format: 'ratio',
    higherIsBetter: true,
  },
  maxDrawdown: {
    label: 'Max drawdown',
    meaning: 'Largest peak-to-trough fall of the account value (a negative fraction).',
    format: 'percent',
    higherIsBetter: true,
  },
  omegaRatio: {
    label: 'Omega ratio',
    meaning: 'Sum of daily gains above 0 divided by the sum of daily losses below 0.',
    format: 'ratio',
    higherIsBetter: true,
  },
  sortinoRatio: {
    label: 'Sortino ratio',
    meaning: 'Annualised mean return over annualised downside deviation (only losses count as risk).',
    format: 'ratio',
    higherIsBetter: true,
  },
  skew: {
    label: 'Skew',
    meaning: 'Asymmetry of daily returns (positive = a longer right tail of large gains).',
    format: 'ratio',
    higherIsBetter: null,
  },
  kurtosis: {
    label: 'Kurtosis',
    meaning: 'Excess kurtosis of daily returns (0 for a normal distribution; higher = fatter tails).',
    format: 'ratio',
    higherIsBetter: null,
  },
  tailRatio: {
    label: 'Tail ratio',
    meaning: 'Size of the 95th-percentile daily return over the size of the 5th-percentile one.',
    format: 'ratio',
    higherIsBetter: true,
  },
  dailyValueAtRisk: {
    label: 'Daily value at risk',
    meaning: 'Mean minus two standard deviations of daily returns: a bad day, roughly 1 in 40.',
    format: 'percent',
    higherIsBetter: true,
  },
};

export interface PerfOptions {
  /**
   * Risk-free return per period (daily, as empyrical takes it), default 0 as in pyfolio's perf_stats.
   * Subtracted from every return in the Sharpe, Sortino and Omega ratios.
   */
  riskFree?: number;
  /** Periods per year, default 252 (empyrical's DAILY annualisation). */
  periodsPerYear?: number;
  /**
   * 'empyrical' (default): the statistics of the N returns, as pyfolio defines them.
   * 'finrl': reproduce FinRL's `backtest_stats` quirk. Its `get_daily_return` keeps the leading NaN of
   *   `pct_change`, so empyrical's annual return counts N + 1 "returns" (the number of account values)
   *   when it converts to years, which moves Annual return and Calmar ratio, and scipy's skew/kurtosis
   *   propagate the NaN, so Skew and Kurtosis are NaN. Every other statistic ignores the NaN.
   */
  convention?: 'empyrical' | 'finrl';
}

const DEFAULT_PERIODS_PER_YEAR = 252;

/**
 * Daily simple returns rₜ = Vₜ / Vₜ₋₁ − 1 for t = 1 … N (pandas `pct_change` without its leading NaN).
 * Requires at least two values, all finite, every value but the last > 0 (it divides), the last ≥ 0
 * (an account that ends at zero has a final return of −100%).
 */
export function dailyReturns(equity: ArrayLike<number>, who = 'dailyReturns'): Float64Array {
  const n = equity.length;
  if (n < 2) {
    throw new RangeError(`${who}: got ${n} account value${n === 1 ? '' : 's'}; need at least 2 daily values to form one return`);
  }
  for (let i = 0; i < n; i++) {
    const v = equity[i];
    const ok = Number.isFinite(v) && (i < n - 1 ? v > 0 : v >= 0);
    if (!ok) {
      throw new RangeError(
        `${who}: equity[${i}] = ${v}; account values must be finite and positive (the last may be 0), since each one divides the next day's return`,
      );
    }
  }
  const r = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) r[i - 1] = equity[i] / equity[i - 1] - 1;
  return r;
}

/**
 * Cumulative returns (empyrical `cum_returns_final`): Π(1 + rₜ) − 1, i.e. V_N / V₀ − 1.
 */
export function cumulativeReturns(returns: ArrayLike<number>): number {
  return growth(returns) - 1;
}

/**
 * Annual return (empyrical `annual_return`, a CAGR): (Π(1 + rₜ))^(P / n) − 1 with n = `count`, which is
 * the number of returns (FinRL's convention passes the number of account values, see PerfOptions).
 */
export function annualReturn(returns: ArrayLike<number>, periodsPerYear = DEFAULT_PERIODS_PER_YEAR, count = returns.length): number {
  if (count < 1) return NaN;
  return Math.pow(growth(returns), periodsPerYear / count) - 1;
}

/** Annual volatility (empyrical `annual_volatility`): std(r, ddof = 1) · √P. NaN for fewer than 2 returns. */
export function annualVolatility(returns: ArrayLike<number>, periodsPerYear = DEFAULT_PERIODS_PER_YEAR): number {
  return std(returns, 1) * Math.sqrt(periodsPerYear);
}

/**
 * Spread (max − min) below which a return series counts as constant. Returns computed as Vₜ/Vₜ₋₁ − 1
 * carry ~1e-16 of absolute rounding error whatever their size, so a constant-growth account comes back
 * with a spread of ~1e-16 and a standard deviation made of noise; 1e-12 (a hundred-millionth of a basis
 * point) is far above that noise and far below any real day-to-day difference.
 */
export const FLAT_SPREAD = 1e-12;

/**
 * Sharpe ratio (empyrical `sharpe_ratio`): mean(r − rf) / std(r − rf, ddof = 1) · √P, rf per period.
 * Deviation, on purpose: when the excess returns are constant (spread ≤ FLAT_SPREAD, e.g. a flat
 * account) the standard deviation is 0 or rounding noise and empyrical returns NaN, ±inf or a huge
 * number; here the Sharpe ratio is 0, since there is no risk-adjusted return to speak of and a NaN
 * would poison averages across seeds. NaN for fewer than 2 returns.
 */
export function sharpeRatio(returns: ArrayLike<number>, riskFree = 0, periodsPerYear = DEFAULT_PERIODS_PER_YEAR): number {
  if (returns.length < 2) return NaN;
  const ex = excess(returns, riskFree);
  if (spread(ex) <= FLAT_SPREAD) return 0;
  return (mean(ex) / std(ex, 1)) * Math.sqrt(periodsPerYear);
}

/**
 * Sortino ratio (empyrical `sortino_ratio` with `downside_risk`), with required return R per period:
 *   downside = √(mean(min(rₜ − R, 0)²)) · √P      (the mean is over all n returns, not only the losses),
 *   sortino  = mean(rₜ − R) · P / downside.
 * With no return below R the downside is 0: empyrical gives +inf when the mean excess is positive (kept
 * here) and NaN when it is 0 (0 here, matching the Sharpe convention). Excess returns that are all 0
 * up to rounding (|eₜ| ≤ FLAT_SPREAD) count as a flat account, Sortino 0, rather than a ratio of noise.
 * NaN for fewer than 2 returns.
 */
export function sortinoRatio(returns: ArrayLike<number>, requiredReturn = 0, periodsPerYear = DEFAULT_PERIODS_PER_YEAR): number {
  if (returns.length < 2) return NaN;
  const ex = excess(returns, requiredReturn);
  let largest = 0;
  for (let i = 0; i < ex.length; i++) largest = Math.max(largest, Math.abs(ex[i]));
  if (largest <= FLAT_SPREAD) return 0;
  let sq = 0;
  for (let i = 0; i < ex.length; i++) if (ex[i] < 0) sq += ex[i] * ex[i];
  const downside = Math.sqrt(sq / ex.length) * Math.sqrt(periodsPerYear);
  const annualMean = mean(ex) * periodsPerYear;
  if (downside === 0) return annualMean > 0 ? Infinity : 0;
  return annualMean / downside;
}

/**
 * Maximum drawdown (empyrical `max_drawdown`): on the wealth path W₀ = 1, Wₜ = Π_{s≤t}(1 + r_s),
 *   min over t of (Wₜ − max_{s≤t} W_s) / max_{s≤t} W_s,
 * a number ≤ 0 (−0.25 is a 25% fall). The starting value counts as a peak, as in empyrical.
 */
export function maxDrawdown(returns: ArrayLike<number>): number {
  let w = 1;
  let peak = 1;
  let worst = 0;
  for (let i = 0; i < returns.length; i++) {
    w *= 1 + returns[i];
    if (w > peak) peak = w;
    const dd = (w - peak) / peak;
    if (dd < worst) worst = dd;
  }
  return worst;
}

/**
 * Calmar ratio (empyrical `calmar_ratio`): annual return / |max drawdown|; NaN when there was no
 * drawdown (max drawdown = 0) or the ratio is infinite, as in empyrical.
 */
export function calmarRatio(annualRet: number, maxDd: number): number {
  if (!(maxDd < 0)) return NaN;
  const c = annualRet / Math.abs(maxDd);
  return Number.isFinite(c) ? c : NaN;
}

/**
 * Omega ratio (empyrical `omega_ratio`, required return 0, so the daily threshold is 0):
 * with eₜ = rₜ − rf, Σ_{eₜ>0} eₜ / (−Σ_{eₜ<0} eₜ). NaN when no day lost (empyrical returns NaN when the
 * denominator is 0) and for fewer than 2 returns.
 */
export function omegaRatio(returns: ArrayLike<number>, riskFree = 0): number {
  if (returns.length < 2) return NaN;
  let gains = 0;
  let losses = 0;
  for (let i = 0; i < returns.length; i++) {
    const e = returns[i] - riskFree;
    if (e > 0) gains += e;
    else if (e < 0) losses -= e;
  }
  return losses > 0 ? gains / losses : NaN;
}

/**
 * Stability (empyrical `stability_of_timeseries`): R² of the least-squares line through
 * (t, yₜ) for t = 0 … n−1, yₜ = Σ_{s≤t} ln(1 + r_s) (cumulative log return; note y₀ = ln(1 + r₀), not 0).
 * R² = Sxy² / (Sxx·Syy) with centred sums (scipy `linregress`'s r, clipped to [−1, 1], squared);
 * 0 when the cumulative log return is constant (scipy sets r = 0 there). NaN for fewer than 2 returns.
 */
export function stability(returns: ArrayLike<number>): number {
  const n = returns.length;
  if (n < 2) return NaN;
  const y = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += Math.log1p(returns[i]);
    y[i] = acc;
  }
  const xBar = (n - 1) / 2;
  const yBar = mean(y);
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = i - xBar;
    const dy = y[i] - yBar;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  if (Number.isNaN(syy) || Number.isNaN(sxy)) return NaN;
  if (sxx === 0 || syy === 0) return 0;
  const r = Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
  return r * r;
}

/**
 * Central moments m_k = (1/n) Σ (rₜ − r̄)^k for k = 2, 3, 4, plus scipy's "numerically constant" test:
 * scipy.stats.skew/kurtosis return NaN when m₂ ≤ (1e-15 · r̄)² (float64 resolution times the mean).
 */
export function centralMoments(returns: ArrayLike<number>): { m2: number; m3: number; m4: number; degenerate: boolean } {
  const n = returns.length;
  const m = mean(returns);
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = returns[i] - m;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return { m2, m3, m4, degenerate: !(m2 > (1e-15 * m) ** 2) };
}

/**
 * Skew (scipy.stats.skew, pyfolio's call: bias=True): g₁ = m₃ / m₂^{3/2} with central moments over n.
 * NaN for an (almost) constant series, as scipy.
 */
export function skew(returns: ArrayLike<number>): number {
  if (returns.length < 1) return NaN;
  const { m2, m3, degenerate } = centralMoments(returns);
  return degenerate ? NaN : m3 / Math.pow(m2, 1.5);
}

/**
 * Kurtosis (scipy.stats.kurtosis defaults, as pyfolio calls it: Fisher = excess, bias=True):
 * g₂ = m₄ / m₂² − 3. NaN for an (almost) constant series, as scipy.
 */
export function kurtosis(returns: ArrayLike<number>): number {
  if (returns.length < 1) return NaN;
  const { m2, m4, degenerate } = centralMoments(returns);
  return degenerate ? NaN : m4 / (m2 * m2) - 3;
}

/**
 * Tail ratio (empyrical `tail_ratio`): |P95(r)| / |P5(r)| with numpy's linear-interpolation percentile
 * (position q·(n − 1) in the sorted returns). +Infinity when P5 is 0 and P95 is not, NaN when both are.
 */
export function tailRatio(returns: ArrayLike<number>): number {
  if (returns.length < 1) return NaN;
  return Math.abs(percentile(returns, 95)) / Math.abs(percentile(returns, 5));
}

/**
 * Daily value at risk as pyfolio's perf_stats reports it: pyfolio's own `timeseries.value_at_risk`
 * (sigma = 2), mean(r) − 2 · std(r, ddof = 1) (pandas). Not empyrical's `value_at_risk`, which is the
 * 5th percentile; pyfolio's is the parametric (normal) one. NaN for fewer than 2 returns.
 */
export function valueAtRisk(returns: ArrayLike<number>, sigma = 2): number {
  return mean(returns) - sigma * std(returns, 1);
}

/**
 * All thirteen pyfolio `perf_stats` numbers for a daily account-value series.
 * With one return only (two values) the dispersion-based statistics are NaN, as in empyrical.
 */
export function perfStats(equity: ArrayLike<number>, opts: PerfOptions = {}): PerfStats {
  const riskFree = opts.riskFree ?? 0;
  const periodsPerYear = opts.periodsPerYear ?? DEFAULT_PERIODS_PER_YEAR;
  const convention = opts.convention ?? 'empyrical';
  if (!Number.isFinite(riskFree)) throw new RangeError(`perfStats: riskFree must be a finite per-period rate, got ${riskFree}`);
  if (!(periodsPerYear > 0 && Number.isFinite(periodsPerYear))) {
    throw new RangeError(`perfStats: periodsPerYear must be a positive number, got ${periodsPerYear}`);
  }
  if (convention !== 'empyrical' && convention !== 'finrl') {
    throw new RangeError(`perfStats: convention must be 'empyrical' or 'finrl', got ${String(convention)}`);
  }
  const r = dailyReturns(equity, 'perfStats');
  const finrl = convention === 'finrl';
  const annual = annualReturn(r, periodsPerYear, finrl ? r.length + 1 : r.length);
  const mdd = maxDrawdown(r);
  return {
    annualReturn: annual,
    cumulativeReturns: cumulativeReturns(r),
    annualVolatility: annualVolatility(r, periodsPerYear),
    sharpeRatio: sharpeRatio(r, riskFree, periodsPerYear),
    calmarRatio: calmarRatio(annual, mdd),
    stability: stability(r),
    maxDrawdown: mdd,
    omegaRatio: omegaRatio(r, riskFree),
    sortinoRatio: sortinoRatio(r, riskFree, periodsPerYear),
    skew: finrl ? NaN : skew(r),
    kurtosis: finrl ? NaN : kurtosis(r),
    tailRatio: tailRatio(r),
    dailyValueAtRisk: valueAtRisk(r),
  };
}

/** Π(1 + rₜ), the final wealth per unit invested (empyrical cum_returns with starting value 1). */
function growth(returns: ArrayLike<number>): number {
  let w = 1;
  for (let i = 0; i < returns.length; i++) w *= 1 + returns[i];
  return w;
}

function excess(returns: ArrayLike<number>, rate: number): Float64Array {
  const out = new Float64Array(returns.length);
  for (let i = 0; i < returns.length; i++) out[i] = returns[i] - rate;
  return out;
}

function spread(xs: ArrayLike<number>): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    if (xs[i] < lo) lo = xs[i];
    if (xs[i] > hi) hi = xs[i];
  }
  return hi - lo;
}
