/**
 * One episode with a fixed policy and its summary (`marginlab env rollout`): a quick look at the mechanics
 * on real data — margin calls, forced trades, fees and financing — without an agent.
 */
import { buildMarketFrame, PAPER_TICKERS } from '../src/data/build.ts';
import { stream } from '../src/rng.ts';
import { envConfig, type PresetName } from './config.ts';
import { MarginTradingEnv } from './margin-env.ts';

export const ROLLOUT_POLICIES = ['random', 'long', 'short', 'flat'] as const;
export type RolloutPolicy = (typeof ROLLOUT_POLICIES)[number];

export interface RolloutOptions {
  /** random (uniform actions) | long (all long, max size) | short (all short) | flat (no trades). */
  policy: RolloutPolicy;
  /** First and last trading day, YYYY-MM-DD. */
  start: string;
  end: string;
  /** Seed of the env's reset and of the random policy. */
  seed: number;
  preset: PresetName;
  /** Max shares per stock per day (the preset's when absent). */
  hmax?: number;
  /** Initial long share of equity in (0, 1) (0.5 when absent). */
  longShare?: number;
  /** Turbulence threshold on VIX (off when absent). */
  turbulence?: number;
}

export interface RolloutSummary {
  policy: RolloutPolicy;
  preset: PresetName;
  start: string;
  end: string;
  steps: number;
  initialEquity: number;
  finalEquity: number;
  return: number;
  maxDrawdown: number;
  finalLongShare: number;
  marginCalls: number;
  periodicRemargins: number;
  forcedTrades: number;
  fees: number;
  financing: number;
  trades: number;
  endedBy: string;
}

/** Runs the episode over the paper's Dow tickers (bundled data) and summarises it. */
export function rolloutEpisode(o: RolloutOptions): RolloutSummary {
  const frame = buildMarketFrame({ start: o.start, end: o.end, tickers: PAPER_TICKERS });
  const cfg = envConfig(o.preset, {
    ...(o.hmax !== undefined ? { hmax: o.hmax } : {}),
    ...(o.turbulence !== undefined ? { turbulenceThreshold: o.turbulence } : {}),
  });
  const e = new MarginTradingEnv(frame, cfg);
  const { info: first } = e.reset({ seed: o.seed, options: o.longShare !== undefined ? { longShare: o.longShare } : {} });
  const n = frame.tickers.length;
  const rng = stream(o.seed, 'policy');
  const a = new Float64Array(2 * n);
  if (o.policy === 'long') a.fill(1, 0, n);
  if (o.policy === 'short') a.fill(-1, n);
  let steps = 0;
  let peak = first.equity;
  let maxDrawdown = 0;
  let last: typeof first;
  for (;;) {
    if (o.policy === 'random') for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-1, 1);
    const r = e.step(a);
    steps++;
    last = r.info;
    peak = Math.max(peak, r.info.equity);
    maxDrawdown = Math.min(maxDrawdown, r.info.equity / peak - 1);
    if (r.terminated || r.truncated) break;
  }
  const c = last.counters;
  return {
    policy: o.policy,
    preset: o.preset,
    start: frame.dates[0],
    end: last.markDate,
    steps,
    initialEquity: e.startEquity,
    finalEquity: last.equity,
    return: last.equity / e.startEquity - 1,
    maxDrawdown,
    finalLongShare: last.longShare,
    marginCalls: c.marginCalls,
    periodicRemargins: c.periodicRemargins,
    forcedTrades: c.forcedTrades,
    fees: c.fees,
    financing: c.financing,
    trades: c.trades,
    endedBy: last.reason ?? 'unknown',
  };
}
