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
import { existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { BACKEND_PREFS, type BackendPref } from '../../agents/backend-names.ts';
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
import { buildMarketFrame, PAPER_TICKERS } from '../../src/data/build.ts';
import { verifyBundledData } from '../../src/data/checksums.ts';
import { perfStats, type PerfStats } from '../../src/metrics/perf.ts';
import { pairedDiff } from '../../src/metrics/stats.ts';
import { tradingStats } from '../../src/metrics/trading.ts';
import { lineChartSvg } from '../../src/report/svg.ts';
import { comparisonTable, perfColumns, renderTable } from '../../src/report/table.ts';
import type { RatioSchedule } from '../../src/schedule.ts';
import { numberFlag, readConfigFile, UserError, withInterrupt } from '../errors.ts';
import { offlineForecaster } from './forecast.ts';
import { benchmarkOn, logOf, parseRangeFlag, runEnvConfig, runTraining, TrainRunSchema, TRAIN_PRESETS } from './train.ts';

export const OFFLINE_OVERLAYS = ['momentum', 'macro', 'oracle', 'constant'] as const;

/** Everything a comparison is made of (flags and --config fill it; config.json records it). */
export const CompareSchema = z
  .object({
    algo: z.enum(['ppo', 'a2c']).default('a2c'),
    preset: z.enum(TRAIN_PRESETS).default('margintrader'),
    seeds: z.array(z.number().int().min(0)).min(1).default([0, 1, 2, 3, 4]),
    train: z.string().default('2009-01-01:2018-12-31'),
    trade: z.string().default('2020-05-01:2024-03-28'),
    timesteps: z.number().int().positive().optional(),
    overlays: z.array(z.enum(OFFLINE_OVERLAYS)).default(['momentum', 'macro', 'oracle']),
    signals: z.array(z.string()).default([]),
    rule: z.enum(['paper', 'direct']).default('paper'),
    freqMonths: z.union([z.literal(3), z.literal(6), z.literal(12)]).default(6),
    turbulence: z.number().nullable().default(70),
    oracleAccuracy: z.number().min(0).max(1).default(0.8),
    checkpoints: z.array(z.string()).default([]),
    backend: z.enum(BACKEND_PREFS as unknown as [BackendPref, ...BackendPref[]]).default('auto'),
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
}

export interface CompareResult {
  out: string;
  table: string;
  perSeed: Record<string, Record<number, PerfStats & Record<string, number | null>>>;
  /** Paired differences (same seeds) of each arm against a baseline arm: "ARM vs BASE". */
  paired: Record<string, { sharpe: ReturnType<typeof pairedDiff>; annualReturn: ReturnType<typeof pairedDiff> }>;
  warnings: string[];
}

function log(line: string): void {
  process.stderr.write(`[compare] ${line}\n`);
}



export async function runCompare(cfg: CompareConfig, opts: { signal?: AbortSignal } = {}): Promise<CompareResult> {
  const train = parseRangeFlag('train', cfg.train);
  const trade = parseRangeFlag('trade', cfg.trade);
  if (trade.start <= train.end) throw new UserError(`--trade (${cfg.trade}) must start after the training period ends (${train.end}): evaluating on training data is look-ahead`);
  if (cfg.checkpoints.length > 0 && cfg.checkpoints.length !== cfg.seeds.length) {
    throw new UserError(`--checkpoints: give one run folder per seed (${cfg.seeds.length} seeds, ${cfg.checkpoints.length} folders)`);
  }
  const out = cfg.out;
  for (const sub of ['agents', 'forecasts', 'schedules', 'episodes']) mkdirSync(join(out, sub), { recursive: true });
  const started = new Date().toISOString();
  // TensorFlow.js loads only when this command runs (it costs ~0.3 s at start-up of every command).
  const { initBackend } = await import('../../agents/backend.ts');
  const { loadPolicy } = await import('../../agents/checkpoint.ts');
  const backend = await initBackend(cfg.backend);
  writeFileAtomic(join(out, 'config.json'), JSON.stringify(cfg, null, 2) + '\n');
  const manifest = {
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

  // 1. Agents: one per seed, trained (or resumed, or reused) into agents/seed-S.
  const agentDirs: string[] = [];
  for (const [k, seed] of cfg.seeds.entries()) {
    if (cfg.checkpoints.length > 0) {
      agentDirs.push(cfg.checkpoints[k]);
      continue;
    }
    const dir = join(out, 'agents', `seed-${seed}`);
    const resume = existsSync(join(dir, 'checkpoint.json'));
    const run = TrainRunSchema.parse({ algo: cfg.algo, preset: cfg.preset, train: cfg.train, seed, timesteps: cfg.timesteps, backend: cfg.backend });
    log(`${resume ? 'resuming/reusing' : 'training'} ${cfg.algo} (${cfg.preset}) seed ${seed} on ${train.start} … ${train.end} → ${dir}`);
    const res = await runTraining(run, dir, { resume, progress: 'auto', log: (s) => log(s), signal: opts.signal });
    if (!res.finished) throw new UserError(`interrupted: training of seed ${seed} stopped at a checkpoint; rerun the same command to resume`);
    agentDirs.push(dir);
  }

  // 2. Stage 1: forecasts on the decision dates (quarterly through the trade period), point in time.
  const decisionDates = parseDecisionDates(`quarterly:${trade.start}:${trade.end}`);
  const data = new BundledSources();
  const period = { start: trade.start, endExclusive: addDays(trade.end, 1) };
  const arms: Arm[] = [{ name: 'no-overlay', schedule: null, origin: 'fixed 1:1 split, one continuous episode', cheating: false }];
  const control = zeroChangeSchedule({ start: period.start, end: period.endExclusive, freqMonths: cfg.freqMonths });
  writeFileAtomic(join(out, 'schedules', 'control-c0.json'), JSON.stringify(control, null, 2) + '\n');
  arms.push({ name: 'control-c0', schedule: control, origin: `reallocation every ${cfg.freqMonths} months with zero change`, cheating: false });
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
    arms.push({ name: `overlay:${name}`, schedule: null, origin: `offline forecaster "${name}" (${forecaster.model})`, cheating: forecaster.cheating });
  }
  for (const path of cfg.signals) {
    const file = readSignals(path);
    const records = [...file.latest.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
    const name = basename(path).replace(/\.jsonl?$/, '');
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
    arms.push({ name: `overlay:${name}`, schedule: null, origin: `signals file ${path} (${records[0]?.provider ?? '?'} / ${model ?? '?'})`, cheating: records.some((r) => r.cheating) });
  }

  // 3. Stage 2: forecasts → ratio schedules (the forecast dated AT each boundary).
  for (const arm of arms) {
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
  const frame = buildMarketFrame({ start: trade.start, end: trade.end, tickers: PAPER_TICKERS });
  const perSeed: CompareResult['perSeed'] = {};
  const equityBySeed: Record<string, number[][]> = {};
  // Every episode covers the whole frame, so one benchmark series serves every arm and seed.
  const dates = frame.dates;
  const bench = benchmarkOn(dates, 1_000_000);
  for (const [k, seed] of cfg.seeds.entries()) {
    const policy = loadPolicy(agentDirs[k]);
    const envCfg = { ...runEnvConfig(agentDirs[k]), turbulenceThreshold: cfg.turbulence };
    for (const arm of arms) {
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
      writeFileAtomic(join(out, 'episodes', `${arm.name.replace(':', '-')}-seed${seed}.csv`), dailyRowsToCsv(rows, { dji }));
      (perSeed[arm.name] ??= {})[seed] = { ...perfStats(equity), ...tradingStats(logOf(rows)) } as never;
      (equityBySeed[arm.name] ??= []).push(equity);
    }
    log(`evaluated seed ${seed}: ${arms.map((a) => `${a.name} ${fmtPct(perSeed[a.name][seed].annualReturn)}`).join(', ')}`);
  }
  perSeed['DJIA'] = Object.fromEntries(cfg.seeds.map((s) => [s, perfStats(bench.values) as never]));

  // 5. Tables, paired differences, chart, report.
  const order = ['DJIA', ...arms.map((a) => a.name)];
  const table = comparisonTable(
    order.map((arm) => ({ arm: arm + (arms.find((a) => a.name === arm)?.cheating ? ' (cheating)' : ''), seeds: cfg.seeds.map((s) => perSeed[arm][s] as Record<string, number>) })),
    perfColumns([...HEADLINE]),
  );
  const paired: CompareResult['paired'] = {};
  const pair = (armName: string, base: string) => {
    const a = cfg.seeds.map((s) => perSeed[armName][s]);
    const b = cfg.seeds.map((s) => perSeed[base][s]);
    paired[`${armName} vs ${base}`] = {
      sharpe: pairedDiff(a.map((x) => x.sharpeRatio), b.map((x) => x.sharpeRatio)),
      annualReturn: pairedDiff(a.map((x) => x.annualReturn), b.map((x) => x.annualReturn)),
    };
  };
  // Against no-overlay: the whole effect. Against the zero-change control: the overlay's own effect,
  // with the segmentation effect (shared by both) taken out.
  for (const arm of arms.slice(1)) pair(arm.name, 'no-overlay');
  for (const arm of arms.slice(2)) pair(arm.name, 'control-c0');
  const md = renderTable(table, 'markdown', { style: 'sd' });
  writeFileAtomic(join(out, 'table.md'), md);
  writeFileAtomic(join(out, 'table.csv'), renderTable(table, 'csv'));
  const meanCurve = (curves: number[][]) => curves[0].map((_, i) => curves.reduce((s, c) => s + c[i], 0) / curves.length);
  const svg = lineChartSvg({
    dates,
    title: `Equity, mean over ${cfg.seeds.length} seed(s), ${dates[0]} … ${dates[dates.length - 1]}`,
    yLabel: 'equity ($)',
    series: [{ name: 'DJIA', values: bench.values, dashed: true }, ...arms.map((a) => ({ name: a.name, values: meanCurve(equityBySeed[a.name]) }))],
  });
  writeFileAtomic(join(out, 'equity.svg'), svg);
  const results = { config: cfg, benchmarkSource: bench.source, arms: arms.map((a) => ({ name: a.name, origin: a.origin, cheating: a.cheating })), perSeed, paired, warnings };
  writeFileAtomic(join(out, 'results.json'), JSON.stringify(results, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n');
  writeFileAtomic(join(out, 'report.html'), reportHtml(cfg, md, svg, arms, forecasts, paired, warnings, bench.source));
  manifest.endTime = new Date().toISOString();
  writeFileAtomic(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return { out, table: renderTable(table, 'text', { style: 'sd' }), perSeed, paired, warnings };
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
<h1>With vs without the overlay</h1>
<p>Agent: ${esc(cfg.algo)} (${esc(cfg.preset)}), seeds ${cfg.seeds.join(', ')}; trained ${esc(cfg.train)}; traded ${esc(cfg.trade)}; stage 2: ${esc(cfg.rule)} rule, every ${cfg.freqMonths} months; turbulence threshold ${cfg.turbulence ?? 'off'}. Cells: mean ± sd across seeds.</p>
${warnings.map((w) => `<p class="warn">⚠ ${esc(w)}</p>`).join('\n')}
<table>${htmlTable}</table>
<h2>Paired differences (same seeds): against no-overlay (whole effect) and against the zero-change control (the overlay's own effect)</h2>
<table><tr><th>comparison</th><th>Δ Sharpe [95% CI]</th><th>seeds where the arm's Sharpe is higher</th><th>Δ annual return [95% CI]</th></tr>${pairedRows}</table>
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
    .option('--algo <name>', 'ppo | a2c', 'a2c')
    .option('--preset <name>', 'margintrader (the paper\'s env + A2C) | paper | realistic', 'margintrader')
    .option('--seeds <list>', 'comma-separated seeds', '0,1,2,3,4')
    .option('--train <range>', 'training period START:END', '2009-01-01:2018-12-31')
    .option('--trade <range>', 'trade period START:END', '2020-05-01:2024-03-28')
    .option('--timesteps <n>', 'training steps per seed (default: the algorithm\'s; 50,000 for margintrader)')
    .option('--overlays <list>', `offline forecasters: ${OFFLINE_OVERLAYS.join(', ')} (oracle is a cheating upper bound); "none" for none`, 'momentum,macro,oracle')
    .option('--signals <files>', 'comma-separated signals files from "marginlab forecast" (e.g. an LLM run), each an overlay arm')
    .option('--rule <name>', 'stage 2: paper (f·(1+0.1·score), clip [0.1, 0.9]) | direct (target from score and confidence)', 'paper')
    .option('--freq <months>', 'months between reallocations: 3, 6 or 12', '6')
    .option('--turbulence <x|off>', 'turbulence threshold on VIX while trading (the paper: 70)', '70')
    .option('--checkpoints <dirs>', 'comma-separated trained run folders, one per seed, instead of training')
    .option('--backend <name>', `TensorFlow.js backend: ${BACKEND_PREFS.join(' | ')}`, 'auto')
    .option('--config <file>', 'JSON with any of these settings (camelCase; explicit flags win)')
    .option('--out <dir>', 'run folder', 'runs/compare')
    .addHelpText(
      'after',
      '\nExamples:\n  marginlab compare\n  marginlab compare --seeds 0,1,2,3,4 --overlays momentum,macro,oracle --out runs/five-seeds\n  marginlab compare --signals runs/gpt4o-macro.jsonl --checkpoints runs/compare/agents/seed-0',
    )
    .action(async (o: Record<string, string | undefined>, cmd: Command) => {
      const fromFile = typeof o.config === 'string' ? readConfigFile(o.config) : {};
      const explicit = (k: string) => cmd.getOptionValueSource(k) === 'cli';
      const flags: Record<string, unknown> = {};
      const set = (key: string, v: () => unknown) => {
        if (explicit(key) || !(key in fromFile)) flags[key] = v();
      };
      set('algo', () => o.algo);
      set('preset', () => o.preset);
      set('seeds', () => list('seeds', o.seeds!).map((s) => numberFlag('seeds', s, { integer: true, min: 0 })!));
      set('train', () => o.train);
      set('trade', () => o.trade);
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
        throw new UserError(`${i.path.length ? `"${i.path.join('.')}"` : 'config'}: ${i.message}`);
      }
      for (const f of parsed.data.signals) if (!existsSync(f)) throw new UserError(`--signals: no such file ${f}`);
      const t0 = Date.now();
      const res = await withInterrupt('finishing the current training update and writing a checkpoint', (signal) => runCompare(parsed.data, { signal }));
      console.log(res.table);
      console.log('\npaired differences over the same seeds (95% t interval; n/a with one seed):');
      for (const [name, p] of Object.entries(res.paired)) {
        const ci = Number.isFinite(p.sharpe.ci[0]) ? `[${p.sharpe.ci[0].toFixed(3)}, ${p.sharpe.ci[1].toFixed(3)}]` : '[n/a]';
        console.log(`  ${name.padEnd(38)} ΔSharpe ${p.sharpe.meanDiff >= 0 ? '+' : ''}${p.sharpe.meanDiff.toFixed(3)} ${ci}   Δannual return ${p.annualReturn.meanDiff >= 0 ? '+' : ''}${fmtPct(p.annualReturn.meanDiff)}   arm better in ${Math.round(p.sharpe.fractionAGreater * 100)}% of seeds`);
      }
      for (const w of res.warnings) console.log(`warning: ${w}`);
      console.log(`run folder: ${res.out} (report.html, table.md, results.json, episodes/, forecasts/, schedules/) in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    });
}
