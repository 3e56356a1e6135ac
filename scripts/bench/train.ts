/**
 * `npm run bench:train`: training speed, end to end (rollouts on the real env + updates + logging), one JSON
 * line per measurement in DESIGN.md's format. All on the real MarginVecEnv: 27 assets, the paper env preset,
 * 2009-01-01..2018-12-31, one env copy (as the paper), no run folder.
 *
 * - train.ppo: env-steps/s of PPO with SB3's defaults (64-64 tanh, n_steps 2048, batch 64, 10 epochs,
 *   observation normalisation and reward scaling); `stepsPerRun` steps (whole updates) per run.
 * - train.a2c: env-steps/s of the paper's A2C (`A2C_PRESETS.margintrader`: n_steps 5, RMSprop, raw state).
 * - train.a2c.paper50k (unit s): wall time of the paper's full 50,000-step A2C run.
 *
 * Backend initialisation is excluded (it happens once, before the warm-up). Each measurement is a median over
 * `--runs N` runs (default 5; the README figures need at least 3) after one short warm-up run (JIT, wasm
 * kernels). `--backend auto|wasm|cpu|tensorflow` picks the TensorFlow.js backend (default auto).
 * Reference (the issue, measured on this machine with the authors' stack, SB3 2.0.0 on PyTorch CPU): the
 * paper's A2C pipeline runs at ~190 env-steps/s and its 50,000-step run took 261 s; on a free env SB3 runs
 * PPO at ~1,250 steps/s and A2C at ~1,100. Targets: PPO ≥ 1,300 steps/s; paper50k < 60 s.
 */
import { A2C_PRESETS } from '../../agents/a2c.ts';
import { initBackend, type BackendPref } from '../../agents/backend.ts';
import { benchTrain, type BenchTrainResult } from '../../agents/bench.ts';
import { envConfig } from '../../env/config.ts';
import { MarginVecEnv } from '../../env/vector-env.ts';
import { buildMarketFrame } from '../../src/data/build.ts';
import { emit, peakRssMiB, summarize } from './measure.ts';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const RUNS = Math.max(1, Number(flag('runs', process.env.BENCH_RUNS ?? '5')));
const BACKEND = flag('backend', 'auto') as BackendPref;
const PPO_STEPS = 2 * 2048; // two PPO updates
const A2C_STEPS = 10_000; // 2,000 A2C updates
const PAPER_STEPS = A2C_PRESETS.margintrader.totalTimesteps ?? 50_000;
const SEED = 0;

const period = { start: '2009-01-01', end: '2018-12-31' };
const frame = buildMarketFrame(period);
const envCfg = envConfig('paper');
const newEnv = () => new MarginVecEnv(frame, envCfg, { numEnvs: 1 });
const probe = newEnv();
const common = {
  assets: frame.tickers.length,
  obsDim: probe.observationSpace.shape[0],
  actDim: probe.actionSpace.shape[0],
  envPreset: 'paper',
  period: `${period.start}..${period.end}`,
  days: frame.dates.length,
  numEnvs: 1,
};

const backend = await initBackend(BACKEND);

async function measure(algo: 'ppo' | 'a2c', steps: number, runs: number): Promise<BenchTrainResult[]> {
  const out: BenchTrainResult[] = [];
  for (let i = 0; i < runs; i++) out.push(await benchTrain({ algo, vecEnv: newEnv(), steps, backend: backend as BackendPref, seed: SEED + i }));
  return out;
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round1 = (x: number) => Math.round(x * 10) / 10;

// Warm-up: one PPO update and a few hundred A2C steps (JIT, wasm kernel compilation).
await benchTrain({ algo: 'ppo', vecEnv: newEnv(), steps: 2048, backend: backend as BackendPref });
await benchTrain({ algo: 'a2c', vecEnv: newEnv(), steps: 500, backend: backend as BackendPref });

const ppo = await measure('ppo', PPO_STEPS, RUNS);
const ppoSps = ppo.map((r) => r.stepsPerSec);
emit(
  summarize('train.ppo', 'steps/s', ppoSps, {
    backend: ppo[0].backend,
    ...common,
    stepsPerRun: ppo[0].steps,
    config: 'sb3 defaults',
    hidden: [64, 64],
    nSteps: 2048,
    batchSize: 64,
    nEpochs: 10,
    secondsPerRun: round1(median(ppo.map((r) => r.seconds))),
    target: '>= 1300 steps/s',
    meetsTarget: median(ppoSps) >= 1300,
    sb3PpoFreeEnv: 1250,
    peakRssMiB: peakRssMiB(),
  }),
);

const a2c = await measure('a2c', A2C_STEPS, RUNS);
const a2cSps = a2c.map((r) => r.stepsPerSec);
emit(
  summarize('train.a2c', 'steps/s', a2cSps, {
    backend: a2c[0].backend,
    ...common,
    stepsPerRun: a2c[0].steps,
    config: 'margintrader',
    hidden: [64, 64],
    nSteps: 5,
    secondsPerRun: round1(median(a2c.map((r) => r.seconds))),
    sb3PaperPipeline: 190,
    sb3A2cFreeEnv: 1100,
    speedupVsPaperPipeline: round1(median(a2cSps) / 190),
    peakRssMiB: peakRssMiB(),
  }),
);

const paper = await measure('a2c', PAPER_STEPS, RUNS);
const paperSec = paper.map((r) => r.seconds);
emit(
  summarize('train.a2c.paper50k', 's', paperSec, {
    backend: paper[0].backend,
    ...common,
    config: 'margintrader',
    steps: paper[0].steps,
    stepsPerSec: Math.round(median(paper.map((r) => r.stepsPerSec))),
    target: '< 60 s',
    meetsTarget: median(paperSec) < 60,
    sb3PaperSeconds: 261,
    speedupVsPaper: round1(261 / median(paperSec)),
    peakRssMiB: peakRssMiB(),
  }),
);
