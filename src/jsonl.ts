/**
 * A JSONL record file: one validated record per line, appended and flushed as each is produced, then
 * rewritten atomically in a stable sorted order. The signals file (overlays/signals.ts) and the scores
 * file (overlays/scoring/scores-file.ts) are two formats of it; what differs between them (the schema,
 * the identity of a record, the sort key, the words of the messages) is a `JsonlFormat`.
 *
 * - Crash safety: a record is a whole line or nothing. A partial last line (a write cut short) is
 *   ignored on read, dropped by the sort, and cut off when an appender opens the file.
 * - Supersession: an identity may hold failures followed by one success; the latest record wins, and a
 *   second success for the same identity is refused on read.
 * - Errors name the place: `file:line: field: problem`.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { writeFileAtomic } from './atomic.ts';

/** What one kind of record file needs to say about its records. `K` is the sort key. */
export interface JsonlFormat<R, K> {
  /** The file's name in messages: "signals" → "signals file …", "signals writer …". */
  readonly name: string;
  /** One line's content in messages: "signal record" → "expected one JSON signal record per line". */
  readonly recordNoun: string;
  /** Validates one parsed line; throws `where: field: problem`. */
  validate(value: unknown, where: string): R;
  /** Records with the same identity are attempts at the same thing. */
  identity(record: R): string;
  /** True for a failure, which a later record of the same identity may supersede. */
  isFailure(record: R): boolean;
  /** Why a second success for an identity is refused (after `file:line: `). */
  duplicateProblem(record: R): string;
  sortKey(record: R): K;
  /** The sort key of a line already validated, read without building the record where possible. */
  lineSortKey(line: string): K;
  compareKeys(a: K, b: K): number;
}

export interface JsonlContents<R> {
  /** Every record in file order. */
  records: R[];
  /** The latest record of each identity, in sort-key order. */
  latest: R[];
  /** True when a partial last line (an interrupted write) was ignored. */
  partialLastLine: boolean;
}

/** The text up to and including its last newline: what survives of a file whose last write was cut short. */
function completeLines(text: string): string {
  return text.endsWith('\n') || text === '' ? text : text.slice(0, text.lastIndexOf('\n') + 1);
}

/** One parsed line of JSONL text: its value, its text and its 1-based line number. */
export interface JsonlLine {
  value: unknown;
  text: string;
  line: number;
}

/**
 * The one JSONL line reader: each non-empty line of `text`, parsed. A line that is not JSON throws
 * `where:line: expected <what> (<why>)` (or, `onBad: 'skip'`, is skipped: a log read leniently). A
 * partial last line (no newline: a write cut short) is dropped, or kept with `partial: 'keep'` (a file
 * written by hand, whose last line may lack its newline).
 */
export function jsonlLines(text: string, where: string, o: { what?: string; partial?: 'drop' | 'keep'; onBad?: 'throw' | 'skip' } = {}): JsonlLine[] {
  const lines = text.split('\n');
  if ((o.partial ?? 'drop') === 'drop' && text.length > 0 && !text.endsWith('\n')) lines.pop();
  const out: JsonlLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    try {
      out.push({ value: JSON.parse(line), text: line, line: i + 1 });
    } catch (e) {
      if (o.onBad === 'skip') continue;
      throw new Error(`${where}:${i + 1}: expected ${o.what ?? 'one JSON value per line'} (${(e as Error).message})`, { cause: e });
    }
  }
  return out;
}

/** Parses record-file text; `where` names the file in errors. */
export function parseJsonl<R, K>(format: JsonlFormat<R, K>, text: string, where: string): JsonlContents<R> {
  const partialLastLine = text.length > 0 && !text.endsWith('\n');
  const records: R[] = [];
  const byIdentity = new Map<string, R>();
  for (const { value, line } of jsonlLines(text, where, { what: `one JSON ${format.recordNoun} per line` })) {
    const at = `${where}:${line}`;
    const record = format.validate(value, at);
    const identity = format.identity(record);
    const prev = byIdentity.get(identity);
    if (prev && !format.isFailure(prev)) throw new Error(`${at}: ${format.duplicateProblem(record)}`);
    records.push(record);
    byIdentity.set(identity, record);
  }
  const latest = [...byIdentity.values()].sort((a, b) => format.compareKeys(format.sortKey(a), format.sortKey(b)));
  return { records, latest, partialLastLine };
}

/** Reads and parses a record file that must exist. */
export function readJsonl<R, K>(format: JsonlFormat<R, K>, path: string): JsonlContents<R> {
  if (!existsSync(path)) throw new Error(`${format.name} file ${path} does not exist`);
  return parseJsonl(format, readFileSync(path, 'utf8'), path);
}

/**
 * Appends records, one line each, flushed to disk as they are written (fsync unless `durable` is
 * false): a crash loses only the records not yet written. Opening cuts off a partial last line left by
 * an earlier crash. `check` validates each record before it is written (and may throw). The caller holds
 * the file's lock.
 */
export class JsonlAppender<R> {
  private fd: number | null;

  constructor(
    readonly path: string,
    private readonly name: string,
    private readonly check: (record: R) => R,
    private readonly durable = true,
  ) {
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      if (text.length > 0 && !text.endsWith('\n')) truncateSync(path, Buffer.byteLength(completeLines(text)));
    }
    this.fd = openSync(path, 'a');
  }

  append(record: R): void {
    if (this.fd === null) throw new Error(`${this.name} writer for ${this.path} is closed`);
    const checked = this.check(record);
    writeSync(this.fd, `${JSON.stringify(checked)}\n`);
    if (this.durable) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * Rewrites a record file in sort-key order, atomically (temp file, fsync, rename): the stable order of a
 * finished run. Stable within a key (failures stay before the success that superseded them). Lines are
 * kept byte for byte; a partial last line is dropped. Does nothing when the file is already in order or
 * does not exist. The caller holds the file's lock.
 */
export function sortJsonlFile<K>(format: Pick<JsonlFormat<unknown, K>, 'lineSortKey' | 'compareKeys'>, path: string): void {
  if (!existsSync(path)) return;
  const text = readFileSync(path, 'utf8');
  const lines = completeLines(text)
    .split('\n')
    .filter((l) => l.trim() !== '');
  const keyed = lines.map((line, i) => ({ line, key: format.lineSortKey(line), i }));
  const sorted = [...keyed].sort((a, b) => format.compareKeys(a.key, b.key) || a.i - b.i);
  const out = sorted.map((k) => `${k.line}\n`).join('');
  if (out === text) return;
  writeFileAtomic(path, out);
}
