/**
 * The one interface every stage-1 forecaster implements: LLM providers (live or replayed), the offline
 * controls (momentum, macro rules, constant, oracle) and ensembles of them.
 *
 * `forecast` resolves to an outcome: a validated answer, or a failure with the raw replies (an answer
 * that could not be validated, a request that failed after its retries). It rejects only for errors that
 * must stop the whole run (bad credentials, a replay-cache miss, a missing data source).
 */
import type { ForecastAnswer } from './answer.ts';
import type { Context, SourceName } from './context/types.ts';
import type { ModelCutoff } from './model-cutoffs.ts';

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** Chat requests sent or replayed for this forecast (1, or 2 with a repair). */
  requests: number;
  /** US dollars from the price table; null when the model's price is unknown, 0 for offline. */
  costUsd: number | null;
}

export const NO_USAGE: Usage = Object.freeze({ promptTokens: 0, completionTokens: 0, requests: 0, costUsd: 0 });

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    requests: a.requests + b.requests,
    costUsd: a.costUsd === null || b.costUsd === null ? null : a.costUsd + b.costUsd,
  };
}

export interface ForecastInput {
  /** The decision date. */
  date: string;
  /** The run's context (its --source), built for asOf = date. */
  context: Context;
  /** Other sources for the same decision date, for forecasters that need a specific one. */
  contextFor?: (source: SourceName) => Context;
  signal?: AbortSignal;
}

export interface ForecastOutcome {
  /** Null on failure. */
  answer: ForecastAnswer | null;
  failure?: string;
  /** Every raw reply received for this forecast, in order (LLMs; kept on failure). */
  raw?: string[];
  /** Hash of what the forecaster read: the chat messages for LLMs, the data summary for offline rules. */
  promptHash: string;
  usage: Usage;
  latencyMs: number;
  /** True when every reply came from the replay cache. */
  cached: boolean;
  /** Problems that did not cost the answer (malformed token counts, a reply the cache could not store). */
  warnings?: string[];
}

export interface Forecaster {
  /** Recorded as `provider` in signals: openai, momentum, macro, constant, oracle, ensemble. */
  readonly provider: string;
  readonly model: string;
  /** True for forecasters that read the future (the oracle): an upper bound, never a result. */
  readonly cheating: boolean;
  /** The context source this forecaster reads regardless of the run's --source, if any. */
  readonly needs?: SourceName;
  /** Knowledge cutoff of an LLM (null: unknown); undefined for forecasters that are not LLMs. */
  readonly modelCutoff?: ModelCutoff | null;
  /** What would be sent or read for this context, for --dry-run. Makes no call. */
  preview(context: Context): string;
  forecast(input: ForecastInput): Promise<ForecastOutcome>;
}

/** The context a forecaster reads: its own `needs` source if it has one, else the run's. */
export function contextOf(forecaster: Pick<Forecaster, 'needs' | 'provider'>, input: ForecastInput): Context {
  if (forecaster.needs === undefined || input.context.source === forecaster.needs) return input.context;
  if (!input.contextFor) {
    throw new Error(`the ${forecaster.provider} forecaster reads the ${forecaster.needs} source, but the run offers only ${input.context.source}`);
  }
  return input.contextFor(forecaster.needs);
}
