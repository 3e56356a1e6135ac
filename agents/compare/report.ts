/**
 * The comparison's report: table.md / table.csv (mean ± sd across seeds, with the statistics), equity.svg,
 * results.json and report.html, written from a run's results (`writeCompareReport`) or rebuilt from a
 * finished run folder (`rebuildCompareReport`, `compare --report-only`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/atomic.ts';
import { jsonlLines } from '../../src/jsonl.ts';
import { nonFiniteReplacer, nonFiniteReviver } from '../../src/json-nonfinite.ts';
import { acquireLock } from '../../src/lock.ts';
import { runStatistics, type ComparisonSpec, type RunStats } from '../../src/metrics/arm-stats.ts';
import type { PerfStats } from '../../src/metrics/perf.ts';
import { pairedDiff } from '../../src/metrics/stats.ts';
import { ParameterError } from '../../src/parameter-error.ts';
import { lineChartSvg } from '../../src/report/svg.ts';
import { comparisonTable, perfColumns, renderTable } from '../../src/report/table.ts';
import type { RatioSchedule } from '../../src/schedule.ts';
import type { SignalRecord } from '../../overlays/signals.ts';
import { CompareSchema, type AgentKind, type CompareConfig } from './config.ts';

const HEADLINE = ['annualReturn', 'sharpeRatio', 'maxDrawdown', 'calmarRatio', 'cumulativeReturns', 'annualVolatility'] as const;

export interface Arm {
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
export function armMark(a: Pick<Arm, 'cheating' | 'lookAhead'> | undefined): string {
  return `${a?.cheating ? ' (cheating)' : ''}${a?.lookAhead ? ' (look-ahead)' : ''}`;
}

/** An arm's name as a file name (episodes/, weights/). */
export function fileName(arm: string): string {
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
      sharpe: pairedDiff(
        a.map((x) => x.sharpeRatio),
        b.map((x) => x.sharpeRatio),
      ),
      annualReturn: pairedDiff(
        a.map((x) => x.annualReturn),
        b.map((x) => x.annualReturn),
      ),
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
      ...arms
        .filter((a) => a.kind === 'agent' || cfg.baselines.includes(a.name as never))
        .map((a) => ({ name: a.name + armMark(a), values: meanCurve(equityBySeed[a.name]), dashed: a.kind === 'baseline' })),
    ],
  });
  writeFileAtomic(join(out, 'equity.svg'), svg);
  const allWarnings = ctx.warnings;
  const results = {
    config: cfg,
    benchmarkSource: bench.source,
    arms: arms.map((a) => ({
      name: a.name,
      origin: a.origin,
      cheating: a.cheating,
      lookAhead: a.lookAhead ?? false,
      kind: a.kind,
      agent: a.agent,
      scheduleName: a.scheduleName,
    })),
    perSeed,
    paired,
    stats,
    warnings: allWarnings,
  };
  writeFileAtomic(join(out, 'results.json'), JSON.stringify(results, nonFiniteReplacer, 2) + '\n');
  writeFileAtomic(join(out, 'report.html'), reportHtml(cfg, md, svg, arms, forecasts, paired, allWarnings, bench.source, stats));
  return { out, table: renderTable(table, 'text', { style: 'sd' }), perSeed, paired, stats, warnings: allWarnings };
}

function csvColumn(path: string, name: string): { dates: string[]; values: number[] } {
  if (!existsSync(path))
    throw new ParameterError(
      ['reportOnly'],
      (n) => `${n('reportOnly')}: the run folder lacks ${path} (was the run interrupted? rerun it without --report-only)`,
    );
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const head = lines[0].split(',');
  const i = head.indexOf(name);
  if (i < 0) throw new ParameterError([], `${path}: no column "${name}"`);
  const rows = lines.slice(1).map((l) => l.split(','));
  return { dates: rows.map((r) => r[0]), values: rows.map((r) => Number(r[i])) };
}

/**
 * `compare --report-only DIR`: rebuilds the tables, statistics and report of a finished run folder from
 * its results.json, daily accounts and forecasts, without training or trading anything. The bootstrap
 * settings may be changed (they are recorded).
 */
export function rebuildCompareReport(
  dir: string,
  overrides: Partial<Pick<CompareConfig, 'bootstrapResamples' | 'bootstrapSeed' | 'blockLength'>> = {},
): CompareResult {
  const lock = acquireLock(dir, { what: 'run folder' });
  try {
    return rebuildLocked(dir, overrides);
  } finally {
    lock.release();
  }
}

function rebuildLocked(dir: string, overrides: Partial<Pick<CompareConfig, 'bootstrapResamples' | 'bootstrapSeed' | 'blockLength'>>): CompareResult {
  const path = join(dir, 'results.json');
  if (!existsSync(path)) throw new ParameterError(['reportOnly'], (n) => `${n('reportOnly')} ${dir}: no results.json (not a finished compare run folder)`);
  let saved: { config: unknown; arms: Arm[]; perSeed: CompareResult['perSeed']; warnings: string[]; benchmarkSource: string };
  try {
    saved = JSON.parse(readFileSync(path, 'utf8'), nonFiniteReviver) as typeof saved;
  } catch (e) {
    throw new ParameterError([], `${path}: not valid JSON: ${(e as Error).message}`);
  }
  const parsed = CompareSchema.safeParse({ ...(saved.config as object), ...overrides });
  if (!parsed.success) throw new ParameterError([], `${path}: config: "${parsed.error.issues[0].path.join('.')}": ${parsed.error.issues[0].message}`);
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
    if (existsSync(f))
      forecasts[name] = jsonlLines(readFileSync(f, 'utf8'), f, { what: 'one JSON signal record per line', partial: 'keep' }).map(
        (l) => l.value as SignalRecord,
      );
  }
  const arms = saved.arms.map((a) => ({ ...a, schedule: null }));
  return writeCompareReport({
    cfg,
    out: dir,
    arms,
    perSeed: saved.perSeed,
    equityBySeed,
    bench: { values: benchValues, source: saved.benchmarkSource },
    dates,
    forecasts,
    warnings: saved.warnings ?? [],
  });
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
    ...stats.arms.map(
      (a) =>
        `| ${a.name} | ${a.sharpe.mean.estimate.toFixed(3)} ${fmtCi(a.sharpe.mean)} | ${a.sharpe.iqm.estimate.toFixed(3)} ${fmtCi(a.sharpe.iqm)} | ${a.psr.toFixed(3)} | ${a.dsr.toFixed(3)} |`,
    ),
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

export function fmtPct(x: number): string {
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
  const mdRows = tableMd
    .trim()
    .split('\n')
    .filter((l) => !/^\|\s*-/.test(l) && !/^\|(\s*:?-+:?\s*\|)+$/.test(l));
  const htmlTable = mdRows
    .map((l, i) => {
      const cells = l
        .replace(/^\||\|$/g, '')
        .split('|')
        .map((c) => esc(c.trim()));
      const tag = i === 0 ? 'th' : 'td';
      return `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
    })
    .join('\n');
  const pairedRows = Object.entries(paired)
    .map(
      ([arm, p]) =>
        `<tr><td>${esc(arm)}</td><td>${p.sharpe.meanDiff.toFixed(3)} [${Number.isFinite(p.sharpe.ci[0]) ? `${p.sharpe.ci[0].toFixed(3)}, ${p.sharpe.ci[1].toFixed(3)}` : 'n/a'}]</td><td>${(p.sharpe.fractionAGreater * 100).toFixed(0)}%</td><td>${fmtPct(p.annualReturn.meanDiff)} [${Number.isFinite(p.annualReturn.ci[0]) ? `${fmtPct(p.annualReturn.ci[0])}, ${fmtPct(p.annualReturn.ci[1])}` : 'n/a'}]</td></tr>`,
    )
    .join('\n');
  const fc = Object.entries(forecasts)
    .map(([name, recs]) => {
      const rows = recs
        .map((r) => `<tr><td>${r.date}</td><td>${esc(r.label ?? 'FAILED')}</td><td>${r.score ?? ''}</td><td>${esc(r.explanation ?? r.failure ?? '')}</td></tr>`)
        .join('\n');
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
