/**
 * `npm run bench:portfolio`: the portfolio optimisers and one whole backtest.
 * - portfolio.maxsharpe27 / portfolio.maxsharpe500: one long-only max-Sharpe solve (scripts/bench/portfolio-solve.ts).
 * - portfolio.backtest: monthly-rebalanced max-Sharpe (Ledoit–Wolf, 252-day window) on the paper's 27 Dow
 *   stocks over 2020-05-01 … 2024-03-28 through the margin env, whole run including building the frame
 *   (the first run also parses the CSV and is not counted). Goal ≤ 1 s.
 */
import { backtestConfig, backtestStrategy, clearStrategyFrames } from '../../agents/portfolio/backtest.ts';
import { resolveUniverse } from '../../src/data/universe.ts';
import { emit, peakRssMiB, summarize } from './measure.ts';
import { benchSolves } from './portfolio-solve.ts';

const runs = Number(process.env.BENCH_RUNS ?? 7);

for (const line of await benchSolves()) emit(line);

const cfg = backtestConfig({ strategy: 'mvo', objective: 'max-sharpe', cov: 'ledoit-wolf', window: 252, rebalance: 'monthly', trade: '2020-05-01:2024-03-28' });
const universe = resolveUniverse('dow30');
backtestStrategy(cfg, { universe }); // warm-up: parses the data, JIT
const seconds: number[] = [];
let decisions = 0;
let days = 0;
for (let r = 0; r < runs; r++) {
  clearStrategyFrames(); // the whole run: frame (indicators, turbulence) built anew; only the CSV parse is cached
  const t0 = performance.now();
  const res = backtestStrategy(cfg, { universe });
  seconds.push((performance.now() - t0) / 1000);
  decisions = res.decisions.length;
  days = res.rows.length;
}
emit(
  summarize('portfolio.backtest', 's', seconds, {
    strategy: 'mvo max-sharpe ledoit-wolf 252d monthly',
    universe: 'dow30 (27)',
    decisions,
    days,
    target: '<= 1 s',
    meetsTarget: [...seconds].sort((a, b) => a - b)[seconds.length >> 1] <= 1,
    peakRssMiB: peakRssMiB(),
  }),
);
