/**
 * Checkpoints: everything needed to continue training exactly, or to evaluate, in one JSON file written
 * atomically (typed arrays bit-exact, see io.ts):
 *   the algorithm config, network shape and flat weights; optimiser state (Adam m/v or RMSprop v, step
 *   count); observation-normaliser stats and reward-scaler state; the saved states of the random streams
 *   (sample, shuffle, env); update index and global step; the policy's current inputs (one row per env) and,
 *   when the VecEnv supports it (`SnapshotVecEnv`), the env's own state.
 *
 * `loadPolicy(dir)` turns a checkpoint into a deterministic, tfjs-free `act(obs)`: Gaussian mean of the
 * observation normalised with the FROZEN training stats and the stored rule (pass-through slots, std floor;
 * the legacy SB3 rule for checkpoints that predate it), clipped to the action bounds.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EnvConfigSchema } from '../env/config.ts';
import { PAPER_TICKERS } from '../src/data/build.ts';
import { PAPER_INDICATORS } from '../src/data/indicators.ts';
import type { AleaState } from '../src/rng.ts';
import { writeFileAtomic } from '../src/atomic.ts';
import { decodeJson, encodeJson } from './io.ts';
import { ActorCritic, type NetConfig } from './networks.ts';
import { normalizeWith, obsRuleOf, type RewardScalerState, type RunningMeanStdState } from './normalize.ts';
import type { OptimizerState } from './optim.ts';
import { CHECKPOINT_FILE, CONFIG_FILE } from './run-folder.ts';

export const CHECKPOINT_FORMAT = 'marginlab.checkpoint.v1';

/** A checkpoint that cannot be used as it is: unreadable, inconsistent, or not matching its run's config. Names the file. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  algo: 'ppo' | 'a2c';
  /** The parsed algorithm config the run used. */
  agentConfig: Record<string, unknown>;
  obsDim: number;
  actDim: number;
  numEnvs: number;
  actionLow: Float64Array;
  actionHigh: Float64Array;
  net: NetConfig;
  /** Updates completed (1-based count); metrics.jsonl holds exactly these. */
  updateIndex: number;
  /** Env steps taken (all envs). */
  globalStep: number;
  params: Float32Array;
  optimizer: OptimizerState;
  /**
   * Normaliser stats and the rule they are applied with (normalize.ts). `stdFloor` and `passthrough` are
   * absent in checkpoints written before the rule existed: those load with the legacy (SB3) rule.
   */
  obsNorm: (RunningMeanStdState & { clip: number; stdFloor?: number; passthrough?: number[] }) | null;
  rewardScaler: RewardScalerState | null;
  rng: Record<string, AleaState>;
  env: {
    /** Policy inputs for the next step (normalised), numEnvs×obsDim. */
    lastObs: Float32Array;
    /** The VecEnv's own state when it implements SnapshotVecEnv, else null. */
    snapshot: unknown;
  };
  backend: string;
  savedAt: string;
}

export function saveCheckpoint(path: string, ck: Checkpoint): void {
  writeFileAtomic(path, encodeJson(ck));
}

/** Accepts a run folder (reads its checkpoint.json) or a checkpoint file path. */
export function resolveCheckpointPath(dirOrFile: string): string {
  if (!existsSync(dirOrFile)) throw new CheckpointError(`checkpoint not found: ${dirOrFile} does not exist`);
  if (statSync(dirOrFile).isDirectory()) {
    const p = join(dirOrFile, CHECKPOINT_FILE);
    if (!existsSync(p))
      throw new CheckpointError(`no checkpoint in ${dirOrFile} (expected ${CHECKPOINT_FILE}; was the run interrupted before its first checkpoint?)`);
    return p;
  }
  return dirOrFile;
}

export function loadCheckpoint(dirOrFile: string): Checkpoint {
  const path = resolveCheckpointPath(dirOrFile);
  let ck: Checkpoint;
  try {
    ck = decodeJson(readFileSync(path, 'utf8')) as Checkpoint;
  } catch (e) {
    throw new CheckpointError(`checkpoint ${path} is not readable JSON: ${(e as Error).message}`);
  }
  if (ck?.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`checkpoint ${path} has format ${JSON.stringify(ck?.format)}, expected ${CHECKPOINT_FORMAT}`);
  }
  checkShapes(ck, path);
  return ck;
}

/** The parts of a checkpoint agree with each other: weights, network shape, normaliser, action bounds. */
function checkShapes(ck: Checkpoint, path: string): void {
  const bad = (what: string) => new CheckpointError(`checkpoint ${path}: ${what}; the file is damaged or was assembled from different runs`);
  const dim = (x: unknown) => Number.isInteger(x) && (x as number) >= 1;
  if (!dim(ck.obsDim) || !dim(ck.actDim)) throw bad(`obsDim ${ck.obsDim} and actDim ${ck.actDim} must be positive integers`);
  if (!ck.net || !Array.isArray(ck.net.hidden)) throw bad('it has no network shape ("net.hidden")');
  const hidden = (ck.agentConfig as { hidden?: unknown } | undefined)?.hidden;
  if (Array.isArray(hidden) && JSON.stringify(hidden) !== JSON.stringify(ck.net.hidden)) {
    throw bad(`its agent config has hidden ${JSON.stringify(hidden)} but its network has hidden ${JSON.stringify(ck.net.hidden)}`);
  }
  const need = paramCount(ck.obsDim, ck.actDim, ck.net.hidden);
  if (!(ck.params instanceof Float32Array) || ck.params.length !== need) {
    throw new CheckpointError(
      `checkpoint ${path}: params have ${ck.params?.length} values, the network (obs ${ck.obsDim}, act ${ck.actDim}, hidden ${ck.net.hidden}) needs ${need}`,
    );
  }
  for (const k of ['actionLow', 'actionHigh'] as const) {
    if (ck[k]?.length !== ck.actDim) throw bad(`${k} has ${ck[k]?.length} values for ${ck.actDim} actions`);
  }
  const norm = ck.obsNorm;
  if (norm) {
    if (norm.mean?.length !== ck.obsDim || norm.var?.length !== ck.obsDim)
      throw bad(`the observation normaliser has ${norm.mean?.length} means and ${norm.var?.length} variances for ${ck.obsDim} observation values`);
    const out = (norm.passthrough ?? []).find((i) => !(Number.isInteger(i) && i >= 0 && i < ck.obsDim));
    if (out !== undefined) throw bad(`the normaliser passes slot ${out} through, outside the ${ck.obsDim} observation values`);
  }
}

/** Floats in an ActorCritic (networks.ts): actor MLP + log-std + critic MLP, weights and biases. */
export function paramCount(obsDim: number, actDim: number, hidden: readonly number[]): number {
  const mlp = (out: number) => {
    let n = 0;
    let inDim = obsDim;
    for (const h of hidden) {
      n += inDim * h + h;
      inDim = h;
    }
    return n + inDim * out + out;
  };
  return mlp(actDim) + actDim + mlp(1);
}

/**
 * The observation and action sizes a run folder's config.json implies for the margin env: 6 + 2N + 8N
 * (+2 with observeRatio) values and 2N actions, N = its tickers (the paper's 27 for runs that predate the
 * list). Null when there is no config.json next to the checkpoint (a bare checkpoint file) or it says
 * nothing about the env.
 */
function envShapeOfRun(checkpointPath: string): { obsDim: number; actDim: number; configPath: string; describe: string } | null {
  const configPath = join(dirname(checkpointPath), CONFIG_FILE);
  if (!existsSync(configPath)) return null;
  let cfg: { env?: unknown; tickers?: unknown; universe?: unknown; run?: { universe?: unknown }; trainPeriod?: unknown };
  try {
    cfg = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (e) {
    throw new CheckpointError(`${configPath}: the run config next to checkpoint ${checkpointPath} is damaged: ${(e as Error).message}`);
  }
  if (!cfg || typeof cfg !== 'object') return null;
  // Only a margin-env run (its env config parses as one) says what the weights must fit; other envs are not checked.
  const env = EnvConfigSchema.safeParse(cfg.env);
  if (!env.success) return null;
  // Runs of `marginlab train` before the ticker list was recorded traded the paper's 27 (dow30).
  const byTrain = cfg.run !== undefined || cfg.trainPeriod !== undefined;
  const universe = cfg.universe ?? cfg.run?.universe ?? (byTrain ? 'dow30' : undefined);
  const tickers = Array.isArray(cfg.tickers) ? cfg.tickers : universe === 'dow30' ? PAPER_TICKERS : null;
  if (!tickers) return null;
  const n = tickers.length;
  const k = PAPER_INDICATORS.length;
  const observeRatio = env.data.observeRatio;
  return {
    obsDim: 6 + 2 * n + k * n + (observeRatio ? 2 : 0),
    actDim: 2 * n,
    configPath,
    describe: `${n} tickers, ${k} indicators, observeRatio ${observeRatio}`,
  };
}

/** A deterministic evaluation policy. */
export interface Policy {
  readonly obsDim: number;
  readonly actDim: number;
  /**
   * Actions for one observation (length obsDim) or n stacked rows (n·obsDim): the Gaussian mean of the
   * normalised observation, clipped to the action bounds. Returns a fresh Float32Array (n·actDim).
   */
  act(obs: Float32Array | Float64Array): Float32Array;
  /** Critic values for the same input (in the training reward scale). */
  value(obs: Float32Array | Float64Array): Float32Array;
}

/**
 * Builds a policy over a COPY of the given weights and normaliser stats (frozen: later training does not
 * change it).
 */
export function makePolicy(
  net: ActorCritic,
  obsNorm: { mean: Float64Array; var: Float64Array; clip: number; stdFloor?: number; passthrough?: ArrayLike<number> } | null,
  actionLow: Float64Array,
  actionHigh: Float64Array,
): Policy {
  const frozen = new ActorCritic(net.obsDim, net.actDim, net.cfg);
  frozen.setParams(net.params);
  const stats = obsNorm ? { mean: obsNorm.mean.slice(), var: obsNorm.var.slice(), clip: obsNorm.clip, rule: obsRuleOf(obsNorm) } : null;
  const low = actionLow.slice();
  const high = actionHigh.slice();
  const O = net.obsDim;
  const A = net.actDim;
  const rows = (obs: Float32Array | Float64Array): number => {
    const n = obs.length / O;
    if (!Number.isInteger(n) || n < 1) throw new Error(`policy: observation has ${obs.length} values, expected a multiple of obsDim ${O}`);
    return n;
  };
  const input = (obs: Float32Array | Float64Array, n: number): Float32Array => {
    const x = new Float32Array(n * O);
    if (stats) normalizeWith(stats.mean, stats.var, stats.clip, obs, n, x, stats.rule);
    else x.set(obs);
    return x;
  };
  return {
    obsDim: O,
    actDim: A,
    act(obs) {
      const n = rows(obs);
      const out = new Float32Array(n * A);
      frozen.forward(input(obs, n), n, out, null);
      for (let i = 0; i < out.length; i++) {
        const j = i % A;
        out[i] = out[i] < low[j] ? low[j] : out[i] > high[j] ? high[j] : out[i];
      }
      return out;
    },
    value(obs) {
      const n = rows(obs);
      const out = new Float32Array(n);
      frozen.forward(input(obs, n), n, null, out);
      return out;
    },
  };
}

export interface LoadedPolicy extends Policy {
  readonly algo: 'ppo' | 'a2c';
  readonly updateIndex: number;
  readonly globalStep: number;
  readonly checkpointPath: string;
}

/** The deterministic policy of a run folder's latest checkpoint (or of a checkpoint file). */
export function loadPolicy(dirOrFile: string): LoadedPolicy {
  const path = resolveCheckpointPath(dirOrFile);
  const ck = loadCheckpoint(path);
  // The weights must fit the env the run folder says they were trained on (its config.json).
  const env = envShapeOfRun(path);
  if (env && (env.obsDim !== ck.obsDim || env.actDim !== ck.actDim)) {
    throw new CheckpointError(
      `checkpoint ${path}: its weights take ${ck.obsDim} observation values and give ${ck.actDim} actions, but ${env.configPath} ` +
        `describes an env with ${env.obsDim} and ${env.actDim} (${env.describe}): the env config does not match the weights; ` +
        'use the config.json the run was trained with, or train again',
    );
  }
  const net = new ActorCritic(ck.obsDim, ck.actDim, ck.net);
  net.setParams(ck.params);
  const p = makePolicy(net, ck.obsNorm, ck.actionLow, ck.actionHigh);
  return { ...p, act: p.act, value: p.value, algo: ck.algo, updateIndex: ck.updateIndex, globalStep: ck.globalStep, checkpointPath: path };
}
