/**
 * A stage-1 run: one forecast per decision date, written to a signals file as each completes.
 *
 * One writer at a time: the run holds the signals file's lock (`<out>.lock`, src/lock.ts) from before it
 * reads the file until it has finished writing it; a second run on the same file is refused with a
 * LockedError naming the holder before it reads, builds or pays for anything.
 *
 * Resumable: dates whose latest record in the output is a success are skipped; failed dates are tried
 * again (the new record supersedes the failure). Each record is appended and flushed when its forecast
 * completes, so a crash or an interrupt loses at most the requests in flight; when the run ends (however
 * it ends) the file is rewritten sorted by date, so the same run gives the same file whatever order
 * answers arrived in (signals.ts). Contexts for every pending date are built before the first request, so
 * a missing data source fails before anything is spent. A record that would not validate (a field the
 * endpoint got wrong that slipped through) becomes that date's failure, with the answer kept in `raw`;
 * it never aborts the run. A rerun must use the same provider, model, source, format and label order as
 * the file it extends.
 */
import { formatIssues } from '../src/validation.ts';
import { existsSync, readFileSync } from 'node:fs';
import { fieldProblems } from '../src/field-problems.ts';
import { withLock, type Lock } from '../src/lock.ts';
import { mapConcurrently, workThrough } from '../src/pending-work.ts';
import type { ReplyFormat } from './answer.ts';
import type { Context, ContextSource, SourceName } from './context/types.ts';
import { NO_USAGE, type ForecastOutcome, type Forecaster } from './forecaster.ts';
import { LABELS, type Label } from './labels.ts';
import { countRecord, type RecordCounts } from './outcome.ts';
import { parseSignals, SignalRecordSchema, SignalsWriter, sortSignalsFile, UsageSchema, type SignalRecord } from './signals.ts';

export interface ForecastRunOptions {
  dates: readonly string[];
  /** The run's --source. */
  source: ContextSource;
  /** Other sources, for forecasters that read a specific one (momentum → prices, macro → macro). */
  otherSources?: Partial<Record<SourceName, () => ContextSource>>;
  forecaster: Forecaster;
  /** Prompt format of an LLM forecaster; null for offline ones. */
  format: ReplyFormat | null;
  labelOrder?: readonly Label[];
  out: string;
  concurrency: number;
  signal?: AbortSignal;
  /** fsync each record (default true). */
  durable?: boolean;
  /** Called once the signals file's lock is held (e.g. to report a stale lock that was taken over). */
  onLock?: (lock: Lock) => void;
  onStart?: (info: { pending: string[]; skipped: string[] }) => void;
  /** `cached`: every reply of this forecast came from the replay cache (nothing was spent on it). */
  onRecord?: (record: SignalRecord, progress: { done: number; total: number; cached: boolean }) => void;
}

/** `written`, `failures`, `cached`, `usage`, `newUsage`: the records this run wrote (outcome.ts). */
export interface ForecastRunSummary extends RecordCounts {
  total: number;
  skipped: number;
  interrupted: boolean;
  wallMs: number;
}

function isDefaultOrder(order: readonly Label[] | undefined): boolean {
  return order === undefined || order.every((l, i) => l === LABELS[i]);
}

/** The record for one completed forecast. */
export function signalRecord(
  date: string,
  context: Context,
  forecaster: Forecaster,
  format: ReplyFormat | null,
  labelOrder: readonly Label[] | undefined,
  outcome: ForecastOutcome,
): SignalRecord {
  const a = outcome.answer;
  return {
    date,
    asOf: context.asOf,
    source: forecaster.needs ?? context.source,
    provider: forecaster.provider,
    model: forecaster.model,
    format,
    promptHash: outcome.promptHash,
    label: a?.label ?? null,
    score: a?.score ?? null,
    confidence: a?.confidence ?? null,
    explanation: a?.explanation ?? null,
    keyFactors: a?.keyFactors ?? [],
    usage: outcome.usage,
    latencyMs: Math.round(outcome.latencyMs * 1000) / 1000,
    pointInTime: context.pointInTime && !forecaster.cheating,
    ...(isDefaultOrder(labelOrder) ? {} : { labelOrder: [...labelOrder!] }),
    ...(a ? {} : { failure: outcome.failure ?? 'unknown failure', raw: outcome.raw ?? [] }),
    ...(forecaster.cheating ? { cheating: true as const } : {}),
    ...(forecaster.modelCutoff !== undefined ? { modelCutoff: forecaster.modelCutoff } : {}),
    ...(outcome.warnings && outcome.warnings.length > 0 ? { warnings: outcome.warnings } : {}),
  };
}

/**
 * The record to write: `record` if it validates, else that date's failure saying which field was wrong,
 * with the answer kept in `raw` (so nothing paid for is lost). Never throws for a bad field.
 */
export function recordOrFailure(record: SignalRecord, outcome: ForecastOutcome): SignalRecord {
  const checked = SignalRecordSchema.safeParse(record);
  if (checked.success) return checked.data;
  const problems = fieldProblems(checked.error).join('; ');
  const raw = [...(outcome.raw ?? []), ...(outcome.answer ? [JSON.stringify(outcome.answer)] : [])];
  const failed: SignalRecord = {
    ...record,
    label: null,
    score: null,
    confidence: null,
    explanation: null,
    keyFactors: [],
    usage: UsageSchema.safeParse(record.usage).success ? record.usage : { promptTokens: 0, completionTokens: 0, requests: 0, costUsd: null },
    latencyMs: Number.isFinite(record.latencyMs) && record.latencyMs >= 0 ? record.latencyMs : 0,
    failure: `the forecast could not be recorded as it came (${problems.slice(0, 500)}); the answer is kept in raw`,
    raw,
  };
  delete failed.warnings;
  const again = SignalRecordSchema.safeParse(failed);
  if (!again.success) {
    throw new Error(`${record.date}: cannot write a valid record (${formatIssues(again.error)})`);
  }
  return again.data;
}

/** Throws when the existing file was written by a different configuration. */
function checkCompatible(
  existing: SignalRecord[],
  expected: Pick<SignalRecord, 'provider' | 'model' | 'source' | 'format'>,
  labelOrder: readonly Label[] | undefined,
  out: string,
): void {
  const first = existing[0];
  if (!first) return;
  const order = isDefaultOrder(labelOrder) ? undefined : labelOrder!.join('|');
  const mismatch: string[] = (['provider', 'model', 'source', 'format'] as const).filter((k) => first[k] !== expected[k]);
  if (first.labelOrder?.join('|') !== order) mismatch.push('labelOrder');
  if (mismatch.length > 0) {
    throw new Error(
      `${out} already holds signals from provider ${first.provider}, model ${first.model}, source ${first.source}, format ${first.format}` +
        ` — this run differs in ${mismatch.join(', ')}; write to another --out or remove the file`,
    );
  }
}

export async function runForecasts(options: ForecastRunOptions): Promise<ForecastRunSummary> {
  return withLock(options.out, { what: 'signals file' }, (lock) => {
    options.onLock?.(lock);
    return runLocked(options);
  });
}

async function runLocked(options: ForecastRunOptions): Promise<ForecastRunSummary> {
  const started = performance.now();
  const { forecaster, out } = options;
  const existing = existsSync(out) ? parseSignals(readFileSync(out, 'utf8'), out) : null;

  // Sources are built lazily and cached per decision date.
  const sources = new Map<SourceName, ContextSource>([[options.source.name, options.source]]);
  const sourceOf = (name: SourceName): ContextSource => {
    let s = sources.get(name);
    if (!s) {
      const make = options.otherSources?.[name];
      if (!make) throw new Error(`the ${forecaster.provider} forecaster reads the ${name} source, which this run cannot build`);
      sources.set(name, (s = make()));
    }
    return s;
  };
  const contexts = new Map<string, Context>();
  const contextFor = (name: SourceName, date: string): Context => {
    const key = `${name}|${date}`;
    let c = contexts.get(key);
    if (!c) contexts.set(key, (c = sourceOf(name).build(date)));
    return c;
  };

  const expectedSource = forecaster.needs ?? options.source.name;
  if (existing) {
    checkCompatible(
      existing.records,
      { provider: forecaster.provider, model: forecaster.model, source: expectedSource, format: options.format },
      options.labelOrder,
      out,
    );
  }
  const done = new Set((existing?.latest ?? []).filter((r) => r.failure === undefined).map((r) => r.date));
  const pending = options.dates.filter((d) => !done.has(d));
  const skipped = options.dates.filter((d) => done.has(d));
  for (const d of pending) {
    contextFor(options.source.name, d);
    if (forecaster.needs) contextFor(forecaster.needs, d);
  }
  options.onStart?.({ pending, skipped });

  const summary: ForecastRunSummary = {
    total: options.dates.length,
    skipped: skipped.length,
    written: 0,
    failures: 0,
    cached: 0,
    usage: { ...NO_USAGE },
    newUsage: { ...NO_USAGE },
    interrupted: false,
    wallMs: 0,
  };
  if (pending.length === 0) {
    summary.wallMs = performance.now() - started;
    return summary;
  }

  const writer = new SignalsWriter(out, options.durable ?? true);
  try {
    await workThrough({
      pending: pending.map((date) => ({ date, context: contextFor(options.source.name, date) })),
      concurrency: options.concurrency,
      // A signal already aborted when the run starts has never stopped a forecast run (it runs every
      // pending date and reports itself interrupted); the shared loop would start nothing, so it is not
      // handed one. Kept as it was: a change of behaviour is not this refactor's to make.
      signal: options.signal?.aborted ? undefined : options.signal,
      attempt: ({ date, context }, signal) => forecaster.forecast({ date, context, contextFor: (name) => contextFor(name, date), signal }),
      settle: ({ date, context }, outcome) => {
        const record = recordOrFailure(signalRecord(date, context, forecaster, options.format, options.labelOrder, outcome), outcome);
        writer.append(record);
        countRecord(summary, record, outcome.cached);
        options.onRecord?.(record, { done: summary.skipped + summary.written, total: summary.total, cached: outcome.cached });
      },
    });
  } finally {
    writer.close();
    // The stable order: sorted by date, however the run ended (still under the lock).
    sortSignalsFile(out);
  }
  summary.interrupted = options.signal?.aborted ?? false;
  summary.wallMs = performance.now() - started;
  return summary;
}

/**
 * Forecasts for `dates` in memory, no file (for `compare` with offline forecasters). Same records as a
 * run writes; dates in order, `concurrency` at a time. Fatal errors reject.
 */
export async function collectForecasts(options: {
  dates: readonly string[];
  source: ContextSource;
  otherSources?: Partial<Record<SourceName, () => ContextSource>>;
  forecaster: Forecaster;
  format?: ReplyFormat | null;
  labelOrder?: readonly Label[];
  concurrency?: number;
}): Promise<SignalRecord[]> {
  const { forecaster, source } = options;
  const made = new Map<SourceName, ContextSource>([[source.name, source]]);
  const sourceOf = (name: SourceName): ContextSource => {
    let s = made.get(name);
    if (!s) {
      const make = options.otherSources?.[name];
      if (!make) throw new Error(`the ${forecaster.provider} forecaster reads the ${name} source, which was not provided`);
      made.set(name, (s = make()));
    }
    return s;
  };
  return mapConcurrently(options.dates, options.concurrency ?? 4, async (date) => {
    const context = source.build(date);
    const outcome = await forecaster.forecast({ date, context, contextFor: (name) => sourceOf(name).build(date) });
    return recordOrFailure(signalRecord(date, context, forecaster, options.format ?? null, options.labelOrder, outcome), outcome);
  });
}
