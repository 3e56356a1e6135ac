/**
 * `marginlab compare` — the project's main job: the same agent, environment and seeds traded with and
 * without an LLM overlay, so that only the ratio schedule differs between arms.
 *
 * Arms, over the trade period, for every seed:
 *   DJIA            buy-and-hold of the index (seed-independent)
 *   no-overlay      the agent with the fixed 1:1 split, one continuous episode
 *   control-c0      reallocation on the overlay's dates with zero change: separates segmentation effects
 *                   (re-margin counter, Sharpe window and turbulence restart) from the overlay itself
 *   overlay:NAME    the agent with the schedule from forecaster NAME (offline by default) or a signals file
 *
 * Run folder: config.json, manifest.json, agents/seed-S/ (training runs, resumable), forecasts/NAME.jsonl
 * (every forecast with its explanation), schedules/NAME.json, episodes/ARM-seedS.csv (daily account),
 * results.json (every metric of every arm and seed), table.md / table.csv, equity.svg, report.html.
 * Training is resumable: a rerun reuses finished agents and resumes unfinished ones.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { basename, dirname, join } from 'node:path';
import { acquireLock } from '../../src/lock.ts';
import type { Command } from 'commander';
import { z } from 'zod';
import { BACKEND_PREFS, type BackendPref } from '../../agents/backend-names.ts';
import { backtestConfig, BacktestSchema, backtestStrategy, weightsCsv } from '../../agents/portfolio/backtest.ts';
import { loadStrategyInputs } from '../../agents/portfolio/inputs.ts';
import type { StrategyInputs } from '../../agents/portfolio/strategy.ts';
import { STRATEGY_NAMES, withPreset } from '../../agents/portfolio/strategies.ts';
import { riskRuleFor } from '../../src/data/universe.ts';
import { runStatistics, type ComparisonSpec, type RunStats } from '../../src/metrics/arm-stats.ts';
import { parseSeedList } from '../../src/metrics/seeds.ts';
import { dailyRowsToCsv, evaluateEpisode, type DailyRow } from '../../agents/evaluate.ts';
import { writeFileAtomic } from '../../agents/io.ts';
import { codeVersion, packageVersions } from '../../agents/run-folder.ts';
import { BundledSources } from '../../overlays/context/bundled.ts';
import type { SourceName } from '../../overlays/context/types.ts';
import { addDays, parseDecisionDates } from '../../overlays/dates.ts';
import { lookAheadWarning } from '../../overlays/model-cutoffs.ts';
import { collectForecasts } from '../../overlays/run.ts';
import { readSignals, type SignalRecord } from '../../overlays/signals.ts';
import { scheduleFor, zeroChangeSchedule } from '../../overlays/stage2.ts';
import { verifyBundledData } from '../../src/data/checksums.ts';
import { perfStats, type PerfStats } from '../../src/metrics/perf.ts';
import { pairedDiff } from '../../src/metrics/stats.ts';
import { tradingStats } from '../../src/metrics/trading.ts';
import { lineChartSvg } from '../../src/report/svg.ts';
import { comparisonTable, perfColumns, renderTable } from '../../src/report/table.ts';
import type { RatioSchedule } from '../../src/schedule.ts';
import { numberFlag, readConfigFile, UserError, withInterrupt } from '../errors.ts';
import { accountNote } from '../../agents/portfolio/backtest.ts';
import { offlineForecaster } from './forecast.ts';
import { agentFrame, conditionedRun, logOf, paperRun, parseRangeFlag, runEnvConfig, runTraining, runUniverse, universeBenchmark, type TrainRun } from './train.ts';

export const OFFLINE_OVERLAYS = ['momentum', 'macro', 'oracle', 'constant'] as const;
export const AGENT_KINDS = ['paper', 'conditioned'] as const;
export type AgentKind = (typeof AGENT_KINDS)[number] | 'checkpoint';
export const DEFAULT_BASELINES = ['mvo', 'min-variance', 'equal-weight', 'risk-parity', 'momentum', 'finrl-mvo'] as const;

/** Everything a comparison is made of (flags and --config fill it; config.json records it). */
export const CompareSchema = z
  .object({
    /** Which agents trade every arm: the paper's A2C (frozen, never trained on ratios) and the ratio-conditioned agent. */
    agents: z.array(z.enum(AGENT_KINDS)).min(1).default([...AGENT_KINDS]).refine((a) => new Set(a).size === a.length, 'an agent is listed twice'),
    /** Algorithm of the ratio-conditioned agent (the paper's agent is always its A2C). */
    algo: z.enum(['ppo', 'a2c']).default('ppo'),
    /** Env preset of the ratio-conditioned PPO agent (the paper's agent, and an A2C conditioned agent: margintrader). */
    preset: z.enum(['paper', 'realistic']).default('paper'),
    seeds: z
      .array(z.number().int().min(0))
      .min(1)
      .default([0, 1, 2, 3, 4])
      .refine((a) => new Set(a).size === a.length, 'a seed is listed twice: the same seed given twice is not two seeds'),
    train: z.string().default('2009-01-01:2018-12-31'),
    trade: z.string().default('2020-05-01:2024-03-28'),
    /** dow30 | sectors | crypto | a long-format OHLCV CSV: what the agents and baselines trade. */
    universe: z.string().default('dow30'),
    timesteps: z.number().int().positive().optional(),
    overlays: z.array(z.enum(OFFLINE_OVERLAYS)).default(['momentum', 'macro', 'oracle']),
    signals: z.array(z.string()).default([]),
    rule: z.enum(['paper', 'direct']).default('paper'),
    freqMonths: z.union([z.literal(3), z.literal(6), z.literal(12)]).default(6),
    turbulence: z.number().nullable().default(70),
    oracleAccuracy: z.number().min(0).max(1).default(0.8),
    checkpoints: z.array(z.string()).default([]),
    backend: z.enum(BACKEND_PREFS as unknown as [BackendPref, ...BackendPref[]]).default('auto'),
    /** Portfolio baselines traded over the same period through the same account (one path each, paired with every seed). */
    baselines: z.array(z.enum(STRATEGY_NAMES)).default([...DEFAULT_BASELINES]),
    /** Baselines also traded under each overlay's schedule (and the zero-change control): separates the overlay's value from the agent's. */
    baselineOverlays: z.array(z.enum(STRATEGY_NAMES)).default(['mvo']),
    /** Options per baseline (the backtest's strategy options), e.g. {"mvo": {"maxWeight": 0.3}}. */
    strategyOptions: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    /** Asset scores JSONL ("marginlab score", e.g. an LLM run) for the score strategies among the baselines (llm-score, llm-mvo, black-litterman); default their offline stand-in. */
    scores: z.string().optional(),
    /** Bootstrap resamples and seed of every bootstrap in the report (recorded). */
    bootstrapResamples: z.number().int().min(100).default(2000),
    bootstrapSeed: z.number().int().min(0).default(0),
    /** Training processes at once (default: the machine's cores); results do not depend on it. */
    workers: z.number().int().positive().optional(),
    /** Block length (days) of the day bootstrap for baseline comparisons; default ⌈n^(1/3)⌉. */
    blockLength: z.number().int().positive().optional(),
    out: z.string().default('runs/compare'),
  })
  .strict();
export type CompareConfig = z.infer<typeof CompareSchema>;

const HEADLINE = ['annualReturn', 'sharpeRatio', 'maxDrawdown', 'calmarRatio', 'cumulativeReturns', 'annualVolatility'] as const;

interface Arm {
  name: string;
  schedule: RatioSchedule | null;
  /** Where the schedule came from (shown in the report). */
  origin: string;
  cheating: boolean;
  /** 'agent' (one path per seed), 'baseline' (one path for all seeds), 'benchmark'. */
  kind?: 'agent' | 'baseline' | 'benchmark';
  /** Built on forecasts that are not point in time (e.g. the paper's prompts): marked in every table and chart. */
  lookAhead?: boolean;
  /** Agent arms: which agent, and the schedule arm it trades under (no-overlay, control-c0, overlay:NAME). */
  agent?: AgentKind;
  scheduleName?: string;
}

/** The marks an arm carries in every table, chart and report. */
function armMark(a: Pick<Arm, 'cheating' | 'lookAhead'> | undefined): string {
  return `${a?.cheating ? ' (cheating)' : ''}${a?.lookAhead ? ' (look-ahead)' : ''}`;
}

/** An arm's name as a file name (episodes/, weights/). */
function fileName(arm: string): string {
  return arm.replace(/[/:+]/g, '-');
}

export interface CompareResult {
  out: string;
  table: string;
  perSeed: Record<string, Record<number, PerfStats & Record<string, number | null>>>;
  /** Paired differences (same seeds) of each arm against a baseline arm: "ARM vs BASE". */
  paired: Record<string, { sharpe: ReturnType<typeof pairedDiff>; annualReturn: ReturnType<typeof pairedDiff> }>;
  /** Bootstrap intervals, IQM, PSR/DSR per arm; Holm-adjusted comparisons with sentences. */
  stats: RunStats;
  warnings: string[];
}

function log(line: string): void {
  process.stderr.write(`[compare] ${line}\n`);
}



/** Runs the comparison into `cfg.out`, which is locked (holder's host and pid) while it runs. */
export async function runCompare(cfg: CompareConfig, opts: { signal?: AbortSignal } = {}): Promise<CompareResult> {
  mkdirSync(dirname(cfg.out.replace(/\/+$/, '')) || '.', { recursive: true });
  const lock = acquireLock(cfg.out, { what: 'run folder' });
  try {
    return await compareLocked(cfg, opts);
  } finally {
    lock.release();
  }
}

async function compareLocked(cfg: CompareConfig, opts: { signal?: AbortSignal }): Promise<CompareResult> {
  const train = parseRangeFlag('train', cfg.train);
  const trade = parseRangeFlag('trade', cfg.trade);
  if (trade.start <= train.end) throw new UserError(`--trade (${cfg.trade}) must start after the training period ends (${train.end}): evaluating on training data is look-ahead`);
  if (cfg.checkpoints.length > 0 && cfg.checkpoints.length !== cfg.seeds.length) {
    throw new UserError(`--checkpoints: give one run folder per seed (${cfg.seeds.length} seeds, ${cfg.checkpoints.length} folders)`);
  }
  // Baseline options are checked before anything is trained.
  for (const key of Object.keys(cfg.strategyOptions)) {
    if (!(STRATEGY_NAMES as readonly string[]).includes(key)) throw new UserError(`--strategy-options: unknown strategy "${key}" (expected some of ${STRATEGY_NAMES.join(', ')})`);
  }
  for (const b of new Set([...cfg.baselines, ...cfg.baselineOverlays])) {
    const r = BacktestSchema.safeParse(withPreset(b, { ...(cfg.strategyOptions[b] ?? {}), strategy: b, trade: cfg.trade }));
    if (!r.success) throw new UserError(`--strategy-options ${b}.${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message}`);
  }
  // Scores and market views for the LLM-portfolio baselines, read (and checked) before anything is trained;
  // Black–Litterman's forecast views come from the first signals file of the run when there is one.
  const firstSignals = signalArms(cfg.signals, cfg.overlays)[0];
  let inputs: StrategyInputs;
  try {
    inputs = loadStrategyInputs({ scores: cfg.scores, signals: firstSignals?.path });
  } catch (e) {
    throw new UserError(`${cfg.scores !== undefined ? '--scores / ' : ''}--signals: ${(e as Error).message}`);
  }
  const out = cfg.out;
  const checkpointRuns = cfg.checkpoints.map((dir, k) => checkCheckpoint(dir, cfg.seeds[k], trade));
  checkRunFolder(out, cfg);
  // Every arm's files are made anew: nothing from an earlier run of this folder mixes with this one's.
  for (const sub of ['forecasts', 'schedules', 'episodes', 'weights', 'decisions']) rmSync(join(out, sub), { recursive: true, force: true });
  for (const f of ['results.json', 'table.md', 'table.csv', 'equity.svg', 'report.html']) rmSync(join(out, f), { force: true });
  for (const sub of ['agents', 'forecasts', 'schedules', 'episodes']) mkdirSync(join(out, sub), { recursive: true });
  const started = new Date().toISOString();
  // TensorFlow.js loads only when this command runs (it costs ~0.3 s at start-up of every command).
  const { initBackend } = await import('../../agents/backend.ts');
  const { loadPolicy } = await import('../../agents/checkpoint.ts');
  const backend = await initBackend(cfg.backend);
  writeFileAtomic(join(out, 'config.json'), JSON.stringify(cfg, null, 2) + '\n');
  const manifest = {
    checkpoints: checkpointRuns,
    format: 'marginlab.compare.v1',
    seeds: cfg.seeds,
    codeVersion: codeVersion(),
    packages: packageVersions(),
    backend,
    node: process.version,
    startTime: started,
    endTime: null as string | null,
    data: { sha256: verifyBundledData() },
  };
  writeFileAtomic(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');

  // 1. Agents: for each kind, one per seed, trained (or resumed, or reused) into agents/KIND/seed-S.
  const agents: { kind: AgentKind; dirs: string[]; describe: string }[] = [];
  if (cfg.checkpoints.length > 0) {
    agents.push({ kind: 'checkpoint', dirs: cfg.checkpoints, describe: `trained run folders ${cfg.checkpoints.join(', ')}` });
  } else {
    const jobs: TrainJob[] = [];
    for (const kind of cfg.agents) {
      const dirs: string[] = [];
      for (const seed of cfg.seeds) {
        const dir = join(out, 'agents', kind, `seed-${seed}`);
        const run =
          kind === 'paper'
            ? paperRun({ seed, train: cfg.train, timesteps: cfg.timesteps, backend: cfg.backend, universe: cfg.universe })
            : conditionedRun({ seed, train: cfg.train, timesteps: cfg.timesteps, backend: cfg.backend, algo: cfg.algo, preset: cfg.preset, universe: cfg.universe });
        if (existsSync(dir) && !existsSync(join(dir, 'checkpoint.json'))) {
          // Killed before its first checkpoint: no update finished, so there is nothing to resume.
          log(`${dir} has no checkpoint (the run was stopped before its first update finished): starting it again`);
          rmSync(dir, { recursive: true, force: true });
        }
        jobs.push({ kind, seed, dir, run, resume: existsSync(join(dir, 'checkpoint.json')) });
        dirs.push(dir);
      }
      const describe =
        kind === 'paper'
          ? "the paper's A2C (margintrader preset, trained at the fixed 1:1 split: it has never seen the ratio vary)"
          : `${cfg.algo.toUpperCase()} (${cfg.preset} preset) trained with random long-share targets and reallocations (ratio-conditioned)`;
      agents.push({ kind, dirs, describe });
    }
    // Runs with a checkpoint are reused (or resumed) here; new runs train in parallel child processes,
    // one per core: each is independent and seeded, so the results do not depend on the order or overlap.
    for (const j of jobs.filter((x) => x.resume)) {
      log(`reusing/resuming the ${j.kind} agent, seed ${j.seed} → ${j.dir}`);
      const res = await runTraining(j.run, j.dir, { resume: true, progress: 'auto', log: (x) => log(x), signal: opts.signal });
      if (!res.finished) throw new UserError(`interrupted: training of the ${j.kind} agent, seed ${j.seed}, stopped at a checkpoint; rerun the same command to resume`);
    }
    await trainInChildren(jobs.filter((x) => !x.resume), { workers: cfg.workers ?? availableParallelism(), signal: opts.signal, trainRange: train });
  }

  // 2. Stage 1: forecasts on the decision dates (quarterly through the trade period), point in time.
  const decisionDates = parseDecisionDates(`quarterly:${trade.start}:${trade.end}`);
  const data = new BundledSources();
  const period = { start: trade.start, endExclusive: addDays(trade.end, 1) };
  const schedules: Arm[] = [{ name: 'no-overlay', schedule: null, origin: 'fixed 1:1 split, one continuous episode', cheating: false }];
  const control = zeroChangeSchedule({ start: period.start, end: period.endExclusive, freqMonths: cfg.freqMonths });
  writeFileAtomic(join(out, 'schedules', 'control-c0.json'), JSON.stringify(control, null, 2) + '\n');
  schedules.push({ name: 'control-c0', schedule: control, origin: `reallocation every ${cfg.freqMonths} months with zero change`, cheating: false });
  const warnings: string[] = [];
  const forecasts: Record<string, SignalRecord[]> = {};
  for (const name of cfg.overlays) {
    const forecaster = offlineForecaster(name, data, { oracleAccuracy: cfg.oracleAccuracy, horizonMonths: 6, seed: cfg.seeds[0] });
    const records = await collectForecasts({
      dates: decisionDates,
      source: data.source((forecaster.needs ?? 'prices') as SourceName),
      otherSources: { prices: () => data.source('prices'), macro: () => data.source('macro') },
      forecaster,
    });
    forecasts[name] = records;
    writeFileAtomic(join(out, 'forecasts', `${name}.jsonl`), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    log(`forecasts ${name}: ${records.map((r) => (r.score === null || r.score === undefined ? 'x' : r.score >= 0 ? `+${r.score}` : r.score)).join(' ')}${forecaster.cheating ? '  (CHEATING upper bound: peeks at the future)' : ''}`);
    schedules.push({ name: `overlay:${name}`, schedule: null, origin: `offline forecaster "${name}" (${forecaster.model})`, cheating: forecaster.cheating });
  }
  for (const { name, path } of signalArms(cfg.signals, cfg.overlays)) {
    const file = readSignals(path);
    const records = [...file.latest.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
    forecasts[name] = records;
    writeFileAtomic(join(out, 'forecasts', `${name}.jsonl`), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const cutoff = records.find((r) => r.modelCutoff)?.modelCutoff ?? null;
    const model = records[0]?.model;
    const isLlm = records.some((r) => r.provider === 'openai' || r.provider === 'replay' || r.modelCutoff !== undefined);
    if (isLlm) {
      // Parametric look-ahead: a model trained on text from the trade window may remember the market.
      const w = lookAheadWarning(records.map((r) => r.date), cutoff, model);
      if (w) warnings.push(`${name}: ${w}`);
    }
    const notPit = records.filter((r) => r.pointInTime === false).length;
    if (notPit) warnings.push(`${name}: ${notPit} of ${records.length} forecasts are not point in time (their context includes information from after the decision date): the arm is marked look-ahead`);
    schedules.push({ name: `overlay:${name}`, schedule: null, origin: `signals file ${path} (${records[0]?.provider ?? '?'} / ${model ?? '?'})`, cheating: records.some((r) => r.cheating), lookAhead: notPit > 0 });
  }

  // 3. Stage 2: forecasts → ratio schedules (the forecast dated AT each boundary).
  for (const arm of schedules) {
    if (!arm.name.startsWith('overlay:')) continue;
    const name = arm.name.slice('overlay:'.length);
    const s2 = scheduleFor(forecasts[name], { rule: cfg.rule, start: period.start, end: period.endExclusive, freqMonths: cfg.freqMonths });
    arm.schedule = s2.schedule;
    for (const w of s2.warnings) warnings.push(`${name}: ${w}`);
    const explanations = new Map(forecasts[name].map((r) => [r.date, r]));
    const decisions = s2.decisions.map((d) => ({ ...d, label: explanations.get(d.boundary)?.label ?? null, explanation: explanations.get(d.boundary)?.explanation ?? null }));
    writeFileAtomic(join(out, 'schedules', `${name}.json`), JSON.stringify({ ...s2.schedule, decisions, rule: cfg.rule, freqMonths: cfg.freqMonths }, null, 2) + '\n');
  }

  // 4. Evaluation: every arm, every seed, same frame and env config; DJIA over the same dates.
  // The agents' own tickers (every agent of a run is trained on the same universe and period).
  const trained = runUniverse(agents[0].dirs[0]);
  for (const a of agents) for (const d of a.dirs) {
    const u = runUniverse(d);
    if (u.universe !== trained.universe || (u.tickers ?? []).join() !== (trained.tickers ?? []).join()) throw new UserError(`the agents trade different universes or tickers (${agents[0].dirs[0]}: ${trained.universe}; ${d}: ${u.universe})`);
  }
  if (cfg.checkpoints.length === 0 && trained.universe !== cfg.universe) throw new UserError(`--universe ${cfg.universe}: the agents in ${out}/agents were trained on ${trained.universe}; use a new --out`);
  const { frame, universe } = agentFrame(trained.universe, trade, { tickers: trained.tickers });
  const risk = riskRuleFor(universe, { turbulenceThreshold: cfg.turbulence, riskIndicator: 'vix' as const }, frame);
  if (risk.note) warnings.push(risk.note);
  const turbulence = risk.rule.turbulenceThreshold;
  const perSeed: CompareResult['perSeed'] = {};
  const equityBySeed: Record<string, number[][]> = {};
  // Every episode covers the whole frame, so one benchmark series serves every arm and seed.
  const dates = frame.dates;
  const bench = universeBenchmark(universe, dates, 1_000_000);
  // Arms: every agent under every schedule, named AGENT/SCHEDULE (e.g. conditioned/overlay:macro).
  const arms: Arm[] = [];
  for (const a of agents) {
    for (const sc of schedules) arms.push({ ...sc, name: `${a.kind}/${sc.name}`, origin: `${a.describe}; ${sc.origin}`, kind: 'agent', agent: a.kind, scheduleName: sc.name });
  }
  for (const a of agents) {
    for (const [k, seed] of cfg.seeds.entries()) {
      const policy = loadPolicy(a.dirs[k]);
      const envCfg = { ...runEnvConfig(a.dirs[k]), turbulenceThreshold: turbulence };
      for (const arm of arms.filter((x) => x.agent === a.kind)) {
        const ev = evaluateEpisode(policy, frame, envCfg, { schedule: arm.schedule });
        const rows: DailyRow[] = ev.rows;
        if (rows.length < dates.length) {
          // The episode ended early (negative short equity, wipe-out): the account stays as it ended.
          warnings.push(`${arm.name} seed ${seed}: the episode ended on ${rows[rows.length - 1].date} (${ev.endedBy}); its equity is held flat to the end`);
          const last = rows[rows.length - 1];
          for (let d = rows.length; d < dates.length; d++) rows.push({ ...last, date: dates[d], reward: 0, reallocated: false });
        }
        const equity = rows.map((r) => r.equity);
        const dji = bench.values.map((v) => (v / 1_000_000) * equity[0]);
        writeFileAtomic(join(out, 'episodes', `${fileName(arm.name)}-seed${seed}.csv`), dailyRowsToCsv(rows, { dji }));
        (perSeed[arm.name] ??= {})[seed] = { ...perfStats(equity), ...tradingStats(logOf(rows)) } as never;
        (equityBySeed[arm.name] ??= []).push(equity);
      }
      log(`evaluated the ${a.kind} agent, seed ${seed}: ${arms.filter((x) => x.agent === a.kind).map((x) => `${x.scheduleName} ${fmtPct(perSeed[x.name][seed].annualReturn)}`).join(', ')}`);
    }
  }
  perSeed['DJIA'] = Object.fromEntries(cfg.seeds.map((s) => [s, perfStats(bench.values) as never]));

  // 4b. Baselines: each strategy through the same env config (costs, fills, margin rules, turbulence) over
  // the same days: one deterministic path, set beside every seed. The account set-up of a strategy
  // (k, split, lifted hmax) is stated in the report.
  const baseEnv = { ...runEnvConfig(agents[0].dirs[0]), turbulenceThreshold: turbulence };
  const baselineNotes: string[] = [];
  mkdirSync(join(out, 'weights'), { recursive: true });
  const runBaseline = (strategy: string, armName: string, schedule: RatioSchedule | null, origin: string) => {
    const btCfg = backtestConfig({ ...(cfg.strategyOptions[strategy] ?? {}), strategy, trade: cfg.trade });
    const bt = backtestStrategy(btCfg, { universe, baseEnv, schedule, inputs });
    const rows = bt.rows;
    if (rows.length < dates.length) {
      warnings.push(`${armName}: the episode ended on ${rows[rows.length - 1].date} (${bt.endedBy}); its equity is held flat to the end`);
      const last = rows[rows.length - 1];
      for (let d = rows.length; d < dates.length; d++) rows.push({ ...last, date: dates[d], reward: 0, reallocated: false });
    }
    if (rows.some((r, i) => r.date !== dates[i])) throw new Error(`${armName}: the baseline's calendar differs from the agents' (${rows[0].date} vs ${dates[0]})`);
    const equity = rows.map((r) => r.equity);
    const dji = bench.values.map((v) => (v / 1_000_000) * equity[0]);
    const file = fileName(armName);
    writeFileAtomic(join(out, 'episodes', `${file}.csv`), dailyRowsToCsv(rows, { dji }));
    writeFileAtomic(join(out, 'weights', `${file}.csv`), weightsCsv(bt));
    if (bt.journal.length) {
      mkdirSync(join(out, 'decisions'), { recursive: true });
      writeFileAtomic(join(out, 'decisions', `${file}.jsonl`), bt.journal.map((d) => JSON.stringify(d)).join('\n') + '\n');
    }
    const stats = { ...perfStats(equity), ...tradingStats(logOf(rows)) };
    perSeed[armName] = Object.fromEntries(cfg.seeds.map((s) => [s, stats as never]));
    equityBySeed[armName] = cfg.seeds.map(() => equity);
    arms.push({ name: armName, schedule, origin: `${origin}: ${bt.description}; account: ${accountNote(bt.envConfig)}`, cheating: bt.cheating, kind: 'baseline' });
    for (const n of bt.notes) baselineNotes.push(`${armName}: ${n}`);
    log(`baseline ${armName}: annual return ${fmtPct(stats.annualReturn)}, Sharpe ${stats.sharpeRatio.toFixed(3)}`);
  };
  for (const b of cfg.baselines) runBaseline(b, b, null, 'portfolio baseline');
  const overlayArms = schedules.filter((a) => a.name.startsWith('overlay:'));
  for (const b of cfg.baselineOverlays) {
    if (overlayArms.length === 0) break;
    runBaseline(b, `${b}+control-c0`, control, 'baseline under the zero-change control schedule (1:1 books at margin 2)');
    for (const oa of overlayArms) {
      runBaseline(b, `${b}+${oa.name}`, oa.schedule, `baseline under the ${oa.name} schedule`);
      arms[arms.length - 1].cheating ||= oa.cheating;
      arms[arms.length - 1].lookAhead = oa.lookAhead;
    }
  }

  // 5. Tables, paired differences, statistics, chart, report.
  const res = writeCompareReport({ cfg, out, arms, perSeed, equityBySeed, bench, dates, forecasts, warnings: [...warnings, ...baselineNotes] });
  manifest.endTime = new Date().toISOString();
  writeFileAtomic(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return res;
}

/** Everything the tables, statistics and report are made from (a finished run folder holds all of it). */
export interface ReportContext {
  cfg: CompareConfig;
  out: string;
  arms: Arm[];
  perSeed: CompareResult['perSeed'];
  /** Daily equity per arm, one array per seed (in cfg.seeds order). */
  equityBySeed: Record<string, number[][]>;
  bench: { values: number[]; source: string };
  dates: string[];
  forecasts: Record<string, SignalRecord[]>;
  warnings: string[];
}

/** Writes table.md, table.csv, equity.svg, results.json and report.html from a run's results. */
export function writeCompareReport(ctx: ReportContext): CompareResult {
  const { cfg, out, arms, perSeed, equityBySeed, bench, dates, forecasts } = ctx;
  const order = ['DJIA', ...arms.map((a) => a.name)];
  const table = comparisonTable(
    order.map((arm) => ({ arm: arm + armMark(arms.find((a) => a.name === arm)), seeds: cfg.seeds.map((s) => perSeed[arm][s] as Record<string, number>) })),
    perfColumns([...HEADLINE]),
  );
  const paired: CompareResult['paired'] = {};
  const comparisons: ComparisonSpec[] = [];
  const pair = (armName: string, base: string) => {
    const a = cfg.seeds.map((s) => perSeed[armName][s]);
    const b = cfg.seeds.map((s) => perSeed[base][s]);
    paired[`${armName} vs ${base}`] = {
      sharpe: pairedDiff(a.map((x) => x.sharpeRatio), b.map((x) => x.sharpeRatio)),
      annualReturn: pairedDiff(a.map((x) => x.annualReturn), b.map((x) => x.annualReturn)),
    };
    comparisons.push({ arm: armName, base });
  };
  // Against no-overlay: the whole effect. Against the zero-change control: the overlay's own effect,
  // with the segmentation effect (shared by both) taken out.
  const agentKinds = [...new Set(arms.filter((a) => a.kind === 'agent').map((a) => a.agent!))];
  const scheduleNames = [...new Set(arms.filter((a) => a.kind === 'agent').map((a) => a.scheduleName!))];
  const overlayNames = scheduleNames.filter((n) => n.startsWith('overlay:'));
  for (const ag of agentKinds) {
    for (const sn of scheduleNames.filter((n) => n !== 'no-overlay')) pair(`${ag}/${sn}`, `${ag}/no-overlay`);
    for (const sn of overlayNames) pair(`${ag}/${sn}`, `${ag}/control-c0`);
  }
  // Each agent against each baseline, and each baseline's overlay arms against its own control.
  for (const ag of agentKinds) for (const b of cfg.baselines) if (perSeed[b]) pair(`${ag}/no-overlay`, b);
  for (const b of cfg.baselineOverlays) for (const sn of overlayNames) if (perSeed[`${b}+${sn}`]) pair(`${b}+${sn}`, `${b}+control-c0`);
  const stats = runStatistics(
    order.map((name) => ({
      name,
      label: armLabel(name, cfg),
      deterministic: name === 'DJIA' || arms.find((a) => a.name === name)?.kind === 'baseline',
      isIndex: name === 'DJIA',
      equity: name === 'DJIA' ? cfg.seeds.map(() => bench.values) : equityBySeed[name],
    })),
    comparisons,
    { resamples: cfg.bootstrapResamples, seed: cfg.bootstrapSeed, blockLength: cfg.blockLength },
  );
  const md = renderTable(table, 'markdown', { style: 'sd' });
  writeFileAtomic(join(out, 'table.md'), md + '\n' + statsMarkdown(stats));
  writeFileAtomic(join(out, 'table.csv'), renderTable(table, 'csv'));
  const meanCurve = (curves: number[][]) => curves[0].map((_, i) => curves.reduce((s, c) => s + c[i], 0) / curves.length);
  const svg = lineChartSvg({
    dates,
    title: `Equity, mean over ${cfg.seeds.length} seed(s), ${dates[0]} … ${dates[dates.length - 1]}`,
    yLabel: 'equity ($)',
    series: [
      { name: 'DJIA', values: bench.values, dashed: true },
      ...arms.filter((a) => a.kind === 'agent' || cfg.baselines.includes(a.name as never)).map((a) => ({ name: a.name + armMark(a), values: meanCurve(equityBySeed[a.name]), dashed: a.kind === 'baseline' })),
    ],
  });
  writeFileAtomic(join(out, 'equity.svg'), svg);
  const allWarnings = ctx.warnings;
  const results = { config: cfg, benchmarkSource: bench.source, arms: arms.map((a) => ({ name: a.name, origin: a.origin, cheating: a.cheating, lookAhead: a.lookAhead ?? false, kind: a.kind, agent: a.agent, scheduleName: a.scheduleName })), perSeed, paired, stats, warnings: allWarnings };
  writeFileAtomic(join(out, 'results.json'), JSON.stringify(results, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n');
  writeFileAtomic(join(out, 'report.html'), reportHtml(cfg, md, svg, arms, forecasts, paired, allWarnings, bench.source, stats));
  return { out, table: renderTable(table, 'text', { style: 'sd' }), perSeed, paired, stats, warnings: allWarnings };
}

interface TrainJob {
  kind: AgentKind;
  seed: number;
  dir: string;
  run: TrainRun;
  resume: boolean;
}

/**
 * Trains each job as its own `marginlab train` child process, `workers` at a time. On Ctrl-C (the abort
 * signal) each child gets one SIGINT: it finishes its update, writes a checkpoint and stops, and the rerun
 * resumes it. Their progress lines are passed on with the agent and seed in front.
 */
async function trainInChildren(jobs: TrainJob[], opts: { workers: number; signal?: AbortSignal; trainRange: { start: string; end: string } }): Promise<void> {
  if (jobs.length === 0) return;
  const bin = fileURLToPath(new URL('../../bin/marginlab.js', import.meta.url));
  const tmp = mkdtempSync(join(tmpdir(), 'marginlab-train-'));
  const children = new Set<ChildProcess>();
  const onAbort = () => children.forEach((c) => c.kill('SIGINT'));
  opts.signal?.addEventListener('abort', onAbort);
  let next = 0;
  const failures: string[] = [];
  const interrupted: string[] = [];
  const one = (j: TrainJob, k: number) =>
    new Promise<void>((done) => {
      const cfgPath = join(tmp, `run-${k}.json`);
      writeFileSync(cfgPath, JSON.stringify(j.run));
      log(`training the ${j.kind} agent (${j.run.algo}, ${j.run.preset}${j.run.conditioning ? ', ratio-conditioned' : ''}) seed ${j.seed} on ${opts.trainRange.start} … ${opts.trainRange.end} → ${j.dir}`);
      // Own process group: a terminal Ctrl-C reaches only this process, which passes one SIGINT on (a
      // second one would make the child exit without its checkpoint).
      const child = spawn(process.execPath, [bin, 'train', '--algo', j.run.algo, '--config', cfgPath, '--out', j.dir], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      children.add(child);
      let stdout = '';
      let stderrTail: string[] = [];
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      let partial = '';
      child.stderr.on('data', (d: Buffer) => {
        partial += d.toString();
        const lines = partial.split(/\r?\n|\r/);
        partial = lines.pop() ?? '';
        for (const l of lines) {
          if (!l.trim()) continue;
          stderrTail = [...stderrTail.slice(-9), l];
          log(`[${j.kind} seed ${j.seed}] ${l}`);
        }
      });
      child.on('close', (code) => {
        children.delete(child);
        const last = stdout.trim().split('\n').pop() ?? '';
        let finished = false;
        try {
          finished = (JSON.parse(last) as { finished?: boolean }).finished === true;
        } catch {
          finished = false;
        }
        if (code !== 0) failures.push(`the ${j.kind} agent, seed ${j.seed} (exit ${code}): ${stderrTail.filter((l) => /marginlab:|rror/.test(l)).join(' ') || stderrTail.join(' ')}`);
        else if (!finished) interrupted.push(`the ${j.kind} agent, seed ${j.seed}`);
        done();
      });
    });
  const worker = async () => {
    while (next < jobs.length && !opts.signal?.aborted && failures.length === 0) {
      const k = next++;
      await one(jobs[k], k);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.workers, jobs.length)) }, worker));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    rmSync(tmp, { recursive: true, force: true });
  }
  if (failures.length) throw new UserError(`training failed: ${failures.join('; ')}`);
  if (interrupted.length || opts.signal?.aborted || next < jobs.length) {
    throw new UserError(`interrupted: ${interrupted.length ? `training of ${interrupted.join(', ')} stopped at a checkpoint` : 'training stopped'}; rerun the same command to resume`);
  }
}

/** What the agents of a run folder are made of: a rerun that differs here would reuse agents it did not ask for. */
const AGENT_FIELDS = ['train', 'universe', 'agents', 'algo', 'preset', 'timesteps', 'backend', 'checkpoints'] as const;

/**
 * A rerun into an existing run folder must ask for the same agents (the trained ones are reused); otherwise
 * the evaluation would silently use agents trained on another period or universe. Arm settings (overlays,
 * signals, baselines, trade period…) may change: every arm file is made anew.
 */
function checkRunFolder(out: string, cfg: CompareConfig): void {
  const path = join(out, 'config.json');
  if (!existsSync(path)) {
    if (existsSync(join(out, 'agents')) && readdirSync(join(out, 'agents')).length > 0) {
      throw new UserError(`${out} holds trained agents but no config.json: it was not written by this version of "marginlab compare", or was damaged; use a new --out`);
    }
    return;
  }
  let saved: Record<string, unknown>;
  try {
    saved = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`${path}: not valid JSON (${(e as Error).message}): the run folder is damaged; use a new --out`);
  }
  const differs = AGENT_FIELDS.filter((k) => JSON.stringify(saved[k] ?? null) !== JSON.stringify((cfg as Record<string, unknown>)[k] ?? null));
  if (differs.length) {
    const what = differs.map((k) => `${k}: ${JSON.stringify(saved[k] ?? null)} there, ${JSON.stringify((cfg as Record<string, unknown>)[k] ?? null)} now`).join('; ');
    throw new UserError(`${out} holds agents made for another request (${what}); reusing them would misstate the result. Use a new --out, or delete ${out} to start over`);
  }
}

/** A `--checkpoints` run folder: its own seed and training period, checked against the request (no look-ahead). */
function checkCheckpoint(dir: string, seed: number, trade: { start: string; end: string }): { dir: string; seed: number; trainPeriod: { start: string; end: string } | null; algo: string | null } {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) throw new UserError(`--checkpoints ${dir}: no config.json (is it a run folder written by "marginlab train"?)`);
  let c: { run?: { seed?: number; algo?: string }; trainPeriod?: { start: string; end: string } };
  try {
    c = JSON.parse(readFileSync(path, 'utf8')) as typeof c;
  } catch (e) {
    throw new UserError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const own = c.run?.seed;
  if (own !== undefined && own !== seed) throw new UserError(`--checkpoints ${dir} was trained with seed ${own}, but stands for seed ${seed} here: give --seeds in the same order as the folders`);
  const tp = c.trainPeriod ?? null;
  if (tp && tp.end >= trade.start && tp.start <= trade.end) {
    throw new UserError(`--checkpoints ${dir} was trained on ${tp.start} … ${tp.end}, which overlaps the trade period ${trade.start} … ${trade.end}: evaluating on training data is look-ahead`);
  }
  return { dir, seed, trainPeriod: tp, algo: c.run?.algo ?? null };
}

/** `NAME=FILE` or `FILE` (name: the file's base name); names must be unique and not those of the offline overlays. */
export function signalArms(specs: readonly string[], offline: readonly string[]): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = eq > 0 ? spec.slice(0, eq) : basename(spec).replace(/\.jsonl?$/, '');
    const path = eq > 0 ? spec.slice(eq + 1) : spec;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new UserError(`--signals ${spec}: the arm name "${name}" must be letters, digits, ".", "_" or "-" (give NAME=FILE)`);
    if (offline.includes(name)) throw new UserError(`--signals ${spec}: "${name}" is also an offline overlay of this run; name the signals arm explicitly, e.g. --signals gpt4o=${path}`);
    const dup = out.find((x) => x.name === name);
    if (dup) throw new UserError(`--signals: two signals files make the arm "${name}" (${dup.path} and ${path}); give each a name: --signals a=${dup.path},b=${path}`);
    out.push({ name, path });
  }
  return out;
}

/** Non-finite numbers come back from results.json as strings ("NaN", "Infinity"). */
function revive(_k: string, v: unknown): unknown {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return v;
}

function csvColumn(path: string, name: string): { dates: string[]; values: number[] } {
  if (!existsSync(path)) throw new UserError(`--report-only: the run folder lacks ${path} (was the run interrupted? rerun it without --report-only)`);
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const head = lines[0].split(',');
  const i = head.indexOf(name);
  if (i < 0) throw new UserError(`${path}: no column "${name}"`);
  const rows = lines.slice(1).map((l) => l.split(','));
  return { dates: rows.map((r) => r[0]), values: rows.map((r) => Number(r[i])) };
}

/**
 * `compare --report-only DIR`: rebuilds the tables, statistics and report of a finished run folder from
 * its results.json, daily accounts and forecasts, without training or trading anything. The bootstrap
 * settings may be changed (they are recorded).
 */
export function rebuildCompareReport(dir: string, overrides: Partial<Pick<CompareConfig, 'bootstrapResamples' | 'bootstrapSeed' | 'blockLength'>> = {}): CompareResult {
  const lock = acquireLock(dir, { what: 'run folder' });
  try {
    return rebuildLocked(dir, overrides);
  } finally {
    lock.release();
  }
}

function rebuildLocked(dir: string, overrides: Partial<Pick<CompareConfig, 'bootstrapResamples' | 'bootstrapSeed' | 'blockLength'>>): CompareResult {
  const path = join(dir, 'results.json');
  if (!existsSync(path)) throw new UserError(`--report-only ${dir}: no results.json (not a finished compare run folder)`);
  let saved: { config: unknown; arms: Arm[]; perSeed: CompareResult['perSeed']; warnings: string[]; benchmarkSource: string };
  try {
    saved = JSON.parse(readFileSync(path, 'utf8'), revive) as typeof saved;
  } catch (e) {
    throw new UserError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  const parsed = CompareSchema.safeParse({ ...(saved.config as object), ...overrides });
  if (!parsed.success) throw new UserError(`${path}: config: "${parsed.error.issues[0].path.join('.')}": ${parsed.error.issues[0].message}`);
  const cfg = parsed.data;
  const equityBySeed: Record<string, number[][]> = {};
  let dates: string[] = [];
  let benchValues: number[] = [];
  for (const arm of saved.arms) {
    const file = fileName(arm.name);
    if (arm.kind === 'baseline') {
      const c = csvColumn(join(dir, 'episodes', `${file}.csv`), 'equity');
      equityBySeed[arm.name] = cfg.seeds.map(() => c.values);
    } else {
      equityBySeed[arm.name] = cfg.seeds.map((seed) => {
        const c = csvColumn(join(dir, 'episodes', `${file}-seed${seed}.csv`), 'equity');
        if (dates.length === 0) {
          dates = c.dates;
          const dji = csvColumn(join(dir, 'episodes', `${file}-seed${seed}.csv`), 'dji').values;
          benchValues = dji.map((v) => (v / c.values[0]) * 1_000_000);
        }
        return c.values;
      });
    }
  }
  const forecasts: Record<string, SignalRecord[]> = {};
  for (const arm of saved.arms) {
    if (arm.kind !== 'agent' || !arm.scheduleName?.startsWith('overlay:')) continue;
    const name = arm.scheduleName.slice('overlay:'.length);
    const f = join(dir, 'forecasts', `${name}.jsonl`);
    if (existsSync(f)) forecasts[name] = readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as SignalRecord);
  }
  const arms = saved.arms.map((a) => ({ ...a, schedule: null }));
  return writeCompareReport({ cfg, out: dir, arms, perSeed: saved.perSeed, equityBySeed, bench: { values: benchValues, source: saved.benchmarkSource }, dates, forecasts, warnings: saved.warnings ?? [] });
}

/** How an arm reads in a sentence. */
function armLabel(name: string, cfg: CompareConfig): string {
  const slash = name.indexOf('/');
  if (slash > 0) {
    const kind = name.slice(0, slash);
    const sched = name.slice(slash + 1);
    const agent = kind === 'paper' ? "the paper's agent" : kind === 'conditioned' ? `the conditioned ${cfg.algo.toUpperCase()} agent` : 'the agent';
    if (sched === 'no-overlay') return `${agent} without an overlay`;
    if (sched === 'control-c0') return `${agent} with zero-change reallocations`;
    return `${agent} with the ${sched.slice('overlay:'.length)} overlay`;
  }
  const m = /^(.+)\+(overlay:(.+)|control-c0)$/.exec(name);
  if (m) return m[3] ? `${m[1]} with the ${m[3]} overlay` : `${m[1]} with zero-change reallocations`;
  return name === 'DJIA' ? 'the DJIA' : `the ${name} baseline`;
}

function fmtCi(ci: { lo: number; hi: number }, d = 2): string {
  return Number.isFinite(ci.lo) ? `[${ci.lo.toFixed(d)}, ${ci.hi.toFixed(d)}]` : '[n/a]';
}

/** The statistics as markdown (appended to table.md; the report has the same in HTML). */
export function statsMarkdown(stats: RunStats): string {
  const o = stats.options;
  const lines = [
    `Statistics: stratified bootstrap over seeds (${o.resamples} resamples, seed ${o.seed}, percentile 95% intervals); day block bootstrap for one-path arms (circular, block length ${o.blockLength}); Holm correction within each family (arms against the same base); α = ${o.alpha}.`,
    '',
    '| arm | Sharpe mean [95% CI] | Sharpe IQM [95% CI] | PSR(0) | DSR |',
    '|---|---|---|---|---|',
    ...stats.arms.map((a) => `| ${a.name} | ${a.sharpe.mean.estimate.toFixed(3)} ${fmtCi(a.sharpe.mean)} | ${a.sharpe.iqm.estimate.toFixed(3)} ${fmtCi(a.sharpe.iqm)} | ${a.psr.toFixed(3)} | ${a.dsr.toFixed(3)} |`),
    '',
    '| comparison | ΔSharpe | 95% CI | p | Holm p | P(improvement) [95% CI] | day bootstrap ΔSharpe [95% CI] |',
    '|---|---|---|---|---|---|---|',
    ...stats.comparisons.map(
      (c) =>
        `| ${c.arm} vs ${c.base} | ${c.meanDiff >= 0 ? '+' : ''}${c.meanDiff.toFixed(3)} | ${fmtCi({ lo: c.ci[0], hi: c.ci[1] }, 3)} | ${c.pRaw.toFixed(3)} (${c.pSource}) | ${c.pHolm.toFixed(3)} | ${c.improvement.estimate.toFixed(2)} ${fmtCi(c.improvement)} | ${c.block ? `${c.block.estimate.toFixed(3)} ${fmtCi(c.block, 3)}, seeds excluding 0: ${c.block.seedsExcludingZero}/${c.block.seeds}` : ''} |`,
    ),
    '',
    ...stats.comparisons.map((c) => `- ${c.sentence}`),
    '',
  ];
  return lines.join('\n');
}

function fmtPct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function reportHtml(
  cfg: CompareConfig,
  tableMd: string,
  svg: string,
  arms: Arm[],
  forecasts: Record<string, SignalRecord[]>,
  paired: CompareResult['paired'],
  warnings: string[],
  benchSource: string,
  stats: RunStats,
): string {
  const mdRows = tableMd.trim().split('\n').filter((l) => !/^\|\s*-/.test(l) && !/^\|(\s*:?-+:?\s*\|)+$/.test(l));
  const htmlTable = mdRows
    .map((l, i) => {
      const cells = l.replace(/^\||\|$/g, '').split('|').map((c) => esc(c.trim()));
      const tag = i === 0 ? 'th' : 'td';
      return `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
    })
    .join('\n');
  const pairedRows = Object.entries(paired)
    .map(([arm, p]) => `<tr><td>${esc(arm)}</td><td>${p.sharpe.meanDiff.toFixed(3)} [${Number.isFinite(p.sharpe.ci[0]) ? `${p.sharpe.ci[0].toFixed(3)}, ${p.sharpe.ci[1].toFixed(3)}` : 'n/a'}]</td><td>${(p.sharpe.fractionAGreater * 100).toFixed(0)}%</td><td>${fmtPct(p.annualReturn.meanDiff)} [${Number.isFinite(p.annualReturn.ci[0]) ? `${fmtPct(p.annualReturn.ci[0])}, ${fmtPct(p.annualReturn.ci[1])}` : 'n/a'}]</td></tr>`)
    .join('\n');
  const fc = Object.entries(forecasts)
    .map(([name, recs]) => {
      const rows = recs.map((r) => `<tr><td>${r.date}</td><td>${esc(r.label ?? 'FAILED')}</td><td>${r.score ?? ''}</td><td>${esc(r.explanation ?? r.failure ?? '')}</td></tr>`).join('\n');
      return `<h3>${esc(name)}${recs.some((r) => r.cheating) ? ' — cheating upper bound (sees the realised future)' : ''}</h3><table><tr><th>date</th><th>label</th><th>score</th><th>explanation</th></tr>${rows}</table>`;
    })
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>marginlab compare</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}td:last-child{text-align:left}.warn{color:#a40}</style></head><body>
<h1>With vs without the overlay, against the portfolio baselines</h1>
<p>Agents: ${cfg.checkpoints.length ? 'trained run folders (--checkpoints)' : cfg.agents.map((a) => (a === 'paper' ? "paper = the paper's A2C, never trained on ratios" : `conditioned = ${esc(cfg.algo.toUpperCase())} (${esc(cfg.preset)} preset) trained on random long-share targets`)).join('; ')}. Seeds ${cfg.seeds.join(', ')}; trained ${esc(cfg.train)}; traded ${esc(cfg.trade)}; stage 2: ${esc(cfg.rule)} rule, every ${cfg.freqMonths} months; turbulence threshold ${cfg.turbulence ?? 'off'}. Cells: mean ± sd across seeds.</p>
${warnings.map((w) => `<p class="warn">⚠ ${esc(w)}</p>`).join('\n')}
<table>${htmlTable}</table>
<h2>Paired differences (same seeds): against no-overlay (whole effect) and against the zero-change control (the overlay's own effect)</h2>
<table><tr><th>comparison</th><th>Δ Sharpe [95% CI]</th><th>seeds where the arm's Sharpe is higher</th><th>Δ annual return [95% CI]</th></tr>${pairedRows}</table>
<h2>What is and is not significant</h2>
<p>Each sentence compares Sharpe ratios over the same seeds (a baseline is one path, set beside every seed; where both arms are single paths the interval and p come from a block bootstrap over days). p-values are Holm-adjusted within each family of arms tested against the same base; α = ${stats.options.alpha}.</p>
<ul>${stats.comparisons.map((c) => `<li>${esc(c.sentence)}${armMark(arms.find((a) => a.name === c.arm)) ? ` <b>${esc(armMark(arms.find((a) => a.name === c.arm)).trim())}: not a result a real forecaster could have had</b>` : ''}</li>`).join('\n')}</ul>
<h2>Robust statistics</h2>
<p>Stratified bootstrap over seeds: ${stats.options.resamples} resamples, seed ${stats.options.seed}, percentile 95% intervals; IQM = interquartile mean (Agarwal et al. 2021). PSR(0) = probability that the true Sharpe ratio exceeds 0; DSR = the same against the expected best of ${stats.arms.length} arms tried with no skill (Bailey &amp; López de Prado). Day bootstrap: circular blocks of ${stats.options.blockLength} days.</p>
<table><tr><th>arm</th><th>Sharpe mean [95% CI]</th><th>Sharpe IQM [95% CI]</th><th>annual return mean [95% CI]</th><th>PSR(0)</th><th>DSR</th></tr>
${stats.arms.map((a) => `<tr><td>${esc(a.name)}${armMark(arms.find((x) => x.name === a.name))}</td><td>${a.sharpe.mean.estimate.toFixed(3)} ${fmtCi(a.sharpe.mean)}</td><td>${a.sharpe.iqm.estimate.toFixed(3)} ${fmtCi(a.sharpe.iqm)}</td><td>${fmtPct(a.annualReturn.mean.estimate)} [${fmtPct(a.annualReturn.mean.lo)}, ${fmtPct(a.annualReturn.mean.hi)}]</td><td>${a.psr.toFixed(3)}</td><td>${a.dsr.toFixed(3)}</td></tr>`).join('\n')}</table>
<table><tr><th>comparison</th><th>ΔSharpe [95% CI]</th><th>p</th><th>Holm p</th><th>P(arm &gt; base) [95% CI]</th><th>day bootstrap ΔSharpe [95% CI]</th></tr>
${stats.comparisons.map((c) => `<tr><td>${esc(c.arm)} vs ${esc(c.base)}</td><td>${c.meanDiff.toFixed(3)} ${fmtCi({ lo: c.ci[0], hi: c.ci[1] }, 3)}</td><td>${c.pRaw.toFixed(3)} (${c.pSource})</td><td>${c.pHolm.toFixed(3)}</td><td>${c.improvement.estimate.toFixed(2)} ${fmtCi(c.improvement)}</td><td>${c.block ? `${c.block.estimate.toFixed(3)} ${fmtCi(c.block, 3)}; seeds whose own interval excludes 0: ${c.block.seedsExcludingZero}/${c.block.seeds}` : ''}</td></tr>`).join('\n')}</table>
<h2>Equity</h2>${svg}
<p>Arms: ${arms.map((a) => `<b>${esc(a.name)}</b>: ${esc(a.origin)}`).join('; ')}. DJIA: ${esc(benchSource)}.</p>
<h2>Forecasts and their explanations</h2>${fc}
</body></html>
`;
}


function list(flag: string, v: string): string[] {
  const items = v.split(',').map((x) => x.trim()).filter(Boolean);
  if (items.length === 0) throw new UserError(`--${flag}: expected a comma-separated list`);
  return items;
}

export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .description(
      'the main job: train (or load) agents for several seeds and trade the same period without the overlay, with a zero-change ' +
        'reallocation control, and with each overlay; writes a metrics table (mean ± sd across seeds), paired differences, ' +
        'daily accounts, forecasts with explanations, an equity chart and report.html. Offline by default (no API key).',
    )
    .option('--agents <list>', 'paper (the paper\'s A2C, frozen, never trained on ratios) and/or conditioned (trained with random long-share targets)', 'paper,conditioned')
    .option('--algo <name>', 'the conditioned agent\'s algorithm: ppo | a2c', 'ppo')
    .option('--preset <name>', 'the conditioned PPO agent\'s env preset: paper | realistic', 'paper')
    .option('--seeds <list>', 'seeds: a list and/or ranges, e.g. 0-19 or 0-4,10 (each seed once)', '0-4')
    .option('--train <range>', 'training period START:END', '2009-01-01:2018-12-31')
    .option('--trade <range>', 'trade period START:END', '2020-05-01:2024-03-28')
    .option('--universe <name|file>', 'dow30 | sectors | crypto | a long-format OHLCV CSV: what the agents and baselines trade (the overlays read the DJIA and macro data whatever the universe)', 'dow30')
    .option('--timesteps <n>', 'training steps per seed (default: the algorithm\'s; 50,000 for margintrader)')
    .option('--overlays <list>', `offline forecasters: ${OFFLINE_OVERLAYS.join(', ')} (oracle is a cheating upper bound); "none" for none`, 'momentum,macro,oracle')
    .option('--signals <list>', 'signals files from "marginlab forecast" (e.g. an LLM run), each an overlay arm: NAME=FILE,… (or FILE: named by its base name); names must be unique')
    .option('--rule <name>', 'stage 2: paper (f·(1+0.1·score), clip [0.1, 0.9]) | direct (target from score and confidence)', 'paper')
    .option('--freq <months>', 'months between reallocations: 3, 6 or 12', '6')
    .option('--turbulence <x|off>', 'turbulence threshold on VIX while trading (the paper: 70)', '70')
    .option('--checkpoints <dirs>', 'comma-separated trained run folders, one per seed, instead of training')
    .option('--backend <name>', `TensorFlow.js backend: ${BACKEND_PREFS.join(' | ')}`, 'auto')
    .option('--workers <n>', 'training processes at once (default: the number of cores); the results do not depend on it')
    .option('--baselines <list>', `portfolio baselines traded through the same account (${STRATEGY_NAMES.join(', ')}); "none" for none`, DEFAULT_BASELINES.join(','))
    .option('--baseline-overlays <list>', 'baselines also traded under each overlay\'s schedule and the zero-change control ("none" for none)', 'mvo')
    .option('--scores <file>', 'asset scores from "marginlab score" (e.g. an LLM run) for the score baselines llm-score, llm-mvo, black-litterman (default: their offline price-momentum stand-in)')
    .option('--strategy-options <json>', 'options per baseline as JSON, e.g. \'{"mvo":{"maxWeight":0.3,"cov":"sample"}}\' (the backtest\'s strategy options)')
    .option('--bootstrap-resamples <n>', 'resamples of every bootstrap in the report', '2000')
    .option('--bootstrap-seed <n>', 'seed of every bootstrap in the report', '0')
    .option('--block-length <days>', 'block length of the day bootstrap (default ⌈n^(1/3)⌉)')
    .option('--config <file>', 'JSON with any of these settings (camelCase; explicit flags win)')
    .option('--report-only <dir>', 'rebuild the tables, statistics and report of a finished run folder without training or trading (bootstrap flags apply)')
    .option('--out <dir>', 'run folder', 'runs/compare')
    .addHelpText(
      'after',
      '\nExamples:\n  marginlab compare\n  marginlab compare --seeds 0-19 --agents conditioned --overlays momentum,macro,oracle --out runs/twenty-seeds\n' +
        '  marginlab compare --baselines mvo,risk-parity --baseline-overlays none --out runs/baselines\n' +
        '  marginlab compare --signals runs/gpt4o-macro.jsonl --checkpoints runs/compare/agents/paper/seed-0 --seeds 0\n' +
        '  marginlab compare --report-only runs/compare --bootstrap-seed 1',
    )
    .action(async (o: Record<string, string | undefined>, cmd: Command) => {
      const fromFile = typeof o.config === 'string' ? readConfigFile(o.config) : {};
      const explicit = (k: string) => cmd.getOptionValueSource(k) === 'cli';
      const flags: Record<string, unknown> = {};
      const set = (key: string, v: () => unknown) => {
        if (explicit(key) || !(key in fromFile)) flags[key] = v();
      };
      set('agents', () => list('agents', o.agents!));
      set('algo', () => o.algo);
      set('preset', () => o.preset);
      set('seeds', () => {
        try {
          return parseSeedList(o.seeds!);
        } catch (e) {
          throw new UserError(`--seeds: ${(e as Error).message}`);
        }
      });
      set('baselines', () => (o.baselines === 'none' ? [] : list('baselines', o.baselines!)));
      set('baselineOverlays', () => (o.baselineOverlays === 'none' ? [] : list('baseline-overlays', o.baselineOverlays!)));
      if (o.strategyOptions !== undefined) {
        try {
          flags.strategyOptions = JSON.parse(o.strategyOptions);
        } catch (e) {
          throw new UserError(`--strategy-options: expected JSON, got "${o.strategyOptions}" (${(e as Error).message})`);
        }
      }
      if (o.scores !== undefined) flags.scores = o.scores;
      set('bootstrapResamples', () => numberFlag('bootstrap-resamples', o.bootstrapResamples, { integer: true, min: 100 }));
      set('bootstrapSeed', () => numberFlag('bootstrap-seed', o.bootstrapSeed, { integer: true, min: 0 }));
      if (o.workers !== undefined) flags.workers = numberFlag('workers', o.workers, { integer: true, min: 1 });
      if (o.blockLength !== undefined) flags.blockLength = numberFlag('block-length', o.blockLength, { integer: true, min: 1 });
      set('train', () => o.train);
      set('trade', () => o.trade);
      set('universe', () => o.universe);
      if (o.timesteps !== undefined) flags.timesteps = numberFlag('timesteps', o.timesteps, { integer: true, min: 1 });
      set('overlays', () => (o.overlays === 'none' ? [] : list('overlays', o.overlays!)));
      if (o.signals !== undefined) flags.signals = list('signals', o.signals);
      set('rule', () => o.rule);
      if (explicit('freq') || !('freqMonths' in fromFile)) flags.freqMonths = numberFlag('freq', o.freq, { integer: true });
      set('turbulence', () => (o.turbulence === 'off' ? null : numberFlag('turbulence', o.turbulence)));
      if (o.checkpoints !== undefined) flags.checkpoints = list('checkpoints', o.checkpoints);
      set('backend', () => o.backend);
      set('out', () => o.out);
      const parsed = CompareSchema.safeParse({ ...fromFile, ...flags });
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        const key = String(i.path[0] ?? '');
        const flag = key === 'freqMonths' ? 'freq' : key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
        const allowed = key === 'freqMonths' ? ' (allowed: 3, 6, 12)' : key === 'baselines' || key === 'baselineOverlays' ? ` (allowed: ${STRATEGY_NAMES.join(', ')})` : '';
        throw new UserError(`${key ? `--${flag} (config key "${i.path.join('.')}")` : 'config'}: ${i.message}${allowed}`);
      }
      for (const { path } of signalArms(parsed.data.signals, parsed.data.overlays)) if (!existsSync(path)) throw new UserError(`--signals: no such file ${path}`);
      if (parsed.data.scores !== undefined && !existsSync(parsed.data.scores)) throw new UserError(`--scores: no such file ${parsed.data.scores}`);
      const t0 = Date.now();
      const res =
        typeof o.reportOnly === 'string'
          ? rebuildCompareReport(o.reportOnly, {
              ...(explicit('bootstrapResamples') ? { bootstrapResamples: parsed.data.bootstrapResamples } : {}),
              ...(explicit('bootstrapSeed') ? { bootstrapSeed: parsed.data.bootstrapSeed } : {}),
              ...(explicit('blockLength') ? { blockLength: parsed.data.blockLength } : {}),
            })
          : await withInterrupt('finishing the current training update and writing a checkpoint', (signal) => runCompare(parsed.data, { signal }));
      console.log(res.table);
      console.log('\ncomparisons (ΔSharpe, 95% interval: paired t over seeds, or a day block bootstrap where both arms are one path; Holm within each family):');
      for (const c of res.stats.comparisons) {
        const ci = Number.isFinite(c.ci[0]) ? `[${c.ci[0].toFixed(3)}, ${c.ci[1].toFixed(3)}]` : '[n/a]';
        console.log(`  ${`${c.arm} vs ${c.base}`.padEnd(58)} ΔSharpe ${c.meanDiff >= 0 ? '+' : ''}${c.meanDiff.toFixed(3)} ${ci.padEnd(18)} Holm p ${c.pHolm.toFixed(3)}  P(arm > base) ${c.improvement.estimate.toFixed(2)}`);
      }
      console.log('\nin words (Holm-adjusted within each family):');
      for (const c of res.stats.comparisons) console.log(`  - ${c.sentence}`);
      for (const w of res.warnings) console.log(`warning: ${w}`);
      console.log(`run folder: ${res.out} (report.html, table.md, results.json, episodes/, forecasts/, schedules/) in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    });
}
