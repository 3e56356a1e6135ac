/**
 * The comparison (`marginlab compare`) — the project's main job: the same agent, environment and seeds traded with and
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
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../../src/atomic.ts';
import { acquireLock } from '../../src/lock.ts';
import { backtestConfig, BacktestSchema, backtestStrategy, weightsCsv, accountNote } from '../portfolio/backtest.ts';
import { loadStrategyInputs } from '../portfolio/inputs.ts';
import type { StrategyInputs } from '../portfolio/strategy.ts';
import { STRATEGY_NAMES, withPreset } from '../portfolio/strategies.ts';
import { riskRuleFor } from '../../src/data/universe.ts';
import { dailyRowsToCsv, evaluateEpisode, type DailyRow } from '../evaluate.ts';
import { codeVersion, packageVersions } from '../run-folder.ts';
import { BundledSources } from '../../overlays/context/bundled.ts';
import type { SourceName } from '../../overlays/context/types.ts';
import { addDays, parseDecisionDates } from '../../overlays/dates.ts';
import { lookAheadWarning } from '../../overlays/model-cutoffs.ts';
import { collectForecasts } from '../../overlays/run.ts';
import { readSignals, type SignalRecord } from '../../overlays/signals.ts';
import { scheduleFor, zeroChangeSchedule } from '../../overlays/stage2.ts';
import { verifyBundledData } from '../../src/data/checksums.ts';
import { perfStats } from '../../src/metrics/perf.ts';
import { tradingStats } from '../../src/metrics/trading.ts';
import type { RatioSchedule } from '../../src/schedule.ts';
import { ParameterError } from '../../src/parameter-error.ts';
import { agentFrame, conditionedRun, logOf, paperRun, parsePeriod, runEnvConfig, runTraining, runUniverse, universeBenchmark } from '../pipelines/train.ts';
import type { AgentKind, CompareConfig } from './config.ts';
import { offlineForecaster } from '../../overlays/providers/offline-by-name.ts';
import { fileName, fmtPct, writeCompareReport, type Arm, type CompareResult } from './report.ts';
import { trainInChildren, type TrainJob } from './workers.ts';

/** Progress lines, by default to stderr with a `[compare]` prefix. */
function stderrLog(line: string): void {
  process.stderr.write(`[compare] ${line}\n`);
}

export interface CompareOptions {
  /** Ctrl-C: training stops at its next checkpoint (a rerun resumes it). */
  signal?: AbortSignal;
  /** Where progress lines go (default: stderr, prefixed `[compare]`). */
  log?: (line: string) => void;
}

/** Runs the comparison into `cfg.out`, which is locked (holder's host and pid) while it runs. */
export async function runCompare(cfg: CompareConfig, opts: CompareOptions = {}): Promise<CompareResult> {
  mkdirSync(dirname(cfg.out.replace(/\/+$/, '')) || '.', { recursive: true });
  const lock = acquireLock(cfg.out, { what: 'run folder' });
  try {
    return await compareLocked(cfg, opts);
  } finally {
    lock.release();
  }
}

async function compareLocked(cfg: CompareConfig, opts: CompareOptions): Promise<CompareResult> {
  const log = opts.log ?? stderrLog;
  const train = parsePeriod('train', cfg.train);
  const trade = parsePeriod('trade', cfg.trade);
  if (trade.start <= train.end)
    throw new ParameterError(
      ['trade'],
      (n) => `${n('trade')} (${cfg.trade}) must start after the training period ends (${train.end}): evaluating on training data is look-ahead`,
    );
  if (cfg.checkpoints.length > 0 && cfg.checkpoints.length !== cfg.seeds.length) {
    throw new ParameterError(
      ['checkpoints'],
      (n) => `${n('checkpoints')}: give one run folder per seed (${cfg.seeds.length} seeds, ${cfg.checkpoints.length} folders)`,
    );
  }
  // Baseline options are checked before anything is trained.
  for (const key of Object.keys(cfg.strategyOptions)) {
    if (!(STRATEGY_NAMES as readonly string[]).includes(key))
      throw new ParameterError(
        ['strategyOptions'],
        (n) => `${n('strategyOptions')}: unknown strategy "${key}" (expected some of ${STRATEGY_NAMES.join(', ')})`,
      );
  }
  for (const b of new Set([...cfg.baselines, ...cfg.baselineOverlays])) {
    const r = BacktestSchema.safeParse(withPreset(b, { ...(cfg.strategyOptions[b] ?? {}), strategy: b, trade: cfg.trade }));
    if (!r.success)
      throw new ParameterError(['strategyOptions'], (n) => `${n('strategyOptions')} ${b}.${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message}`);
  }
  // Scores and market views for the LLM-portfolio baselines, read (and checked) before anything is trained;
  // Black–Litterman's forecast views come from the first signals file of the run when there is one.
  const firstSignals = signalArms(cfg.signals, cfg.overlays)[0];
  let inputs: StrategyInputs;
  try {
    inputs = loadStrategyInputs({ scores: cfg.scores, signals: firstSignals?.path });
  } catch (e) {
    throw new ParameterError(['scores', 'signals'], (n) => `${cfg.scores !== undefined ? `${n('scores')} / ` : ''}${n('signals')}: ${(e as Error).message}`);
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
  const { initBackend } = await import('../backend.ts');
  const { loadPolicy } = await import('../checkpoint.ts');
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
            : conditionedRun({
                seed,
                train: cfg.train,
                timesteps: cfg.timesteps,
                backend: cfg.backend,
                algo: cfg.algo,
                preset: cfg.preset,
                universe: cfg.universe,
              });
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
      if (!res.finished)
        throw new ParameterError([], `interrupted: training of the ${j.kind} agent, seed ${j.seed}, stopped at a checkpoint; rerun the same command to resume`);
    }
    await trainInChildren(
      jobs.filter((x) => !x.resume),
      { workers: cfg.workers ?? availableParallelism(), signal: opts.signal, trainRange: train, log },
    );
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
    log(
      `forecasts ${name}: ${records.map((r) => (r.score === null || r.score === undefined ? 'x' : r.score >= 0 ? `+${r.score}` : r.score)).join(' ')}${forecaster.cheating ? '  (CHEATING upper bound: peeks at the future)' : ''}`,
    );
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
    schedules.push({
      name: `overlay:${name}`,
      schedule: null,
      origin: `signals file ${path} (${records[0]?.provider ?? '?'} / ${model ?? '?'})`,
      cheating: records.some((r) => r.cheating),
      lookAhead: notPit > 0,
    });
  }

  // 3. Stage 2: forecasts → ratio schedules (the forecast dated AT each boundary).
  for (const arm of schedules) {
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
      join(out, 'schedules', `${name}.json`),
      JSON.stringify({ ...s2.schedule, decisions, rule: cfg.rule, freqMonths: cfg.freqMonths }, null, 2) + '\n',
    );
  }

  // 4. Evaluation: every arm, every seed, same frame and env config; DJIA over the same dates.
  // The agents' own tickers (every agent of a run is trained on the same universe and period).
  const trained = runUniverse(agents[0].dirs[0]);
  for (const a of agents)
    for (const d of a.dirs) {
      const u = runUniverse(d);
      if (u.universe !== trained.universe || (u.tickers ?? []).join() !== (trained.tickers ?? []).join())
        throw new ParameterError([], `the agents trade different universes or tickers (${agents[0].dirs[0]}: ${trained.universe}; ${d}: ${u.universe})`);
    }
  if (cfg.checkpoints.length === 0 && trained.universe !== cfg.universe)
    throw new ParameterError(
      ['universe', 'out'],
      (n) => `${n('universe')} ${cfg.universe}: the agents in ${out}/agents were trained on ${trained.universe}; use a new ${n('out')}`,
    );
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
    for (const sc of schedules)
      arms.push({ ...sc, name: `${a.kind}/${sc.name}`, origin: `${a.describe}; ${sc.origin}`, kind: 'agent', agent: a.kind, scheduleName: sc.name });
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
      log(
        `evaluated the ${a.kind} agent, seed ${seed}: ${arms
          .filter((x) => x.agent === a.kind)
          .map((x) => `${x.scheduleName} ${fmtPct(perSeed[x.name][seed].annualReturn)}`)
          .join(', ')}`,
      );
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
    if (rows.some((r, i) => r.date !== dates[i]))
      throw new Error(`${armName}: the baseline's calendar differs from the agents' (${rows[0].date} vs ${dates[0]})`);
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
    arms.push({
      name: armName,
      schedule,
      origin: `${origin}: ${bt.description}; account: ${accountNote(bt.envConfig)}`,
      cheating: bt.cheating,
      kind: 'baseline',
    });
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
      throw new ParameterError(
        ['out'],
        (n) =>
          `${out} holds trained agents but no config.json: it was not written by this version of "marginlab compare", or was damaged; use a new ${n('out')}`,
      );
    }
    return;
  }
  let saved: Record<string, unknown>;
  try {
    saved = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new ParameterError(['out'], (n) => `${path}: not valid JSON (${(e as Error).message}): the run folder is damaged; use a new ${n('out')}`);
  }
  const differs = AGENT_FIELDS.filter((k) => JSON.stringify(saved[k] ?? null) !== JSON.stringify((cfg as Record<string, unknown>)[k] ?? null));
  if (differs.length) {
    const what = differs
      .map((k) => `${k}: ${JSON.stringify(saved[k] ?? null)} there, ${JSON.stringify((cfg as Record<string, unknown>)[k] ?? null)} now`)
      .join('; ');
    throw new ParameterError(
      ['out'],
      (n) =>
        `${out} holds agents made for another request (${what}); reusing them would misstate the result. Use a new ${n('out')}, or delete ${out} to start over`,
    );
  }
}

/** A `--checkpoints` run folder: its own seed and training period, checked against the request (no look-ahead). */
function checkCheckpoint(
  dir: string,
  seed: number,
  trade: { start: string; end: string },
): { dir: string; seed: number; trainPeriod: { start: string; end: string } | null; algo: string | null } {
  const path = join(dir, 'config.json');
  if (!existsSync(path))
    throw new ParameterError(['checkpoints'], (n) => `${n('checkpoints')} ${dir}: no config.json (is it a run folder written by "marginlab train"?)`);
  let c: { run?: { seed?: number; algo?: string }; trainPeriod?: { start: string; end: string } };
  try {
    c = JSON.parse(readFileSync(path, 'utf8')) as typeof c;
  } catch (e) {
    throw new ParameterError([], `${path}: not valid JSON (${(e as Error).message})`);
  }
  const own = c.run?.seed;
  if (own !== undefined && own !== seed)
    throw new ParameterError(
      ['checkpoints', 'seeds'],
      (n) => `${n('checkpoints')} ${dir} was trained with seed ${own}, but stands for seed ${seed} here: give ${n('seeds')} in the same order as the folders`,
    );
  const tp = c.trainPeriod ?? null;
  if (tp && tp.end >= trade.start && tp.start <= trade.end) {
    throw new ParameterError(
      ['checkpoints'],
      (n) =>
        `${n('checkpoints')} ${dir} was trained on ${tp.start} … ${tp.end}, which overlaps the trade period ${trade.start} … ${trade.end}: evaluating on training data is look-ahead`,
    );
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
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
      throw new ParameterError(['signals'], (n) => `${n('signals')} ${spec}: the arm name "${name}" must be letters, digits, ".", "_" or "-" (give NAME=FILE)`);
    if (offline.includes(name))
      throw new ParameterError(
        ['signals'],
        (n) => `${n('signals')} ${spec}: "${name}" is also an offline overlay of this run; name the signals arm explicitly, e.g. ${n('signals')} gpt4o=${path}`,
      );
    const dup = out.find((x) => x.name === name);
    if (dup)
      throw new ParameterError(
        ['signals'],
        (n) => `${n('signals')}: two signals files make the arm "${name}" (${dup.path} and ${path}); give each a name: ${n('signals')} a=${dup.path},b=${path}`,
      );
    out.push({ name, path });
  }
  return out;
}
