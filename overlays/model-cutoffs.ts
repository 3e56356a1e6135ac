/**
 * Parametric look-ahead: an LLM trained on text from the trade window may remember what the market did.
 * Every LLM run records the model's knowledge cutoff (from --model-cutoff or this table) and warns when
 * decision dates fall before it. The table holds publicly reported cutoffs; `approximate` marks those the
 * vendor states only loosely. Matching is exact, then by the longest known prefix (dated snapshots).
 */
import { z } from 'zod';
import { addMonths } from '../src/dates.ts';

export interface ModelCutoff {
  /** Last month of the training data, YYYY-MM. */
  month: string;
  origin: 'flag' | 'table';
  approximate: boolean;
}

export const ModelCutoffSchema = z
  .object({
    month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM'),
    origin: z.enum(['flag', 'table']),
    approximate: z.boolean(),
  })
  .strict();

export const KNOWN_CUTOFFS: Readonly<Record<string, { month: string; approximate: boolean }>> = {
  'gpt-4o-2024-05-13': { month: '2023-10', approximate: false },
  'gpt-4o': { month: '2023-10', approximate: false },
  'gpt-4o-mini': { month: '2023-10', approximate: false },
  'gpt-4-turbo': { month: '2023-12', approximate: false },
  'gpt-4.1': { month: '2024-06', approximate: false },
  'gpt-3.5-turbo': { month: '2021-09', approximate: false },
  'claude-3-5-sonnet-20240620': { month: '2024-04', approximate: false },
  'claude-3-5-sonnet-20241022': { month: '2024-04', approximate: false },
  'claude-3-opus-20240229': { month: '2023-08', approximate: false },
  'claude-3-haiku-20240307': { month: '2023-08', approximate: false },
  'deepseek-chat': { month: '2023-12', approximate: true },
  'meta-llama/Meta-Llama-3-70B-Instruct': { month: '2023-12', approximate: false },
  'microsoft/Phi-3-medium-4k-instruct': { month: '2023-10', approximate: false },
};

export function parseCutoffMonth(text: string, where = '--model-cutoff'): string {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(text)) throw new Error(`${where}: expected a month YYYY-MM (e.g. 2023-10), got "${text}"`);
  return text;
}

/** The cutoff of `model`: the flag if given, else the table; null when unknown. */
export function resolveModelCutoff(model: string, flag?: string): ModelCutoff | null {
  if (flag !== undefined) return { month: parseCutoffMonth(flag), origin: 'flag', approximate: false };
  const exact = KNOWN_CUTOFFS[model];
  if (exact) return { ...exact, origin: 'table' };
  let best: string | null = null;
  for (const k of Object.keys(KNOWN_CUTOFFS)) if (model.startsWith(k) && (best === null || k.length > best.length)) best = k;
  return best === null ? null : { ...KNOWN_CUTOFFS[best], origin: 'table' };
}

/** First day of the month after the cutoff month: the first date the model cannot know about. */
function firstUnknownDay(month: string): string {
  return addMonths(`${month}-01`, 1);
}

/** Decision dates that fall before the end of the cutoff month: the model may know what followed them. */
export function datesBeforeCutoff(dates: readonly string[], cutoffMonth: string): string[] {
  const clean = firstUnknownDay(cutoffMonth);
  return dates.filter((d) => d < clean);
}

/**
 * The warning to print (and record) for a run of an LLM with `cutoff` on `dates`, or null when every
 * date is after the cutoff. `cutoff` may be a ModelCutoff, a YYYY-MM string, or null (unknown: every
 * date is suspect). Used by both `forecast` and `compare`.
 */
export function lookAheadWarning(dates: readonly string[], cutoff: ModelCutoff | string | null, model?: string): string | null {
  const who = model ? `model ${model}` : 'the model';
  if (dates.length === 0) return null;
  if (cutoff === null) {
    return (
      `parametric look-ahead: the knowledge cutoff of ${who} is unknown, so any of the ${dates.length} decision dates ` +
      `(${dates[0]} … ${dates[dates.length - 1]}) may be remembered rather than forecast; pass --model-cutoff YYYY-MM`
    );
  }
  const c: ModelCutoff = typeof cutoff === 'string' ? { month: parseCutoffMonth(cutoff, 'cutoff'), origin: 'flag', approximate: false } : cutoff;
  const affected = datesBeforeCutoff(dates, c.month);
  if (affected.length === 0) return null;
  const source = c.origin === 'flag' ? 'from --model-cutoff' : 'from the known-models table';
  return (
    `parametric look-ahead: ${affected.length} of ${dates.length} decision dates (${affected[0]} … ${affected[affected.length - 1]}) ` +
    `fall before the knowledge cutoff ${c.month}${c.approximate ? ' (approximate)' : ''} of ${who} (${source}); ` +
    'it may remember what the market did after them, so results on those dates are not out of sample'
  );
}
