/**
 * The work of a sweep's tasks, one function per kind (what `sweep run-task` runs, and so what `compare` runs):
 *
 *   schedules  stage 1 and 2 of one comparison: the offline forecasts and signals files on the quarterly
 *              decision dates, and the ratio schedule of every arm (no-overlay, control-c0, overlay:NAME).
 *              Made once and read by every agent and baseline task that trades under them.
 *   agent      one trained agent (trained, resumed or a given checkpoint) and all its arm evaluations: the
 *              agent traded over the trade period under every schedule of its schedules task.
 *   baseline   one portfolio strategy traded through the same account over the same days, alone and (when
 *              asked) under the control and every overlay schedule.
 *
 * Each writes its files into its task folder and returns a result (result.json); nothing here knows about
 * leases, plans or engines (run-task.ts does).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/atomic.ts';
import { sha256OfFile } from '../../src/data/checksums.ts';
import { EnvConfigSchema, type EnvConfig } from '../../env/config.ts';
import { BundledSources } from '../../overlays/context/bundled.ts';
import type { SourceName } from '../../overlays/context/types.ts';
import { addDays, parseDecisionDates } from '../../overlays/dates.ts';
import { lookAheadWarning } from '../../overlays/model-cutoffs.ts';
import { offlineForecaster } from '../../overlays/providers/offline-by-name.ts';
import { collectForecasts } from '../../overlays/run.ts';
import { readSignals, type SignalRecord } from '../../overlays/signals.ts';
import { scheduleFor, zeroChangeSchedule } from '../../overlays/stage2.ts';
import { riskRuleFor } from '../../src/data/universe.ts';
import { perfStats } from '../../src/metrics/perf.ts';
import { tradingStats } from '../../src/metrics/trading.ts';
import { ParameterError } from '../../src/parameter-error.ts';
import type { RatioSchedule } from '../../src/schedule.ts';
import { dailyRowsToCsv, evaluateEpisode, type DailyRow } from '../evaluate.ts';
import { accountNote, backtestConfig, backtestStrategy, weightsCsv } from '../portfolio/backtest.ts';
import { loadStrategyInputs } from '../portfolio/inputs.ts';
import {
  agentFrame,
  logOf,
  parsePeriod,
  runEnvConfig,
  runTraining,
  runUniverse,
  trainEnvConfig,
  universeBenchmark,
  universeEnvConfig,
  type TrainRun,
} from '../pipelines/train.ts';
import type { AgentKind } from '../compare/config.ts';
import { fileName, fmtPct, type Arm } from '../compare/report.ts';
import type { PerfStats } from '../../src/metrics/perf.ts';
import { parseKeepingNumbers } from '../../src/json-nonfinite.ts';
import type { BackendPref } from '../backend-names.ts';

/** A file the task reads, with its content hash: the task's id changes when the file does. */
export interface InputFile {
  path: string;
  sha256: string;
}

export interface SchedulesTask {
  kind: 'schedules';
  /** Trade period START:END. */
  trade: string;
  overlays: string[];
  /** Signals files, each an overlay arm. */
  signals: (InputFile & { name: string })[];
  rule: 'paper' | 'direct';
  freqMonths: 3 | 6 | 12;
  oracleAccuracy: number;
  /** Seed of the oracle's coin (compare: the first seed). */
  oracleSeed: number;
}

export interface AgentTask {
  kind: 'agent';
  agent: AgentKind;
  seed: number;
  /** What to train (null: `checkpoint` is a trained run folder). */
  run: TrainRun | null;
  checkpoint: string | null;
  /** The agent in words (the report's arm origins). */
  describe: string;
  trade: string;
  turbulence: number | null;
  /** Id of the schedules task whose arms it trades. */
  schedules: string;
  /** TensorFlow.js backend (fixed for the whole sweep at plan time). */
  backend: BackendPref;
}

export interface BaselineTask {
  kind: 'baseline';
  strategy: string;
  options: Record<string, unknown>;
  trade: string;
  turbulence: number | null;
  /**
   * The account set-up and tickers: those the first agent trains with (only what they depend on, so that
   * cells differing in seeds, steps or algorithm share their baselines), or those of a trained run folder.
   */
  envFrom: { account: BaselineAccountSource } | { checkpoint: string };
  scores: InputFile | null;
  /** Black–Litterman's forecast views (the comparison's first signals file). */
  views: InputFile | null;
  /** Trade the strategy alone (it is one of the comparison's baselines). */
  plain: boolean;
  /** Also trade it under the control and every overlay schedule of `schedules`. */
  underSchedules: boolean;
  schedules: string | null;
}

/** What an agent's account (env config, tickers) depends on: its training run's universe, period, preset and env overrides. */
export interface BaselineAccountSource {
  universe: string;
  train: string;
  preset: TrainRun['preset'];
  env: TrainRun['env'];
}

export type TaskConfig = SchedulesTask | AgentTask | BaselineTask;
export type TaskKind = TaskConfig['kind'];

export type ArmStats = PerfStats & Record<string, number | null>;

export interface SchedulesResult {
  kind: 'schedules';
  /** no-overlay, control-c0 and overlay:NAME, with their schedules. */
  arms: Arm[];
  forecasts: Record<string, SignalRecord[]>;
  warnings: string[];
}

export interface AgentResult {
  kind: 'agent';
  agent: AgentKind;
  seed: number;
  universe: string;
  tickers: string[] | null;
  dates: string[];
  bench: { values: number[]; source: string };
  /** The universe's turbulence note (one per comparison). */
  riskNote: string | null;
  /** One per schedule arm, in the schedules task's order. */
  arms: { schedule: string; stats: ArmStats; equity: number[] }[];
  warnings: string[];
}

export interface BaselineResult {
  kind: 'baseline';
  strategy: string;
  arms: { arm: Arm; stats: ArmStats; equity: number[] }[];
  warnings: string[];
  notes: string[];
}

export type TaskResult = SchedulesResult | AgentResult | BaselineResult;

export interface TaskContext {
  /** The task's folder (its files go here). */
  dir: string;
  /** Finished dependencies' results, by task id. */
  deps: Map<string, TaskResult>;
  log: (line: string) => void;
  /** SIGTERM / Ctrl-C: training stops at its next checkpoint. */
  signal?: AbortSignal;
}

/** Stopped at a checkpoint by a signal: the task is not done, a rerun resumes it. */
export class TaskInterrupted extends Error {
  override readonly name = 'TaskInterrupted';
}

/** The input files a task reads (signals, scores, views), each as planned: its absolute path and SHA-256. */
function inputFilesOf(cfg: TaskConfig): { field: string; file: InputFile }[] {
  if (cfg.kind === 'schedules') return cfg.signals.map((s) => ({ field: 'signals', file: s }));
  if (cfg.kind === 'baseline')
    return [...(cfg.scores ? [{ field: 'scores', file: cfg.scores }] : []), ...(cfg.views ? [{ field: 'signals', file: cfg.views }] : [])];
  return [];
}

/** Refuses (permanently) to run on an input file that is missing on this node or differs from the planned one. */
export function checkInputFiles(cfg: TaskConfig): void {
  for (const { field, file } of inputFilesOf(cfg)) {
    let sha: string;
    try {
      sha = sha256OfFile(file.path);
    } catch (e) {
      throw new ParameterError(
        [field],
        (n) =>
          `${n(field)} ${file.path}: cannot be read on this node (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the sweep's input files must be on the shared filesystem`,
      );
    }
    if (sha !== file.sha256)
      throw new ParameterError(
        [field],
        (n) =>
          `${n(field)} ${file.path}: changed since the sweep was planned (sha256 ${sha.slice(0, 12)}…, planned ${file.sha256.slice(0, 12)}…): plan again into a new folder`,
      );
  }
}

export async function runTaskWork(cfg: TaskConfig, ctx: TaskContext): Promise<TaskResult> {
  checkInputFiles(cfg);
  if (cfg.kind === 'schedules') return schedulesTask(cfg, ctx);
  if (cfg.kind === 'agent') return agentTask(cfg, ctx);
  return baselineTask(cfg, ctx);
}

function dep<T extends TaskResult>(ctx: TaskContext, id: string, kind: T['kind']): T {
  const r = ctx.deps.get(id);
  if (!r || r.kind !== kind) throw new Error(`the ${kind} task ${id} this task depends on has no result`);
  return r as T;
}

async function schedulesTask(cfg: SchedulesTask, ctx: TaskContext): Promise<SchedulesResult> {
  const trade = parsePeriod('trade', cfg.trade);
  const decisionDates = parseDecisionDates(`quarterly:${trade.start}:${trade.end}`);
  const data = new BundledSources();
  const period = { start: trade.start, endExclusive: addDays(trade.end, 1) };
  for (const sub of ['forecasts', 'schedules']) mkdirSync(join(ctx.dir, sub), { recursive: true });
  const arms: Arm[] = [{ name: 'no-overlay', schedule: null, origin: 'fixed 1:1 split, one continuous episode', cheating: false }];
  const control = zeroChangeSchedule({ start: period.start, end: period.endExclusive, freqMonths: cfg.freqMonths });
  writeFileAtomic(join(ctx.dir, 'schedules', 'control-c0.json'), JSON.stringify(control, null, 2) + '\n');
  arms.push({ name: 'control-c0', schedule: control, origin: `reallocation every ${cfg.freqMonths} months with zero change`, cheating: false });
  const warnings: string[] = [];
  const forecasts: Record<string, SignalRecord[]> = {};
  const writeForecasts = (name: string, records: SignalRecord[]) =>
    writeFileAtomic(join(ctx.dir, 'forecasts', `${name}.jsonl`), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  for (const name of cfg.overlays) {
    const forecaster = offlineForecaster(name, data, { oracleAccuracy: cfg.oracleAccuracy, horizonMonths: 6, seed: cfg.oracleSeed });
    const records = await collectForecasts({
      dates: decisionDates,
      source: data.source((forecaster.needs ?? 'prices') as SourceName),
      otherSources: { prices: () => data.source('prices'), macro: () => data.source('macro') },
      forecaster,
    });
    forecasts[name] = records;
    writeForecasts(name, records);
    ctx.log(
      `forecasts ${name}: ${records.map((r) => (r.score === null || r.score === undefined ? 'x' : r.score >= 0 ? `+${r.score}` : r.score)).join(' ')}${forecaster.cheating ? '  (CHEATING upper bound: peeks at the future)' : ''}`,
    );
    arms.push({ name: `overlay:${name}`, schedule: null, origin: `offline forecaster "${name}" (${forecaster.model})`, cheating: forecaster.cheating });
  }
  for (const { name, path } of cfg.signals) {
    const file = readSignals(path);
    const records = [...file.latest.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
    forecasts[name] = records;
    writeForecasts(name, records);
    const cutoff = records.find((r) => r.modelCutoff)?.modelCutoff ?? null;
    const model = records[0]?.model;
    const isLlm = records.some((r) => r.provider === 'openai' || r.provider === 'replay' || r.modelCutoff !== undefined);
    if (isLlm) {
      // Parametric look-ahead: a model trained on text from the trade window may remember the market.
      const w = lookAheadWarning(
        records.map((r) => r.date),
        cutoff,
        model,
      );
      if (w) warnings.push(`${name}: ${w}`);
    }
    const notPit = records.filter((r) => r.pointInTime === false).length;
    if (notPit)
      warnings.push(
        `${name}: ${notPit} of ${records.length} forecasts are not point in time (their context includes information from after the decision date): the arm is marked look-ahead`,
      );
    arms.push({
      name: `overlay:${name}`,
      schedule: null,
      origin: `signals file ${path} (${records[0]?.provider ?? '?'} / ${model ?? '?'})`,
      cheating: records.some((r) => r.cheating),
      lookAhead: notPit > 0,
    });
  }
  // Stage 2: forecasts → ratio schedules (the forecast dated AT each boundary).
  for (const arm of arms) {
    if (!arm.name.startsWith('overlay:')) continue;
    const name = arm.name.slice('overlay:'.length);
    const s2 = scheduleFor(forecasts[name], { rule: cfg.rule, start: period.start, end: period.endExclusive, freqMonths: cfg.freqMonths });
    arm.schedule = s2.schedule;
    for (const w of s2.warnings) warnings.push(`${name}: ${w}`);
    const explanations = new Map(forecasts[name].map((r) => [r.date, r]));
    const decisions = s2.decisions.map((d) => ({
      ...d,
      label: explanations.get(d.boundary)?.label ?? null,
      explanation: explanations.get(d.boundary)?.explanation ?? null,
    }));
    writeFileAtomic(
      join(ctx.dir, 'schedules', `${name}.json`),
      JSON.stringify({ ...s2.schedule, decisions, rule: cfg.rule, freqMonths: cfg.freqMonths }, null, 2) + '\n',
    );
  }
  return { kind: 'schedules', arms, forecasts, warnings };
}

/** An episode that ended early (negative short equity, wipe-out) is held flat to the end: the account stays as it ended. */
function holdFlat(rows: DailyRow[], dates: string[], what: string, endedBy: string, warnings: string[]): void {
  if (rows.length >= dates.length) return;
  warnings.push(`${what}: the episode ended on ${rows[rows.length - 1].date} (${endedBy}); its equity is held flat to the end`);
  const last = rows[rows.length - 1];
  for (let d = rows.length; d < dates.length; d++) rows.push({ ...last, date: dates[d], reward: 0, reallocated: false });
}

async function agentTask(cfg: AgentTask, ctx: TaskContext): Promise<AgentResult> {
  const sched = dep<SchedulesResult>(ctx, cfg.schedules, 'schedules');
  let dir: string;
  if (cfg.run) {
    dir = join(ctx.dir, 'agent');
    if (existsSync(dir) && !existsSync(join(dir, 'checkpoint.json'))) {
      // Killed before its first checkpoint: no update finished, so there is nothing to resume.
      ctx.log(`${dir} has no checkpoint (the run was stopped before its first update finished): starting it again`);
      rmSync(dir, { recursive: true, force: true });
    }
    const resume = existsSync(join(dir, 'checkpoint.json'));
    const train = parsePeriod('train', cfg.run.train);
    ctx.log(
      `${resume ? 'resuming' : 'training'} the ${cfg.agent} agent (${cfg.run.algo}, ${cfg.run.preset}${cfg.run.conditioning ? ', ratio-conditioned' : ''}) seed ${cfg.seed} on ${train.start} … ${train.end} → ${dir}`,
    );
    const res = await runTraining(cfg.run, dir, { resume, progress: 'lines', log: ctx.log, signal: ctx.signal });
    if (!res.finished) throw new TaskInterrupted(`training of the ${cfg.agent} agent, seed ${cfg.seed}, stopped at a checkpoint; a rerun resumes it`);
  } else {
    dir = cfg.checkpoint!;
  }
  const { initBackend } = await import('../backend.ts');
  const { loadPolicy } = await import('../checkpoint.ts');
  await initBackend(cfg.backend);
  const trade = parsePeriod('trade', cfg.trade);
  const trained = runUniverse(dir);
  const { frame, universe } = agentFrame(trained.universe, trade, { tickers: trained.tickers });
  const risk = riskRuleFor(universe, { turbulenceThreshold: cfg.turbulence, riskIndicator: 'vix' as const }, frame);
  const dates = frame.dates;
  const bench = universeBenchmark(universe, dates, 1_000_000);
  const policy = loadPolicy(dir);
  const envCfg = { ...runEnvConfig(dir), turbulenceThreshold: risk.rule.turbulenceThreshold };
  mkdirSync(join(ctx.dir, 'episodes'), { recursive: true });
  const warnings: string[] = [];
  const arms: AgentResult['arms'] = [];
  for (const sc of sched.arms) {
    const armName = `${cfg.agent}/${sc.name}`;
    const ev = evaluateEpisode(policy, frame, envCfg, { schedule: sc.schedule });
    const rows: DailyRow[] = ev.rows;
    holdFlat(rows, dates, `${armName} seed ${cfg.seed}`, ev.endedBy, warnings);
    const equity = rows.map((r) => r.equity);
    const dji = bench.values.map((v) => (v / 1_000_000) * equity[0]);
    writeFileAtomic(join(ctx.dir, 'episodes', `${fileName(armName)}-seed${cfg.seed}.csv`), dailyRowsToCsv(rows, { dji }));
    arms.push({ schedule: sc.name, stats: { ...perfStats(equity), ...tradingStats(logOf(rows)) } as ArmStats, equity });
  }
  ctx.log(`evaluated the ${cfg.agent} agent, seed ${cfg.seed}: ${arms.map((a) => `${a.schedule} ${fmtPct(a.stats.annualReturn)}`).join(', ')}`);
  return {
    kind: 'agent',
    agent: cfg.agent,
    seed: cfg.seed,
    universe: trained.universe,
    tickers: trained.tickers ?? null,
    dates,
    bench,
    riskNote: risk.note,
    arms,
    warnings,
  };
}

/** The env config and tickers an agent of `from` trades with, without training it (what training writes in its config.json). */
function baselineAccount(from: BaselineTask['envFrom']): { universe: string; tickers: string[] | undefined; env: EnvConfig } {
  if ('checkpoint' in from) return { ...runUniverse(from.checkpoint), env: runEnvConfig(from.checkpoint) };
  const run = from.account;
  const { frame, universe } = agentFrame(run.universe, parsePeriod('train', run.train), { log: () => {} });
  const env = universeEnvConfig(trainEnvConfig(run), universe, run.env);
  // As read back from a run folder's config.json, so that the account is the agents' to the last bit.
  return { universe: run.universe, tickers: frame.tickers, env: EnvConfigSchema.parse(JSON.parse(JSON.stringify(env))) };
}

async function baselineTask(cfg: BaselineTask, ctx: TaskContext): Promise<BaselineResult> {
  const sched = cfg.schedules ? dep<SchedulesResult>(ctx, cfg.schedules, 'schedules') : null;
  let inputs;
  try {
    inputs = loadStrategyInputs({ scores: cfg.scores?.path, signals: cfg.views?.path });
  } catch (e) {
    throw new ParameterError(['scores', 'signals'], (n) => `${cfg.scores ? `${n('scores')} / ` : ''}${n('signals')}: ${(e as Error).message}`);
  }
  const trade = parsePeriod('trade', cfg.trade);
  const account = baselineAccount(cfg.envFrom);
  const { frame, universe } = agentFrame(account.universe, trade, { tickers: account.tickers });
  const risk = riskRuleFor(universe, { turbulenceThreshold: cfg.turbulence, riskIndicator: 'vix' as const }, frame);
  const baseEnv = { ...account.env, turbulenceThreshold: risk.rule.turbulenceThreshold };
  const dates = frame.dates;
  const bench = universeBenchmark(universe, dates, 1_000_000);
  const warnings: string[] = [];
  const notes: string[] = [];
  const arms: BaselineResult['arms'] = [];
  for (const sub of ['episodes', 'weights']) mkdirSync(join(ctx.dir, sub), { recursive: true });
  const one = (armName: string, schedule: RatioSchedule | null, origin: string, marks: { cheating?: boolean; lookAhead?: boolean } = {}) => {
    const btCfg = backtestConfig({ ...cfg.options, strategy: cfg.strategy, trade: cfg.trade });
    const bt = backtestStrategy(btCfg, { universe, baseEnv, schedule, inputs });
    const rows = bt.rows;
    holdFlat(rows, dates, armName, bt.endedBy, warnings);
    if (rows.some((r, i) => r.date !== dates[i]))
      throw new Error(`${armName}: the baseline's calendar differs from the agents' (${rows[0].date} vs ${dates[0]})`);
    const equity = rows.map((r) => r.equity);
    const dji = bench.values.map((v) => (v / 1_000_000) * equity[0]);
    const file = fileName(armName);
    writeFileAtomic(join(ctx.dir, 'episodes', `${file}.csv`), dailyRowsToCsv(rows, { dji }));
    writeFileAtomic(join(ctx.dir, 'weights', `${file}.csv`), weightsCsv(bt));
    if (bt.journal.length) {
      mkdirSync(join(ctx.dir, 'decisions'), { recursive: true });
      writeFileAtomic(join(ctx.dir, 'decisions', `${file}.jsonl`), bt.journal.map((d) => JSON.stringify(d)).join('\n') + '\n');
    }
    const stats = { ...perfStats(equity), ...tradingStats(logOf(rows)) } as ArmStats;
    const arm: Arm = {
      name: armName,
      schedule,
      origin: `${origin}: ${bt.description}; account: ${accountNote(bt.envConfig)}`,
      cheating: bt.cheating || (marks.cheating ?? false),
      kind: 'baseline',
      ...(marks.lookAhead !== undefined ? { lookAhead: marks.lookAhead } : {}),
    };
    arms.push({ arm, stats, equity });
    for (const n of bt.notes) notes.push(`${armName}: ${n}`);
    ctx.log(`baseline ${armName}: annual return ${fmtPct(stats.annualReturn)}, Sharpe ${stats.sharpeRatio.toFixed(3)}`);
  };
  const b = cfg.strategy;
  if (cfg.plain) one(b, null, 'portfolio baseline');
  const overlayArms = sched?.arms.filter((a) => a.name.startsWith('overlay:')) ?? [];
  if (cfg.underSchedules && overlayArms.length > 0) {
    const control = sched!.arms.find((a) => a.name === 'control-c0')!.schedule;
    one(`${b}+control-c0`, control, 'baseline under the zero-change control schedule (1:1 books at margin 2)');
    for (const oa of overlayArms)
      one(`${b}+${oa.name}`, oa.schedule, `baseline under the ${oa.name} schedule`, { cheating: oa.cheating, lookAhead: oa.lookAhead });
  }
  return { kind: 'baseline', strategy: b, arms, warnings, notes };
}

/** A finished task's result file. */
export function readTaskResult(path: string): TaskResult {
  return parseKeepingNumbers<TaskResult>(readFileSync(path, 'utf8'));
}
