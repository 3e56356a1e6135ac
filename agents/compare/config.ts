/**
 * What a comparison is made of: `CompareSchema` (the `compare` command's flags, `--config FILE` and the run
 * folder's config.json are all this one schema) and the names it accepts.
 */
import { z } from 'zod';
import { STRATEGY_NAMES } from '../portfolio/strategies.ts';
import { TRAIN_ALGOS, TrainCommonFields } from '../pipelines/train.ts';

export const OFFLINE_OVERLAYS = ['momentum', 'macro', 'oracle', 'constant'] as const;
export const AGENT_KINDS = ['paper', 'conditioned'] as const;
export type AgentKind = (typeof AGENT_KINDS)[number] | 'checkpoint';
export const DEFAULT_BASELINES = ['mvo', 'min-variance', 'equal-weight', 'risk-parity', 'momentum', 'finrl-mvo'] as const;
export const REALLOCATION_MONTHS = [3, 6, 12] as const;

/** Everything a comparison is made of (flags and --config fill it; config.json records it). Key order is that of config.json. */
export const CompareSchema = z
  .object({
    agents: z
      .array(z.enum(AGENT_KINDS))
      .min(1)
      .default([...AGENT_KINDS])
      .refine((a) => new Set(a).size === a.length, 'an agent is listed twice')
      .describe(
        "agents that trade every arm: paper (the paper's A2C, frozen, never trained on ratios) and/or conditioned (trained with random long-share targets)",
      ),
    algo: z.enum(TRAIN_ALGOS).default('ppo').describe("the conditioned agent's algorithm (the paper's agent is always its A2C)"),
    preset: z
      .enum(['paper', 'realistic'])
      .default('paper')
      .describe("the conditioned PPO agent's env preset (the paper's agent, and an A2C conditioned agent: margintrader)"),
    seeds: z
      .array(z.number().int().min(0))
      .min(1)
      .default([0, 1, 2, 3, 4])
      .refine((a) => new Set(a).size === a.length, 'a seed is listed twice: the same seed given twice is not two seeds')
      .describe('seeds: a list and/or ranges, e.g. 0-19 or 0-4,10 (each seed once)'),
    train: TrainCommonFields.train,
    trade: z.string().default('2020-05-01:2024-03-28').describe('trade period START:END (inclusive)'),
    universe: TrainCommonFields.universe.describe(
      'dow30 | sectors | crypto | a long-format OHLCV CSV: what the agents and baselines trade (the overlays read the DJIA and macro data whatever the universe)',
    ),
    timesteps: TrainCommonFields.timesteps.describe("training steps per seed (default: the algorithm's; 50,000 for margintrader)"),
    overlays: z.array(z.enum(OFFLINE_OVERLAYS)).default(['momentum', 'macro', 'oracle']).describe('offline forecasters (oracle is a cheating upper bound)'),
    signals: z
      .array(z.string())
      .default([])
      .describe(
        'signals files from "marginlab forecast" (e.g. an LLM run), each an overlay arm: NAME=FILE,… (or FILE: named by its base name); names must be unique',
      ),
    rule: z
      .enum(['paper', 'direct'])
      .default('paper')
      .describe('stage 2: paper (f·(1+0.1·score), clip [0.1, 0.9]) | direct (target from score and confidence)'),
    freqMonths: z
      .union([z.literal(3), z.literal(6), z.literal(12)])
      .default(6)
      .describe('months between reallocations'),
    turbulence: z.number().nullable().default(70).describe('turbulence threshold on VIX while trading (the paper: 70)'),
    oracleAccuracy: z.number().min(0).max(1).default(0.8).describe('accuracy of the oracle overlay (a cheating upper bound)'),
    checkpoints: z.array(z.string()).default([]).describe('trained run folders, one per seed, instead of training'),
    backend: TrainCommonFields.backend,
    baselines: z
      .array(z.enum(STRATEGY_NAMES))
      .default([...DEFAULT_BASELINES])
      .describe('portfolio baselines traded over the same period through the same account (one path each, paired with every seed)'),
    baselineOverlays: z
      .array(z.enum(STRATEGY_NAMES))
      .default(['mvo'])
      .describe("baselines also traded under each overlay's schedule and the zero-change control: separates the overlay's value from the agent's"),
    strategyOptions: z
      .record(z.string(), z.record(z.string(), z.unknown()))
      .default({})
      .describe('options per baseline (the backtest\'s strategy options), e.g. \'{"mvo":{"maxWeight":0.3,"cov":"sample"}}\''),
    scores: z
      .string()
      .optional()
      .describe(
        'asset scores JSONL from "marginlab score" (e.g. an LLM run) for the score baselines llm-score, llm-mvo, black-litterman (default: their offline price-momentum stand-in)',
      ),
    bootstrapResamples: z.number().int().min(100).default(2000).describe('resamples of every bootstrap in the report (recorded)'),
    bootstrapSeed: z.number().int().min(0).default(0).describe('seed of every bootstrap in the report (recorded)'),
    workers: z.number().int().positive().optional().describe("training processes at once (default: the machine's cores); the results do not depend on it"),
    blockLength: z.number().int().positive().optional().describe('block length (days) of the day bootstrap for baseline comparisons (default ⌈n^(1/3)⌉)'),
    out: z.string().default('runs/compare').describe('run folder'),
  })
  .strict();
export type CompareConfig = z.infer<typeof CompareSchema>;
