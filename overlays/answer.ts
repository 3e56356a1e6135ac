/**
 * Turning a model's reply into a validated forecast answer.
 *
 * Two reply formats: the paper's free text ("<label>\nSimple explanation: …") and a JSON object. Both
 * end in the same zod-validated `ForecastAnswer`. The free-text parser fixes the original's bugs
 * (docs/mechanics.md#answer-parsing): matching is case-insensitive and maps every spelling to the canonical label, and it
 * reads the final verdict rather than the first label that happens to be mentioned:
 *
 *   1. the last explicit verdict ("Prediction:", "Final answer:", "Answer:", "Verdict:", "Forecast:",
 *      "Output:", "Label:", "Trend:" followed by a label);
 *   2. else the last line that is only a label (the paper's format puts it alone on the first line);
 *   3. else the last label mentioned that is not negated ("not bearish" is skipped).
 *
 * Labels are matched longest first, so "Slightly Bearish" is never read as "Bearish".
 * A reply that yields no label is an error, never a silent neutral.
 */
import { z } from 'zod';
import { fieldProblems } from '../src/field-problems.ts';
import { parseJsonInReply } from './json-reply.ts';
import { LABELS, LABEL_SCORES, canonicalLabel, type Label } from './labels.ts';

const MAX_EXPLANATION = 20_000;

/** The validated answer every format ends in. The score is bounded and must agree with the label. */
export const ForecastAnswerSchema = z
  .object({
    label: z.enum(LABELS),
    score: z.number().int().min(-3).max(3),
    /** The model's confidence in [0, 1]; null when the format has none (free text). */
    confidence: z.number().min(0).max(1).nullable(),
    explanation: z.string().max(MAX_EXPLANATION),
    keyFactors: z.array(z.string().min(1).max(500)).max(12),
  })
  .strict()
  .refine((a) => LABEL_SCORES[a.label] === a.score, {
    message: "score must equal the label's score (Strongly Bullish 3 … Strongly Bearish −3, Flat/Fluctuating 0)",
    path: ['score'],
  });

export type ForecastAnswer = z.infer<typeof ForecastAnswerSchema>;

/** The JSON object the structured format asks the model for. Unknown keys are rejected. */
export const JsonReplySchema = z
  .object({
    label: z.string().transform((s, ctx) => {
      const l = canonicalLabel(s);
      if (l === null) {
        ctx.addIssue({ code: 'custom', message: `expected one of ${LABELS.join(', ')}, got "${s.slice(0, 60)}"` });
        return z.NEVER;
      }
      return l;
    }),
    score: z.number().int().min(-3).max(3).optional(),
    confidence: z.number().min(0).max(1),
    explanation: z.string().trim().min(1).max(MAX_EXPLANATION),
    keyFactors: z.array(z.string().min(1).max(500)).max(12).default([]),
  })
  .strict();

export type AnswerResult = { ok: true; answer: ForecastAnswer } | { ok: false; error: string };

function issuesText(error: z.ZodError): string {
  return fieldProblems(error, '(answer)').join('; ');
}

/** Builds and validates the final answer (the one gate every format and forecaster passes through). */
export function makeAnswer(fields: unknown): AnswerResult {
  const r = ForecastAnswerSchema.safeParse(fields);
  return r.success ? { ok: true, answer: r.data } : { ok: false, error: issuesText(r.error) };
}

// Longest alternatives first: a regex alternation tries them in order at each position.
const LABEL_PATTERN = '(strongly[\\s\\-]+bullish|strongly[\\s\\-]+bearish|slightly[\\s\\-]+bullish|slightly[\\s\\-]+bearish|bullish|bearish|fluctuating|flat)';
const ANY_LABEL = new RegExp(`\\b${LABEL_PATTERN}\\b`, 'gi');
const VERDICT = new RegExp(
  `\\b(?:final\\s+(?:answer|verdict|prediction|call)|prediction|answer|verdict|forecast|output|label|trend)\\s*\\**\\s*[:：=\\-–]\\s*[*_"'\`\\s]*${LABEL_PATTERN}\\b`,
  'gi',
);
const NEGATION = /\b(?:not|no|never|nor|isn't|is not|aren't|hardly|rather than|instead of)\s+(?:\w+\s+)?$/i;

function lastMatch(re: RegExp, text: string): RegExpExecArray | null {
  re.lastIndex = 0;
  let last: RegExpExecArray | null = null;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) last = m;
  return last;
}

/** The final verdict label of a free-text reply, or null when it states none. */
export function findVerdict(text: string): Label | null {
  const explicit = lastMatch(VERDICT, text);
  if (explicit) return canonicalLabel(explicit[1]);

  const lines = text.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const bare = lines[i].replace(/[*_#"'`>.:!\s-]+/g, ' ').trim();
    const l = bare === '' ? null : canonicalLabel(bare);
    if (l) return l;
  }

  ANY_LABEL.lastIndex = 0;
  let chosen: Label | null = null;
  for (let m = ANY_LABEL.exec(text); m !== null; m = ANY_LABEL.exec(text)) {
    const before = text.slice(Math.max(0, m.index - 30), m.index);
    if (!NEGATION.test(before)) chosen = canonicalLabel(m[1]);
  }
  return chosen;
}

/** The reasoning part of a free-text reply: after "Simple explanation:"/"Explanation:" if present. */
function explanationOf(text: string): string {
  const m = /(?:simple\s+)?explanation\s*\**\s*[:：]\s*/i.exec(text);
  const body = (m ? text.slice(m.index + m[0].length) : text).trim();
  return body.length > MAX_EXPLANATION ? `${body.slice(0, MAX_EXPLANATION - 1)}…` : body;
}

/** Parses the paper's free-text format. */
export function parseFreeText(text: string): AnswerResult {
  const label = findVerdict(text);
  if (label === null) {
    return { ok: false, error: `no verdict found: the reply names none of ${LABELS.join(', ')}` };
  }
  return makeAnswer({ label, score: LABEL_SCORES[label], confidence: null, explanation: explanationOf(text), keyFactors: [] });
}

/** Parses the structured JSON format. */
export function parseJsonReply(text: string): AnswerResult {
  const json = parseJsonInReply(text);
  if (!json.ok) return json;
  const r = JsonReplySchema.safeParse(json.value);
  if (!r.success) return { ok: false, error: issuesText(r.error) };
  const { label, score, confidence, explanation, keyFactors } = r.data;
  return makeAnswer({ label, score: score ?? LABEL_SCORES[label], confidence, explanation, keyFactors });
}

export type ReplyFormat = 'paper' | 'json';

export function parseReply(text: string, format: ReplyFormat): AnswerResult {
  return format === 'json' ? parseJsonReply(text) : parseFreeText(text);
}
