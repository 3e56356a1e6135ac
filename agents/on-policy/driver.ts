/**
 * The on-policy training driver shared by PPO and A2C: seeding, run folder, rollouts, logging,
 * checkpoints, resume and progress. The algorithms supply their config, optimiser and update step
 * (ppo/train.ts, a2c.ts); everything here is the same for both. Rollouts, GAE and advantage
 * normalisation are in rollout.ts, the budget caps in budget.ts.
 *
 * One iteration ("update" u = 1, 2, …):
 *   lr_u = lr·(1 − (u−1)/U) if annealLr else lr
 *   rollout of nSteps × numEnvs with the current policy  →  GAE  →  algorithm update  →  one metrics line
 *   checkpoint every `checkpointEvery` updates and after the last one
 *
 * Seeding (one run seed, named streams from src/rng.ts; adding draws to one never shifts another):
 *   init    — one child seed per weight matrix (networks.ts)
 *   sample  — the Gaussian noise of every sampled action
 *   shuffle — PPO's minibatch permutations
 *   env     — the seed of the first VecEnv.reset (copy j gets seed + j); a resume without an env
 *             snapshot resets with a seed derived from (run seed, update index)
 *   (conditioning — drawn by a ConditionedVecEnv, not here: its state travels in the env snapshot)
 *
 * Observation normalisation (normalize.ts): the env's ratio slots (`ratioSlotsOf`) pass through unchanged
 * and every other feature's divisor is floored at 0.1; the rule is stored in checkpoints next to the
 * stats, and a resume continues with the checkpoint's rule (the legacy SB3 rule for old checkpoints).
 *
 * What resume guarantees (see `TrainOptions.resume`):
 *   Always: the weights, optimiser moments and step count, normaliser statistics, reward-scaler returns,
 *   random-stream states, update index and global step continue exactly from the last checkpoint, and
 *   metrics.jsonl is cut back to that checkpoint, so each update appears exactly once.
 *   If the VecEnv implements `SnapshotVecEnv` (getState/setState): the env continues mid-episode exactly
 *   too, and the resumed run is bit-identical to an uninterrupted one (same seed, same backend).
 *   Otherwise: the envs start new episodes from `reset(seed derived from run seed and update index)`; the
 *   episodes in flight at the checkpoint are dropped, so later trajectories differ from an uninterrupted run.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import type { EpisodeSummary, VecEnv } from '../../env/types.ts';
import { boxSize } from '../../env/spaces.ts';
import { Rng, stream } from '../../src/rng.ts';
import { initBackend, type BackendPref } from '../backend.ts';
import { loadCheckpoint, makePolicy, paramCount, saveCheckpoint, type Checkpoint, type Policy } from '../checkpoint.ts';
import type { OnPolicyConfig } from './config.ts';
import { ActorCritic, type NetConfig } from '../networks.ts';
import { checkObsRule, DEFAULT_OBS_STD_FLOOR, obsRuleOf, ObsNormalizer, RewardScaler, type ObsNormRule } from '../normalize.ts';
import { ratioSlotsOf } from '../conditioning.ts';
import type { Optimizer, OptimizerState } from '../optim.ts';
import { asVecEnv, type AnyEnv } from './as-vec-env.ts';
import { collectRollout, ingestObservations, RolloutBuffer, RolloutScratch, type RolloutState } from './rollout.ts';
import { fmtCount, MAX_NETWORK_PARAMS } from './budget.ts';
import { createProgress, type ProgressMode } from '../progress.ts';
import { RunFolder } from '../run-folder.ts';

/** A VecEnv whose full state can be saved in a checkpoint and restored (JSON-able; typed arrays allowed). */
export interface SnapshotVecEnv extends VecEnv {
  getState(): unknown;
  setState(state: unknown): void;
}

export function isSnapshotVecEnv(env: VecEnv): env is SnapshotVecEnv {
  const e = env as Partial<SnapshotVecEnv>;
  return typeof e.getState === 'function' && typeof e.setState === 'function';
}

export interface TrainOptions {
  /**
   * The environment(s), constructed by the caller: one env (`makeEnv(…)`, any Gymnasium-style `Env`: it is
   * trained on as a vector env of 1, see on-policy/as-vec-env.ts) or a vector env (`makeVecEnv(…)`,
   * `new MarginVecEnv(frame, envConfig, {numEnvs, …})`). The driver calls `reset` once (or `setState` on
   * resume) and then only `step`. On resume, construct it the same way as for the original run.
   * Give `env` or `vecEnv` (the same thing under its older name), not both.
   */
  env?: VecEnv | AnyEnv;
  /** The same as `env` (either a vector env or one env). */
  vecEnv?: VecEnv | AnyEnv;
  /** Run folder (config.json, manifest.json, metrics.jsonl, checkpoint.json). null/undefined: nothing written. */
  runDir?: string | null;
  /** Continue the run in `runDir` from its last checkpoint (see the guarantees above). */
  resume?: boolean;
  /** TensorFlow.js backend preference (default 'auto': tensorflow → wasm → cpu). */
  backend?: BackendPref;
  /** Progress on stderr: 'auto' (bar on a TTY, lines otherwise; the default), 'bar', 'lines' or 'none'. */
  progress?: ProgressMode;
  /** Seconds between plain progress lines (default 10). */
  progressIntervalSec?: number;
  /** Extra top-level entries for config.json (env config, preset name, periods…). */
  configExtra?: Record<string, unknown>;
  /** The manifest's free-form `data` field (data checksums…). */
  manifestData?: Record<string, unknown>;
  /** Called after every update with its metrics line. */
  onUpdate?: (m: UpdateMetrics) => void;
  /** Informational lines (backend in use, resume point). Default: stderr unless progress is 'none'. */
  log?: (line: string) => void;
  /** Stop after the current update, write a checkpoint and return (finished: false). */
  signal?: AbortSignal;
  /**
   * Observation slots the normaliser passes through unchanged (normalize.ts). Default: the env's ratio
   * slots (`ratioSlotsOf`: the margin env's current and target long share when observeRatio is on, or a
   * VecEnv's own `ratioSlots`). On resume the checkpoint's rule is used instead.
   */
  obsPassthrough?: number[];
  /** Lower bound of the normaliser's divisor (default DEFAULT_OBS_STD_FLOOR = 0.1; 0 = SB3's rule). On resume: the checkpoint's. */
  obsStdFloor?: number;
  /**
   * Testing hook: return after this many updates in this call WITHOUT a final checkpoint, as if the
   * process had been killed (metrics lines past the last checkpoint stay behind for resume to cut).
   */
  stopAfterUpdates?: number;
}

/** One line of metrics.jsonl. `sps` and `elapsed` are wall-clock; every other field is deterministic. */
export interface UpdateMetrics {
  update: number;
  globalStep: number;
  lr: number;
  /** Episodes that ended during this update's rollout, and their mean return/length (env's summaries). */
  episodes: number;
  episodeReturnMean: number | null;
  episodeLengthMean: number | null;
  /** 1 − Var[R − V]/Var[R] over the rollout (null when Var[R] = 0). */
  explainedVariance: number | null;
  /** Mean σ of the Gaussian policy after the update. */
  std: number;
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  loss: number;
  gradNorm: number;
  /** PPO only. */
  approxKl?: number;
  clipFraction?: number;
  epochs?: number;
  gradientSteps?: number;
  stoppedEarly?: boolean;
  /** Env steps per second since this process started training (wall clock). */
  sps: number;
  /** Seconds since this process started training (wall clock). */
  elapsed: number;
}

export interface TrainResult<C> {
  algo: 'ppo' | 'a2c';
  config: C;
  backend: string;
  runDir: string | null;
  /** Updates completed in total (including before a resume). */
  updates: number;
  /** Updates the config asks for. */
  totalUpdates: number;
  globalStep: number;
  /** True when all updates ran (false after `signal` or `stopAfterUpdates`). */
  finished: boolean;
  /** How the env continued on resume; null for a fresh run. */
  envRestored: 'snapshot' | 'reset' | null;
  /** The metrics lines produced by this call. */
  metrics: UpdateMetrics[];
  net: ActorCritic;
  optimizer: OptimizerState;
  /** Final normaliser stats and the rule they are applied with (pass-through slots, std floor). */
  obsNorm: ({ mean: Float64Array; var: Float64Array; count: number; clip: number } & ObsNormRule) | null;
  /** Deterministic policy over a frozen copy of the final weights and normaliser stats. */
  policy: Policy;
}

/** What an algorithm plugs into the driver. */
export interface OnPolicyAlgorithm<C extends OnPolicyConfig> {
  algo: 'ppo' | 'a2c';
  /** Parses (and validates) a config; throws with a readable message. */
  parse(input: unknown): C;
  /** Algorithm-specific early checks against the env (e.g. batch size vs rollout size). */
  check?(cfg: C, numEnvs: number): void;
  makeOptimizer(cfg: C, size: number): Optimizer;
  /** Builds the per-update step once the network, buffer and streams exist. */
  makeUpdate(ctx: {
    cfg: C;
    net: ActorCritic;
    opt: Optimizer;
    buf: RolloutBuffer;
    shuffleRng: Rng;
  }): (
    lr: number,
  ) => Omit<
    UpdateMetrics,
    'update' | 'globalStep' | 'lr' | 'episodes' | 'episodeReturnMean' | 'episodeLengthMean' | 'explainedVariance' | 'std' | 'sps' | 'elapsed'
  >;
}

/** Floats one rollout buffer may hold (nSteps × numEnvs × (obsDim + actDim + 8)): 2.5e8 is 1 GB. */
export const MAX_ROLLOUT_FLOATS = 2.5e8;

/**
 * Sizes that depend on the env, checked before anything is allocated: the networks (with the input layer
 * obsDim × hidden[0]) against MAX_NETWORK_PARAMS, and the rollout buffer against MAX_ROLLOUT_FLOATS.
 * Messages start "invalid PPO/A2C config" and name the parameter, as the config's own errors do.
 */
function checkAllocation(algo: 'ppo' | 'a2c', cfg: OnPolicyConfig, O: number, A: number, N: number): void {
  const head = `invalid ${algo.toUpperCase()} config:\n  - `;
  const params = paramCount(O, A, cfg.hidden);
  if (params > MAX_NETWORK_PARAMS) {
    throw new Error(
      `${head}hidden: ${JSON.stringify(cfg.hidden)} on this env (${O} observation values, ${A} actions) makes networks of ${fmtCount(params)} floats, above the cap of ${fmtCount(MAX_NETWORK_PARAMS)}: too large to allocate and train`,
    );
  }
  const rollout = cfg.nSteps * N * (O + A + 8);
  if (rollout > MAX_ROLLOUT_FLOATS) {
    throw new Error(
      `${head}nSteps: ${cfg.nSteps} steps × ${N} env copies × ${O + A + 8} floats makes a rollout buffer of ${fmtCount(rollout)} floats, above the cap of ${fmtCount(MAX_ROLLOUT_FLOATS)} (1 GB): lower nSteps or numEnvs`,
    );
  }
}

export function netConfigOf(cfg: OnPolicyConfig): NetConfig {
  return { hidden: cfg.hidden, activation: cfg.activation, logStdInit: cfg.logStdInit, orthoInit: cfg.orthoInit };
}

export function explainedVariance(values: ArrayLike<number>, returns: ArrayLike<number>): number | null {
  const n = returns.length;
  let mr = 0,
    md = 0;
  for (let i = 0; i < n; i++) {
    mr += returns[i];
    md += returns[i] - values[i];
  }
  mr /= n;
  md /= n;
  let vr = 0,
    vd = 0;
  for (let i = 0; i < n; i++) {
    vr += (returns[i] - mr) ** 2;
    const d = returns[i] - values[i] - md;
    vd += d * d;
  }
  return vr === 0 ? null : 1 - vd / vr;
}

/** The vector env to train on: `env` or `vecEnv`, one env wrapped as a vector env of 1. */
function trainingEnv(opts: TrainOptions): VecEnv {
  if (opts.env !== undefined && opts.vecEnv !== undefined) throw new Error('train: give options.env or options.vecEnv, not both (they are the same option)');
  const given = opts.env ?? opts.vecEnv;
  if (given === undefined || given === null) {
    throw new Error('train: options.env is missing: pass one env (makeEnv({ universe, period })) or a vector env (makeVecEnv({ universe, period, numEnvs }))');
  }
  return asVecEnv(given);
}

function describeEnv(env: VecEnv): { O: number; A: number; N: number; low: Float64Array; high: Float64Array } {
  const N = env.numEnvs;
  if (!(Number.isInteger(N) && N >= 1)) throw new Error(`train: vecEnv.numEnvs must be a positive integer, got ${N}`);
  if (env.observationSpace.shape.length !== 1) {
    throw new Error(`train: observation space must be 1-D (flatten it in the env), got shape [${env.observationSpace.shape}]`);
  }
  if (env.actionSpace.shape.length !== 1) throw new Error(`train: action space must be 1-D, got shape [${env.actionSpace.shape}]`);
  const low = Float64Array.from(env.actionSpace.low);
  const high = Float64Array.from(env.actionSpace.high);
  for (let j = 0; j < low.length; j++) {
    if (!(low[j] <= high[j])) throw new Error(`train: action space bound ${j} is [${low[j]}, ${high[j]}]: need low ≤ high`);
  }
  return { O: boxSize(env.observationSpace), A: boxSize(env.actionSpace), N, low, high };
}

/** Resolves the config of a resumed run: the stored one, where the caller may only change totalTimesteps. */
function resumeConfig<C extends OnPolicyConfig>(alg: OnPolicyAlgorithm<C>, rf: RunFolder, given: unknown): { cfg: C; changed: boolean } {
  const stored = rf.readConfig();
  if (stored.algo !== alg.algo) {
    throw new Error(`cannot resume ${rf.dir} with ${alg.algo}: the run was started with ${stored.algo}`);
  }
  const cfg = alg.parse(stored.agent);
  if (given === undefined || given === null) return { cfg, changed: false };
  const want = alg.parse(given);
  const diff = Object.keys(cfg).filter(
    (k) => k !== 'totalTimesteps' && JSON.stringify((cfg as Record<string, unknown>)[k]) !== JSON.stringify((want as Record<string, unknown>)[k]),
  );
  if (diff.length) {
    throw new Error(
      `cannot resume ${rf.dir}: the config differs from the stored one in ${diff.map((k) => `${k} (stored ${JSON.stringify((cfg as Record<string, unknown>)[k])}, given ${JSON.stringify((want as Record<string, unknown>)[k])})`).join(', ')}; ` +
        'only totalTimesteps may change on resume (omit the config to use the stored one)',
    );
  }
  const changed = want.totalTimesteps !== cfg.totalTimesteps;
  return { cfg: { ...cfg, totalTimesteps: want.totalTimesteps }, changed };
}

export async function trainOnPolicy<C extends OnPolicyConfig>(alg: OnPolicyAlgorithm<C>, configInput: unknown, opts: TrainOptions): Promise<TrainResult<C>> {
  const progressMode = opts.progress ?? 'auto';
  const log = opts.log ?? (progressMode === 'none' ? () => {} : (s: string) => process.stderr.write(s + '\n'));
  const env = trainingEnv(opts);
  const { O, A, N, low, high } = describeEnv(env);
  if (opts.resume && !opts.runDir) throw new Error('train: resume needs runDir (the folder of the run to continue)');

  // ---- config ------------------------------------------------------------------------------------
  let rf: RunFolder | null = null;
  let cfg: C;
  if (opts.resume) {
    rf = RunFolder.open(opts.runDir as string);
    const r = resumeConfig(alg, rf, configInput);
    cfg = r.cfg;
    if (r.changed) rf.writeConfig({ ...rf.readConfig(), agent: cfg });
  } else {
    cfg = alg.parse(configInput);
  }
  alg.check?.(cfg, N);
  checkAllocation(alg.algo, cfg, O, A, N);
  const backend = await initBackend(opts.backend ?? 'auto');
  log(`[${alg.algo}] backend: ${backend}`);

  // ---- seeding ------------------------------------------------------------------------------------
  const rngs = {
    sample: stream(cfg.seed, 'sample'),
    shuffle: stream(cfg.seed, 'shuffle'),
    env: stream(cfg.seed, 'env'),
  };

  // ---- state --------------------------------------------------------------------------------------
  const net = new ActorCritic(O, A, netConfigOf(cfg));
  const opt = alg.makeOptimizer(cfg, net.size);
  const obsRule: ObsNormRule = { stdFloor: opts.obsStdFloor ?? DEFAULT_OBS_STD_FLOOR, passthrough: opts.obsPassthrough ?? ratioSlotsOf(env) };
  checkObsRule(obsRule, O);
  const obsNorm = cfg.normalizeObs ? new ObsNormalizer(O, cfg.clipObs, obsRule) : null;
  const rewardScaler = cfg.normalizeReward ? new RewardScaler(N, cfg.gamma, cfg.clipReward) : null;
  const buf = new RolloutBuffer(cfg.nSteps, N, O, A);
  const scratch = new RolloutScratch(N, O, A);
  const state: RolloutState = {
    env,
    net,
    obsNorm,
    rewardScaler,
    sampleRng: rngs.sample,
    lastObs: new Float32Array(N * O),
    actionLow: low,
    actionHigh: high,
  };
  const perUpdate = cfg.nSteps * N;
  const totalUpdates = Math.ceil(cfg.totalTimesteps / perUpdate);
  let startUpdate = 0;
  let globalStep = 0;
  let envRestored: 'snapshot' | 'reset' | null = null;

  if (opts.resume && rf) {
    if (!existsSync(rf.checkpointPath)) {
      throw new Error(
        `cannot resume ${rf.dir}: it has no checkpoint yet (the run stopped before update ${cfg.checkpointEvery}); start it again in a new folder without resume`,
      );
    }
    const ck = loadCheckpoint(rf.checkpointPath);
    if (ck.algo !== alg.algo) throw new Error(`cannot resume: checkpoint is ${ck.algo}, this is ${alg.algo}`);
    if (ck.obsDim !== O || ck.actDim !== A || ck.numEnvs !== N) {
      throw new Error(
        `cannot resume: checkpoint has obsDim ${ck.obsDim}, actDim ${ck.actDim}, numEnvs ${ck.numEnvs}; the env has ${O}, ${A}, ${N}: construct the env as for the original run`,
      );
    }
    net.setParams(ck.params);
    opt.load(ck.optimizer);
    if (obsNorm) {
      if (!ck.obsNorm) throw new Error('cannot resume: config normalises observations but the checkpoint has no normaliser stats');
      obsNorm.rms.load(ck.obsNorm);
      // The rule the run was started with (old checkpoints: the legacy SB3 rule), not today's default.
      obsNorm.rule = obsRuleOf(ck.obsNorm);
      if (ck.obsNorm.stdFloor === undefined)
        log(`[${alg.algo}] the checkpoint predates pass-through slots and the std floor: continuing with the legacy normalisation rule it was trained with`);
    }
    if (rewardScaler) {
      if (!ck.rewardScaler) throw new Error('cannot resume: config scales rewards but the checkpoint has no reward-scaler state');
      rewardScaler.load(ck.rewardScaler);
    }
    rngs.sample = new Rng(`${cfg.seed}:sample`, ck.rng.sample);
    rngs.shuffle = new Rng(`${cfg.seed}:shuffle`, ck.rng.shuffle);
    rngs.env = new Rng(`${cfg.seed}:env`, ck.rng.env);
    state.sampleRng = rngs.sample;
    startUpdate = ck.updateIndex;
    globalStep = ck.globalStep;
    rf.truncateMetrics(startUpdate);
    if (isSnapshotVecEnv(env) && ck.env.snapshot !== null && ck.env.snapshot !== undefined) {
      env.setState(ck.env.snapshot);
      state.lastObs.set(ck.env.lastObs);
      envRestored = 'snapshot';
    } else {
      const raw = env.reset(stream(cfg.seed, `env:resume:${startUpdate}`).seed31());
      ingestObservations(state, raw, N, state.lastObs);
      rewardScaler?.returns.fill(0);
      envRestored = 'reset';
    }
    rf.updateManifest((m) => {
      m.resumes.push({ time: new Date().toISOString(), fromUpdate: startUpdate, backend, envRestored: envRestored as 'snapshot' | 'reset' });
      m.endTime = null;
    });
    log(
      `[${alg.algo}] resuming ${rf.dir} at update ${startUpdate}/${totalUpdates} (step ${globalStep}); env ${envRestored === 'snapshot' ? 'restored from its snapshot' : 'reset with a derived seed'}`,
    );
  } else {
    if (opts.runDir) {
      rf = RunFolder.create(opts.runDir, {
        algo: alg.algo,
        agentConfig: cfg,
        seed: cfg.seed,
        backend,
        configExtra: obsNorm ? { ...opts.configExtra, observationNormalization: { clip: obsNorm.clip, ...obsNorm.rule } } : opts.configExtra,
        data: opts.manifestData,
      });
    }
    net.init(stream(cfg.seed, 'init'));
    const raw = env.reset(rngs.env.seed31());
    ingestObservations(state, raw, N, state.lastObs);
  }

  const update = alg.makeUpdate({ cfg, net, opt, buf, shuffleRng: rngs.shuffle });

  const writeCheckpoint = (u: number) => {
    if (!rf) return;
    const ck: Checkpoint = {
      format: 'marginlab.checkpoint.v1',
      algo: alg.algo,
      agentConfig: cfg as Record<string, unknown>,
      obsDim: O,
      actDim: A,
      numEnvs: N,
      actionLow: low,
      actionHigh: high,
      net: netConfigOf(cfg),
      updateIndex: u,
      globalStep,
      params: net.params,
      optimizer: opt.state(),
      obsNorm: obsNorm ? obsNorm.snapshot() : null,
      rewardScaler: rewardScaler ? rewardScaler.state() : null,
      rng: { sample: rngs.sample.state(), shuffle: rngs.shuffle.state(), env: rngs.env.state() },
      env: { lastObs: state.lastObs, snapshot: isSnapshotVecEnv(env) ? env.getState() : null },
      backend,
      savedAt: new Date().toISOString(),
    };
    saveCheckpoint(rf.checkpointPath, ck);
  };

  // ---- training loop ------------------------------------------------------------------------------
  const progress = createProgress({
    total: totalUpdates * perUpdate,
    initial: globalStep,
    mode: progressMode,
    label: alg.algo,
    intervalSec: opts.progressIntervalSec,
  });
  const metrics: UpdateMetrics[] = [];
  const t0 = performance.now();
  const step0 = globalStep;
  let finished = startUpdate >= totalUpdates;
  let u = startUpdate;
  let lastYield = performance.now();
  try {
    while (u < totalUpdates) {
      u++;
      const lr = cfg.annealLr ? cfg.learningRate * (1 - (u - 1) / totalUpdates) : cfg.learningRate;
      const episodes: EpisodeSummary[] = collectRollout(state, buf, scratch);
      globalStep += perUpdate;
      buf.computeReturnsAndAdvantages(cfg.gamma, cfg.gaeLambda);
      const stats = update(lr);

      const elapsed = (performance.now() - t0) / 1000;
      let std = 0;
      for (const ls of net.logStd) std += Math.exp(ls);
      const m: UpdateMetrics = {
        update: u,
        globalStep,
        lr,
        episodes: episodes.length,
        episodeReturnMean: episodes.length ? episodes.reduce((a, e) => a + e.return, 0) / episodes.length : null,
        episodeLengthMean: episodes.length ? episodes.reduce((a, e) => a + e.length, 0) / episodes.length : null,
        explainedVariance: explainedVariance(buf.values, buf.returns),
        std: std / A,
        ...stats,
        sps: Math.round((globalStep - step0) / Math.max(elapsed, 1e-9)),
        elapsed,
      };
      metrics.push(m);
      rf?.appendMetrics(m);
      opts.onUpdate?.(m);
      progress.update(globalStep, {
        'steps/s': m.sps,
        ...(m.episodeReturnMean !== null ? { 'ep return': m.episodeReturnMean } : {}),
      });

      // Let the event loop run now and then, so that a Ctrl-C handler (or any abort) can fire between updates.
      if (performance.now() - lastYield > 100) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      const aborted = opts.signal?.aborted === true;
      if (u % cfg.checkpointEvery === 0 || u === totalUpdates || aborted) writeCheckpoint(u);
      if (u === totalUpdates) finished = true;
      if (aborted) break;
      if (opts.stopAfterUpdates !== undefined && u - startUpdate >= opts.stopAfterUpdates) break;
    }
  } finally {
    progress.stop();
    rf?.close();
  }
  if (finished && rf) rf.updateManifest((mf) => (mf.endTime = new Date().toISOString()));
  if (tf.memory().numTensors > 1000) log(`[${alg.algo}] warning: ${tf.memory().numTensors} tensors alive after training (leak?)`);

  const obsStats = obsNorm ? obsNorm.snapshot() : null;
  return {
    algo: alg.algo,
    config: cfg,
    backend,
    runDir: rf?.dir ?? null,
    updates: u,
    totalUpdates,
    globalStep,
    finished,
    envRestored,
    metrics,
    net,
    optimizer: opt.state(),
    obsNorm: obsStats,
    policy: makePolicy(net, obsStats, low, high),
  };
}
