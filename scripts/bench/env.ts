/**
 * `npm run bench:env`: environment throughput.
 * - env.single: steps/s of one MarginTradingEnv (27 assets, paper preset, random actions, 2009–2018).
 * - env.vector16: env-steps/s summed over a 16-copy MarginVecEnv, same work.
 * Each run steps for at least `minSeconds`; medians over `runs` runs after a warm-up.
 */
import { envConfig } from '../../env/config.ts';
import { MarginTradingEnv } from '../../env/margin-env.ts';
import { MarginVecEnv } from '../../env/vector-env.ts';
import { buildMarketFrame } from '../../src/data/build.ts';
import { stream } from '../../src/rng.ts';
import { emit, peakRssMiB, summarize } from './measure.ts';

const runs = Number(process.env.BENCH_RUNS ?? 7);
const minSeconds = Number(process.env.BENCH_SECONDS ?? 1);
const frame = buildMarketFrame({ start: '2009-01-01', end: '2018-12-31' });
const cfg = envConfig('paper');
const N = frame.tickers.length;

function randomBlock(rows: number, dim: number, seed: number): Float64Array {
  const r = stream(seed, 'bench');
  const a = new Float64Array(rows * dim);
  for (let i = 0; i < a.length; i++) a[i] = r.uniform(-1, 1);
  return a;
}

function single(reuseObservation = false): number {
  const env = new MarginTradingEnv(frame, cfg, { reuseObservation });
  const dim = 2 * N;
  const block = randomBlock(4096, dim, 1); // pre-drawn: measure the env, not the generator
  const acts = Array.from({ length: 4096 }, (_, k) => block.subarray(k * dim, (k + 1) * dim));
  env.reset({ seed: 0 });
  let steps = 0;
  const t0 = performance.now();
  let now = t0;
  while (now - t0 < minSeconds * 1000) {
    for (let k = 0; k < 1000; k++) {
      const r = env.step(acts[steps & 4095]);
      steps++;
      if (r.terminated || r.truncated) env.reset();
    }
    now = performance.now();
  }
  return steps / ((now - t0) / 1000);
}

function vector(numEnvs: number): number {
  const v = new MarginVecEnv(frame, cfg, { numEnvs });
  const dim = 2 * N * numEnvs;
  const block = randomBlock(256, dim, 2);
  const acts = Array.from({ length: 256 }, (_, k) => block.subarray(k * dim, (k + 1) * dim));
  v.reset(0);
  let steps = 0;
  let calls = 0;
  const t0 = performance.now();
  let now = t0;
  while (now - t0 < minSeconds * 1000) {
    for (let k = 0; k < 100; k++) {
      v.step(acts[calls & 255]);
      calls++;
      steps += numEnvs;
    }
    now = performance.now();
  }
  return steps / ((now - t0) / 1000);
}

single(); // warm-up (JIT)
const s = Array.from({ length: runs }, single);
emit(
  summarize('env.single', 'steps/s', s, {
    assets: N,
    preset: 'paper',
    period: '2009-01-01..2018-12-31',
    days: frame.dates.length,
    peakRssMiB: peakRssMiB(),
    originalPython: 240,
    speedupVsOriginal: Math.round(s.sort((a, b) => a - b)[s.length >> 1] / 240),
  }),
);
single(true);
const reuse = Array.from({ length: runs }, () => single(true));
emit(
  summarize('env.single.reuse', 'steps/s', reuse, {
    assets: N,
    preset: 'paper',
    reuseObservation: true,
    note: 'same as env.single, with one observation buffer overwritten by each step instead of a fresh one',
  }),
);
vector(16);
const v = Array.from({ length: runs }, () => vector(16));
emit(summarize('env.vector16', 'steps/s', v, { numEnvs: 16, assets: N, preset: 'paper', peakRssMiB: peakRssMiB() }));
