/**
 * The one interface every asset scorer implements (stage 1 for assets), analogous to `Forecaster`: the
 * LLM scorer over a chat transport (live, recorded or replayed) and the offline controls (momentum,
 * random, oracle).
 *
 * `score` resolves to an outcome: a validated ScoreAnswer, or a failure with the raw replies (an answer
 * that could not be validated, a request that failed after its retries). It never substitutes a default
 * score. It rejects only for errors that must stop the whole run (bad credentials, a replay-cache miss).
 */
import type { ModelCutoff } from '../model-cutoffs.ts';
import type { Outcome } from '../outcome.ts';
import type { AssetContext } from './context.ts';
import type { ScoreAnswer } from './record.ts';

export interface ScoreInput {
  context: AssetContext;
  /** One of PERSONA_NAMES ("analyst" for the single-agent prompt and the offline scorers). */
  persona: string;
  signal?: AbortSignal;
}

/** A score's outcome (../outcome.ts), as a forecast's but with a validated ScoreAnswer; never a default score. */
export type ScoreOutcome = Outcome<ScoreAnswer>;

export interface AssetScorer {
  /** Recorded as `provider`: openai, momentum, random, oracle. */
  readonly provider: string;
  readonly model: string;
  /** True for scorers that read the future (the oracle): an upper bound, never a result. */
  readonly cheating: boolean;
  /** Knowledge cutoff of an LLM (null: unknown); undefined for scorers that are not LLMs. */
  readonly modelCutoff?: ModelCutoff | null;
  /** The personas this scorer distinguishes; undefined: every persona of PERSONA_NAMES. */
  readonly personas?: readonly string[];
  /** What would be sent or read, for --dry-run. Makes no call. */
  preview(context: AssetContext, persona: string): string;
  score(input: ScoreInput): Promise<ScoreOutcome>;
}
