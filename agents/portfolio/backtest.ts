/**
 * The backtest pipeline: one strategy over one universe and trade period, through the margin env.
 * `marginlab backtest` is flag wiring over `runBacktest`; `compare --baselines` calls `backtestStrategy`.
 *
 * Run folder: config.json, manifest.json, weights.csv (long format date,ticker,weight: the target
 * weights of each decision, shorts negative, zero weights left out), account.csv (the same daily
 * account as an agent's, with the benchmark beside it), metrics.json, report.html.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { dailyRowsToCsv, episodeLogOf, type DailyRow } from '../evaluate.ts';
import { writeFileAtomic } from '../../src/atomic.ts';
import { codeVersion, packageVersions } from '../run-folder.ts';
import { envConfig, type EnvConfig } from '../../env/config.ts';
import { addDays } from '../../src/dates.ts';
import { parseDateRange } from '../../src/data/panel.ts';
import { benchmarkSeries, buildUniverseFrame, resolveUniverse, riskRuleFor, type Universe } from '../../src/data/universe.ts';
import { perfStats, type PerfStats } from '../../src/metrics/perf.ts';
import { tradingStats, type TradingStats } from '../../src/metrics/trading.ts';
import { lineChartSvg, stackedAreaSvg } from '../../src/report/svg.ts';
import type { RatioSchedule } from '../../src/schedule.ts';
import { executeStrategy, STRATEGY_HMAX, type ExecutionResult } from './execute.ts';
import { loadStrategyInputs } from './inputs.ts';
import { makeStrategy, STRATEGY_NAMES, StrategyOptionsSchema, withPreset } from './strategies.ts';
import { StrategyError, type DecisionNote, type Strategy, type StrategyInputs } from './strategy.ts';

export const BacktestSchema = StrategyOptionsSchema.extend({
  strategy: z.enum(STRATEGY_NAMES).describe(`the strategy: ${STRATEGY_NAMES.join(' | ')}`),
  universe: z.string().default('dow30').describe('dow30 | sectors | crypto | a long-format OHLCV CSV (date,ticker,open,high,low,close,volume)'),
  benchmark: z.string().optional().describe("benchmark: a ticker of the universe file (left out of the tradable set) or a CSV; default the universe's"),
  trade: z.string().default('2020-05-01:2024-03-28').describe('trade period START:END (inclusive)'),
  preset: z
    .enum(['paper', 'realistic'])
    .default('paper')
    .describe("env preset: the paper's costs and close fills | realistic (interest, borrow fee, slippage, next-open fills)"),
  turbulence: z.number().nullable().default(null).describe('turbulence threshold on VIX (the paper trades with 70); null: off'),
  scores: z
    .string()
    .optional()
    .describe('asset scores JSONL from "marginlab score" for llm-score, llm-mvo and black-litterman (default: their offline price-momentum stand-in)'),
  scoreAggregation: z.enum(['mean', 'median']).default('mean').describe('how the scores of several personas combine per asset: mean | median'),
  signals: z.string().optional().describe('market forecasts JSONL from "marginlab forecast": black-litterman\'s views with views = forecasts'),
  news: z
    .string()
    .optional()
    .describe("a news file (CSV or JSONL: date,ticker,text) for the sector allocation's sentiment agent (default: the bundled per-ticker Dow news)"),
  out: z.string().default('runs/backtest').describe('run folder'),
}).strict();
export type BacktestConfig = z.infer<typeof BacktestSchema>;

/** A backtest config from raw settings (flags, a file): the strategy's preset fills what is not given, then the schema's defaults. */
export function backtestConfig(raw: Record<string, unknown>): BacktestConfig {
  return BacktestSchema.parse(withPreset(String(raw.strategy ?? ''), raw));
}

export interface BacktestResult {
  out: string | null;
  strategy: string;
  description: string;
  universe: string;
  rows: DailyRow[];
  decisions: ExecutionResult['decisions'];
  tickers: string[];
  metrics: PerfStats & TradingStats & { costs: number; financing: number; slippage: number };
  benchmark: { name: string; source: string; values: number[]; metrics: PerfStats };
  envConfig: EnvConfig;
  notes: string[];
  endedBy: string;
  /** The strategy's per-decision reasoning (decisions.jsonl), empty for strategies without one. */
  journal: readonly DecisionNote[];
  cheating: boolean;
}

// Frames are read-only once built: baselines over the same universe and period share one.
const FRAMES = new Map<string, ReturnType<typeof buildUniverseFrame>>();
function strategyFrame(u: Universe, start: string, end: string): ReturnType<typeof buildUniverseFrame> {
  const key = JSON.stringify([u.name, u.source, u.tickers, start, end]);
  let f = FRAMES.get(key);
  if (!f) {
    f = buildUniverseFrame(u, { start, end, requireFullHistory: false });
    if (FRAMES.size >= 4) FRAMES.delete(FRAMES.keys().next().value!);
    FRAMES.set(key, f);
  }
  return f;
}

/** Forgets the shared frames (benchmarks that time a whole run; tests that rewrite a data folder). */
export function clearStrategyFrames(): void {
  FRAMES.clear();
}

/** Estimation history a strategy needs before its first decision, in trading days. */
function historyDays(o: BacktestConfig): number {
  return Math.max(o.window, o.lookback) + 5;
}

/**
 * Runs one strategy over the trade period of a universe (no files written). The frame starts early
 * enough to hold the estimation window before the first decision; the account starts on the first
 * trade day. `schedule` trades the strategy under an overlay's ratio schedule.
 */
export function backtestStrategy(
  cfg: BacktestConfig,
  opts: {
    universe?: Universe;
    schedule?: RatioSchedule | null;
    baseEnv?: EnvConfig;
    inputs?: StrategyInputs;
    onDecision?: (date: string, k: number, total: number) => void;
  } = {},
): Omit<BacktestResult, 'out'> {
  const trade = parseDateRange(cfg.trade, 'trade period');
  const u = opts.universe ?? resolveUniverse(cfg.universe, { benchmark: cfg.benchmark });
  const {
    strategy: name,
    universe: _u,
    benchmark: _b,
    trade: _t,
    preset: _p,
    turbulence: _tb,
    out: _o,
    scores: _s,
    scoreAggregation: _sa,
    signals: _sg,
    news: _n,
    ...options
  } = cfg;
  const inputs = opts.inputs ?? loadStrategyInputs({ scores: cfg.scores, scoreAggregation: cfg.scoreAggregation, signals: cfg.signals, news: cfg.news });
  const strategy: Strategy & { notes?: string[] } = makeStrategy(name, options, inputs);
  // Calendar days back to cover the estimation window (stocks trade ~252 of 365 days), with a margin.
  const perYear = u.periodsPerYear;
  const back = Math.ceil(((historyDays(cfg) * 365) / Math.min(perYear, 365)) * 1.1) + 10;
  let histStart = addDays(trade.start, -back);
  if (name === 'finrl-mvo') {
    const est = (cfg.estimation ?? '2009-01-01:2018-12-31').split(':')[0];
    if (est < histStart) histStart = est;
  }
  const uf = strategyFrame(u, histStart, trade.end);
  // The universe's own calendar for the reward's rolling Sharpe, and its VIX policy (no VIX on crypto: the rule is off, noted).
  const risk = riskRuleFor(u, { ...(opts.baseEnv ?? { ...envConfig(cfg.preset), turbulenceThreshold: cfg.turbulence }) }, undefined);
  // A strategy defined with its own costs (the sector allocation's published 10 bp + 10 bp) trades under them.
  const base = { ...risk.rule, ...strategy.costs, periodsPerYear: u.periodsPerYear };
  const ex = executeStrategy(strategy, uf.frame, base, {
    start: trade.start,
    end: trade.end,
    rebalance: cfg.rebalance,
    schedule: opts.schedule ?? null,
    available: uf.available,
    sectorOf: u.sectorOf,
    periodsPerYear: u.periodsPerYear,
    onFailure: cfg.onSolverFailure,
    onDecision: opts.onDecision,
  });
  const rows = ex.rows;
  const dates = rows.map((r) => r.date);
  const equity = rows.map((r) => r.equity);
  const last = rows[rows.length - 1];
  const perf = { periodsPerYear: u.periodsPerYear };
  const metrics = {
    ...perfStats(equity, perf),
    ...tradingStats({ ...episodeLogOf(rows) }, perf),
    costs: last.fees,
    financing: last.financing,
    slippage: ex.counters.slippageCost,
  };
  const bench = benchmarkSeries(u, dates, equity[0]);
  const notes = [...(risk.note ? [risk.note] : []), ...ex.notes, ...(strategy.notes ?? [])];
  if (uf.excluded.length) notes.push(...uf.excluded.map((e) => `${e.ticker} excluded: ${e.reason}`));
  for (const [t, d] of Object.entries(uf.firstDate))
    if (d > trade.start && d <= trade.end)
      notes.push(`${t} starts trading on ${d}, inside the trade period: it enters once its history covers the estimation window`);
  if (ex.endedBy !== 'end_of_data') notes.push(`the episode ended early on ${last.date} (${ex.endedBy})`);
  return {
    strategy: name,
    description: strategy.describe(),
    universe: u.name,
    rows,
    decisions: ex.decisions,
    tickers: ex.tickers,
    metrics,
    benchmark: { name: u.benchmark.name, source: bench.source, values: bench.values, metrics: perfStats(bench.values, perf) },
    envConfig: ex.config,
    notes,
    endedBy: ex.endedBy,
    journal: strategy.journal?.() ?? [],
    cheating: strategy.cheating === true,
  };
}

/** `marginlab backtest`: runs the strategy and writes the run folder. */
export function runBacktest(
  cfg: BacktestConfig,
  opts: { log?: (s: string) => void; schedule?: RatioSchedule | null; inputs?: StrategyInputs } = {},
): BacktestResult {
  const started = new Date().toISOString();
  const log = opts.log ?? (() => {});
  let lastPct = -1;
  const res = backtestStrategy(cfg, {
    schedule: opts.schedule,
    inputs: opts.inputs,
    onDecision: (date, k, total) => {
      const pct = Math.floor((k / total) * 10);
      if (pct !== lastPct) {
        lastPct = pct;
        log(`decision ${k}/${total} (${date})`);
      }
    },
  });
  const out = cfg.out;
  mkdirSync(out, { recursive: true });
  writeFileAtomic(join(out, 'config.json'), JSON.stringify(cfg, null, 2) + '\n');
  writeFileAtomic(join(out, 'weights.csv'), weightsCsv(res));
  if (res.journal.length) writeFileAtomic(join(out, 'decisions.jsonl'), res.journal.map((d) => JSON.stringify(d)).join('\n') + '\n');
  writeFileAtomic(join(out, 'account.csv'), dailyRowsToCsv(res.rows, { benchmark: res.benchmark.values }));
  const metrics = {
    strategy: res.strategy,
    description: res.description,
    ...(res.cheating ? { cheating: true } : {}),
    universe: res.universe,
    period: { start: res.rows[0].date, end: res.rows[res.rows.length - 1].date, days: res.rows.length },
    riskFreeInSharpe: 0,
    optimiserRiskFree: cfg.riskFree,
    metrics: res.metrics,
    benchmark: { name: res.benchmark.name, source: res.benchmark.source, ...res.benchmark.metrics },
    account: accountNote(res.envConfig),
    notes: res.notes,
    endedBy: res.endedBy,
  };
  writeFileAtomic(join(out, 'metrics.json'), JSON.stringify(metrics, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n');
  writeFileAtomic(join(out, 'report.html'), backtestReportHtml(res, cfg));
  writeFileAtomic(
    join(out, 'manifest.json'),
    JSON.stringify(
      {
        format: 'marginlab.backtest.v1',
        codeVersion: codeVersion(),
        packages: packageVersions(),
        node: process.version,
        startTime: started,
        endTime: new Date().toISOString(),
      },
      null,
      2,
    ) + '\n',
  );
  return { ...res, out };
}

/** How the account was set up, in words (every report states it). */
export function accountNote(c: EnvConfig): string {
  return `margin k = ${c.margin}, loan target ${c.loanTargetFromMargin ? '(k − 1)·long equity' : 'long equity (the paper)'}, hmax lifted from the paper's 100 to ${c.hmax === STRATEGY_HMAX ? '2^30' : c.hmax} shares per order, fees ${c.buyCost * 1e4} bp buy / ${c.sellCost * 1e4} bp sell, slippage ${c.slippage * 1e4} bp, fills at ${c.execution === 'close' ? "the decision day's close" : 'the next open'}, loan rate ${c.loanRate * 100}%/yr, borrow fee ${c.shortBorrowFee * 100}%/yr, turbulence threshold ${c.turbulenceThreshold ?? 'off'}`;
}

export function weightsCsv(res: Pick<BacktestResult, 'decisions' | 'tickers'>): string {
  const lines = ['date,ticker,weight'];
  for (const d of res.decisions) d.weights.forEach((w, i) => w !== 0 && lines.push(`${d.date},${res.tickers[i]},${w}`));
  return lines.join('\n') + '\n';
}

function drawdown(values: number[]): number[] {
  let peak = -Infinity;
  return values.map((v) => {
    if (v > peak) peak = v;
    return v / peak - 1;
  });
}

function backtestReportHtml(res: Omit<BacktestResult, 'out'>, cfg: BacktestConfig): string {
  const dates = res.rows.map((r) => r.date);
  const equity = res.rows.map((r) => r.equity);
  const eq = lineChartSvg({
    dates,
    title: `Equity: ${res.strategy} vs ${res.benchmark.name}`,
    yLabel: 'equity ($)',
    series: [
      { name: res.strategy, values: equity },
      { name: res.benchmark.name, values: res.benchmark.values, dashed: true },
    ],
  });
  const dd = lineChartSvg({
    dates,
    title: 'Drawdown',
    yLabel: 'drawdown',
    format: 'percent',
    height: 260,
    series: [
      { name: res.strategy, values: drawdown(equity) },
      { name: res.benchmark.name, values: drawdown(res.benchmark.values), dashed: true },
    ],
  });
  const area = weightsAreaSvg(res, dates);
  const m = res.metrics as unknown as Record<string, number | null>;
  const rows = (
    [
      'cumulativeReturns',
      'annualReturn',
      'annualVolatility',
      'sharpeRatio',
      'sortinoRatio',
      'maxDrawdown',
      'calmarRatio',
      'annualTurnover',
      'feesPaid',
      'marginCalls',
      'forcedTrades',
    ] as const
  )
    .map((k) => `<tr><td>${k}</td><td>${fmt(m[k])}</td><td>${fmt((res.benchmark.metrics as unknown as Record<string, number>)[k])}</td></tr>`)
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>marginlab backtest: ${esc(res.strategy)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}.note{color:#a40}</style></head><body>
<h1>${esc(res.strategy)} on ${esc(res.universe)}, ${esc(dates[0])} … ${esc(dates[dates.length - 1])}</h1>
<p>${esc(res.description)}.</p>
<p>Account: ${esc(accountNote(res.envConfig))}. Sharpe and Sortino ratios use a risk-free rate of 0 (pyfolio's perf_stats); the optimiser's risk-free rate is ${(cfg.riskFree * 100).toFixed(2)}%/yr. Benchmark: ${esc(res.benchmark.name)} (${esc(res.benchmark.source)}).</p>
${res.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('\n')}
<table><tr><th>metric</th><th>${esc(res.strategy)}</th><th>${esc(res.benchmark.name)}</th></tr>${rows}</table>
${eq}${dd}
<h2>Target weights over time</h2>${area}
</body></html>
`;
}

/** The target weights in force each day (from the last decision), the 10 largest names by average |weight| and "other". */
function weightsAreaSvg(res: Pick<BacktestResult, 'decisions' | 'tickers'>, dates: string[]): string {
  if (res.decisions.length === 0) return '<p>no decisions</p>';
  const n = res.decisions[0].weights.length;
  const names = res.tickers;
  const daily: Float64Array[] = [];
  let k = -1;
  for (const d of dates) {
    while (k + 1 < res.decisions.length && res.decisions[k + 1].date <= d) k++;
    daily.push(k >= 0 ? res.decisions[k].weights : new Float64Array(n));
  }
  const avg = Array.from({ length: n }, (_, i) => daily.reduce((s, w) => s + Math.abs(w[i]), 0) / daily.length);
  const order = avg
    .map((a, i) => ({ a, i }))
    .filter((x) => x.a > 0)
    .sort((x, y) => y.a - x.a || x.i - y.i);
  const top = order.slice(0, 10).map((x) => x.i);
  const series = top.map((i) => ({ name: names[i], values: daily.map((w) => w[i]) }));
  if (order.length > 10) {
    const rest = order.slice(10).map((x) => x.i);
    series.push({ name: 'other', values: daily.map((w) => rest.reduce((s, i) => s + w[i], 0)) });
  }
  if (series.length === 0) return '<p>the strategy held nothing</p>';
  return stackedAreaSvg({ dates, series, title: 'Target weights (fraction of equity; shorts below 0)', yLabel: 'weight' });
}

function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  return Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(4);
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export { StrategyError };
