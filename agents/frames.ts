/**
 * The data an agent trains and trades on, built from a universe and a period: the market frame (every
 * ticker with a bar on every day) and the universe's env settings. Shared by the `train`, `evaluate` and
 * `compare` commands (scripts/commands/train.ts wraps these errors as user errors) and the library's
 * `makeEnv` / `makeVecEnv` (agents/library.ts).
 */
import type { EnvConfig } from '../env/config.ts';
import type { MarketFrame } from '../src/data/market-frame.ts';
import { buildUniverseFrame, resolveUniverse, riskRuleFor, type Universe } from '../src/data/universe.ts';

/**
 * The frame an RL agent trades on: the universe's tickers with a bar on every day of the range (the
 * observation needs every ticker every day), or exactly `tickers` (an agent's own, at evaluation: each must
 * trade on every day, or it is an error).
 */
export function agentFrame(
  spec: string,
  range: { start: string; end: string },
  opts: { tickers?: string[]; log?: (s: string) => void } = {},
): { frame: MarketFrame; universe: Universe } {
  const universe = resolveUniverse(spec);
  const uf = buildUniverseFrame(universe, { start: range.start, end: range.end, tickers: opts.tickers, requireFullHistory: true });
  if (uf.excluded.length) {
    if (opts.tickers)
      throw new Error(
        `the agent trades ${opts.tickers.join(', ')}, but ${uf.excluded.map((e) => e.reason).join('; ')}: choose a period where every one of them trades`,
      );
    for (const e of uf.excluded)
      (opts.log ?? ((x: string) => process.stderr.write(`${x}\n`)))(`universe ${universe.name}: ${e.reason}: left out of the agent's tickers`);
  }
  return { frame: uf.frame, universe };
}

/** The universe's own annualisation for the rolling-Sharpe reward (unless the run sets it) and its VIX policy. */
export function universeEnvConfig(cfg: EnvConfig, universe: Universe, overrides: Record<string, unknown> = {}): EnvConfig {
  const out = { ...cfg };
  if (!('periodsPerYear' in overrides)) out.periodsPerYear = universe.periodsPerYear;
  return riskRuleFor(universe, out).rule;
}
