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
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { writeFileAtomic } from '../../src/atomic.ts';
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
    if (scores.some((s) => s === null) || r.composite === null) problems.push('composite: a record without `failure` needs fundamentals, momentum, sentiment, risk and composite');
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
    throw new Error(`${where}: ${r.error.issues.map((x) => `${x.path.length ? x.path.join('.') : '(record)'}: ${x.message}`).join('; ')}`);
  }
  const problems = scoreRecordProblems(r.data);
  if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')}`);
  return r.data;
}

export interface ScoresFile {
  /** Every record in file order. */
  records: ScoreRecord[];
  /** The latest record of each (date, ticker, persona), sorted by date, ticker, persona. */
  latest: ScoreRecord[];
  /** True when a partial last line (an interrupted write) was ignored. */
  partialLastLine: boolean;
}

function compareKeys(a: Pick<ScoreRecord, 'date' | 'ticker' | 'persona'>, b: Pick<ScoreRecord, 'date' | 'ticker' | 'persona'>): number {
  if (a.date !== b.date) return a.date < b.date ? -1 : 1;
  if (a.ticker !== b.ticker) return a.ticker < b.ticker ? -1 : 1;
  if (a.persona !== b.persona) return a.persona < b.persona ? -1 : 1;
  return 0;
}

/** Parses scores JSONL; `where` names the file in errors. A partial last line (a crash) is ignored. */
export function parseScores(text: string, where: string): ScoresFile {
  const partialLastLine = text.length > 0 && !text.endsWith('\n');
  const lines = text.split('\n');
  if (partialLastLine) lines.pop();
  const records: ScoreRecord[] = [];
  const byKey = new Map<string, ScoreRecord>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const at = `${where}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new Error(`${at}: expected one JSON score record per line (${(e as Error).message})`);
    }
    const r = checkScoreRecord(value, at);
    const key = scoreKey(r);
    const prev = byKey.get(key);
    if (prev && prev.failure === undefined) {
      throw new Error(`${at}: ${r.date} ${r.ticker} (persona ${r.persona}) already has a successful record; a scores file holds one score per date, ticker and persona`);
    }
    records.push(r);
    byKey.set(key, r);
  }
  const latest = [...byKey.values()].sort(compareKeys);
  return { records, latest, partialLastLine };
}

export function readScoresFile(path: string): ScoresFile {
  if (!existsSync(path)) throw new Error(`scores file ${path} does not exist`);
  return parseScores(readFileSync(path, 'utf8'), path);
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
export class ScoresWriter {
  private fd: number | null;

  constructor(
    readonly path: string,
    private readonly durable = true,
  ) {
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      if (text.length > 0 && !text.endsWith('\n')) truncateSync(path, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
    }
    this.fd = openSync(path, 'a');
  }

  append(record: ScoreRecord): void {
    if (this.fd === null) throw new Error(`scores writer for ${this.path} is closed`);
    const checked = checkScoreRecord(record, `${this.path} (record for ${record.date} ${record.ticker} ${record.persona})`);
    writeSync(this.fd, `${JSON.stringify(checked)}\n`);
    if (this.durable) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

// The writer serialises records with date, ticker, persona first, so the sort key is read off the line
// without parsing it (a fallback parses lines written otherwise).
const KEY_PREFIX = /^\{"date":"(\d{4}-\d{2}-\d{2})","ticker":("(?:[^"\\]|\\.)*"),"persona":("(?:[^"\\]|\\.)*")/;

function lineKey(line: string): { date: string; ticker: string; persona: string } {
  const m = KEY_PREFIX.exec(line);
  if (m) return { date: m[1], ticker: JSON.parse(m[2]) as string, persona: JSON.parse(m[3]) as string };
  const v = JSON.parse(line) as { date: string; ticker: string; persona: string };
  return { date: v.date, ticker: v.ticker, persona: v.persona };
}

/**
 * Rewrites a scores file sorted by (date, ticker, persona), atomically (temp file, fsync, rename): the
 * stable order of a finished run. Stable within a key (failures stay before their success). Lines are kept
 * byte for byte; a partial last line is dropped. Does nothing when the file is already in order. The
 * caller holds the file's lock.
 */
export function sortScoresFile(path: string): void {
  if (!existsSync(path)) return;
  const text = readFileSync(path, 'utf8');
  const complete = text.endsWith('\n') || text === '' ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  const lines = complete.split('\n').filter((l) => l.trim() !== '');
  const keyed = lines.map((line, i) => ({ line, key: lineKey(line), i }));
  const sorted = [...keyed].sort((a, b) => compareKeys(a.key, b.key) || a.i - b.i);
  const out = sorted.map((k) => `${k.line}\n`).join('');
  if (out === text) return;
  writeFileAtomic(path, out);
}
