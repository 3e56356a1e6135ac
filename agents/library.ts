/**
 * Convenience functions for scripts and notebooks, shaped like Gymnasium + Stable-Baselines3
 * (`gym.make` / `make_vec_env`, `evaluate_policy`): an env or a vector env from a universe, a period and a
 * preset in one call, and a portfolio strategy evaluated on an env or a universe. Training is `trainPPO` /
 * `trainA2C` with `{ env }` (one env or a vector env); evaluating a policy is `evaluatePolicy` (evaluate.ts).
 * Every default is in the signature; a wrong argument fails early, saying what to pass.
 *
 * The envs are exactly the ones `marginlab train` builds (agents/frames.ts): the universe's tickers with a bar
 * on every day of the period, the universe's periods per year for the reward's Sharpe, its VIX policy.
 */
import { envConfig, type EnvConfig, type EnvConfigInput } from '../env/config.ts';
import { MarginTradingEnv } from '../env/margin-env.ts';
import { MarginVecEnv } from '../env/vector-env.ts';
import { addDays } from '../src/dates.ts';
import { parseDateRange } from '../src/data/panel.ts';
import { benchmarkSeries, buildUniverseFrame, resolveUniverse, type Universe } from '../src/data/universe.ts';
import type { MarketFrame } from '../src/data/market-frame.ts';
import { perfStats, type PerfStats } from '../src/metrics/perf.ts';
import { tradingStats, type TradingStats } from '../src/metrics/trading.ts';
import type { RatioSchedule } from '../src/schedule.ts';
import { ConditionedVecEnv, parseConditioning, type ConditioningInput } from './conditioning.ts';
import { episodeLogOf, type DailyRow } from './evaluate.ts';
import { agentFrame, universeEnvConfig } from './frames.ts';
import { backtestConfig, backtestStrategy } from './portfolio/backtest.ts';
import { executeStrategy, type WeightRecord } from './portfolio/execute.ts';
import { isStrategyName, makeStrategy, STRATEGY_NAMES, type StrategyName, type StrategyOptionsInput } from './portfolio/strategies.ts';
import type { DecisionNote, RebalanceFrequency, Strategy } from './portfolio/strategy.ts';

/** A period: 'START:END' (inclusive, YYYY-MM-DD) or { start, end }. */
export type Period = string | { start: string; end: string };

function periodOf(p: Period, what: string): { start: string; end: string } {
  if (typeof p === 'string') return parseDateRange(p, what);
  if (!p || typeof p.start !== 'string' || typeof p.end !== 'string')
    throw new Error(`${what}: expected 'START:END' or { start, end }, e.g. '2009-01-01:2018-12-31'`);
  return parseDateRange(`${p.start}:${p.end}`, what);
}

export interface MakeEnvOptions {
  /** 'dow30' (the paper's 27 stocks), 'sectors', 'crypto', or the path of a long-format OHLCV CSV. */
  universe?: string;
  /** Inclusive period the env's frame spans. */
  period?: Period;
  /** Env preset: the paper's mechanics, or with loan interest, borrow fees, slippage and next-open fills. */
  preset?: 'paper' | 'realistic';
  /** Env parameter overrides on top of the preset (README "Parameters"; unknown keys are errors), e.g. { turbulenceThreshold: 70 }. */
  env?: EnvConfigInput;
  /** Exactly these tickers (each must trade on every day of the period); default: the universe's that do. */
  tickers?: string[];
  /** A ratio schedule (an overlay's stage 2) the env follows. */
  schedule?: RatioSchedule | null;
  /** Where notes go (tickers left out of the universe for lack of history); default stderr. */
  log?: (line: string) => void;
}

/** A MarginTradingEnv that knows the universe and period it was made from (`makeEnv`). */
export class MarketEnv extends MarginTradingEnv {
  constructor(
    frame: MarketFrame,
    config: EnvConfig,
    readonly universe: Universe,
    readonly period: { start: string; end: string },
    opts: { schedule?: RatioSchedule | null; reuseObservation?: boolean } = {},
  ) {
    super(frame, config, opts);
  }
}

const DEFAULT_PERIOD = '2009-01-01:2018-12-31';

function checkOptions(where: string, given: object, allowed: readonly string[]): void {
  if (given === null || typeof given !== 'object') throw new Error(`${where}: expected an options object { ${allowed.join(', ')} }`);
  const unknown = Object.keys(given).filter((k) => !allowed.includes(k));
  if (unknown.length) throw new Error(`${where}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: expected ${allowed.join(', ')}`);
}

function marketData(
  where: string,
  universe: string,
  period: Period,
  preset: string,
  env: EnvConfigInput,
  tickers: string[] | undefined,
  log?: (s: string) => void,
) {
  if (preset !== 'paper' && preset !== 'realistic')
    throw new Error(`${where}: preset "${preset}": expected 'paper' or 'realistic' (for the paper's A2C settings use trainA2C with A2C_PRESETS.margintrader)`);
  const range = periodOf(period, `${where}: period`);
  const { frame, universe: u } = agentFrame(universe, range, { tickers, log });
  const cfg = universeEnvConfig(envConfig(preset, env), u, env as Record<string, unknown>);
  return { frame, universe: u, cfg, range };
}

const MAKE_ENV_KEYS = ['universe', 'period', 'preset', 'env', 'tickers', 'schedule', 'log'] as const;

/**
 * One margin-trading env (Gymnasium semantics: reset → {observation, info}, step → {observation, reward,
 * terminated, truncated, info}) over a universe and period; an episode spans the whole period.
 *
 *   const env = makeEnv({ universe: 'dow30', period: '2019-01-01:2019-12-31' });
 */
export function makeEnv(opts: MakeEnvOptions = {}): MarketEnv {
  checkOptions('makeEnv', opts, MAKE_ENV_KEYS);
  const { universe = 'dow30', period = DEFAULT_PERIOD, preset = 'paper', env = {}, tickers, schedule = null, log } = opts;
  const d = marketData('makeEnv', universe, period, preset, env, tickers, log);
  return new MarketEnv(d.frame, d.cfg, d.universe, { start: d.frame.dates[0], end: d.frame.dates[d.frame.dates.length - 1] }, { schedule });
}

export interface MakeVecEnvOptions extends MakeEnvOptions {
  /** Copies stepping in lockstep (copy j is reset with seed + j by the training driver). */
  numEnvs?: number;
  /** Start each episode on a random day of the period. */
  randomStart?: boolean;
  /** Steps per episode (default: the whole period). */
  episodeLength?: number;
  /** Ratio-conditioned training (README "Ratio-conditioned training"): {} for the default curriculum; null: the fixed 1:1 split. */
  conditioning?: ConditioningInput | null;
  /** Seed of the conditioning stream: use the training seed, as `marginlab train` does. */
  seed?: number;
}

/**
 * A vector env of `numEnvs` copies over a universe and period, as `marginlab train` builds it (the same
 * frame, config and copies for the same settings), optionally ratio-conditioned.
 *
 *   const vecEnv = makeVecEnv({ universe: 'dow30', period: '2009-01-01:2018-12-31', numEnvs: 4, randomStart: true, episodeLength: 252 });
 */
export function makeVecEnv(opts: MakeVecEnvOptions = {}): MarginVecEnv | ConditionedVecEnv {
  checkOptions('makeVecEnv', opts, [...MAKE_ENV_KEYS, 'numEnvs', 'randomStart', 'episodeLength', 'conditioning', 'seed']);
  const {
    universe = 'dow30',
    period = DEFAULT_PERIOD,
    preset = 'paper',
    env = {},
    tickers,
    schedule = null,
    log,
    numEnvs = 1,
    randomStart = false,
    episodeLength,
    conditioning = null,
    seed = 0,
  } = opts;
  if (!(Number.isInteger(numEnvs) && numEnvs >= 1)) throw new Error(`makeVecEnv: numEnvs must be a positive integer, got ${numEnvs}`);
  if (!(Number.isInteger(seed) && seed >= 0)) throw new Error(`makeVecEnv: seed must be a non-negative integer, got ${seed}`);
  const d = marketData('makeVecEnv', universe, period, preset, env, tickers, log);
  const vec = new MarginVecEnv(d.frame, d.cfg, { numEnvs, randomStart, episodeLength, schedule });
  return conditioning ? new ConditionedVecEnv(vec, parseConditioning(conditioning), seed) : vec;
}

export interface EvaluateStrategyOptions {
  /** Trade period when evaluating on a universe (default 2020-05-01:2024-03-28, compare's); on an env: the env's. */
  period?: Period;
  /** Strategy options (README "Strategies": window, cov, maxWeight, rebalance…); for a strategy name only. */
  options?: StrategyOptionsInput;
  /** On a universe: the env preset and the turbulence threshold on VIX (null: off) the strategy trades under. */
  preset?: 'paper' | 'realistic';
  turbulence?: number | null;
  /** Trade under an overlay's ratio schedule. */
  schedule?: RatioSchedule | null;
  /** Decision calendar of a Strategy object (a named strategy takes `options.rebalance`). */
  rebalance?: RebalanceFrequency;
}

export interface StrategyEvaluation {
  strategy: string;
  description: string;
  /** The universe traded (null on a plain MarginTradingEnv). */
  universe: string | null;
  rows: DailyRow[];
  decisions: WeightRecord[];
  tickers: string[];
  metrics: PerfStats & TradingStats;
  /** The universe's benchmark bought and held over the same days, scaled to the same start (null without a universe). */
  benchmark: { name: string; source: string; values: number[]; metrics: PerfStats } | null;
  envConfig: EnvConfig;
  notes: string[];
  endedBy: string;
  journal: readonly DecisionNote[];
  cheating: boolean;
}

const COMPARE_TRADE = '2020-05-01:2024-03-28';
/** Calendar days of price history before the first decision a Strategy object gets (covers a 252-day window on stocks). */
const HISTORY_CALENDAR_DAYS = 400;

/**
 * Backtests a portfolio strategy through the margin account (the `backtest` command's pipeline, no files):
 * `strategy` is a registry name ('mvo', 'equal-weight', 'risk-parity', …; options in `opts.options`) or your
 * own `Strategy` object; `on` is a universe name/CSV (with `opts.period`) or an env from `makeEnv`, whose
 * universe, tickers, period and env config (costs, turbulence rule) the strategy trades under, with the
 * estimation history before the period read from the universe's data. On a plain MarginTradingEnv the
 * strategy trades over the env's frame, which is then also all the history it sees.
 *
 *   const mvo = evaluateStrategy('mvo', 'dow30', { period: '2020-05-01:2024-03-28', options: { maxWeight: 0.3 } });
 *   const ew = evaluateStrategy('equal-weight', makeEnv({ period: '2019-01-01:2019-12-31' }));
 */
export function evaluateStrategy(strategy: StrategyName | Strategy, on: string | MarginTradingEnv, opts: EvaluateStrategyOptions = {}): StrategyEvaluation {
  checkOptions('evaluateStrategy', opts, ['period', 'options', 'preset', 'turbulence', 'schedule', 'rebalance']);
  const { options = {}, preset = 'paper', turbulence = null, schedule = null, rebalance = 'monthly' } = opts;
  const named = typeof strategy === 'string';
  if (named && !isStrategyName(strategy))
    throw new Error(`evaluateStrategy: unknown strategy "${strategy}": expected one of ${STRATEGY_NAMES.join(', ')}, or a Strategy object`);
  if (!named && (!strategy || typeof (strategy as Strategy).decide !== 'function'))
    throw new Error('evaluateStrategy: strategy must be a name (STRATEGY_NAMES) or a Strategy object with decide(ctx), design and describe()');
  if (!named && opts.options) throw new Error('evaluateStrategy: options are for a named strategy; a Strategy object carries its own');
  if (typeof on !== 'string' && !(on instanceof MarginTradingEnv))
    throw new Error("evaluateStrategy: on must be a universe ('dow30', 'sectors', 'crypto' or a CSV path) or an env from makeEnv(…)");

  // What to trade: a universe and trade period, with the env config to trade under when given an env.
  let u: Universe | null = null;
  let trade: { start: string; end: string };
  let baseEnv: EnvConfig | undefined;
  if (typeof on === 'string') {
    u = resolveUniverse(on);
    trade = periodOf(opts.period ?? COMPARE_TRADE, 'evaluateStrategy: period');
  } else {
    if (opts.period !== undefined)
      throw new Error("evaluateStrategy: on an env the period is the env's; make the env over the period you want (makeEnv({ period }))");
    if (opts.preset !== undefined || opts.turbulence !== undefined)
      throw new Error("evaluateStrategy: on an env the strategy trades under the env's own config; set preset and turbulenceThreshold in makeEnv");
    trade = { start: on.frame.dates[0], end: on.frame.dates[on.frame.dates.length - 1] };
    baseEnv = on.cfg;
    if (on instanceof MarketEnv) u = { ...on.universe, tickers: [...on.frame.tickers] };
  }

  if (named && u) {
    const cfg = backtestConfig({ ...options, strategy, universe: u.name, trade: `${trade.start}:${trade.end}`, preset, turbulence });
    return backtestStrategy(cfg, { universe: u, schedule, baseEnv });
  }

  // A Strategy object (or a plain env): the executor over a frame with the history before the period.
  const s: Strategy = named ? makeStrategy(strategy, options) : (strategy as Strategy);
  const base = { ...(baseEnv ?? envConfig(preset, { turbulenceThreshold: turbulence })), ...s.costs };
  let frame: MarketFrame;
  let available: Uint8Array | null = null;
  const notes: string[] = [];
  if (u) {
    const uf = buildUniverseFrame(u, { start: addDays(trade.start, -HISTORY_CALENDAR_DAYS), end: trade.end, requireFullHistory: false });
    frame = uf.frame;
    available = uf.available;
    if (!baseEnv) base.periodsPerYear = u.periodsPerYear;
  } else {
    frame = (on as MarginTradingEnv).frame;
    notes.push("a plain MarginTradingEnv: the strategy sees no history before the env's first day");
  }
  const periodsPerYear = u?.periodsPerYear ?? base.periodsPerYear;
  const ex = executeStrategy(s, frame, base, { start: trade.start, end: trade.end, rebalance, schedule, available, sectorOf: u?.sectorOf, periodsPerYear });
  const rows = ex.rows;
  const perf = { periodsPerYear };
  const equity = rows.map((r) => r.equity);
  let benchmark: StrategyEvaluation['benchmark'] = null;
  if (u) {
    const b = benchmarkSeries(
      u,
      rows.map((r) => r.date),
      equity[0],
    );
    benchmark = { name: u.benchmark.name, source: b.source, values: b.values, metrics: perfStats(b.values, perf) };
  }
  return {
    strategy: s.name,
    description: s.describe(),
    universe: u?.name ?? null,
    rows,
    decisions: ex.decisions,
    tickers: ex.tickers,
    metrics: { ...perfStats(equity, perf), ...tradingStats(episodeLogOf(rows), perf) },
    benchmark,
    envConfig: ex.config,
    notes: [...notes, ...ex.notes],
    endedBy: ex.endedBy,
    journal: s.journal?.() ?? [],
    cheating: s.cheating === true,
  };
}
