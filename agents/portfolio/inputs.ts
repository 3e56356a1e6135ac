/**
 * StrategyInputs from files: a scores file (`marginlab score`), a signals file (`marginlab forecast`,
 * for Black–Litterman's market views) and a news file. `backtest --scores/--signals/--news` and `compare
 * --scores` read them here, once, before anything runs, so a bad file fails before any work.
 */
import { ScoreBook, type ScoreAggregation } from '../../overlays/scoring/record.ts';
import { readScoreRecords } from '../../overlays/scoring/scores-file.ts';
import { readSignals, successfulSignals } from '../../overlays/signals.ts';
import { loadNews } from '../../src/data/news.ts';
import type { StrategyInputs } from './strategy.ts';

export interface StrategyInputFiles {
  /** Scores JSONL (marginlab score). */
  scores?: string;
  /** Persona aggregation of the scores file (ScoreBook's). */
  scoreAggregation?: ScoreAggregation;
  /** Signals JSONL (marginlab forecast): market views for black-litterman --views forecasts. */
  signals?: string;
  /** A news file (CSV or JSONL, src/data/news.ts) replacing the bundled per-ticker news. */
  news?: string;
}

export function loadStrategyInputs(files: StrategyInputFiles): StrategyInputs {
  const inputs: StrategyInputs = {};
  if (files.scores !== undefined) {
    const records = readScoreRecords(files.scores);
    const book = new ScoreBook(records, files.scoreAggregation ?? 'mean');
    if (book.dates.length === 0) throw new Error(`scores file ${files.scores}: no successful score record (every record is a failure, or the file is empty)`);
    inputs.scores = book;
    inputs.scoresSource = files.scores;
  }
  if (files.signals !== undefined) {
    const ok = successfulSignals(readSignals(files.signals));
    if (ok.length === 0) throw new Error(`signals file ${files.signals}: no successful forecast`);
    inputs.signals = ok;
  }
  if (files.news !== undefined) inputs.news = loadNews(files.news);
  return inputs;
}
