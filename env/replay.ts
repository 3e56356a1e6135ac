import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { MarketFrame } from '../src/data/market-frame.ts';
import { envConfig, type EnvConfig } from './config.ts';
import { MarginCore } from './core.ts';
import { MarginTradingEnv } from './margin-env.ts';

/**
 * Exact replay of reference traces of the original Python environment (the fixtures' format,
 * test/fixtures/margintrader/README.md §2): drive our env with the trace's prices and actions and
 * compare every recorded number bit for bit.
 */

const num = z.number();
const nullableNum = z.number().nullable();
const vec = z.array(num);

const EnvParams = z
  .object({
    hmax: num,
    initial_amount: num,
    margin: num,
    long_short_ratio: num,
    maintenance: num,
    buy_cost_pct: z.union([num, vec]),
    sell_cost_pct: z.union([num, vec]),
    reward_scaling: num,
    penalty_sharpe: num,
    turbulence_threshold: nullableNum,
    stock_dim: num,
    initial: z.boolean().optional(),
  })
  .passthrough();

const Step = z
  .object({
    t: num,
    terminal: z.boolean().optional(),
    fused: vec.nullable().optional(),
    executed: vec.nullable().optional(),
    turbulence: nullableNum.optional(),
    pre_mark: z.object({ account: vec, holdings: vec }).nullable().optional(),
    account: vec.nullable().optional(),
    holdings: vec.nullable().optional(),
    total_asset: nullableNum.optional(),
    reward: nullableNum.optional(),
    reward_is_nan: z.boolean().optional(),
    exit: z.unknown().optional(),
  })
  .passthrough();

const Episode = z
  .object({
    env_params: EnvParams,
    tickers: z.array(z.string()).optional(),
    dates: z.array(z.string()),
    prices: z.array(vec),
    actions: z.array(vec),
    risk_indicator_values: z.array(nullableNum).nullable().optional(),
    initial: z.object({ account: vec, holdings: vec, total_asset: num }).passthrough(),
    previous_state: vec.optional(),
    asset_memory: vec.optional(),
    steps: z.array(Step),
  })
  .passthrough();

const ReallocCall = z.object({ k: num, date: z.string(), c: num, before: vec, after: vec, target_ratio_returned: num }).passthrough();

const ReallocFile = z.object({ steps: z.array(ReallocCall), segments: z.array(Episode) }).passthrough();

export interface Mismatch {
  where: string;
  field: string;
  index: number;
  expected: number | null;
  actual: number;
}

export interface ReplayReport {
  file: string;
  steps: number;
  compared: number;
  mismatches: number;
  maxAbsDiff: number;
  firstMismatch: Mismatch | null;
}

class Comparator {
  compared = 0;
  mismatches = 0;
  maxAbsDiff = 0;
  first: Mismatch | null = null;

  /** Bitwise equality (NaN equals NaN; +0 equals −0). */
  value(where: string, field: string, index: number, expected: number | null, actual: number): void {
    this.compared++;
    const same = expected === null ? Number.isNaN(actual) : expected === actual || (Number.isNaN(expected) && Number.isNaN(actual));
    if (same) return;
    this.mismatches++;
    if (expected !== null && Number.isFinite(expected) && Number.isFinite(actual)) this.maxAbsDiff = Math.max(this.maxAbsDiff, Math.abs(expected - actual));
    else this.maxAbsDiff = Infinity;
    if (!this.first) this.first = { where, field, index, expected, actual };
  }

  vector(where: string, field: string, expected: ArrayLike<number>, actual: ArrayLike<number>): void {
    if (expected.length !== actual.length) {
      this.value(where, `${field}.length`, 0, expected.length, actual.length);
      return;
    }
    for (let i = 0; i < expected.length; i++) this.value(where, field, i, expected[i], actual[i]);
  }
}

function configFromParams(p: z.infer<typeof EnvParams>): EnvConfig {
  const scalar = (v: number | number[], name: string): number => {
    if (typeof v === 'number') return v;
    if (v.some((x) => x !== v[0])) throw new Error(`per-stock ${name} values differ; only a common fee is supported`);
    return v[0];
  };
  return envConfig('paper', {
    hmax: p.hmax,
    initialAmount: p.initial_amount,
    margin: p.margin,
    longShortRatio: p.long_short_ratio,
    maintenance: p.maintenance,
    buyCost: scalar(p.buy_cost_pct, 'buy_cost_pct'),
    sellCost: scalar(p.sell_cost_pct, 'sell_cost_pct'),
    rewardScaling: p.reward_scaling,
    penaltySharpe: p.penalty_sharpe,
    turbulenceThreshold: p.turbulence_threshold,
    riskIndicator: 'vix',
    nanSharpe: true, // the original returns NaN on a flat window; the trace records it
    terminalRemargin: false, // replayed explicitly as the trace's separate terminal call
    clipActions: false, // the original env scales whatever it is given
    observeRatio: false,
  });
}

function frameFromTrace(ep: z.infer<typeof Episode>, n: number): MarketFrame {
  const T = ep.dates.length;
  const close = new Float64Array(T * n);
  ep.prices.forEach((row, t) => {
    if (row.length !== n) throw new Error(`prices[${t}] has ${row.length} values, expected ${n}`);
    close.set(row, t * n);
  });
  const risk = new Float64Array(T);
  // A missing risk value is NaN, as in the original's frame: it blocks buys without firing the rule.
  if (ep.risk_indicator_values) ep.risk_indicator_values.forEach((v, t) => (risk[t] = v ?? NaN));
  return {
    dates: ep.dates,
    tickers: ep.tickers ?? Array.from({ length: n }, (_, i) => `S${i}`),
    close,
    open: close,
    indicatorNames: [],
    indicators: new Float64Array(0),
    vix: risk,
    turbulence: risk,
  };
}

/** State after the last non-terminal step, as DRL_prediction's save_state_memory row: [account, close, holdings]. */
type StateRow = number[];

function replayEpisode(ep: z.infer<typeof Episode>, cmp: Comparator, where: string, previous?: StateRow): { steps: number; lastState: StateRow | null } {
  const n = ep.env_params.stock_dim;
  const cfg = configFromParams(ep.env_params);
  const frame = frameFromTrace(ep, n);
  const env = new MarginTradingEnv(frame, cfg);
  let preMark: { account: number[]; holdings: number[]; turbulence: number } | null = null;
  env.hooks.preMark = (core) => {
    preMark = { account: core.accountVector(), holdings: Array.from(core.holdings), turbulence: core.turbulence };
  };
  const prevState = previous ?? ep.previous_state;
  const initialFalse = ep.env_params.initial === false;
  if (initialFalse && !prevState) throw new Error(`${where}: env_params.initial is false but no previous_state is given`);
  env.reset({
    options: initialFalse && prevState ? { previousState: { account: prevState.slice(0, 6), holdings: prevState.slice(6 + n, 6 + 2 * n) } } : {},
  });
  const core = env.core;
  cmp.vector(`${where}initial`, 'account', ep.initial.account, core.accountVector());
  cmp.vector(`${where}initial`, 'holdings', ep.initial.holdings, core.holdings);
  cmp.value(`${where}initial`, 'total_asset', 0, ep.initial.total_asset, core.totalEquity);
  let steps = 0;
  let lastReward = 0;
  let lastState: StateRow | null = null;
  let ended = false;
  let truncated = false;
  for (const s of ep.steps) {
    const w = `${where}step ${s.t} (${ep.dates[s.t]})`;
    const terminal = s.terminal ?? s.t === ep.dates.length - 1;
    if (ended || (truncated && !terminal)) {
      // Our episode ended (exit, wipe-out, end of data) while the trace goes on: one mismatch, then stop.
      cmp.value(w, 'episode_continues', 0, 1, 0);
      break;
    }
    steps++;
    if (terminal) {
      core.terminalRemargin();
      if (s.account) cmp.vector(w, 'account', s.account, core.accountVector());
      if (s.holdings) cmp.vector(w, 'holdings', s.holdings, core.holdings);
      if (s.total_asset !== undefined && s.total_asset !== null) cmp.value(w, 'total_asset', 0, s.total_asset, core.totalEquity);
      if (s.reward !== undefined) cmp.value(w, 'reward', 0, s.reward, lastReward);
      break;
    }
    const action = ep.actions[s.t];
    if (!action) throw new Error(`${where}no actions row ${s.t}`);
    const r = env.step(action);
    lastReward = r.reward;
    const pm = preMark as { account: number[]; holdings: number[]; turbulence: number } | null;
    if (s.fused) cmp.vector(w, 'fused', s.fused, core.fused);
    if (s.executed) cmp.vector(w, 'executed', s.executed, core.executed);
    if (s.turbulence !== undefined && s.turbulence !== null && pm) cmp.value(w, 'turbulence', 0, s.turbulence, pm.turbulence);
    if (s.exit !== undefined || !s.account) {
      // The original called exit(): it never re-marked. Compare the pre-mark book and that we ended the episode.
      if (s.pre_mark && pm) {
        cmp.vector(w, 'pre_mark.account', s.pre_mark.account, pm.account);
        cmp.vector(w, 'pre_mark.holdings', s.pre_mark.holdings, pm.holdings);
      }
      cmp.value(w, 'terminated(negative_short_equity)', 0, 1, r.terminated && r.info.reason === 'negative_short_equity' ? 1 : 0);
      break;
    }
    cmp.vector(w, 'account', s.account, core.accountVector());
    if (s.holdings) cmp.vector(w, 'holdings', s.holdings, core.holdings);
    if (s.total_asset !== undefined && s.total_asset !== null) cmp.value(w, 'total_asset', 0, s.total_asset, core.totalEquity);
    // null is how the trace writes NaN
    if (s.reward !== undefined) cmp.value(w, 'reward', 0, s.reward, r.reward);
    lastState = [...core.accountVector(), ...core.prices, ...core.holdings];
    if (r.terminated) ended = true;
    if (r.truncated) truncated = true;
  }
  return { steps, lastState };
}

function replayReallocation(file: z.infer<typeof ReallocFile>, cmp: Comparator): number {
  let steps = 0;
  let input: StateRow | null = null;
  file.steps.forEach((call, k) => {
    const before = input ?? call.before;
    const n = (before.length - 6) / 2;
    const seg = file.segments[k];
    const cfg = seg ? configFromParams(seg.env_params) : envConfig('paper');
    const core = new MarginCore(n, cfg);
    core.restoreAccount(before.slice(0, 6), before.slice(6 + n), before.slice(6, 6 + n));
    const res = core.reallocate({ change: call.c }, 0.1, 0.9);
    const w = `update_ratio call ${k} (${call.date})`;
    steps++;
    cmp.vector(w, 'before', call.before, before);
    const after = [...core.accountVector(), ...core.prices, ...core.holdings];
    cmp.vector(w, 'after', call.after, after);
    cmp.value(w, 'target_ratio_returned', 0, call.target_ratio_returned, res.target);
    if (seg) {
      const r = replayEpisode(seg, cmp, `segment ${k}: `, after);
      steps += r.steps;
      input = r.lastState;
    }
  });
  return steps;
}

/** Replay one trace file; throws with the file name on a malformed file. */
export function replayFile(path: string): ReplayReport {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: cannot read as JSON: ${(e as Error).message}`, { cause: e });
  }
  const cmp = new Comparator();
  let steps: number;
  const isRealloc = typeof raw === 'object' && raw !== null && 'segments' in raw;
  if (isRealloc) {
    const parsed = ReallocFile.safeParse(raw);
    if (!parsed.success) throw new Error(`${path}: not a reallocation trace: ${formatIssues(parsed.error)}`);
    steps = withPath(path, () => replayReallocation(parsed.data, cmp));
  } else {
    const parsed = Episode.safeParse(raw);
    if (!parsed.success) throw new Error(`${path}: not an episode trace: ${formatIssues(parsed.error)}`);
    steps = withPath(path, () => replayEpisode(parsed.data, cmp, '').steps);
  }
  return { file: path, steps, compared: cmp.compared, mismatches: cmp.mismatches, maxAbsDiff: cmp.maxAbsDiff, firstMismatch: cmp.first };
}

function withPath<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`, { cause: e });
  }
}

function formatIssues(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `field "${i.path.join('.')}": ${i.message}`)
    .join('; ');
}
