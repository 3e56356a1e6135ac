/**
 * Where a score strategy's asset scores come from on a decision day: a ScoreBook (StrategyInputs.scores,
 * read point in time by `ScoreBook.at`: the latest scoring date ≤ the decision date), or the documented
 * offline stand-in, the transparent price-momentum scorer (overlays/scoring/price-stats.ts) run in-process
 * on the decision's PointInTimeHistory (rows ≤ t: a decision at t's close may see t's close).
 */
import { compositeScore, ScoreBook, type AssetScore, type ScoreAggregation, type ScoreRecord } from '../../overlays/scoring/record.ts';
import { assetPriceStats, momentumScoreAnswers, type VisibleCloses } from '../../overlays/scoring/price-stats.ts';
import { StrategyError, type PointInTimeHistory, type StrategyInputs } from './strategy.ts';

export type PersonaAggregation = 'book' | 'mean' | 'median' | 'portfolios';

/** One set of scores a rule is applied to: every persona aggregated (persona null), or one persona's. */
export interface ScoreSnapshot {
  persona: string | null;
  scores: Map<string, AssetScore>;
}

export interface ScoreSource {
  /** In words, for describe() and the journal. */
  readonly description: string;
  /** Short name for the journal (a file path, or "price-momentum stand-in"). */
  readonly name: string;
  readonly cheating: boolean;
  readonly standIn: boolean;
  /** The snapshots in force at the history's decision day (one, or one per persona for 'portfolios'). */
  snapshots(h: PointInTimeHistory): ScoreSnapshot[];
}

export const STAND_IN_NAME = 'price-momentum stand-in';

/** The stand-in's description (its rule, its inputs, that it is not an LLM). */
export const STAND_IN_DESCRIPTION =
  'offline stand-in: the transparent price-momentum scorer run in-process on closes ≤ the decision day (momentum = 1 + 9·rank of the 12-1 return, risk = 1 + 9·rank of 3-month volatility, fundamentals and sentiment neutral 5.5, confidence 0.5; not an LLM)';

/** A PointInTimeHistory as the scorer's VisibleCloses: rows 0 … t, NaN where a ticker has no bar. */
export function visibleCloses(h: PointInTimeHistory): VisibleCloses {
  return {
    tickers: h.tickers,
    rows: h.t + 1,
    date: (row) => h.dateAt(row),
    close: (row, i) => (h.isAvailable(row, i) ? h.closeAt(row, i) : NaN),
  };
}

/** The stand-in's scores at the decision day, as AssetScores dated that day (persona "analyst", as offline scorers are). */
export function standInScores(h: PointInTimeHistory): Map<string, AssetScore> {
  const answers = momentumScoreAnswers(assetPriceStats(visibleCloses(h)));
  const out = new Map<string, AssetScore>();
  for (const [ticker, a] of [...answers].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    out.set(ticker, {
      ticker,
      date: h.date,
      composite: compositeScore(a),
      fundamentals: a.fundamentals,
      momentum: a.momentum,
      sentiment: a.sentiment,
      risk: a.risk,
      confidence: a.confidence,
      personas: ['analyst'],
      promptHashes: [],
    });
  }
  return out;
}

/** The successful records a ScoreBook holds (persona re-aggregation builds new books from them). */
export function scoreRecordsOf(book: ScoreBook): ScoreRecord[] {
  return [...book.records];
}

/** The persona names in a book's records, sorted. */
export function personasOf(book: ScoreBook): string[] {
  return [...new Set(scoreRecordsOf(book).map((r) => r.persona))].sort();
}

export function scoreSource(inputs: StrategyInputs, how: PersonaAggregation, who: string): ScoreSource {
  const book = inputs.scores;
  if (!book) {
    return {
      description: STAND_IN_DESCRIPTION,
      name: STAND_IN_NAME,
      cheating: false,
      standIn: true,
      // One scorer, one persona: every aggregation is the identity on it.
      snapshots: (h) => [{ persona: null, scores: standInScores(h) }],
    };
  }
  const name = inputs.scoresSource ?? 'a ScoreBook';
  const personas = book.personas ? [...book.personas] : null;
  const cheat = book.cheating ? ' (CHEATING: the book holds oracle scores that read the future)' : '';
  if (how === 'book' || how === book.aggregation) {
    return {
      description: `scores from ${name}, the ${book.aggregation} over ${personas ? `personas ${personas.join(', ')}` : 'every persona'} on the latest scoring date ≤ the decision date${cheat}`,
      name,
      cheating: book.cheating,
      standIn: false,
      snapshots: (h) => [{ persona: null, scores: book.at(h.date) }],
    };
  }
  const records = scoreRecordsOf(book);
  if (how === 'mean' || how === 'median') {
    const agg = new ScoreBook(records, how as ScoreAggregation, book.personas);
    return {
      description: `scores from ${name}, the ${how} over ${personas ? `personas ${personas.join(', ')}` : 'every persona'} on the latest scoring date ≤ the decision date${cheat}`,
      name,
      cheating: book.cheating,
      standIn: false,
      snapshots: (h) => [{ persona: null, scores: agg.at(h.date) }],
    };
  }
  const names = [...new Set(records.map((r) => r.persona))].sort();
  if (names.length === 0) throw new StrategyError(`${who}: the ScoreBook ${name} holds no successful record, so there is no persona to build a portfolio for`);
  const books = names.map((p) => ({ persona: p, book: new ScoreBook(records, book.aggregation, [p]) }));
  return {
    description: `scores from ${name}: one portfolio per persona (${names.join(', ')}) with the same rule, weights averaged, each persona's latest scoring date ≤ the decision date${cheat}`,
    name,
    cheating: book.cheating,
    standIn: false,
    snapshots: (h) => books.map((b) => ({ persona: b.persona, scores: b.book.at(h.date) })),
  };
}
