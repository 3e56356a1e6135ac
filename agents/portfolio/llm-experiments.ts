/**
 * The LLM-portfolio experiments: the published evaluation windows of the two LLM portfolio methods, run
 * as named experiments on bundled data, every arm through the same margin accounting as the baselines.
 *
 *   sector-2019h1   2019-01-01 … 2019-06-30, the top-down sector allocation's window (arXiv 2503.09647),
 *                   on the Dow stocks by GICS sector and on the SPDR sector ETFs.
 *   compare-period  2020-05-01 … 2024-03-28, the trade period of `compare`: every LLM-portfolio strategy.
 *   post-cutoff     from the first month after a model's knowledge cutoff to the end of the data: the only
 *                   window in which an LLM's scores cannot come from having read about the period.
 *
 * Score strategies run once per scorer: the transparent offline controls (price momentum; random = the
 * floor; oracle = the CHEATING ceiling, which reads the realised forward returns) and any scores file of
 * a real LLM run (`marginlab score`). Each scorer is also measured as a forecaster of the cross-section:
 * Spearman rank IC per scoring date (mean, t-stat), hit rate, rank turnover (src/metrics/score-quality.ts).
 *
 * Outputs (run folder): results.json, table.md, report.html, episodes/<arm>.csv (daily account),
 * weights/<arm>.csv, decisions/<arm>.jsonl (the reasoning per decision), scores/<scorer>.jsonl (the
 * scores used), manifest.json. Everything but the manifest's timestamps is a function of the inputs.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { dailyRowsToCsv } from '../evaluate.ts';
import { codeVersion, packageVersions } from '../run-folder.ts';
import { writeFileAtomic } from '../../src/atomic.ts';
import { addDays } from '../../src/dates.ts';
import { parseDateRange } from '../../src/data/panel.ts';
import { resolveUniverse, type Universe } from '../../src/data/universe.ts';
import { lineChartSvg, esc } from '../../src/report/svg.ts';
import { scoreQuality, type ScoreQualityReport } from '../../src/metrics/score-quality.ts';
import { universeClosePrices, ScoringContexts, type ClosePrices } from '../../overlays/scoring/context.ts';
import { MomentumScorer, OracleScorer, RandomScorer } from '../../overlays/scoring/offline.ts';
import { ScoreBook, type ScoreRecord } from '../../overlays/scoring/record.ts';
import { collectScores, compositePanel } from '../../overlays/scoring/run.ts';
import { readScoreRecords } from '../../overlays/scoring/scores-file.ts';
import type { AssetScorer } from '../../overlays/scoring/scorer.ts';
import { accountNote, backtestConfig, backtestStrategy, weightsCsv } from './backtest.ts';
import { SCORE_STRATEGY_NAMES } from './score-strategies.ts';
import { rebalanceDays, type StrategyInputs } from './strategy.ts';
import { SECTOR_TOPDOWN_2019H1 } from './topdown/experiment.ts';

export const LLM_EXPERIMENT_NAMES = ['sector-2019h1', 'compare-period', 'post-cutoff'] as const;
export type LlmExperimentName = (typeof LLM_EXPERIMENT_NAMES)[number];
export const OFFLINE_SCORERS = ['momentum', 'random', 'oracle'] as const;

const SCORE_STRATEGIES: readonly string[] = SCORE_STRATEGY_NAMES;
const TOPDOWN = ['sector-topdown', 'xs-llm', 'xs-momentum'];
/** Classic references set beside the LLM arms in every experiment. */
const REFERENCES = ['equal-weight', 'mvo'];

/** A published figure, set beside ours. */
export interface PublishedFigure {
  arm: string;
  periodReturn: number;
  sharpe: number;
  source: string;
}

export interface LlmExperimentSpec {
  name: LlmExperimentName;
  title: string;
  /** Trade period START:END; post-cutoff's is computed from the cutoff. */
  trade: string | null;
  universes: string[];
  strategies: string[];
  published: PublishedFigure[];
  /** Sentences every report of the experiment prints. */
  notes: string[];
}

const DATA_END = '2024-12-06'; // the last day of the bundled Dow file

export const LLM_EXPERIMENTS: Readonly<Record<LlmExperimentName, LlmExperimentSpec>> = {
  'sector-2019h1': {
    name: 'sector-2019h1',
    title: 'Top-down sector allocation, 2019 H1 (the window of arXiv 2503.09647)',
    trade: SECTOR_TOPDOWN_2019H1.trade,
    universes: ['dow30', 'sectors'],
    strategies: [...TOPDOWN, ...REFERENCES],
    published: Object.entries(SECTOR_TOPDOWN_2019H1.published).map(([arm, p]) => ({
      arm: `${arm}: ${p!.label}`,
      periodReturn: p!.periodReturn,
      sharpe: p!.sharpe,
      source: 'arXiv 2503.09647, Table 1 (6-month period return; Sharpe with rf and annualisation unstated)',
    })),
    notes: [`${SECTOR_TOPDOWN_2019H1.lookAhead}`, ...SECTOR_TOPDOWN_2019H1.notes],
  },
  'compare-period': {
    name: 'compare-period',
    title: 'LLM portfolios over the trade period of compare (2020-05-01 … 2024-03-28)',
    trade: '2020-05-01:2024-03-28',
    universes: ['dow30'],
    strategies: [...SCORE_STRATEGY_NAMES, ...TOPDOWN, ...REFERENCES],
    published: [],
    notes: ['LLMs trained after 2024-03 have read about this whole period: only scores from a model with an earlier cutoff are free of parametric look-ahead'],
  },
  'post-cutoff': {
    name: 'post-cutoff',
    title: "LLM portfolios after the model's knowledge cutoff",
    trade: null,
    universes: ['dow30'],
    strategies: [...SCORE_STRATEGY_NAMES, ...TOPDOWN, ...REFERENCES],
    published: [],
    notes: [`the window starts in the first month after the model's knowledge cutoff and ends with the bundled data (${DATA_END})`],
  },
};

export const LlmExperimentSchema = z
  .object({
    experiment: z
      .enum(LLM_EXPERIMENT_NAMES)
      .default('sector-2019h1')
      .describe(`named experiment: ${LLM_EXPERIMENT_NAMES.join(' | ')}`),
    universes: z.array(z.string()).optional().describe("universes to run it on (default: the experiment's)"),
    trade: z.string().optional().describe("trade period START:END (default: the experiment's)"),
    strategies: z.array(z.string()).optional().describe("strategies (default: the experiment's)"),
    scorers: z
      .array(z.enum(OFFLINE_SCORERS))
      .default([...OFFLINE_SCORERS])
      .describe('offline scorers for the score strategies: momentum | random (the floor) | oracle (the cheating ceiling)'),
    scores: z.array(z.string()).default([]).describe('scores files of real LLM runs ("marginlab score"), each a scorer arm: NAME=FILE or FILE'),
    modelCutoff: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM')
      .optional()
      .describe("the model's knowledge cutoff YYYY-MM (post-cutoff needs it, or a scores file that records one)"),
    seed: z.number().int().min(0).default(0).describe('seed of the random scorer'),
    rebalance: z
      .enum(['daily', 'weekly', 'monthly'])
      .default('monthly')
      .describe('decision (and scoring) calendar of the score strategies; the sector strategies keep their own (daily, as published)'),
    out: z.string().default('runs/llm-portfolios').describe('run folder'),
  })
  .strict();
export type LlmExperimentConfig = z.infer<typeof LlmExperimentSchema>;

export interface ArmResult {
  arm: string;
  universe: string;
  strategy: string;
  scorer: string | null;
  cheating: boolean;
  description: string;
  account: string;
  metrics: {
    periodReturn: number;
    annualReturn: number;
    sharpe: number;
    sortino: number;
    maxDrawdown: number;
    annualTurnover: number | null;
    costs: number;
    costsOverInitial: number;
  };
  decisions: number;
}

export interface ScorerQuality {
  scorer: string;
  universe: string;
  cheating: boolean;
  dates: number;
  records: number;
  failures: number;
  report: ScoreQualityReport;
}

export interface LlmExperimentResult {
  experiment: LlmExperimentName;
  title: string;
  trade: { start: string; end: string };
  riskFree: 0;
  arms: ArmResult[];
  quality: ScorerQuality[];
  published: PublishedFigure[];
  notes: string[];
  warnings: string[];
  out: string | null;
  table: string;
}

interface ScorerRun {
  name: string;
  cheating: boolean;
  records: ScoreRecord[];
  source: string;
  cutoff: string | null;
}

function parseNamedFile(spec: string): { name: string; path: string } {
  const eq = spec.indexOf('=');
  if (eq > 0) return { name: spec.slice(0, eq), path: spec.slice(eq + 1) };
  const base = spec.replace(/^.*[\\/]/, '').replace(/\.jsonl$/, '');
  return { name: base, path: spec };
}

/** The trade period: the experiment's, the user's, or (post-cutoff) the month after the cutoff to the data's end. */
export function experimentTrade(
  spec: LlmExperimentSpec,
  cfg: Pick<LlmExperimentConfig, 'trade' | 'modelCutoff'>,
  fileCutoff: string | null,
): { start: string; end: string } {
  if (cfg.trade !== undefined) return parseDateRange(cfg.trade, 'trade period');
  if (spec.trade !== null) return parseDateRange(spec.trade, 'trade period');
  const cutoff = cfg.modelCutoff ?? fileCutoff;
  if (cutoff === null || cutoff === undefined) {
    throw new Error("post-cutoff: give the model's knowledge cutoff (modelCutoff YYYY-MM) or a scores file whose records carry one");
  }
  const [y, m] = cutoff.split('-').map(Number);
  const start = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  if (start > DATA_END)
    throw new Error(`post-cutoff: the cutoff ${cutoff} is after the bundled data ends (${DATA_END}): there is no post-cutoff window to trade`);
  return { start, end: DATA_END };
}

/** Scoring dates: the score strategies' decision days in the trade period (so each decision reads scores made that day). */
function scoringDates(prices: ClosePrices, trade: { start: string; end: string }, rebalance: LlmExperimentConfig['rebalance']): string[] {
  const days = prices.dates.filter((d) => d >= trade.start && d <= trade.end);
  const flags = rebalanceDays(days, rebalance);
  return days.filter((_, i) => flags[i]);
}

function offlineScorer(name: (typeof OFFLINE_SCORERS)[number], prices: ClosePrices, dates: string[], seed: number): AssetScorer {
  if (name === 'momentum') return new MomentumScorer();
  if (name === 'random') return new RandomScorer(seed);
  return new OracleScorer(prices, { dates });
}

function fileName(arm: string): string {
  return arm.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/**
 * Runs a named experiment: scores every offline scorer in memory (and reads the given scores files),
 * measures their quality, backtests every strategy × scorer on every universe, and writes the run folder
 * when `out` is set (null: nothing written).
 */
export async function runLlmExperiment(
  raw: z.input<typeof LlmExperimentSchema>,
  opts: { log?: (s: string) => void; write?: boolean } = {},
): Promise<LlmExperimentResult> {
  const cfg = LlmExperimentSchema.parse(raw);
  const log = opts.log ?? (() => {});
  const spec = LLM_EXPERIMENTS[cfg.experiment];
  const warnings: string[] = [];
  // Scores files first: a bad file fails before anything runs, and a recorded cutoff can set post-cutoff's window.
  const files = cfg.scores.map((s) => {
    const { name, path } = parseNamedFile(s);
    const records = readScoreRecords(path);
    const cutoffs = [...new Set(records.map((r) => r.modelCutoff?.month).filter((m): m is string => typeof m === 'string'))];
    return { name, path, records, cutoff: cutoffs.length ? cutoffs.sort()[cutoffs.length - 1] : null };
  });
  const names = new Set<string>(cfg.scorers);
  for (const f of files) {
    if (names.has(f.name)) throw new Error(`scores ${f.path}: the scorer name "${f.name}" is taken; give NAME=FILE`);
    names.add(f.name);
  }
  const fileCutoff =
    files
      .map((f) => f.cutoff)
      .filter((c): c is string => c !== null)
      .sort()
      .pop() ?? null;
  const trade = experimentTrade(spec, cfg, fileCutoff);
  const cutoff = cfg.modelCutoff ?? fileCutoff;
  if (cutoff !== null && trade.start.slice(0, 7) <= cutoff) {
    warnings.push(
      `the trade period starts ${trade.start}, on or before the model's knowledge cutoff ${cutoff}: its scores may reflect what the model read about the period (parametric look-ahead); the post-cutoff experiment avoids it`,
    );
  }
  const universes = cfg.universes ?? spec.universes;
  const strategies = cfg.strategies ?? spec.strategies;
  const arms: ArmResult[] = [];
  const quality: ScorerQuality[] = [];
  const out = opts.write === false ? null : cfg.out;
  if (out) {
    for (const sub of ['episodes', 'weights', 'decisions', 'scores']) rmSync(join(out, sub), { recursive: true, force: true });
    for (const sub of ['episodes', 'weights', 'decisions', 'scores']) mkdirSync(join(out, sub), { recursive: true });
  }
  const equity: { name: string; dates: string[]; values: number[] }[] = [];

  for (const uname of universes) {
    const u: Universe = resolveUniverse(uname);
    const usesScores = strategies.some((s) => SCORE_STRATEGIES.includes(s));
    const runs: ScorerRun[] = [];
    if (usesScores) {
      // Prices through the end of the trade period (and a month after, for the oracle's last window and the IC's).
      const prices = universeClosePrices(u, [trade.start], { through: addDays(trade.end, 45) });
      const dates = scoringDates(prices, trade, cfg.rebalance);
      const contexts = new ScoringContexts({ prices });
      for (const s of cfg.scorers) {
        const scorer = offlineScorer(s, prices, dates, cfg.seed);
        const records = await collectScores({ dates, contexts, scorer });
        runs.push({ name: s, cheating: scorer.cheating === true, records, source: `${s} scorer (${scorer.model})`, cutoff: null });
        log(`${u.name}: scored ${dates.length} dates with ${s}`);
      }
      for (const f of files)
        runs.push({
          name: f.name,
          cheating: f.records.some((r) => r.cheating === true),
          records: f.records,
          source: `scores file ${f.path}`,
          cutoff: f.cutoff,
        });
      for (const r of runs) {
        const ok = r.records.filter((x) => x.failure === undefined);
        const panel = compositePanel(r.records);
        // Quality over the trade period only: the window the strategies trade.
        for (const d of [...panel.keys()]) if (d < trade.start || d > trade.end) panel.delete(d);
        const report = scoreQuality(panel, prices);
        quality.push({
          scorer: r.name,
          universe: u.name,
          cheating: r.cheating,
          dates: panel.size,
          records: ok.length,
          failures: r.records.length - ok.length,
          report,
        });
        if (out)
          writeFileAtomic(
            join(out, 'scores', `${fileName(`${u.name}-${r.name}`)}.jsonl`),
            r.records.map((x) => JSON.stringify(x)).join('\n') + (r.records.length ? '\n' : ''),
          );
      }
    }
    for (const strategy of strategies) {
      const variants: { scorer: ScorerRun | null }[] = SCORE_STRATEGIES.includes(strategy) ? runs.map((r) => ({ scorer: r })) : [{ scorer: null }];
      for (const { scorer } of variants) {
        const arm = `${universes.length > 1 ? `${u.name}/` : ''}${strategy}${scorer ? `[${scorer.name}]` : ''}`;
        const inputs: StrategyInputs = scorer ? { scores: new ScoreBook(scorer.records), scoresSource: scorer.source } : {};
        const btCfg = backtestConfig({
          strategy,
          trade: `${trade.start}:${trade.end}`,
          universe: uname,
          ...(SCORE_STRATEGIES.includes(strategy) ? { rebalance: cfg.rebalance } : {}),
        });
        const bt = backtestStrategy(btCfg, { universe: u, inputs });
        const rows = bt.rows;
        const initial = rows[0].equity;
        const cheating = bt.cheating || scorer?.cheating === true;
        arms.push({
          arm,
          universe: u.name,
          strategy,
          scorer: scorer?.name ?? null,
          cheating,
          description: bt.description,
          account: accountNote(bt.envConfig),
          metrics: {
            periodReturn: bt.metrics.cumulativeReturns,
            annualReturn: bt.metrics.annualReturn,
            sharpe: bt.metrics.sharpeRatio,
            sortino: bt.metrics.sortinoRatio,
            maxDrawdown: bt.metrics.maxDrawdown,
            annualTurnover: bt.metrics.annualTurnover,
            costs: bt.metrics.costs,
            costsOverInitial: bt.metrics.costs / initial,
          },
          decisions: bt.decisions.length,
        });
        for (const n of bt.notes) warnings.push(`${arm}: ${n}`);
        equity.push({ name: arm + (cheating ? ' (cheating)' : ''), dates: rows.map((r) => r.date), values: rows.map((r) => r.equity / initial) });
        if (out) {
          writeFileAtomic(join(out, 'episodes', `${fileName(arm)}.csv`), dailyRowsToCsv(rows, { benchmark: bt.benchmark.values }));
          writeFileAtomic(join(out, 'weights', `${fileName(arm)}.csv`), weightsCsv(bt));
          if (bt.journal.length) writeFileAtomic(join(out, 'decisions', `${fileName(arm)}.jsonl`), bt.journal.map((d) => JSON.stringify(d)).join('\n') + '\n');
        }
        log(`${arm}: period return ${(bt.metrics.cumulativeReturns * 100).toFixed(2)}%, Sharpe ${bt.metrics.sharpeRatio.toFixed(2)}`);
      }
    }
  }
  const notes = [...spec.notes, 'Sharpe and Sortino ratios use a risk-free rate of 0 and √(periods per year) annualisation (252 for stocks and ETFs)'];
  const result: LlmExperimentResult = {
    experiment: cfg.experiment,
    title: spec.title,
    trade,
    riskFree: 0,
    arms,
    quality,
    published: spec.published,
    notes,
    warnings,
    out,
    table: '',
  };
  result.table = experimentMarkdown(result);
  if (out) {
    writeFileAtomic(join(out, 'config.json'), JSON.stringify(cfg, null, 2) + '\n');
    writeFileAtomic(
      join(out, 'results.json'),
      JSON.stringify({ ...result, table: undefined, out: undefined }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n',
    );
    writeFileAtomic(join(out, 'table.md'), result.table);
    writeFileAtomic(join(out, 'report.html'), experimentHtml(result, equity));
    writeFileAtomic(
      join(out, 'manifest.json'),
      JSON.stringify(
        {
          format: 'marginlab.llm-portfolios.v1',
          codeVersion: codeVersion(),
          packages: packageVersions(),
          node: process.version,
          endTime: new Date().toISOString(),
        },
        null,
        2,
      ) + '\n',
    );
  }
  return result;
}

const pct = (x: number | null | undefined, d = 2): string => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : `${(x * 100).toFixed(d)}%`);
const num = (x: number | null | undefined, d = 2): string => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));

/** The experiment's tables in Markdown: performance, scorer quality, published figures, notes. */
export function experimentMarkdown(r: Omit<LlmExperimentResult, 'table'>): string {
  const lines = [`# ${r.title}`, '', `Trade period ${r.trade.start} … ${r.trade.end}. Risk-free rate 0 in every Sharpe and Sortino ratio.`, ''];
  lines.push(
    '| arm | period return | annual return | Sharpe | Sortino | max drawdown | turnover /yr | costs (% of initial) | decisions |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const a of r.arms) {
    const m = a.metrics;
    lines.push(
      `| ${a.arm}${a.cheating ? ' (cheating)' : ''} | ${pct(m.periodReturn)} | ${pct(m.annualReturn)} | ${num(m.sharpe)} | ${num(m.sortino)} | ${pct(m.maxDrawdown)} | ${num(m.annualTurnover)} | ${pct(m.costsOverInitial, 3)} | ${a.decisions} |`,
    );
  }
  if (r.quality.length) {
    lines.push('', '## Scorer quality (composite score against the realised return to the next scoring date)', '');
    lines.push(
      '| scorer | universe | dates | mean rank IC | t-stat | hit rate (calls) | rank turnover | failures |',
      '|---|---|---:|---:|---:|---:|---:|---:|',
    );
    for (const q of r.quality) {
      const ic = q.report.rankIc;
      const hr = q.report.hitRate;
      lines.push(
        `| ${q.scorer}${q.cheating ? ' (cheating)' : ''} | ${q.universe} | ${ic.n} | ${num(ic.mean, 3)} | ${num(ic.tStat)} | ${pct(hr.hitRate, 1)} (${hr.calls}) | ${num(q.report.rankTurnover.mean, 3)} | ${q.failures} |`,
      );
    }
    lines.push('', 'The oracle scorer reads the realised returns (a ceiling, never a result); the random scorer is the floor.');
  }
  if (r.published.length) {
    lines.push(
      '',
      '## Published figures (not reproduced data: a different universe, news corpus and LLMs)',
      '',
      '| arm | period return | Sharpe | source |',
      '|---|---:|---:|---|',
    );
    for (const p of r.published) lines.push(`| ${p.arm} | ${pct(p.periodReturn)} | ${num(p.sharpe)} | ${p.source} |`);
  }
  lines.push('', '## Notes', '', ...r.notes.map((n) => `- ${n}`), ...r.warnings.map((w) => `- warning: ${w}`), '');
  return lines.join('\n');
}

function experimentHtml(r: LlmExperimentResult, equity: { name: string; dates: string[]; values: number[] }[]): string {
  const charts = [...new Set(r.arms.map((a) => a.universe))].map((u) => {
    const series = equity.filter((e, i) => r.arms[i].universe === u);
    if (series.length === 0) return '';
    return lineChartSvg({
      dates: series[0].dates,
      series: series.map((s) => ({ name: s.name, values: s.values })),
      title: `${u}: equity (initial = 1)`,
      format: 'ratio',
    });
  });
  const md = esc(r.table);
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}pre{white-space:pre-wrap;font-size:13px}</style></head><body>
<h1>${esc(r.title)}</h1>
${charts.join('\n')}
<pre>${md}</pre>
</body></html>
`;
}
