/**
 * The scores file: `score`'s output, the score strategies' input. JSONL, one ScoreRecord (record.ts) per
 * (date, ticker, persona) attempt.
 *
 * Order: records are appended and flushed as each completes (a crash loses only what was in flight), and
 * when the run ends — finished, interrupted or stopped by an error — the file is rewritten atomically
 * sorted by (date, ticker, persona), stably, so a key's failures stay before the success that superseded
 * them. A finished run's file is therefore the same bytes whatever order the answers arrived in (and a
 * live run and its replay give the same file). A file left by a killed run may be in completion order;
 * readers accept any order, and the next run sorts it.
 *
 * A key may hold failures then one success: the latest record of a key wins (ScoreBook's rule too). A
 * second success for a key is refused on read: a scores file holds one score per (date, ticker, persona).
 * Every line is validated against ScoreRecordSchema plus the record's own consistency (a failure has
 * null scores; a success has all four scores, its composite and its reasoning), and an error says
 * `file:line: field: problem`.
 */
import { fieldProblems } from '../../src/field-problems.ts';
import { JsonlAppender, parseJsonl, readJsonl, sortJsonlFile, type JsonlContents, type JsonlFormat } from '../../src/jsonl.ts';
import { compositeScore, ScoreRecordSchema, type ScoreRecord } from './record.ts';

/** The identity of a record: one score per (date, ticker, persona). */
export function scoreKey(r: Pick<ScoreRecord, 'date' | 'ticker' | 'persona'>): string {
  return `${r.date}\u0000${r.ticker}\u0000${r.persona}`;
}

/** Problems with a record the schema cannot see (failure ⇔ null scores, composite = the published formula). */
export function scoreRecordProblems(r: ScoreRecord): string[] {
  const problems: string[] = [];
  const scores = [r.fundamentals, r.momentum, r.sentiment, r.risk];
  if (r.failure !== undefined) {
    if (scores.some((s) => s !== null) || r.composite !== null) problems.push('composite: a failure record must have every score and the composite null');
  } else {
    if (scores.some((s) => s === null) || r.composite === null)
      problems.push('composite: a record without `failure` needs fundamentals, momentum, sentiment, risk and composite');
    else {
      const expected = compositeScore({ fundamentals: r.fundamentals!, momentum: r.momentum!, sentiment: r.sentiment!, risk: r.risk! });
      if (Math.abs(expected - r.composite!) > 1e-9) problems.push(`composite: expected 0.30F + 0.25M + 0.25S + 0.20(10 − R) = ${expected}, got ${r.composite}`);
    }
    if (r.reasoning === null) problems.push('reasoning: a record without `failure` needs its reasoning');
    if (r.confidence === null) problems.push('confidence: a record without `failure` needs its confidence');
  }
  return problems;
}

/** Validates one record (schema and consistency); throws `where: field: problem`. */
export function checkScoreRecord(value: unknown, where: string): ScoreRecord {
  const r = ScoreRecordSchema.safeParse(value);
  if (!r.success) {
    throw new Error(`${where}: ${fieldProblems(r.error).join('; ')}`);
  }
  const problems = scoreRecordProblems(r.data);
  if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')}`);
  return r.data;
}

export type ScoresFile = JsonlContents<ScoreRecord>;

type ScoreKey = Pick<ScoreRecord, 'date' | 'ticker' | 'persona'>;

function compareKeys(a: ScoreKey, b: ScoreKey): number {
  if (a.date !== b.date) return a.date < b.date ? -1 : 1;
  if (a.ticker !== b.ticker) return a.ticker < b.ticker ? -1 : 1;
  if (a.persona !== b.persona) return a.persona < b.persona ? -1 : 1;
  return 0;
}

// The writer serialises records with date, ticker, persona first, so the sort key is read off the line
// without parsing it (a fallback parses lines written otherwise).
const KEY_PREFIX = /^\{"date":"(\d{4}-\d{2}-\d{2})","ticker":("(?:[^"\\]|\\.)*"),"persona":("(?:[^"\\]|\\.)*")/;

function lineKey(line: string): ScoreKey {
  const m = KEY_PREFIX.exec(line);
  if (m) return { date: m[1], ticker: JSON.parse(m[2]) as string, persona: JSON.parse(m[3]) as string };
  const v = JSON.parse(line) as ScoreKey;
  return { date: v.date, ticker: v.ticker, persona: v.persona };
}

const SCORES: JsonlFormat<ScoreRecord, ScoreKey> = {
  name: 'scores',
  recordNoun: 'score record',
  validate: checkScoreRecord,
  identity: scoreKey,
  isFailure: (r) => r.failure !== undefined,
  duplicateProblem: (r) =>
    `${r.date} ${r.ticker} (persona ${r.persona}) already has a successful record; a scores file holds one score per date, ticker and persona`,
  sortKey: (r) => r,
  lineSortKey: lineKey,
  compareKeys,
};

/**
 * Parses scores JSONL; `where` names the file in errors. `records` is every record in file order,
 * `latest` the latest record of each (date, ticker, persona) in that order; a partial last line (a
 * crash) is ignored and reported in `partialLastLine`.
 */
export function parseScores(text: string, where: string): ScoresFile {
  return parseJsonl(SCORES, text, where);
}

export function readScoresFile(path: string): ScoresFile {
  return readJsonl(SCORES, path);
}

/**
 * Every record of a scores file, validated (`file:line: field: problem`), in file order: failures and the
 * success that superseded them both (ScoreBook keeps the latest success per key and skips failures).
 */
export function readScoreRecords(path: string): ScoreRecord[] {
  return readScoresFile(path).records;
}

/**
 * Appends records, one line each, flushed to disk as they are written (fsync unless `durable` is
 * false): a crash loses only records not yet written. Opening cuts off a partial last line left by an
 * earlier crash. The caller holds the file's lock.
 */
export class ScoresWriter extends JsonlAppender<ScoreRecord> {
  constructor(path: string, durable = true) {
    super(path, SCORES.name, (record) => checkScoreRecord(record, `${path} (record for ${record.date} ${record.ticker} ${record.persona})`), durable);
  }
}

/**
 * Rewrites a scores file sorted by (date, ticker, persona), atomically (temp file, fsync, rename): the
 * stable order of a finished run. Stable within a key (failures stay before their success). Lines are kept
 * byte for byte; a partial last line is dropped. Does nothing when the file is already in order. The
 * caller holds the file's lock.
 */
export function sortScoresFile(path: string): void {
  sortJsonlFile(SCORES, path);
}
