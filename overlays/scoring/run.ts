/**
 * A scoring run: one score per (date, ticker, persona), written to a scores file as each completes —
 * stage 1 for assets, mirroring overlays/run.ts.
 *
 * One writer at a time: the run holds the scores file's lock (`<out>.lock`, src/lock.ts) from before it
 * reads the file until it has finished writing it; a second run is refused with a LockedError naming the
 * holder before it reads, builds or pays for anything.
 *
 * Resumable: keys whose latest record is a success are skipped; failed keys are tried again (the new record
 * supersedes the failure). Each record is appended and flushed when its score completes, so a crash or an
 * interrupt loses at most the requests in flight; when the run ends (however it ends) the file is rewritten
 * sorted by (date, ticker, persona), so the same run gives the same bytes whatever order answers arrived in.
 * Contexts for every pending key are built before the first request, so missing data fails before
 * anything is spent. A ticker not listed before a date is not scored on it (no record). A record that would
 * not validate becomes that key's failure with the answer kept in `raw`; it never aborts the run. A rerun
 * must use the same provider and model as the file it extends.
 *
 * Aggregating personas is ScoreBook's job (mean | median; `aggregateRecords` here gives the same numbers
 * as a list); averaging persona portfolios is the strategies'.
 */
import { formatIssues } from '../../src/validation.ts';
import { ParameterError } from '../../src/parameter-error.ts';
import { existsSync, readFileSync } from 'node:fs';
import { fieldProblems } from '../../src/field-problems.ts';
import { withLock, type Lock } from '../../src/lock.ts';
import { mapConcurrently, workThrough } from '../../src/pending-work.ts';
import { countRecord, NO_USAGE, type RecordCounts } from '../outcome.ts';
import { UsageSchema } from '../signals.ts';
import type { AssetContext, ScoringContexts } from './context.ts';
import { compositeScore, ScoreBook, ScoreRecordSchema, type AssetScore, type ScoreAggregation, type ScoreRecord } from './record.ts';
import type { AssetScorer, ScoreOutcome } from './scorer.ts';
import { parseScores, scoreKey, scoreRecordProblems, ScoresWriter, sortScoresFile } from './scores-file.ts';

export interface ScoreJob {
  date: string;
  ticker: string;
  persona: string;
}

export interface ScoringRunOptions {
  dates: readonly string[];
  /** Tickers to score (default every ticker of the contexts' prices); each is scored only where listed. */
  tickers?: readonly string[];
  /** Default ['analyst']. */
  personas?: readonly string[];
  contexts: ScoringContexts;
  scorer: AssetScorer;
  out: string;
  concurrency: number;
  signal?: AbortSignal;
  /** fsync each record (default true). */
  durable?: boolean;
  onLock?: (lock: Lock) => void;
  /** `unlisted`: (date, ticker) pairs not scored because the ticker was not listed before the date. */
  onStart?: (info: { pending: ScoreJob[]; skipped: number; unlisted: { date: string; ticker: string }[] }) => void;
  onRecord?: (record: ScoreRecord, progress: { done: number; total: number; cached: boolean }) => void;
}

/** `written`, `failures`, `cached`, `usage`, `newUsage`: the records this run wrote (../outcome.ts). */
export interface ScoringRunSummary extends RecordCounts {
  /** Keys to score (listed tickers × dates × personas). */
  total: number;
  skipped: number;
  /** (date, ticker) pairs left out because the ticker was not listed yet. */
  unlisted: number;
  interrupted: boolean;
  wallMs: number;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The record for one completed score. */
export function scoreRecord(job: ScoreJob, context: AssetContext, scorer: AssetScorer, outcome: ScoreOutcome): ScoreRecord {
  const a = outcome.answer;
  return {
    date: job.date,
    ticker: job.ticker,
    persona: job.persona,
    provider: scorer.provider,
    model: scorer.model,
    promptHash: outcome.promptHash,
    fundamentals: a?.fundamentals ?? null,
    momentum: a?.momentum ?? null,
    sentiment: a?.sentiment ?? null,
    risk: a?.risk ?? null,
    composite: a ? compositeScore(a) : null,
    reasoning: a?.reasoning ?? null,
    confidence: a?.confidence ?? null,
    keyFactors: a?.keyFactors ?? [],
    usage: outcome.usage,
    latencyMs: round3(outcome.latencyMs),
    pointInTime: context.pointInTime && !scorer.cheating,
    ...(scorer.cheating ? { cheating: true as const } : {}),
    ...(scorer.modelCutoff !== undefined ? { modelCutoff: scorer.modelCutoff } : {}),
    ...(a ? {} : { failure: outcome.failure ?? 'unknown failure', raw: outcome.raw ?? [] }),
    ...(outcome.warnings && outcome.warnings.length > 0 ? { warnings: outcome.warnings } : {}),
  };
}

/**
 * The record to write: `record` if it validates, else that key's failure saying which field was wrong,
 * with the answer kept in `raw` (nothing paid for is lost). Never throws for a bad field.
 */
export function scoreRecordOrFailure(record: ScoreRecord, outcome: ScoreOutcome): ScoreRecord {
  const checked = ScoreRecordSchema.safeParse(record);
  const problems = checked.success ? scoreRecordProblems(checked.data) : fieldProblems(checked.error);
  if (checked.success && problems.length === 0) return checked.data;
  const failed: ScoreRecord = {
    ...record,
    fundamentals: null,
    momentum: null,
    sentiment: null,
    risk: null,
    composite: null,
    reasoning: null,
    confidence: null,
    keyFactors: [],
    usage: UsageSchema.safeParse(record.usage).success ? record.usage : { promptTokens: 0, completionTokens: 0, requests: 0, costUsd: null },
    latencyMs: Number.isFinite(record.latencyMs) && record.latencyMs >= 0 ? record.latencyMs : 0,
    failure: `the score could not be recorded as it came (${problems.join('; ').slice(0, 500)}); the answer is kept in raw`,
    raw: [...(outcome.raw ?? []), ...(outcome.answer ? [JSON.stringify(outcome.answer)] : [])],
  };
  delete failed.warnings;
  const again = ScoreRecordSchema.safeParse(failed);
  if (!again.success) {
    throw new Error(`${record.date} ${record.ticker}: cannot write a valid record (${formatIssues(again.error)})`);
  }
  return again.data;
}

function checkCompatible(existing: ScoreRecord[], scorer: AssetScorer, out: string): void {
  const first = existing[0];
  if (!first) return;
  const mismatch = (['provider', 'model'] as const).filter((k) => first[k] !== scorer[k]);
  if (mismatch.length > 0) {
    throw new Error(
      `${out} already holds scores from provider ${first.provider}, model ${first.model} — this run (${scorer.provider}, ${scorer.model}) differs in ${mismatch.join(', ')}; write to another --out or remove the file`,
    );
  }
}

function checkPersonas(personas: readonly string[], scorer: AssetScorer): void {
  if (personas.length === 0) throw new Error('no personas to score');
  if (new Set(personas).size !== personas.length) throw new Error(`personas listed twice: ${personas.join(', ')}`);
  if (!scorer.personas) return;
  const unsupported = personas.filter((p) => !scorer.personas!.includes(p));
  if (unsupported.length > 0) {
    throw new ParameterError(
      ['personas'],
      (n) =>
        `the ${scorer.provider} scorer has no personas (it scores as ${scorer.personas!.join(', ')}); drop ${unsupported.join(', ')} from ${n('personas')}`,
    );
  }
}

/** Every (date, ticker, persona) to score, in file order, with its context; builds every context. */
export function planScoring(options: Pick<ScoringRunOptions, 'dates' | 'tickers' | 'personas' | 'contexts'>): {
  jobs: { job: ScoreJob; context: AssetContext }[];
  unlisted: { date: string; ticker: string }[];
} {
  const personas = [...(options.personas ?? ['analyst'])].sort();
  const known = new Set(options.contexts.prices.tickers);
  const wanted = options.tickers ?? options.contexts.prices.tickers;
  const absent = wanted.filter((t) => !known.has(t));
  if (absent.length > 0) throw new Error(`no prices for ${absent.join(', ')}; the universe has ${[...known].join(' ')}`);
  const tickers = [...new Set(wanted)].sort();
  const jobs: { job: ScoreJob; context: AssetContext }[] = [];
  const unlisted: { date: string; ticker: string }[] = [];
  for (const date of [...new Set(options.dates)].sort()) {
    const day = options.contexts.forDate(date);
    for (const ticker of tickers) {
      const context = day.get(ticker);
      if (!context) {
        unlisted.push({ date, ticker });
        continue;
      }
      for (const persona of personas) jobs.push({ job: { date, ticker, persona }, context });
    }
  }
  return { jobs, unlisted };
}

export async function runScoring(options: ScoringRunOptions): Promise<ScoringRunSummary> {
  checkPersonas(options.personas ?? ['analyst'], options.scorer);
  return withLock(options.out, { what: 'scores file' }, (lock) => {
    options.onLock?.(lock);
    return runLocked(options);
  });
}

async function runLocked(options: ScoringRunOptions): Promise<ScoringRunSummary> {
  const started = performance.now();
  const { scorer, out } = options;
  const existing = existsSync(out) ? parseScores(readFileSync(out, 'utf8'), out) : null;
  if (existing) checkCompatible(existing.records, scorer, out);
  // Every context before the first request: missing data fails here, before anything is spent.
  const { jobs, unlisted } = planScoring(options);
  const done = new Set((existing?.latest ?? []).filter((r) => r.failure === undefined).map(scoreKey));
  const pending = jobs.filter((j) => !done.has(scoreKey(j.job)));
  const skipped = jobs.length - pending.length;
  options.onStart?.({ pending: pending.map((j) => j.job), skipped, unlisted });

  const summary: ScoringRunSummary = {
    total: jobs.length,
    skipped,
    written: 0,
    failures: 0,
    cached: 0,
    unlisted: unlisted.length,
    usage: { ...NO_USAGE },
    newUsage: { ...NO_USAGE },
    interrupted: false,
    wallMs: 0,
  };
  if (pending.length === 0) {
    // Still sort a file a killed run left in completion order (we hold its lock).
    sortScoresFile(out);
    summary.wallMs = performance.now() - started;
    return summary;
  }

  const writer = new ScoresWriter(out, options.durable ?? true);
  try {
    await workThrough({
      pending,
      concurrency: options.concurrency,
      signal: options.signal,
      attempt: ({ job, context }, signal) => scorer.score({ context, persona: job.persona, signal }),
      settle: ({ job, context }, outcome) => {
        const record = scoreRecordOrFailure(scoreRecord(job, context, scorer, outcome), outcome);
        writer.append(record);
        countRecord(summary, record, outcome.cached);
        options.onRecord?.(record, { done: summary.skipped + summary.written, total: summary.total, cached: outcome.cached });
      },
    });
  } finally {
    writer.close();
    // The stable order, however the run ended (still under the lock).
    sortScoresFile(out);
  }
  summary.interrupted = options.signal?.aborted ?? false;
  summary.wallMs = performance.now() - started;
  return summary;
}

/**
 * Scores in memory, no file (strategies' in-process stand-ins, tests, benchmarks): the records a run would
 * write, in file order. Fatal errors reject.
 */
export async function collectScores(
  options: Pick<ScoringRunOptions, 'dates' | 'tickers' | 'personas' | 'contexts' | 'scorer'> & { concurrency?: number },
): Promise<ScoreRecord[]> {
  checkPersonas(options.personas ?? ['analyst'], options.scorer);
  const { jobs } = planScoring(options);
  return mapConcurrently(jobs, options.concurrency ?? 4, async ({ job, context }) => {
    const outcome = await options.scorer.score({ context, persona: job.persona });
    return scoreRecordOrFailure(scoreRecord(job, context, options.scorer, outcome), outcome);
  });
}

/**
 * Persona-aggregated scores per scoring date, as ScoreBook gives them (latest success per key; failures
 * ignored; mean or median over personas): date → ticker → AssetScore, dates ascending.
 */
export function aggregateRecords(
  records: readonly ScoreRecord[],
  aggregation: ScoreAggregation = 'mean',
  personas?: readonly string[],
): Map<string, Map<string, AssetScore>> {
  const book = new ScoreBook(records, aggregation, personas);
  return new Map(book.dates.map((d) => [d, book.at(d)]));
}

/** Composite per date and ticker (the input of src/metrics/score-quality.ts). */
export function compositePanel(
  records: readonly ScoreRecord[],
  aggregation: ScoreAggregation = 'mean',
  personas?: readonly string[],
): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const [d, day] of aggregateRecords(records, aggregation, personas)) out.set(d, new Map([...day].map(([t, s]) => [t, s.composite])));
  return out;
}
