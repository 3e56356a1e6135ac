/**
 * Options of the top-down sector allocation and its benchmarks (sector-topdown, xs-llm, xs-momentum),
 * merged into the one strategy options schema (strategies.ts). Imports nothing but zod.
 *
 * Reused options of the shared schema, same meaning: `rebalance` (decision days), `lookback` / `skip`
 * (the price-momentum window: xs-momentum's ranking, sector-topdown's tie-break), `topK` (xs-momentum's
 * names per side). Everything else is here, named so that it collides with no other strategy's option.
 */
import { z } from 'zod';

export const TOPDOWN_COSTS = ['published', 'env'] as const;

export const TopDownOptionsShape = {
  capitalCap: z
    .number()
    .positive()
    .max(2)
    .default(0.9)
    .describe("sector-topdown, xs-llm, xs-momentum: gross capital use Σ|w| at most this fraction of equity, half per side (the paper's 90% cap)"),
  sectorPicks: z
    .number()
    .int()
    .positive()
    .default(2)
    .describe('sector-topdown: names held long in each overweight sector and short in each underweight one (a sector ETF universe: the ETF itself)'),
  positionSize: z.number().positive().max(0.5).default(0.01).describe("xs-llm: fixed weight of every position, fraction of equity (the paper's 1%)"),
  sentimentLookback: z
    .number()
    .int()
    .positive()
    .default(1)
    .describe('sector-topdown, xs-llm: news of the last N trading days before the decision day (the paper: the previous trading day only)'),
  newsFile: z
    .string()
    .optional()
    .describe('sector-topdown, xs-llm: news file (CSV or JSONL with date,text,ticker; src/data/news.ts), default the bundled data/dow30_ticker_news.csv.gz'),
  macroFile: z
    .string()
    .optional()
    .describe('sector-topdown, xs-llm: FRED long file (date,series_id,frequency,value) for the macro agent, default the bundled data/macro_fred_long.csv.gz'),
  tradeCosts: z
    .enum(TOPDOWN_COSTS)
    .default('published')
    .describe(
      "sector-topdown, xs-llm, xs-momentum: published = the paper's 10 bp commission + 10 bp market impact per trade side, over the env preset's costs | env = the run's env costs",
    ),
};

/**
 * The options these strategies fix by default, for strategies.ts' PRESET_OPTIONS (a key the user gives
 * wins): decisions every trading day as published, and a 63-day (3-month) momentum window without skip
 * for xs-momentum's ranking and sector-topdown's tie-break (xs-llm reads no prices).
 */
export const TOPDOWN_PRESET_OPTIONS = {
  'sector-topdown': { rebalance: 'daily', lookback: 63, skip: 0 },
  'xs-llm': { rebalance: 'daily' },
  'xs-momentum': { rebalance: 'daily', lookback: 63, skip: 0 },
} as const satisfies Record<string, { rebalance: 'daily' | 'weekly' | 'monthly'; lookback?: number; skip?: number }>;
