import type { EnvConfig } from '../env/config.ts';
import { MarginTradingEnv, type ResetOptions } from '../env/margin-env.ts';
import { perfStats, type PerfStats } from '../src/metrics/perf.ts';
import { tradingStats, type TradingStats } from '../src/metrics/trading.ts';
import type { MarketFrame } from '../src/data/market-frame.ts';
import type { RatioSchedule } from '../src/schedule.ts';

/** Anything that maps an observation to actions in [-1, 1] (a trained policy, a baseline). */
export interface ActionSource {
  act(obs: Float64Array | Float32Array): ArrayLike<number>;
}

/** One row per trading day of an evaluation episode (day 0 = the starting book). */
export interface DailyRow {
  date: string;
  equity: number;
  longEquity: number;
  shortEquity: number;
  longShare: number;
  targetLongShare: number;
  cash: number;
  loan: number;
  limit: number;
  credit: number;
  longMarketValue: number;
  shortMarketValue: number;
  /** Cumulative, since the start. */
  fees: number;
  financing: number;
  tradedValue: number;
  marginCalls: number;
  forcedTrades: number;
  /** The reward of the step that ended on this day (0 on day 0). */
  reward: number;
  /** Set on the days equity was moved between the books. */
  reallocated: boolean;
}

export interface EvaluationResult {
  rows: DailyRow[];
  endedBy: string;
  /** Equity after the terminal re-margin (the paper's log ignores it). */
  equityAfterTerminalRemargin: number | null;
}

/**
 * Runs one deterministic episode of `policy` over [start, end] of the frame (whole frame by default)
 * and returns the daily account log. The policy sees only the observation of each day.
 */
export function evaluateEpisode(
  policy: ActionSource,
  frame: MarketFrame,
  cfg: EnvConfig,
  opts: { schedule?: RatioSchedule | null; start?: string; end?: string; longShare?: number } = {},
): EvaluationResult {
  const env = new MarginTradingEnv(frame, cfg, { schedule: opts.schedule ?? null });
  return runEpisode(policy, env, { options: { startDate: opts.start, endDate: opts.end, longShare: opts.longShare } });
}

/** One deterministic episode of `policy` on `env` from `env.reset(resetArgs)`: the daily account log. */
function runEpisode(policy: ActionSource, env: MarginTradingEnv, resetArgs: { seed?: number; options?: ResetOptions }): EvaluationResult {
  const start = env.reset(resetArgs);
  let observation = start.observation;
  const rows: DailyRow[] = [dailyRow(env, start.info.markDate, 0, false)];
  let endedBy: string;
  let after: number | null;
  for (;;) {
    const r = env.step(policy.act(observation));
    observation = r.observation;
    // A reallocation happens before trading on its day: it belongs to the previous row's date.
    if (r.info.reallocation) rows[rows.length - 1].reallocated = true;
    rows.push(dailyRow(env, r.info.markDate, r.reward, false));
    if (r.terminated || r.truncated) {
      endedBy = r.info.reason ?? 'unknown';
      after = r.info.equityAfterTerminalRemargin ?? null;
      break;
    }
  }
  return { rows, endedBy, equityAfterTerminalRemargin: after };
}

/** The account of `env` as one daily row (shared by agents and portfolio strategies). */
export function dailyRow(env: MarginTradingEnv, date: string, reward: number, reallocated: boolean): DailyRow {
  const c = env.core;
  const total = c.longEquity + c.shortEquity;
  return {
    date,
    equity: total,
    longEquity: c.longEquity,
    shortEquity: c.shortEquity,
    longShare: total !== 0 ? c.longEquity / total : 0,
    targetLongShare: env.targetLongShare,
    cash: c.cash,
    loan: c.loan,
    limit: c.limit,
    credit: c.credit,
    longMarketValue: c.longMarketValue(),
    shortMarketValue: c.shortMarketValue(),
    fees: c.counters.fees,
    financing: c.counters.financing,
    tradedValue: c.counters.tradedValue,
    marginCalls: c.counters.marginCalls,
    forcedTrades: c.counters.forcedTrades,
    reward,
    reallocated,
  };
}

/** The daily log as CSV (one header line, ISO dates, full-precision numbers). */
export function dailyRowsToCsv(rows: DailyRow[], extra: Record<string, ArrayLike<number>> = {}): string {
  const cols = Object.keys(rows[0] ?? {}) as (keyof DailyRow)[];
  const extraCols = Object.keys(extra);
  const lines = [[...cols.map(snake), ...extraCols].join(',')];
  rows.forEach((r, i) => {
    lines.push([...cols.map((c) => (typeof r[c] === 'boolean' ? (r[c] ? 1 : 0) : String(r[c]))), ...extraCols.map((c) => String(extra[c][i]))].join(','));
  });
  return lines.join('\n') + '\n';
}

function snake(s: string): string {
  return s.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
}

/** The daily account as the metrics' episode log (per-day traded value and fees from the cumulative counters). */
export function episodeLogOf(rows: readonly Pick<DailyRow, 'date' | 'equity' | 'tradedValue' | 'fees' | 'marginCalls' | 'forcedTrades'>[]) {
  const daily = (f: (r: (typeof rows)[number]) => number) => rows.map((r, i) => (i === 0 ? f(r) : f(r) - f(rows[i - 1])));
  return {
    dates: rows.map((r) => r.date),
    equity: rows.map((r) => r.equity),
    tradedValue: daily((r) => r.tradedValue),
    fees: daily((r) => r.fees),
    marginCalls: rows[rows.length - 1].marginCalls,
    forcedTrades: rows[rows.length - 1].forcedTrades,
  };
}

export interface PolicyEvaluation extends EvaluationResult {
  /** The episode's performance (perf_stats, annualised with the env's `periodsPerYear`) and trading statistics. */
  metrics: PerfStats & TradingStats;
  /** Sum of the env's rewards over the episode, and its number of steps. */
  totalReward: number;
  steps: number;
}

/**
 * Runs `policy` for one episode on the env it is given (SB3's `evaluate_policy` with one episode): the env
 * is reset with `seed` (omitted: the env's own random stream continues) and `options` (episode dates,
 * opening long share, ratio schedule; default: the env's whole frame), then stepped to the end. A trained
 * policy (`train*(…).policy`, `loadPolicy(dir)`) is deterministic: the Gaussian mean, normalisation frozen.
 * Returns the daily account, why the episode ended, and its metrics.
 *
 *   const ev = evaluatePolicy(result.policy, makeEnv({ period: '2019-01-01:2019-12-31' }));
 *   ev.metrics.sharpeRatio
 */
export function evaluatePolicy(policy: ActionSource, env: MarginTradingEnv, opts: { seed?: number; options?: ResetOptions } = {}): PolicyEvaluation {
  if (!policy || typeof policy.act !== 'function')
    throw new Error('evaluatePolicy: policy must have act(observation) → actions (a trained policy, loadPolicy(dir), or your own)');
  if (!(env instanceof MarginTradingEnv)) {
    throw new Error(
      'evaluatePolicy: env must be a MarginTradingEnv (makeEnv({ universe, period, preset })); to evaluate on a vector env, evaluate on one of its copies (vecEnv.envs[0])',
    );
  }
  const ev = runEpisode(policy, env, { seed: opts.seed, options: opts.options });
  const perf = { periodsPerYear: env.cfg.periodsPerYear };
  const rows = ev.rows;
  return {
    ...ev,
    metrics: {
      ...perfStats(
        rows.map((r) => r.equity),
        perf,
      ),
      ...tradingStats(episodeLogOf(rows), perf),
    },
    totalReward: rows.reduce((a, r) => a + r.reward, 0),
    steps: rows.length - 1,
  };
}
