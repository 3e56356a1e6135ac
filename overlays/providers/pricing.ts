/**
 * A small price table, US dollars per million tokens (input, output), from the providers' public price
 * pages at the time of writing. Used only to report a run's cost; unknown models report null.
 * Matching is exact first, then by the longest known prefix (dated snapshots of a family).
 */
export const PRICES_PER_MTOK: Readonly<Record<string, { input: number; output: number }>> = {
  'gpt-4o-2024-05-13': { input: 5, output: 15 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4-turbo': { input: 10, output: 30 },
  'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
  'claude-3-5-sonnet': { input: 3, output: 15 },
  'claude-3-haiku': { input: 0.25, output: 1.25 },
  'deepseek-chat': { input: 0.27, output: 1.1 },
};

export function priceOf(model: string): { input: number; output: number } | null {
  const exact = PRICES_PER_MTOK[model];
  if (exact) return exact;
  let best: string | null = null;
  for (const k of Object.keys(PRICES_PER_MTOK)) if (model.startsWith(k) && (best === null || k.length > best.length)) best = k;
  return best === null ? null : PRICES_PER_MTOK[best];
}

export function costUsd(model: string, promptTokens: number, completionTokens: number): number | null {
  const p = priceOf(model);
  return p === null ? null : (promptTokens * p.input + completionTokens * p.output) / 1e6;
}
