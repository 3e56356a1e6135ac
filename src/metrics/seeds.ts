/**
 * Seed lists as a user types them on the command line: `0,1,2`, ranges `0-19`, mixes `0-4,10,12-13`.
 */

/** A seed list that cannot be read; `token` is the offending entry as typed (trimmed). */
export class SeedListError extends Error {
  constructor(
    message: string,
    readonly token: string,
  ) {
    super(message);
    this.name = 'SeedListError';
  }
}

/** Most seeds one list may expand to (a typo like `0-1000000` should fail fast, not allocate). */
export const MAX_SEEDS = 100_000;

const INTEGER = /^\d+$/;
const RANGE = /^(\d+)\s*-\s*(\d+)$/;

/**
 * Parses a comma-separated list of non-negative integer seeds and inclusive ranges `a-b` (a ≤ b),
 * whitespace around entries allowed, and returns the seeds in the order given.
 * Throws a SeedListError naming the entry for: an empty list or entry, a negative seed, a non-integer,
 * a reversed range (`5-3`), anything else that is not a number or a range, a list longer than MAX_SEEDS,
 * and a seed given twice, directly or through overlapping ranges — the same seed given twice is not two
 * seeds (it would train the same agent twice and count it as independent evidence).
 */
export function parseSeedList(text: string): number[] {
  if (text.trim() === '') throw new SeedListError('seed list is empty: give seeds like 0,1,2 or a range like 0-4', text);
  const seeds: number[] = [];
  const firstSeen = new Map<number, string>();
  for (const raw of text.split(',')) {
    const token = raw.trim();
    if (token === '') throw new SeedListError(`seed list "${text}" has an empty entry (two commas in a row, or a trailing comma)`, token);
    let lo: number;
    let hi: number;
    const range = RANGE.exec(token);
    if (INTEGER.test(token)) {
      lo = hi = Number(token);
    } else if (range) {
      lo = Number(range[1]);
      hi = Number(range[2]);
      if (lo > hi) throw new SeedListError(`seed range "${token}" is reversed: write ${hi}-${lo}`, token);
    } else if (/^-\s*\d/.test(token) || /^\d+\s*-\s*-/.test(token)) {
      throw new SeedListError(`seed "${token}" is negative: seeds are integers ≥ 0`, token);
    } else if (/^(\d+\.\d*|\.\d+)(\s*-.*)?$/.test(token) || /^\d+\s*-\s*[+-]?(\d+\.\d*|\.\d+)$/.test(token)) {
      throw new SeedListError(`seed "${token}" is not an integer`, token);
    } else {
      throw new SeedListError(`"${token}" is not a seed or a range of seeds (expected forms: 3 or 0-4)`, token);
    }
    if (!Number.isSafeInteger(hi)) throw new SeedListError(`seed "${token}" is too large`, token);
    if (seeds.length + (hi - lo + 1) > MAX_SEEDS) {
      throw new SeedListError(`seed list expands to more than ${MAX_SEEDS} seeds at "${token}"`, token);
    }
    for (let s = lo; s <= hi; s++) {
      const prev = firstSeen.get(s);
      if (prev !== undefined) {
        throw new SeedListError(`the same seed given twice is not two seeds: seed ${s} appears twice (first in "${prev}", again in "${token}")`, token);
      }
      firstSeen.set(s, token);
      seeds.push(s);
    }
  }
  return seeds;
}
