/**
 * Solve-time benchmarks of the mean-variance layer (agents/portfolio/mean-variance.ts, HiGHS QP):
 * - portfolio.maxsharpe27: one long-only, fully invested max-Sharpe solve, 27 assets, 252-day window;
 *   median ms over 51 solves after 200 warm-ups (V8 needs ~100 solves to tier up the JS and the wasm). Goal ≤ 2 ms.
 * - portfolio.maxsharpe500: the same with 500 assets and a 756-day window; median over 7 solves after 2
 *   warm-ups. Goal ≤ 200 ms.
 * Returns are synthetic and "real-like": a one-factor model r_ti = α_i + β_i f_t + ε_ti drawn from the seeded
 * stream `stream(seed, 'bench')` (market vol 1%/day, β ∈ [0.6, 1.4], idiosyncratic vol 1–2.5%/day,
 * α ~ N(4e-4, 5e-4) per day). μ is the sample mean and Σ the Ledoit–Wolf (constant-correlation) estimate;
 * only the `meanVariance` call is timed. Details: `cpuMedianMs` (the process's CPU time per solve, steadier
 * than wall-clock on a loaded machine), `load1`, and `quadprogFallbacks` (solves HiGHS did not pass).
 *
 * Run alone: `node bin/run-ts.js scripts/bench/portfolio-solve.ts` (one JSON line per measurement).
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { covariance, expectedReturns, type ReturnsWindow } from '../../agents/portfolio/estimators.ts';
import { meanVariance } from '../../agents/portfolio/mean-variance.ts';
import { qpStats } from '../../agents/portfolio/qp.ts';
import { stream } from '../../src/rng.ts';
import { emit, summarize, type BenchLine } from './measure.ts';

/** One-factor synthetic daily returns, T×N row-major. */
export function syntheticReturns(N: number, T: number, seed = 1): ReturnsWindow {
  const rng = stream(seed, 'bench');
  const alpha = new Float64Array(N);
  const beta = new Float64Array(N);
  const idio = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    alpha[i] = 4e-4 + 5e-4 * rng.normal();
    beta[i] = rng.uniform(0.6, 1.4);
    idio[i] = rng.uniform(0.01, 0.025);
  }
  const data = new Float64Array(T * N);
  for (let t = 0; t < T; t++) {
    const f = 0.01 * rng.normal();
    for (let i = 0; i < N; i++) data[t * N + i] = alpha[i] + beta[i] * f + idio[i] * rng.normal();
  }
  return { T, N, data };
}

function measure(name: string, N: number, T: number, warmups: number, runs: number, goalMs: number): BenchLine {
  const r = syntheticReturns(N, T, N);
  const mu = expectedReturns(r);
  const { cov } = covariance(r, 'ledoit-wolf');
  const fallbacks0 = qpStats.fallbacks;
  let res = meanVariance(mu, cov, { kind: 'max-sharpe' });
  for (let k = 1; k < warmups; k++) res = meanVariance(mu, cov, { kind: 'max-sharpe' });
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let k = 0; k < runs; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    res = meanVariance(mu, cov, { kind: 'max-sharpe' });
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const cpuSorted = [...cpu].sort((a, b) => a - b);
  let held = 0;
  for (const w of res.weights) if (w > 1e-8) held++;
  const line = summarize(name, 'ms', ms, {
    assets: N,
    days: T,
    solver: 'highs (HiGHS QP, wasm)',
    held,
    sharpe: Number(res.sharpe.toFixed(3)),
    iterations: res.iterations,
    quadprogFallbacks: qpStats.fallbacks - fallbacks0,
    target: `<= ${goalMs} ms`,
    // Other work on a shared machine moves wall-clock times a lot; the process's own CPU time per solve is
    // the steadier figure.
    cpuMedianMs: Number(cpuSorted[cpuSorted.length >> 1].toPrecision(4)),
    load1: Number(loadavg()[0].toFixed(2)),
  });
  line.meetsTarget = line.median <= goalMs;
  return line;
}

export async function benchSolves(): Promise<BenchLine[]> {
  return [measure('portfolio.maxsharpe27', 27, 252, 200, 51, 2), measure('portfolio.maxsharpe500', 500, 756, 2, 7, 200)];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const line of await benchSolves()) emit(line);
}
