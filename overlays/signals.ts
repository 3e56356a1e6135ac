/**
 * The signals file: stage 1's output, stage 2's input. JSONL, one record per decision date:
 *
 *   {date, asOf, source, provider, model, format, promptHash, label, score, confidence, explanation,
 *    keyFactors, usage, latencyMs, pointInTime, [labelOrder], [failure, raw], [cheating], [modelCutoff],
 *    [warnings]}
 *
 * A failed forecast has label/score/confidence/explanation null plus `failure` and the `raw` replies.
 * `warnings` lists problems that did not cost the answer (malformed token counts from the endpoint).
 *
 * Order: records are appended as they complete (resumable runs: a crash loses nothing written), and when
 * the run ends — finished, interrupted or stopped by an error — the file is rewritten atomically sorted by
 * date (stable: a date's failures stay before its success). So a finished run's file is the same bytes
 * whatever order the answers arrived in, and a live run and its replay give the same file. A file left
 * by a killed run may still be in completion order; readers accept any order. A date may hold failures
 * followed by one success (a rerun retries failed dates). Reading validates every line (file:line: field:
 * problem) and resolves each date to its latest record.
 *
 * The file describes the forecasts, not the run that wrote them: nothing in it depends on timing or on
 * where an answer came from (`cached`, written by older versions, is still accepted and ignored; whether an
 * answer was replayed is in the run's summary). LLM latencies are the live ones, kept by the cache.
 */
import { z } from 'zod';
import { fieldProblems } from '../src/field-problems.ts';
import { JsonlAppender, parseJsonl, readJsonl, sortJsonlFile, type JsonlContents, type JsonlFormat } from '../src/jsonl.ts';
import { SOURCE_NAMES } from './context/types.ts';
import { isIsoDate } from './dates.ts';
import { LABELS, LABEL_SCORES } from './labels.ts';
import { ModelCutoffSchema } from './model-cutoffs.ts';

const isoDate = z.string().refine(isIsoDate, 'expected a calendar date YYYY-MM-DD');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest');

export const UsageSchema = z
  .object({
    promptTokens: z.number().int().min(0),
    completionTokens: z.number().int().min(0),
    requests: z.number().int().min(0),
    costUsd: z.number().min(0).nullable(),
  })
  .strict();

export const SignalRecordSchema = z
  .object({
    date: isoDate,
    /** Context built from information strictly before this date. */
    asOf: isoDate,
    source: z.enum(SOURCE_NAMES),
    provider: z.string().min(1),
    model: z.string().min(1),
    /** Prompt format for LLM providers; null for offline forecasters. */
    format: z.enum(['paper', 'json']).nullable(),
    promptHash: hex64,
    label: z.enum(LABELS).nullable(),
    score: z.number().int().min(-3).max(3).nullable(),
    confidence: z.number().min(0).max(1).nullable(),
    explanation: z.string().nullable(),
    keyFactors: z.array(z.string()),
    usage: UsageSchema,
    latencyMs: z.number().min(0),
    /** Written by older versions (whether the answer was replayed); accepted, never written now. */
    cached: z.boolean().optional(),
    /** False when the context may contain information from on or after the decision date. */
    pointInTime: z.boolean(),
    /** The label order shown to the model, when not the default (robustness runs). */
    labelOrder: z.array(z.enum(LABELS)).length(LABELS.length).optional(),
    failure: z.string().min(1).optional(),
    raw: z.array(z.string()).optional(),
    cheating: z.literal(true).optional(),
    /** The LLM's knowledge cutoff (null: unknown); absent for offline forecasters. */
    modelCutoff: ModelCutoffSchema.nullable().optional(),
    /** Problems that did not cost the answer (malformed token counts from the endpoint, …). */
    warnings: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const failed = r.failure !== undefined;
    if (failed && (r.label !== null || r.score !== null)) {
      ctx.addIssue({ code: 'custom', path: ['label'], message: 'a failure record must have label and score null' });
    }
    if (!failed && (r.label === null || r.score === null || r.explanation === null)) {
      ctx.addIssue({ code: 'custom', path: ['label'], message: 'a record without `failure` needs label, score and explanation' });
    }
    if (r.label !== null && r.score !== LABEL_SCORES[r.label]) {
      ctx.addIssue({ code: 'custom', path: ['score'], message: `expected ${LABEL_SCORES[r.label]} for ${r.label}, got ${r.score}` });
    }
  });

export type SignalRecord = z.infer<typeof SignalRecordSchema>;

export type SignalsFile = JsonlContents<SignalRecord>;

// One dated record per line; the writer serialises `date` first, so a line's date is read off its start
// (a fallback parses lines written otherwise).
const SIGNALS: JsonlFormat<SignalRecord, string> = {
  name: 'signals',
  recordNoun: 'signal record',
  validate(value, where) {
    const r = SignalRecordSchema.safeParse(value);
    if (!r.success) throw new Error(`${where}: ${fieldProblems(r.error).join('; ')}`);
    return r.data;
  },
  identity: (r) => r.date,
  isFailure: (r) => r.failure !== undefined,
  duplicateProblem: (r) => `date ${r.date} already has a successful record; a signals file holds one forecast per date`,
  sortKey: (r) => r.date,
  lineSortKey(line) {
    const m = /^\{"date":"(\d{4}-\d{2}-\d{2})"/.exec(line);
    return m ? m[1] : (JSON.parse(line) as { date: string }).date;
  },
  compareKeys: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
};

/**
 * Parses signals JSONL; `where` names the file in errors. `records` is every record in file order,
 * `latest` the latest record of each date ascending; a partial last line (an interrupted write) is
 * ignored and reported in `partialLastLine`.
 */
export function parseSignals(text: string, where: string): SignalsFile {
  return parseJsonl(SIGNALS, text, where);
}

export function readSignals(path: string): SignalsFile {
  return readJsonl(SIGNALS, path);
}

/** Successful records only, one per date, ascending: what stage 2 consumes. */
export function successfulSignals(file: SignalsFile): SignalRecord[] {
  return file.latest.filter((r) => r.failure === undefined);
}

/**
 * Appends records, one line each, flushed to disk as they are written: a crash loses only the records
 * not yet written. Opening cuts off a partial last line left by an earlier crash.
 */
export class SignalsWriter extends JsonlAppender<SignalRecord> {
  constructor(path: string, durable = true) {
    super(path, SIGNALS.name, (record) => SignalRecordSchema.parse(record), durable);
  }
}

/**
 * Rewrites a signals file sorted by date, atomically (temp file, fsync, rename): the stable order of a
 * finished run. Stable within a date (failures stay before the success that superseded them). Lines are
 * kept byte for byte; a partial last line is dropped. Does nothing when the file is already in order.
 * The caller holds the file's lock.
 */
export function sortSignalsFile(path: string): void {
  sortJsonlFile(SIGNALS, path);
}
