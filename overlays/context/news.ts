/**
 * News context: items published in the window [asOf − lookbackDays, asOf). When there are more than
 * `maxItems`, they are taken round-robin over the days (one per day per round, newest day first), so a
 * busy last day cannot crowd out the rest of the month. Item text is untrusted: it is flattened to one
 * line here and fenced by the prompt builder.
 */
import type { NewsItem, NewsStore } from '../../src/data/news.ts';
import { addDays } from '../dates.ts';
import type { Context, ContextSource } from './types.ts';

export interface NewsContextOptions {
  /** Calendar days before asOf to include (default 31, about the paper's previous month). */
  lookbackDays?: number;
  /** At most this many items, spread over the days of the window (default 80). */
  maxItems?: number;
  /** Characters kept per item (default 400). */
  maxChars?: number;
  /** Only items for these tickers (items without a ticker are market-wide and always kept). */
  tickers?: string[];
}

function oneLine(text: string, maxChars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
}

/** Up to `max` of the date-sorted `items`, round-robin over days from the newest; oldest first. */
function spreadOverDays(items: NewsItem[], max: number): NewsItem[] {
  if (items.length <= max) return items;
  const days: NewsItem[][] = [];
  for (const item of items) {
    const last = days[days.length - 1];
    if (last && last[0].date === item.date) last.push(item);
    else days.push([item]);
  }
  days.reverse();
  const picked = new Set<NewsItem>();
  for (let round = 0; picked.size < max; round++) {
    for (const day of days) {
      if (round < day.length) picked.add(day[round]);
      if (picked.size === max) break;
    }
  }
  return items.filter((i) => picked.has(i));
}

export class NewsContextSource implements ContextSource {
  readonly name = 'news' as const;
  readonly pointInTime = true;
  private readonly lookbackDays: number;
  private readonly maxItems: number;
  private readonly maxChars: number;
  private readonly tickers: Set<string> | null;

  constructor(
    private readonly store: NewsStore,
    options: NewsContextOptions = {},
  ) {
    this.lookbackDays = options.lookbackDays ?? 31;
    this.maxItems = options.maxItems ?? 80;
    this.maxChars = options.maxChars ?? 400;
    this.tickers = options.tickers ? new Set(options.tickers) : null;
  }

  /** The items a decision on asOf may read, oldest first. */
  items(asOf: string): NewsItem[] {
    const since = addDays(asOf, -this.lookbackDays);
    let items = this.store.before(asOf, since);
    if (this.tickers) items = items.filter((i) => i.ticker === undefined || this.tickers!.has(i.ticker));
    return spreadOverDays(items, this.maxItems);
  }

  build(asOf: string): Context {
    const news = this.items(asOf);
    const lines = news.map((i) => {
      const tags = [i.ticker, i.source].filter((t) => t !== undefined).join(', ');
      return `- ${i.date}${tags ? ` [${tags}]` : ''} ${oneLine(i.text, this.maxChars)}`;
    });
    const header = `News items published from ${addDays(asOf, -this.lookbackDays)} to before ${asOf} (${news.length} items, oldest first):`;
    return {
      source: 'news',
      asOf,
      pointInTime: true,
      title: 'News headlines',
      body: news.length === 0 ? `${header}\n(no news items in this window)` : `${header}\n${lines.join('\n')}`,
      news,
    };
  }
}
