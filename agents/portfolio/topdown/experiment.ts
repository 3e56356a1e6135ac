/**
 * The named experiment: the paper's test window, 2019 H1, with its published numbers beside ours.
 *
 * Not imported by ./index.ts (it runs backtests, and backtest.ts → strategies.ts → ./index.ts would be
 * a cycle); reports and tests import it directly or through agents/portfolio/index.ts.
 */
import { backtestConfig, backtestStrategy } from '../backtest.ts';
import { resolveUniverse } from '../../../src/data/universe.ts';
import type { StrategyInputs } from '../strategy.ts';
import type { TopDownStrategyName } from './index.ts';
import { TOPDOWN_PRESET_OPTIONS } from './options.ts';

export const LOOK_AHEAD_WARNING =
  "every LLM released in 2024 or later has read about this period: results in it are inside the models' pretraining (parametric look-ahead)";

export const SECTOR_TOPDOWN_2019H1 = {
  name: 'sector-topdown-2019h1',
  paper:
    'Quek, Vittori, Ong, Mao, Cambria, Mengaldo, arXiv 2503.09647 (Table 1): LLM top-down macro → GICS sector allocation with news sentiment stock selection',
  trade: '2019-01-01:2019-06-30',
  universes: ['dow30', 'sectors'] as const,
  strategies: ['sector-topdown', 'xs-llm', 'xs-momentum'] as const satisfies readonly TopDownStrategyName[],
  lookAhead: LOOK_AHEAD_WARNING,
  /** The paper's figures: period return over the 6 months (not annualised) and its Sharpe ("daily excess returns / std"; rf and annualisation unstated). */
  published: {
    'sector-topdown': { periodReturn: 0.0879, sharpe: 2.51, label: 'sector allocation (S&P 500 constituents, long-short)' },
    'xs-llm': { periodReturn: -0.0139, sharpe: -0.61, label: '"cross-momentum" (composite sentiment, 1% positions)' },
  } as Partial<Record<TopDownStrategyName, { periodReturn: number; sharpe: number; label: string }>>,
  notes: [
    'the paper trades point-in-time S&P 500 constituents with NewsAPI articles and LLM agents; here: the 27 Dow stocks (GICS map) or the 11 SPDR sector ETFs, with rules-based offline stand-ins',
    'the bundled per-ticker news has no item in 2017–2019: every sentiment is 0 in this window, so sector-topdown runs on macro and price only and xs-llm holds nothing',
    'our Sharpe: annualised (√252) mean/std of daily returns, risk-free 0',
  ],
} as const;

export interface ExperimentRow {
  universe: string;
  strategy: TopDownStrategyName;
  periodReturn: number;
  sharpe: number;
  decisions: number;
  costs: number;
  published?: { periodReturn: number; sharpe: number };
}

/** Runs the three strategies on both universes over the window (each with its preset: daily, published costs). */
export function runSectorTopDown2019H1(opts: { inputs?: StrategyInputs } = {}): ExperimentRow[] {
  const E = SECTOR_TOPDOWN_2019H1;
  const rows: ExperimentRow[] = [];
  for (const universe of E.universes) {
    const u = resolveUniverse(universe);
    for (const strategy of E.strategies) {
      const res = backtestStrategy(backtestConfig({ strategy, ...TOPDOWN_PRESET_OPTIONS[strategy], universe, trade: E.trade }), {
        universe: u,
        inputs: opts.inputs,
      });
      const p = E.published[strategy];
      rows.push({
        universe,
        strategy,
        periodReturn: res.metrics.cumulativeReturns,
        sharpe: res.metrics.sharpeRatio,
        decisions: res.decisions.length,
        costs: res.metrics.costs,
        ...(p ? { published: { periodReturn: p.periodReturn, sharpe: p.sharpe } } : {}),
      });
    }
  }
  return rows;
}

/** The experiment as text for a report: the window, the warning, ours beside the paper's. */
export function formatSectorTopDown2019H1(rows: readonly ExperimentRow[]): string {
  const E = SECTOR_TOPDOWN_2019H1;
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}%`;
  const num = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
  const lines = [
    `${E.name}: trade ${E.trade.replace(':', ' … ')}, universes ${E.universes.join(', ')}`,
    `Warning: ${E.lookAhead}.`,
    'universe  strategy        return    Sharpe  decisions  paper return  paper Sharpe',
    ...rows.map(
      (r) =>
        `${r.universe.padEnd(9)} ${r.strategy.padEnd(15)} ${pct(r.periodReturn).padStart(8)} ${num(r.sharpe).padStart(8)} ${String(r.decisions).padStart(10)}  ${(r.published ? pct(r.published.periodReturn) : '—').padStart(12)}  ${(r.published ? num(r.published.sharpe) : '—').padStart(12)}`,
    ),
    ...E.notes.map((n) => `Note: ${n}.`),
  ];
  return lines.join('\n');
}
