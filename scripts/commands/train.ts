import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { BACKEND_PREFS, type BackendPref } from '../../agents/backend-names.ts';
import { CONDITIONING_STREAM, ConditionedVecEnv, ConditioningSchema, parseConditioning, parseConditioningFlag, type ConditioningInput } from '../../agents/conditioning.ts';
import { dailyRowsToCsv, episodeLogOf, evaluateEpisode } from '../../agents/evaluate.ts';
import { writeFileAtomic } from '../../agents/io.ts';
import { EnvConfigSchema, envConfig, type EnvConfig, type EnvConfigInput } from '../../env/config.ts';
import { MarginVecEnv } from '../../env/vector-env.ts';
import type { MarketFrame } from '../../src/data/market-frame.ts';
import { benchmarkSeries, buildUniverseFrame, resolveUniverse, riskRuleFor, type Universe } from '../../src/data/universe.ts';
import { verifyBundledData } from '../../src/data/checksums.ts';
import { parseDateRange } from '../../src/data/panel.ts';
import { perfStats } from '../../src/metrics/perf.ts';
import { tradingStats } from '../../src/metrics/trading.ts';
import { loadRatioSchedule, ScheduleError, schedulePeriodCheck, type RatioSchedule } from '../../src/schedule.ts';
import { acquireLock } from '../../src/lock.ts';
import { checkBundledData, checkOutputDir, ensureOutputDir, numberFlag, readConfigFile, readJsonFile, UserError, withInterrupt } from '../errors.ts';

/**
 * Presets of a training run: `paper` and `realistic` name the env preset (algorithm defaults: SB3's);
 * `margintrader` is the paper's whole setup: the paper env and the paper's A2C settings.
 */
export const TRAIN_PRESETS = ['paper', 'realistic', 'margintrader'] as const;

/** Everything a training run is made of; the CLI flags and `--config FILE` both fill it. */
export const TrainRunSchema = z
  .object({
    algo: z.enum(['ppo', 'a2c']).describe('ppo or the paper\'s a2c'),
    preset: z.enum(TRAIN_PRESETS).default('paper').describe('paper | realistic (env presets) | margintrader (paper env + the paper\'s A2C)'),
    train: z.string().default('2009-01-01:2018-12-31').describe('training period START:END (inclusive)'),
    universe: z.string().default('dow30').describe('dow30 | sectors | crypto | a long-format OHLCV CSV; tickers without a bar on every training day are left out (listed)'),
    seed: z.number().int().min(0).default(0).describe('run seed'),
    timesteps: z.number().int().positive().optional().describe('env steps to train (default: the algorithm\'s; 50,000 for the paper\'s A2C)'),
    numEnvs: z.number().int().positive().default(1).describe('parallel env copies'),
    episodeLength: z.number().int().positive().optional().describe('steps per episode (default: the whole period)'),
    randomStart: z.boolean().default(false).describe('draw each episode\'s first day at random within the period'),
    backend: z.enum(BACKEND_PREFS as unknown as [BackendPref, ...BackendPref[]]).default('auto').describe('TensorFlow.js backend'),
    env: z.record(z.string(), z.unknown()).default({}).describe('env config overrides (see the README\'s env parameters)'),
    agent: z.record(z.string(), z.unknown()).default({}).describe('algorithm config overrides (see the README\'s PPO/A2C knobs)'),
    conditioning: ConditioningSchema.nullable().default(null).describe('ratio-conditioned training (agents/conditioning.ts): random initial long shares and reallocation events; null: the fixed 1:1 split'),
  })
  .strict();
export type TrainRun = z.infer<typeof TrainRunSchema>;


function parseRun(input: Record<string, unknown>, where: string): TrainRun {
  const r = TrainRunSchema.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0];
    // From flags, name the flag itself (`--num-envs`), as the other flag errors do.
    if (where === 'flags' && i.path.length) throw new UserError(`--${String(i.path[0]).replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}: ${i.message}`);
    throw new UserError(`${where}: ${i.path.length ? `"${i.path.join('.')}"` : 'config'}: ${i.message}`);
  }
  return r.data;
}

export function trainEnvConfig(run: TrainRun): EnvConfig {
  const preset = run.preset === 'realistic' ? 'realistic' : 'paper';
  try {
    return envConfig(preset, run.env as EnvConfigInput);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

/**
 * On resume, the run is the one stored in `out`/config.json (env preset, period, env copies, overrides,
 * seed), so the env is rebuilt exactly as for the original run; from the caller only `backend` and, when
 * given, `timesteps` (to extend a run) are taken.
 */
function resumedRun(given: TrainRun, out: string): { run: TrainRun; agent?: Record<string, unknown> } {
  const path = join(out, 'config.json');
  if (!existsSync(path)) return { run: given }; // the driver reports the missing run folder
  const stored = readJsonFile(path, 'run config') as { run?: unknown; agent?: Record<string, unknown> };
  // With --timesteps: the stored agent config with a new total (the driver allows only that to change).
  const agent = given.timesteps !== undefined && stored.agent ? { ...stored.agent, totalTimesteps: given.timesteps } : undefined;
  if (stored.run === undefined) return { run: given, agent };
  const run = parseRun(stored.run as Record<string, unknown>, `${path}: field "run"`);
  if (run.algo !== given.algo) throw new UserError(`--algo ${given.algo}: the run in ${out} was trained with --algo ${run.algo}`);
  return { run: { ...run, backend: given.backend, timesteps: given.timesteps ?? run.timesteps }, agent };
}

type TrainingOptions = { resume?: boolean; progress?: 'auto' | 'none' | 'lines'; log?: (s: string) => void; signal?: AbortSignal };

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
  const range = parseRangeFlag('train', run.train);
  if (run.preset === 'margintrader' && run.algo !== 'a2c') throw new UserError('--preset margintrader is the paper\'s A2C setup: use it with --algo a2c');
  const { frame, universe } = agentFrame(run.universe, range, { log: opts.log });
  const envCfg = universeEnvConfig(trainEnvConfig(run), universe, run.env);
  const plainEnv = new MarginVecEnv(frame, envCfg, { numEnvs: run.numEnvs, randomStart: run.randomStart, episodeLength: run.episodeLength });
  let vecEnv: MarginVecEnv | ConditionedVecEnv = plainEnv;
  if (run.conditioning) {
    try {
      vecEnv = new ConditionedVecEnv(plainEnv, run.conditioning, run.seed);
    } catch (e) {
      throw new UserError((e as Error).message);
    }
  }
  const conditioning = run.conditioning ? { ...run.conditioning, stream: CONDITIONING_STREAM, seed: run.seed } : null;
  // TensorFlow.js loads only when a command trains or evaluates (it costs ~0.3 s at start-up).
  const { A2C_PRESETS, trainA2C } = await import('../../agents/a2c.ts');
  const { trainPPO } = await import('../../agents/ppo/train.ts');
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
    configExtra: { run, env: envCfg, trainPeriod: { start: frame.dates[0], end: frame.dates[frame.dates.length - 1] }, universe: run.universe, tickers: frame.tickers, ...(conditioning ? { conditioning } : {}) },
    manifestData: { dataSha256: verifyBundledData(), trainPeriod: range, ...(conditioning ? { conditioning } : {}) },
  };
  const config = resumed ? resumed.agent : agent; // undefined on resume: the stored agent config
  try {
    return run.algo === 'ppo' ? await trainPPO({ ...common, config }) : await trainA2C({ ...common, config });
  } catch (e) {
    const msg = (e as Error).message;
    if (/invalid (PPO|A2C) config/.test(msg)) throw new UserError(msg);
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
  return TrainRunSchema.parse({ algo: 'a2c', preset: 'margintrader', train: base.train, seed: base.seed, timesteps: base.timesteps, backend: base.backend, universe: base.universe });
}

export function parseRangeFlag(flag: string, text: string): { start: string; end: string } {
  try {
    return parseDateRange(text, `--${flag}`);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

/**
 * The frame an RL agent trades on: the universe's tickers with a bar on every day of the range (the
 * observation needs every ticker every day), or exactly `tickers` (an agent's own, at evaluation: each must
 * trade on every day, or it is an error).
 */
export function agentFrame(spec: string, range: { start: string; end: string }, opts: { tickers?: string[]; log?: (s: string) => void } = {}): { frame: MarketFrame; universe: Universe } {
  let universe: Universe;
  try {
    universe = resolveUniverse(spec);
    const uf = buildUniverseFrame(universe, { start: range.start, end: range.end, tickers: opts.tickers, requireFullHistory: true });
    if (uf.excluded.length) {
      if (opts.tickers) throw new UserError(`the agent trades ${opts.tickers.join(', ')}, but ${uf.excluded.map((e) => e.reason).join('; ')}: choose a period where every one of them trades`);
      for (const e of uf.excluded) (opts.log ?? ((x: string) => process.stderr.write(`${x}\n`)))(`universe ${universe.name}: ${e.reason}: left out of the agent's tickers`);
    }
    return { frame: uf.frame, universe };
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError((e as Error).message);
  }
}

/** The universe's own annualisation for the rolling-Sharpe reward (unless the run sets it) and its VIX policy. */
export function universeEnvConfig(cfg: EnvConfig, universe: Universe, overrides: Record<string, unknown> = {}): EnvConfig {
  const out = { ...cfg };
  if (!('periodsPerYear' in overrides)) out.periodsPerYear = universe.periodsPerYear;
  return riskRuleFor(universe, out).rule;
}

/** The universe and tickers a run folder was trained on (config.json; runs before universes: dow30). */
export function runUniverse(dir: string): { universe: string; tickers: string[] | undefined } {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) throw new UserError(`--checkpoint ${dir}: no config.json (is it a run folder written by "marginlab train"?)`);
  const cfg = readJsonFile(path, 'run config') as { universe?: string; tickers?: string[]; run?: { universe?: string } };
  return { universe: cfg.universe ?? cfg.run?.universe ?? 'dow30', tickers: cfg.tickers };
}

/** The env config a run folder was trained with (config.json's `env`). */
export function runEnvConfig(dir: string): EnvConfig {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) throw new UserError(`--checkpoint ${dir}: no config.json (is it a run folder written by "marginlab train"?)`);
  const cfg = readJsonFile(path, 'run config') as { env?: unknown };
  const r = EnvConfigSchema.safeParse(cfg.env ?? {});
  if (!r.success) throw new UserError(`${path}: field "env": ${r.error.issues[0].message}`);
  return r.data;
}

export interface EvaluationSummary {
  period: { start: string; end: string; days: number };
  universe: string;
  agent: ReturnType<typeof perfStats> & ReturnType<typeof tradingStats>;
  benchmark: ReturnType<typeof perfStats> & { name: string; source: string };
  endedBy: string;
  /** The agent's own training period (config.json), and whether the evaluation overlaps it. */
  trainPeriod: { start: string; end: string } | null;
  inSample: boolean;
  warnings: string[];
}

export function registerTrainCommands(program: Command): void {
  program
    .command('train')
    .description('train an agent on the margin env over a training period; writes a run folder (config, manifest, metrics.jsonl, checkpoint) and can resume')
    .requiredOption('--algo <name>', 'ppo | a2c')
    .option('--preset <name>', 'paper | realistic (env presets, SB3 algorithm defaults) | margintrader (the paper\'s env + A2C settings)', 'paper')
    .option('--train <range>', 'training period START:END, inclusive', '2009-01-01:2018-12-31')
    .option('--universe <name|file>', 'dow30 (the paper\'s 27 stocks) | sectors (11 SPDR ETFs) | crypto (BTC ETH SOL BNB) | a long-format OHLCV CSV; tickers without a bar on every training day are left out (listed)', 'dow30')
    .option('--timesteps <n>', 'env steps to train (default: the algorithm\'s; 50,000 for margintrader)')
    .option('--seed <n>', 'run seed', '0')
    .option('--num-envs <n>', 'parallel env copies', '1')
    .option('--episode-length <n>', 'steps per episode (default: the whole period)')
    .option('--random-start', 'start each episode on a random day of the period')
    .option('--backend <name>', `TensorFlow.js backend: ${BACKEND_PREFS.join(' | ')}`, 'auto')
    .option(
      '--condition-ratio [spec]',
      'ratio-conditioned training: each episode opens at a random long share and reallocates to random targets inside it, drawn from the run seed\'s "conditioning" stream. ' +
        'SPEC (optional) is a comma list: uniform=LO:HI (0.2:0.8), p=P (0.5: probability of the uniform part, else the paper\'s grid 0.35…0.65), grid=paper|V/V/…, gap=DAYS|off (63: mean trading days between reallocations)',
    )
    .option('--config <file>', 'JSON with preset, train, seed, timesteps, numEnvs, episodeLength, randomStart, backend, conditioning ({uniform, pUniform, grid, meanGapDays} or null), plus "env" and "agent" overrides; flags given explicitly win')
    .requiredOption('--out <dir>', 'run folder, e.g. checkpoints/ppo-paper-s0')
    .option('--resume', 'continue the run in --out from its last checkpoint')
    .addHelpText(
      'after',
      '\nExamples:\n  marginlab train --algo a2c --preset margintrader --seed 0 --out checkpoints/a2c-paper\n  marginlab train --algo ppo --preset paper --timesteps 200000 --num-envs 4 --random-start --episode-length 256 --out checkpoints/ppo\n  marginlab train --algo ppo --num-envs 4 --random-start --episode-length 252 --timesteps 50000 --condition-ratio --out checkpoints/ppo-conditioned\n  marginlab train --algo ppo --condition-ratio uniform=0.3:0.7,p=1,gap=126 --out checkpoints/ppo-cond-uniform\n  marginlab train --algo ppo --out checkpoints/ppo --resume',
    )
    .action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const fromFile = typeof o.config === 'string' ? readConfigFile(o.config) : {};
      const explicit = (k: string) => cmd.getOptionValueSource(k) === 'cli';
      const flags: Record<string, unknown> = {};
      const set = (key: string, opt: string, v: () => unknown) => {
        if (explicit(opt) || !(key in fromFile)) flags[key] = v();
      };
      set('algo', 'algo', () => o.algo);
      set('preset', 'preset', () => o.preset);
      set('train', 'train', () => o.train);
      set('universe', 'universe', () => o.universe);
      set('seed', 'seed', () => numberFlag('seed', o.seed as string, { integer: true, min: 0 }));
      if (o.timesteps !== undefined) flags.timesteps = numberFlag('timesteps', o.timesteps as string, { integer: true, min: 1 });
      set('numEnvs', 'numEnvs', () => numberFlag('num-envs', o.numEnvs as string, { integer: true, min: 1 }));
      if (o.episodeLength !== undefined) flags.episodeLength = numberFlag('episode-length', o.episodeLength as string, { integer: true, min: 1 });
      if (o.randomStart) flags.randomStart = true;
      set('backend', 'backend', () => o.backend);
      if (o.conditionRatio !== undefined) {
        try {
          flags.conditioning = parseConditioningFlag(o.conditionRatio);
        } catch (e) {
          throw new UserError((e as Error).message);
        }
      }
      const run = parseRun({ ...fromFile, ...flags }, typeof o.config === 'string' ? `--config ${o.config}` : 'flags');
      const res = await withInterrupt('finishing the current update and writing a checkpoint', (signal) =>
        runTraining(run, o.out as string, { resume: Boolean(o.resume), signal }),
      );
      console.log(JSON.stringify({ runDir: res.runDir, algo: res.algo, backend: res.backend, updates: res.updates, totalUpdates: res.totalUpdates, globalStep: res.globalStep, finished: res.finished }));
      if (!res.finished) console.error(`stopped early: resume with  marginlab train --algo ${run.algo} --out ${o.out} --resume`);
    });

  program
    .command('evaluate')
    .description('evaluate a trained agent (deterministic policy) over a trade period: metrics JSON, a daily account CSV, and the DJIA buy-and-hold benchmark side by side')
    .requiredOption('--checkpoint <dir>', 'run folder written by "marginlab train"')
    .option('--trade <range>', 'trade period START:END, inclusive', '2020-05-01:2024-03-28')
    .option('--universe <name|file>', 'the universe the agent was trained on (read from the run folder; given, it must match)')
    .option('--ratio-schedule <file>', 'long-short ratio schedule JSON ({targets, reallocations}) to inject, e.g. schedules/NAME.json of a "marginlab compare" run')
    .option('--turbulence <x|off>', 'turbulence threshold on VIX during trading (the paper: 70)', '70')
    .option('--backend <name>', `TensorFlow.js backend: ${BACKEND_PREFS.join(' | ')}`, 'auto')
    .option('--out <dir>', 'output folder (default: <checkpoint>/eval-<start>_<end>)')
    .addHelpText('after', '\nExample:\n  marginlab evaluate --checkpoint checkpoints/a2c-paper --trade 2020-05-01:2024-03-28')
    .action(async (o: { checkpoint: string; trade: string; universe?: string; ratioSchedule?: string; turbulence: string; backend: string; out?: string }) => {
      if (!(BACKEND_PREFS as readonly string[]).includes(o.backend)) throw new UserError(`--backend: expected one of ${BACKEND_PREFS.join(', ')}`);
      const range = parseRangeFlag('trade', o.trade);
      const turbulence = o.turbulence === 'off' ? null : numberFlag('turbulence', o.turbulence)!;
      const schedule = o.ratioSchedule ? loadScheduleFlag(o.ratioSchedule) : null;
      checkBundledData(); // evaluation reads the bundled data: refuse a corrupted bundle, naming the file
      if (o.out) checkOutputDir(o.out);
      let res;
      try {
        res = await evaluateRun(o.checkpoint, range, { schedule, turbulence, backend: o.backend as BackendPref, universe: o.universe });
      } catch (e) {
        if (e instanceof ScheduleError) throw new UserError(`--ratio-schedule ${o.ratioSchedule}: ${e.message}`);
        if ((e as Error).name === 'CheckpointError') throw new UserError(`--checkpoint ${o.checkpoint}: ${(e as Error).message}`);
        throw e;
      }
      // Events of the schedule that never act in the trade period (ignored, never firing, overridden).
      if (schedule) res.summary.warnings.push(...schedulePeriodCheck(schedule, res.rows.map((r) => r.date)).warnings.map((w) => `--ratio-schedule ${o.ratioSchedule}: ${w}`));
      const out = ensureOutputDir(o.out ?? join(o.checkpoint, `eval-${range.start}_${range.end}`));
      writeFileAtomic(join(out, 'metrics.json'), JSON.stringify(res.summary, null, 2) + '\n');
      writeFileAtomic(join(out, 'account.csv'), res.csv);
      for (const w of res.summary.warnings) console.error(`warning: ${w}`);
      console.log(JSON.stringify({ out, ...res.summary }));
    });
}

export function loadScheduleFlag(path: string): RatioSchedule {
  try {
    return loadRatioSchedule(path);
  } catch (e) {
    throw new UserError(`--ratio-schedule ${(e as Error).message}`);
  }
}

/** Evaluate the run folder's policy over `range`; returns the summary and the daily CSV (agent + DJIA). */
export async function evaluateRun(dir: string, range: { start: string; end: string }, opts: { schedule?: RatioSchedule | null; turbulence?: number | null; backend?: BackendPref; universe?: string } = {}) {
  const { initBackend } = await import('../../agents/backend.ts');
  const { loadPolicy } = await import('../../agents/checkpoint.ts');
  await initBackend(opts.backend ?? 'auto');
  const policy = loadPolicy(dir);
  const trained = runUniverse(dir);
  const trainedOn = (readJsonFile(join(dir, 'config.json'), 'run config') as { trainPeriod?: { start: string; end: string } }).trainPeriod;
  const warnings: string[] = [];
  if (trainedOn && range.start <= trainedOn.end && range.end >= trainedOn.start) {
    warnings.push(`in-sample: the trade period ${range.start} … ${range.end} overlaps the agent's training period ${trainedOn.start} … ${trainedOn.end}; these metrics are not an out-of-sample evaluation`);
  }
  if (opts.universe !== undefined && opts.universe !== trained.universe) throw new UserError(`--universe ${opts.universe}: the agent in ${dir} was trained on universe ${trained.universe}`);
  const { frame, universe } = agentFrame(trained.universe, range, { tickers: trained.tickers });
  const cfg = riskRuleFor(universe, { ...runEnvConfig(dir), turbulenceThreshold: opts.turbulence === undefined ? 70 : opts.turbulence }, frame).rule;
  const ev = evaluateEpisode(policy, frame, cfg, { schedule: opts.schedule });
  const equity = ev.rows.map((r) => r.equity);
  const bench = universeBenchmark(universe, ev.rows.map((r) => r.date), equity[0]);
  const perf = { periodsPerYear: universe.periodsPerYear };
  const summary: EvaluationSummary = {
    period: { start: ev.rows[0].date, end: ev.rows[ev.rows.length - 1].date, days: ev.rows.length },
    universe: universe.name,
    agent: { ...perfStats(equity, perf), ...tradingStats(logOf(ev.rows), perf) },
    benchmark: { ...perfStats(bench.values, perf), name: universe.benchmark.name, source: bench.source },
    endedBy: ev.endedBy,
    trainPeriod: trainedOn ?? null,
    inSample: warnings.length > 0,
    warnings,
  };
  return { summary, rows: ev.rows, csv: dailyRowsToCsv(ev.rows, universe.name === 'dow30' ? { dji: bench.values } : { benchmark: bench.values }), policy };
}

/** DJIA buy-and-hold over exactly these dates, scaled to start at `initial`. */
export function benchmarkOn(dates: string[], initial: number): { values: number[]; source: string } {
  return universeBenchmark(resolveUniverse('dow30'), dates, initial);
}

/** The universe's benchmark over exactly these dates, scaled to start at `initial`. */
export function universeBenchmark(u: Universe, dates: string[], initial: number): { values: number[]; source: string } {
  try {
    return benchmarkSeries(u, dates, initial);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

/** The daily account as the metrics' episode log (agents/evaluate.ts `episodeLogOf`). */
export const logOf = episodeLogOf;
