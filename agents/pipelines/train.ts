/**
 * The training pipeline: one agent trained as a `TrainRun` says into a run folder (resumable), the runs
 * `compare` trains (the paper's A2C, the ratio-conditioned agent), and what a run folder says about itself
 * (universe, tickers, env config). Library code: errors are ParameterErrors naming config keys.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BACKEND_PREFS, type BackendPref } from '../backend-names.ts';
import { CONDITIONING_STREAM, ConditionedVecEnv, ConditioningSchema, parseConditioning, type ConditioningInput } from '../conditioning.ts';
import { episodeLogOf } from '../evaluate.ts';
import { agentFrame as buildAgentFrame, universeEnvConfig } from '../frames.ts';
import { EnvConfigSchema, envConfig, type EnvConfig, type EnvConfigInput } from '../../env/config.ts';
import { MarginVecEnv } from '../../env/vector-env.ts';
import type { MarketFrame } from '../../src/data/market-frame.ts';
import { benchmarkSeries, resolveUniverse, type Universe } from '../../src/data/universe.ts';
import { verifyBundledData } from '../../src/data/checksums.ts';
import { parseDateRange } from '../../src/data/panel.ts';
import { acquireLock } from '../../src/lock.ts';
import { asParameterError, ParameterError } from '../../src/parameter-error.ts';

/**
 * Presets of a training run: `paper` and `realistic` name the env preset (algorithm defaults: SB3's);
 * `margintrader` is the paper's whole setup: the paper env and the paper's A2C settings.
 */
export const TRAIN_PRESETS = ['paper', 'realistic', 'margintrader'] as const;
export const TRAIN_ALGOS = ['ppo', 'a2c'] as const;

/** Fields a training run shares with `compare` (same keys, types, defaults and help). */
export const TrainCommonFields = {
  train: z.string().default('2009-01-01:2018-12-31').describe('training period START:END (inclusive)'),
  universe: z
    .string()
    .default('dow30')
    .describe(
      "dow30 (the paper's 27 stocks) | sectors (11 SPDR ETFs) | crypto (BTC ETH SOL BNB) | a long-format OHLCV CSV; tickers without a bar on every training day are left out (listed)",
    ),
  timesteps: z.number().int().positive().optional().describe("env steps to train (default: the algorithm's; 50,000 for the paper's A2C)"),
  backend: z
    .enum(BACKEND_PREFS as unknown as [BackendPref, ...BackendPref[]])
    .default('auto')
    .describe('TensorFlow.js backend'),
};

/** Everything a training run is made of; the CLI flags and `--config FILE` both fill it. */
export const TrainRunSchema = z
  .object({
    algo: z.enum(TRAIN_ALGOS).describe("ppo or the paper's a2c"),
    preset: z
      .enum(TRAIN_PRESETS)
      .default('paper')
      .describe("paper | realistic (env presets, SB3 algorithm defaults) | margintrader (the paper's env + A2C settings)"),
    train: TrainCommonFields.train,
    universe: TrainCommonFields.universe,
    seed: z.number().int().min(0).default(0).describe('run seed'),
    timesteps: TrainCommonFields.timesteps,
    numEnvs: z.number().int().positive().default(1).describe('parallel env copies'),
    episodeLength: z.number().int().positive().optional().describe('steps per episode (default: the whole period)'),
    randomStart: z.boolean().default(false).describe("draw each episode's first day at random within the period"),
    backend: TrainCommonFields.backend,
    env: z.record(z.string(), z.unknown()).default({}).describe("env config overrides (see the README's env parameters)"),
    agent: z.record(z.string(), z.unknown()).default({}).describe("algorithm config overrides (see the README's PPO/A2C knobs)"),
    conditioning: ConditioningSchema.nullable()
      .default(null)
      .describe('ratio-conditioned training (agents/conditioning.ts): random initial long shares and reallocation events; null: the fixed 1:1 split.'),
  })
  .strict();
export type TrainRun = z.infer<typeof TrainRunSchema>;

/**
 * Reads a JSON file the program wrote (a run folder's config.json…); a missing, truncated or invalid file is
 * a ParameterError naming the file and saying what it is.
 */
export function readRunJson(path: string, what = 'JSON file'): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ParameterError([], `${path}: cannot read the ${what}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const hint = text.trim() === '' ? 'it is empty' : `not valid JSON (${(e as Error).message})`;
    throw new ParameterError([], `${path}: the ${what} is damaged: ${hint}; restore it, or train the run again`);
  }
}

/** A stored run (a run folder's config.json `run`), validated; `where` says where it was read. */
export function parseTrainRun(input: Record<string, unknown>, where: string): TrainRun {
  const r = TrainRunSchema.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ParameterError([], `${where}: ${i.path.length ? `"${i.path.join('.')}"` : 'config'}: ${i.message}`);
  }
  return r.data;
}

export function trainEnvConfig(run: Pick<TrainRun, 'preset' | 'env'>): EnvConfig {
  const preset = run.preset === 'realistic' ? 'realistic' : 'paper';
  return asParameterError(['env'], () => envConfig(preset, run.env as EnvConfigInput));
}

/**
 * On resume, the run is the one stored in `out`/config.json (env preset, period, env copies, overrides,
 * seed), so the env is rebuilt exactly as for the original run; from the caller only `backend` and, when
 * given, `timesteps` (to extend a run) are taken.
 */
function resumedRun(given: TrainRun, out: string): { run: TrainRun; agent?: Record<string, unknown> } {
  const path = join(out, 'config.json');
  if (!existsSync(path)) return { run: given }; // the driver reports the missing run folder
  const stored = readRunJson(path, 'run config') as { run?: unknown; agent?: Record<string, unknown> };
  // With a new `timesteps`: the stored agent config with a new total (the driver allows only that to change).
  const agent = given.timesteps !== undefined && stored.agent ? { ...stored.agent, totalTimesteps: given.timesteps } : undefined;
  if (stored.run === undefined) return { run: given, agent };
  const run = parseTrainRun(stored.run as Record<string, unknown>, `${path}: field "run"`);
  if (run.algo !== given.algo)
    throw new ParameterError(['algo'], (n) => `${n('algo')} ${given.algo}: the run in ${out} was trained with ${n('algo')} ${run.algo}`);
  return { run: { ...run, backend: given.backend, timesteps: given.timesteps ?? run.timesteps }, agent };
}

export type TrainingOptions = { resume?: boolean; progress?: 'auto' | 'none' | 'lines'; log?: (s: string) => void; signal?: AbortSignal };

/**
 * Trains one agent as `run` says into `out`; returns the run folder. Shared by `train` and `compare`.
 * One writer at a time: the run folder is locked (`out.lock`, holder's host and pid) for the whole run.
 */
export async function runTraining(given: TrainRun, out: string, opts: TrainingOptions = {}) {
  const lock = acquireLock(out, { what: 'run folder' });
  try {
    return await trainLocked(given, out, opts);
  } finally {
    lock.release();
  }
}

async function trainLocked(given: TrainRun, out: string, opts: TrainingOptions) {
  const resumed = opts.resume ? resumedRun(given, out) : null;
  const run = resumed?.run ?? given;
  const range = parsePeriod('train', run.train);
  if (run.preset === 'margintrader' && run.algo !== 'a2c') {
    throw new ParameterError(['preset', 'algo'], (n) => `${n('preset')} margintrader is the paper's A2C setup: use it with ${n('algo')} a2c`);
  }
  const { frame, universe } = agentFrame(run.universe, range, { log: opts.log });
  const envCfg = universeEnvConfig(trainEnvConfig(run), universe, run.env);
  const plainEnv = new MarginVecEnv(frame, envCfg, { numEnvs: run.numEnvs, randomStart: run.randomStart, episodeLength: run.episodeLength });
  let vecEnv: MarginVecEnv | ConditionedVecEnv = plainEnv;
  if (run.conditioning) {
    const conditioningSpec = run.conditioning;
    vecEnv = asParameterError(['conditioning'], () => new ConditionedVecEnv(plainEnv, conditioningSpec, run.seed));
  }
  const conditioning = run.conditioning ? { ...run.conditioning, stream: CONDITIONING_STREAM, seed: run.seed } : null;
  // TensorFlow.js loads only when a run trains or evaluates (it costs ~0.3 s at start-up).
  const { A2C_PRESETS, trainA2C } = await import('../a2c.ts');
  const { trainPPO } = await import('../ppo/train.ts');
  const agent: Record<string, unknown> = { ...(run.preset === 'margintrader' ? A2C_PRESETS.margintrader : {}), ...run.agent, seed: run.seed };
  if (run.timesteps !== undefined) agent.totalTimesteps = run.timesteps;
  mkdirSync(out, { recursive: true });
  const common = {
    vecEnv,
    runDir: out,
    resume: opts.resume,
    backend: run.backend,
    progress: opts.progress ?? 'auto',
    log: opts.log,
    signal: opts.signal,
    configExtra: {
      run,
      env: envCfg,
      trainPeriod: { start: frame.dates[0], end: frame.dates[frame.dates.length - 1] },
      universe: run.universe,
      tickers: frame.tickers,
      ...(conditioning ? { conditioning } : {}),
    },
    manifestData: { dataSha256: verifyBundledData(), trainPeriod: range, ...(conditioning ? { conditioning } : {}) },
  };
  const config = resumed ? resumed.agent : agent; // undefined on resume: the stored agent config
  try {
    return run.algo === 'ppo' ? await trainPPO({ ...common, config }) : await trainA2C({ ...common, config });
  } catch (e) {
    const msg = (e as Error).message;
    if (/invalid (PPO|A2C) config/.test(msg)) throw new ParameterError(['agent'], msg);
    throw e;
  }
}

/**
 * The conditioned agent's defaults (compare's `conditioned`): PPO (SB3 defaults with the normaliser of
 * normalize.ts) on the paper env, trained with the default ratio curriculum, 4 env copies × 512 steps per
 * rollout (2,048 transitions per update, as SB3's n_steps), 252-day episodes from random first days (one
 * fresh initial long share per episode), 50,000 env steps (the paper's A2C budget; the driver rounds up to
 * 25 updates = 51,200 steps).
 */
export const CONDITIONED_DEFAULTS = {
  algo: 'ppo',
  preset: 'paper',
  timesteps: 50_000,
  numEnvs: 4,
  episodeLength: 252,
  randomStart: true,
  agent: { nSteps: 512 },
} as const;

/**
 * The TrainRun of the ratio-conditioned agent for `compare --agents …,conditioned`: CONDITIONED_DEFAULTS
 * with the default curriculum (uniform 0.2–0.8 w.p. 0.5, else the paper's grid; events every 63 trading
 * days on average). `algo: 'a2c'` gives the paper's A2C (margintrader preset, whole-period episodes, 50,000
 * steps) trained with the same curriculum. Pass `episodeLength` for training periods shorter than 253 days.
 */
export function conditionedRun(base: {
  seed: number;
  train?: string;
  timesteps?: number;
  backend?: BackendPref;
  algo?: 'ppo' | 'a2c';
  /** Env preset of a PPO agent (default paper). */
  preset?: 'paper' | 'realistic';
  universe?: string;
  conditioning?: ConditioningInput;
  episodeLength?: number;
}): TrainRun {
  const conditioning = parseConditioning(base.conditioning ?? {});
  const common = { seed: base.seed, train: base.train, backend: base.backend, universe: base.universe, conditioning };
  if (base.algo === 'a2c') {
    return TrainRunSchema.parse({ ...common, algo: 'a2c', preset: 'margintrader', timesteps: base.timesteps, episodeLength: base.episodeLength });
  }
  const d = CONDITIONED_DEFAULTS;
  return TrainRunSchema.parse({
    ...common,
    algo: d.algo,
    preset: base.preset ?? d.preset,
    timesteps: base.timesteps ?? d.timesteps,
    numEnvs: d.numEnvs,
    episodeLength: base.episodeLength ?? d.episodeLength,
    randomStart: d.randomStart,
    agent: { ...d.agent },
  });
}

/** The paper's agent for `compare --agents paper,…`: the paper's A2C (margintrader preset), never conditioned. */
export function paperRun(base: { seed: number; train?: string; timesteps?: number; backend?: BackendPref; universe?: string }): TrainRun {
  return TrainRunSchema.parse({
    algo: 'a2c',
    preset: 'margintrader',
    train: base.train,
    seed: base.seed,
    timesteps: base.timesteps,
    backend: base.backend,
    universe: base.universe,
  });
}

export { universeEnvConfig };

/** A period parameter START:END (inclusive); errors name the parameter. */
export function parsePeriod(param: string, text: string): { start: string; end: string } {
  try {
    return parseDateRange(text, param);
  } catch {
    throw new ParameterError([param], (n) => {
      try {
        parseDateRange(text, n(param));
        return `${n(param)} ${JSON.stringify(text)}: invalid`;
      } catch (e) {
        return (e as Error).message;
      }
    });
  }
}

/** The frame an RL agent trades on (agents/frames.ts), its errors as parameter errors about the universe. */
export function agentFrame(
  spec: string,
  range: { start: string; end: string },
  opts: { tickers?: string[]; log?: (s: string) => void } = {},
): { frame: MarketFrame; universe: Universe } {
  return asParameterError(['universe'], () => buildAgentFrame(spec, range, opts));
}

/** The universe and tickers a run folder was trained on (config.json; runs before universes: dow30). */
export function runUniverse(dir: string): { universe: string; tickers: string[] | undefined } {
  const path = join(dir, 'config.json');
  if (!existsSync(path))
    throw new ParameterError(['checkpoint'], (n) => `${n('checkpoint')} ${dir}: no config.json (is it a run folder written by "marginlab train"?)`);
  const cfg = readRunJson(path, 'run config') as { universe?: string; tickers?: string[]; run?: { universe?: string } };
  return { universe: cfg.universe ?? cfg.run?.universe ?? 'dow30', tickers: cfg.tickers };
}

/** The env config a run folder was trained with (config.json's `env`). */
export function runEnvConfig(dir: string): EnvConfig {
  const path = join(dir, 'config.json');
  if (!existsSync(path))
    throw new ParameterError(['checkpoint'], (n) => `${n('checkpoint')} ${dir}: no config.json (is it a run folder written by "marginlab train"?)`);
  const cfg = readRunJson(path, 'run config') as { env?: unknown };
  const r = EnvConfigSchema.safeParse(cfg.env ?? {});
  if (!r.success) throw new ParameterError([], `${path}: field "env": ${r.error.issues[0].message}`);
  return r.data;
}

/** DJIA buy-and-hold over exactly these dates, scaled to start at `initial`. */
export function benchmarkOn(dates: string[], initial: number): { values: number[]; source: string } {
  return universeBenchmark(resolveUniverse('dow30'), dates, initial);
}

/** The universe's benchmark over exactly these dates, scaled to start at `initial`. */
export function universeBenchmark(u: Universe, dates: string[], initial: number): { values: number[]; source: string } {
  return asParameterError(['universe'], () => benchmarkSeries(u, dates, initial));
}

/** The daily account as the metrics' episode log (agents/evaluate.ts `episodeLogOf`). */
export const logOf = episodeLogOf;
