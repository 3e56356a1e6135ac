/**
 * What one stage-1 attempt resolves to, whatever it produces: a forecast (forecaster.ts) or an asset
 * score (scoring/scorer.ts). Both write one record per attempt from it, with the same usage, latency,
 * cache and failure fields; only the answer differs.
 */

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** Chat requests sent or replayed for this attempt (1, or 2 with a repair). */
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

/** A validated answer of type `A`, or a failure with the raw replies. */
export interface Outcome<A> {
  /** Null on failure. */
  answer: A | null;
  failure?: string;
  /** Every raw reply received for this attempt, in order (LLMs; kept on failure). */
  raw?: string[];
  /** Hash of what was read: the chat messages for LLMs, the data summary for offline rules. */
  promptHash: string;
  usage: Usage;
  latencyMs: number;
  /** True when every reply came from the replay cache. */
  cached: boolean;
  /** Problems that did not cost the answer (malformed token counts, a reply the cache could not store). */
  warnings?: string[];
}

/** What a run counts of the records it writes (forecast and scoring summaries). */
export interface RecordCounts {
  written: number;
  failures: number;
  cached: number;
  /** Tokens and cost of every record written, replayed ones included (what the answers cost). */
  usage: Usage;
  /** The part spent by this run: records not served from the cache. */
  newUsage: Usage;
}

/** Counts one record written; `cached`: every reply of it came from the replay cache. */
export function countRecord(counts: RecordCounts, record: { failure?: string; usage: Usage }, cached: boolean): void {
  counts.written++;
  if (record.failure !== undefined) counts.failures++;
  if (cached) counts.cached++;
  counts.usage = addUsage(counts.usage, record.usage);
  if (!cached) counts.newUsage = addUsage(counts.newUsage, record.usage);
}
