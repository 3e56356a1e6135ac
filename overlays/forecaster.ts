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
import type { Outcome } from './outcome.ts';

// Usage is shared with the asset scorers; re-exported where forecasters have always found it.
export { addUsage, NO_USAGE, type Usage } from './outcome.ts';

export interface ForecastInput {
  /** The decision date. */
  date: string;
  /** The run's context (its --source), built for asOf = date. */
  context: Context;
  /** Other sources for the same decision date, for forecasters that need a specific one. */
  contextFor?: (source: SourceName) => Context;
  signal?: AbortSignal;
}

/** A forecast's outcome (outcome.ts): the answer is a validated ForecastAnswer. */
export type ForecastOutcome = Outcome<ForecastAnswer>;

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
