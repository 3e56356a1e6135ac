/**
 * The sentiment agent's offline stand-in: per company, a news count and a small finance lexicon.
 *
 * The paper's agent (DeepSeek-7B) does named-entity recognition and aspect-based sentiment on the
 * previous trading day's articles. Here: the items of the news file tagged with the company's ticker,
 * published in the last `lookback` trading days before the decision day (items dated d are public only
 * after d: `NewsStore.before`), are tokenised into lower-case words; every word in the positive list
 * counts +1, every word in the negative list −1; the score is (pos − neg)/(pos + neg) in [−1, 1], 0 with no
 * lexicon word and 0 with no news. Items without a ticker are not attributed to any company.
 *
 * Coverage: the bundled data/dow30_ticker_news.csv.gz holds per-ticker items for 2014–2016 and AAPL in
 * 2020 only, so in 2019 every company has "no news" and the allocation runs on macro and price alone.
 */
import type { NewsItem, NewsStore } from '../../../src/data/news.ts';
import type { PointInTimeHistory } from '../strategy.ts';

/** Positive finance words (lower case, whole words). */
export const POSITIVE_WORDS: readonly string[] = [
  'beat',
  'beats',
  'bullish',
  'buy',
  'gain',
  'gains',
  'growth',
  'higher',
  'strong',
  'stronger',
  'surge',
  'surges',
  'surged',
  'upgrade',
  'upgraded',
  'upgrades',
  'outperform',
  'profit',
  'profits',
  'record',
  'rally',
  'rallies',
  'rise',
  'rises',
  'rose',
  'soar',
  'soars',
  'jump',
  'jumps',
  'boost',
  'boosts',
  'exceed',
  'exceeds',
  'optimistic',
  'positive',
  'win',
  'wins',
];

/** Negative finance words (lower case, whole words). */
export const NEGATIVE_WORDS: readonly string[] = [
  'miss',
  'misses',
  'missed',
  'bearish',
  'sell',
  'loss',
  'losses',
  'lower',
  'weak',
  'weaker',
  'plunge',
  'plunges',
  'plunged',
  'downgrade',
  'downgraded',
  'downgrades',
  'underperform',
  'decline',
  'declines',
  'drop',
  'drops',
  'fall',
  'falls',
  'fell',
  'lawsuit',
  'recall',
  'negative',
  'cut',
  'cuts',
  'slump',
  'slumps',
  'warning',
  'warns',
  'fraud',
  'probe',
  'crash',
  'sued',
];

const POS = new Set(POSITIVE_WORDS);
const NEG = new Set(NEGATIVE_WORDS);

export interface LexiconCount {
  pos: number;
  neg: number;
}

/** Positive and negative lexicon hits of one text (words: runs of letters, case-folded). */
export function lexiconCount(text: string): LexiconCount {
  let pos = 0;
  let neg = 0;
  for (const w of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    if (POS.has(w)) pos++;
    else if (NEG.has(w)) neg++;
  }
  return { pos, neg };
}

/** (pos − neg)/(pos + neg) over the texts, 0 without a lexicon word. */
export function lexiconScore(texts: readonly string[]): { score: number; pos: number; neg: number } {
  let pos = 0;
  let neg = 0;
  for (const t of texts) {
    const c = lexiconCount(t);
    pos += c.pos;
    neg += c.neg;
  }
  return { score: pos + neg === 0 ? 0 : (pos - neg) / (pos + neg), pos, neg };
}

export interface CompanySentiment {
  /** In [−1, 1]; 0 with no news. */
  score: number;
  items: number;
  pos: number;
  neg: number;
}

export interface SentimentView {
  /** The news window: items dated from `since` (inclusive) to the decision day (exclusive). */
  since: string;
  until: string;
  byTicker: Record<string, CompanySentiment>;
  /** Companies with at least one item. */
  withNews: number;
  /** Said when no company has news: the allocation then runs on macro and price only. */
  note?: string;
}

/**
 * Sentiment per ticker from the news of the last `lookback` trading days before the decision day:
 * items dated on or after the trading day `lookback` rows back (weekend items after a Friday count for
 * the Monday) and strictly before the decision day.
 */
export function sentimentView(news: NewsStore, history: PointInTimeHistory, lookback: number): SentimentView {
  const until = history.date;
  const since = history.dateAt(Math.max(0, history.t - lookback));
  const items = news.before(until, since);
  const texts = new Map<string, string[]>();
  for (const it of items as NewsItem[]) {
    if (!it.ticker) continue;
    let list = texts.get(it.ticker);
    if (!list) texts.set(it.ticker, (list = []));
    list.push(it.text);
  }
  const byTicker: Record<string, CompanySentiment> = {};
  let withNews = 0;
  for (const t of history.tickers) {
    const list = texts.get(t) ?? [];
    if (list.length) withNews++;
    byTicker[t] = { ...lexiconScore(list), items: list.length };
  }
  const view: SentimentView = { since, until, byTicker, withNews };
  if (withNews === 0)
    view.note = `no news for any company from ${since} to before ${until}: every sentiment is 0 and the decision runs on macro and price only`;
  return view;
}
