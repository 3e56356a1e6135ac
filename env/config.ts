import { z } from 'zod';

/**
 * Every knob of the margin-trading environment, with the original's values as defaults
 * (`env/marginEnv_v1.py` as driven by the ICAIF 2024 scripts). Deviations from the original and the
 * realism it lacks are options, named here and off in the `paper` preset.
 */
export const EnvConfigSchema = z
  .object({
    // --- account (docs/mechanics.md#the-account) ----------------------------------------------------
    /** Starting total equity, $. */
    initialAmount: z.number().positive().default(1_000_000),
    /** Margin rate k: each book is k × its equity gross (k = 2: borrow 100% of equity). */
    margin: z.number().min(1).default(2),
    /** Deposit ratio long:short r (long share of equity = r / (r + 1)); 1 = 1:1. */
    longShortRatio: z.number().positive().default(1),
    /** "Warning" maintenance level: new buys (shorts) need long (short) equity / market value above it. */
    maintenance: z.number().min(0).default(0.4),
    /** "Strict" maintenance level: below it the book is re-margined (and force-closed if needed). Hard-coded 0.3 in the original. */
    strictMaintenance: z.number().min(0).default(0.3),
    /** Periodic re-margin every this many env steps (day ≠ 0 and day % period == 0). Hard-coded 30 in the original. */
    remarginPeriod: z.number().int().positive().default(30),
    /** Max shares per stock per day: actions in [-1, 1] are scaled by hmax and truncated toward zero. */
    hmax: z.number().int().positive().default(100),
    /** Proportional fee on the traded value of every buy (long buy or short cover). */
    buyCost: z.number().min(0).max(0.5).default(0.001),
    /** Proportional fee on the traded value of every sell (long sell or short sale). */
    sellCost: z.number().min(0).max(0.5).default(0.001),
    // --- reward -------------------------------------------------------------------------------------
    /** λ1: weight of the one-step change of total equity ($) in the reward (1e-4 in the code; the paper's text says 1e-5). */
    rewardScaling: z.number().default(1e-4),
    /** λ2: weight of the rolling 5-step annualised Sharpe ratio in the reward (0.05 in the scripts). */
    penaltySharpe: z.number().default(0.05),
    /** Reproduce the original's NaN/±inf Sharpe on a flat account (0/0). Off: the Sharpe term is 0 there. */
    nanSharpe: z.boolean().default(false),
    // --- turbulence rule ----------------------------------------------------------------------------
    /** Sell all longs and block new buys/shorts when the risk indicator ≥ this; null disables. The paper trains without it and trades with 70 on VIX (`evaluate`'s default). */
    turbulenceThreshold: z.number().nullable().default(null),
    /** Which series the turbulence rule reads. */
    riskIndicator: z.enum(['vix', 'turbulence']).default('vix'),
    /** Deviation: also cover every short when the turbulence rule fires (the original leaves shorts open). */
    coverShortsOnTurbulence: z.boolean().default(false),
    // --- faithful quirks ----------------------------------------------------------------------------
    /** The original's tradability test `state[6+2N+i] != True` (the stock's MACD compared with 1.0). Always open in practice. */
    macdTradableGate: z.boolean().default(true),
    /** Loan target after re-margining: the original hard-codes loan = long equity (k = 2). On: loan = (k − 1)·long equity. */
    loanTargetFromMargin: z.boolean().default(false),
    /** Deviation: force-close only as many shares as needed instead of whole positions (smallest first). */
    partialLiquidation: z.boolean().default(false),
    /** Report the equity after the original's terminal call (a last re-margin on the final day) in `info.equityAfterTerminalRemargin`. The book itself is left as the account log has it (the paper's pipeline discards that re-margin). */
    terminalRemargin: z.boolean().default(true),
    /** Paper pipeline: each reallocation starts a new segment (30-step counter, Sharpe window and turbulence restart), as interaction_llm_rl.py re-creates the env. */
    reallocationStartsSegment: z.boolean().default(true),
    // --- realism the paper lacks (all 0/off in `paper`) ----------------------------------------------
    /** Annual interest rate on the margin loan, accrued daily (÷ 252) on the loan balance; reduces long equity. */
    loanRate: z.number().min(0).default(0),
    /** Annual short-borrow fee on the short market value, charged daily (÷ 252) to the credit balance; reduces short equity. */
    shortBorrowFee: z.number().min(0).default(0),
    /** Proportional slippage: buys fill at price·(1 + s), sells at price·(1 − s). */
    slippage: z.number().min(0).max(0.5).default(0),
    /** When orders fill: at the decision day's close (original) or at the next day's open. */
    execution: z.enum(['close', 'next-open']).default('close'),
    /** End the episode (terminated) when total equity falls to ≤ 0. */
    terminateOnWipeout: z.boolean().default(false),
    // --- observation --------------------------------------------------------------------------------
    /** Clip actions to [-1, 1] before scaling (SB3 clips before `step`; the original env itself does not). NaN is always an error. */
    clipActions: z.boolean().default(true),
    /** Returns in the rolling Sharpe term of the reward (the original: the last 5 equity values, i.e. 4 returns). */
    sharpeWindow: z.number().int().min(3).default(5),
    /** Annualisation of the rolling Sharpe term: sqrt(periodsPerYear)·mean/std. */
    periodsPerYear: z.number().positive().default(252),
    /** Append [long share of equity, target long share] to the paper's 6 + 2N + 8N state. */
    observeRatio: z.boolean().default(true),
  })
  .strict();

export type EnvConfig = z.infer<typeof EnvConfigSchema>;
export type EnvConfigInput = z.input<typeof EnvConfigSchema>;

/** The original environment with its defaults (no turbulence threshold: the paper trains without one; `evaluate` and `compare` trade with 70 on VIX). */
export const PAPER_PRESET: EnvConfigInput = {};

/** Realism the paper lacks: loan interest, borrow fees, slippage, next-open fills, wipe-out termination. */
export const REALISTIC_PRESET: EnvConfigInput = {
  loanRate: 0.05,
  shortBorrowFee: 0.005,
  slippage: 0.0005,
  execution: 'next-open',
  terminateOnWipeout: true,
  coverShortsOnTurbulence: true,
  partialLiquidation: true,
  loanTargetFromMargin: true,
  nanSharpe: false,
};

export const PRESETS = { paper: PAPER_PRESET, realistic: REALISTIC_PRESET } as const;
export type PresetName = keyof typeof PRESETS;

/** A validated config: the preset's values, then `overrides` on top. Unknown keys are errors. */
export function envConfig(preset: PresetName = 'paper', overrides: EnvConfigInput = {}): EnvConfig {
  const base = PRESETS[preset];
  if (!base) throw new Error(`unknown env preset "${preset}": expected one of ${Object.keys(PRESETS).join(', ')}`);
  const parsed = EnvConfigSchema.safeParse({ ...base, ...overrides });
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; ');
    throw new Error(`invalid env config: ${msg}`);
  }
  return parsed.data;
}
