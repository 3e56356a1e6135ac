/**
 * `sector-topdown`: the top-down sector allocation of arXiv 2503.09647 (Quek et al.), with offline
 * stand-ins for its LLM agents.
 *
 * Each decision day:
 * 1. macro agent (macro-agent.ts): the regime from FRED indicators released before the day;
 * 2. sentiment agent (sentiment-agent.ts): per company, the lexicon score of its previous trading day's news;
 * 3. ranking agent (here): the regime's sector table (sectors.ts) over/underweights GICS sectors; inside
 *    each overweight sector the `sectorPicks` best names go long, inside each underweight sector the
 *    `sectorPicks` worst go short — best/worst by sentiment, ties by trailing price return (lookback/skip),
 *    then ticker order. A name with negative sentiment is never bought, a name with positive sentiment
 *    never shorted (the paper liquidates a position whose sentiment outlook flips). In neutral sectors,
 *    news alone opens positions: positive sentiment long, negative short.
 * 4. sizing (the portfolio manager's 90% cap): half of `capitalCap` per side, equally over that side's
 *    names (dollar-neutral when both sides hold names); gross ≤ capitalCap on every day.
 *
 * On the sector ETF universe each ETF is its sector (SECTOR_ETF_GICS): the overweight ETFs go long and the
 * underweight ones short; SPY is the universe's benchmark and not tradable.
 */
import type { StrategyOptions } from '../strategies.ts';
import {
  StrategyError,
  type BookDesign,
  type DecisionContext,
  type DecisionNote,
  type Strategy,
  type StrategyCosts,
  type StrategyInputs,
  type Weights,
} from '../strategy.ts';
import { checkBook, costsOf, costsWords, r4, r6, topDownDesign, trailingReturns } from './common.ts';
import { topDownMacro, topDownNews } from './data.ts';
import { MACRO_MISSING, macroView } from './macro-agent.ts';
import { REGIME_SECTOR_TILTS, resolveSectors, sectorTilts, type Sector } from './sectors.ts';
import { sentimentView } from './sentiment-agent.ts';
import type { MacroStore } from '../../../src/data/macro.ts';
import type { NewsStore } from '../../../src/data/news.ts';

export const NEWS_COVERAGE =
  'the bundled per-ticker news (data/dow30_ticker_news.csv.gz) covers 2014–2016 and AAPL in 2020 only: in 2017–2019 every company has "no news" (sentiment 0) and the allocation runs on macro and price alone';

export interface Pick {
  ticker: string;
  sector: string;
  side: 'long' | 'short';
  weight: number;
  sentiment: number;
  items: number;
  momentum: number;
  reason: string;
}

/** A news-and-macro-reading strategy's shared state: its data, journal and coverage counters. */
export abstract class TopDownBase implements Strategy {
  abstract readonly name: string;
  readonly design: BookDesign;
  readonly costs?: StrategyCosts;
  protected readonly macro: MacroStore;
  protected readonly news: NewsStore;
  protected readonly macroSource: string;
  protected readonly newsSource: string;
  protected readonly notesLog: DecisionNote[] = [];
  protected daysWithoutNews = 0;

  constructor(
    readonly options: StrategyOptions,
    inputs: StrategyInputs,
  ) {
    this.design = topDownDesign(options);
    this.costs = costsOf(options);
    const m = topDownMacro(inputs, options.macroFile);
    const n = topDownNews(inputs, options.newsFile);
    this.macro = m.store;
    this.macroSource = m.source;
    this.news = n.store;
    this.newsSource = n.source;
  }

  abstract describe(): string;
  abstract decide(ctx: DecisionContext): Weights;

  journal(): readonly DecisionNote[] {
    return this.notesLog;
  }

  /** Run notes (the backtest reports them): how many decisions had no news at all. */
  get notes(): string[] {
    const n = this.notesLog.length;
    if (n === 0) return [];
    return this.daysWithoutNews > 0
      ? [`${this.name}: no company had news on ${this.daysWithoutNews} of ${n} decision days (${this.newsSource}); sentiment was 0 there`]
      : [];
  }
}

export class SectorTopDownStrategy extends TopDownBase {
  readonly name = 'sector-topdown';

  constructor(options: StrategyOptions, inputs: StrategyInputs) {
    super(options, inputs);
    if (options.skip >= options.lookback) throw new StrategyError(`sector-topdown: skip (${options.skip}) must be shorter than lookback (${options.lookback})`);
  }

  describe(): string {
    const o = this.options;
    return (
      `sector-topdown: offline stand-in of arXiv 2503.09647's top-down allocation — a rules-based macro regime (CPI and core PCE inflation trend, payrolls, industrial production, 10y–2y spread; ${MACRO_MISSING}) ` +
      `over/underweights GICS sectors, then within sectors the ${o.sectorPicks} best (long) / worst (short) names by lexicon news sentiment of the last ${o.sentimentLookback} trading day(s), ties by ${o.lookback}-day return skipping ${o.skip}; ` +
      `gross ≤ ${o.capitalCap} (half per side), rebalanced ${o.rebalance}, ${costsWords(o)}; ${NEWS_COVERAGE}`
    );
  }

  decide(ctx: DecisionContext): Weights {
    const o = this.options;
    const h = ctx.history;
    const view = macroView(this.macro, ctx.date);
    const tilts = sectorTilts(view.regime);
    const sent = sentimentView(this.news, h, o.sentimentLookback);
    if (sent.withNews === 0) this.daysWithoutNews++;
    const mom = trailingReturns(h, o.lookback, o.skip, this.name);
    const { sectorOf, unmapped } = resolveSectors(h.tickers, ctx.sectorOf);
    if (unmapped.length === h.n)
      throw new StrategyError(
        `sector-topdown: no ticker of the universe has a GICS sector (${h.tickers.join(', ')}); use dow30, sectors, or a universe with a sector map`,
        ctx.date,
      );

    // Members of each sector that trade through the whole momentum window.
    const members = new Map<Sector, number[]>();
    for (let i = 0; i < h.n; i++) {
      const s = sectorOf[i];
      if (s === null || Number.isNaN(mom[i])) continue;
      let list = members.get(s);
      if (!list) members.set(s, (list = []));
      list.push(i);
    }
    const score = (i: number) => sent.byTicker[h.tickers[i]].score;
    const best = (a: number, b: number) => score(b) - score(a) || mom[b] - mom[a] || a - b;
    const worst = (a: number, b: number) => score(a) - score(b) || mom[a] - mom[b] || a - b;
    const groups: { sector: Sector; side: 'long' | 'short'; names: number[]; reason: string }[] = [];
    for (const sector of [...members.keys()].sort()) {
      const list = members.get(sector)!;
      const tilt = tilts[sector];
      if (tilt === 'overweight') {
        const names = list
          .filter((i) => score(i) >= 0)
          .sort(best)
          .slice(0, o.sectorPicks);
        if (names.length) groups.push({ sector, side: 'long', names, reason: `${view.regime}: ${sector} overweight; best by sentiment, then momentum` });
      } else if (tilt === 'underweight') {
        const names = list
          .filter((i) => score(i) <= 0)
          .sort(worst)
          .slice(0, o.sectorPicks);
        if (names.length) groups.push({ sector, side: 'short', names, reason: `${view.regime}: ${sector} underweight; worst by sentiment, then momentum` });
      } else {
        const up = list
          .filter((i) => score(i) > 0)
          .sort(best)
          .slice(0, o.sectorPicks);
        const down = list
          .filter((i) => score(i) < 0)
          .sort(worst)
          .slice(0, o.sectorPicks);
        if (up.length) groups.push({ sector, side: 'long', names: up, reason: `${sector} neutral; positive news sentiment` });
        if (down.length) groups.push({ sector, side: 'short', names: down, reason: `${sector} neutral; negative news sentiment` });
      }
    }

    const w = new Float64Array(h.n);
    const picks: Pick[] = [];
    const half = o.capitalCap / 2;
    for (const side of ['long', 'short'] as const) {
      const gs = groups.filter((g) => g.side === side);
      // Equal weight per name on each side: a sector's tilt shows in how many of its names are held, and
      // no single news-driven name takes a whole sector's share.
      const names = gs.reduce((k, g) => k + g.names.length, 0);
      const each = names > 0 ? half / names : 0;
      for (const g of gs) {
        for (const i of g.names) {
          // One sector per ticker and one side per sector group: a name can only be picked once.
          if (w[i] !== 0) throw new StrategyError(`sector-topdown: ${h.tickers[i]} picked twice on ${ctx.date} (a bug: report it)`, ctx.date);
          w[i] = side === 'long' ? each : -each;
          const c = sent.byTicker[h.tickers[i]];
          picks.push({
            ticker: h.tickers[i],
            sector: g.sector,
            side,
            weight: r6(w[i]),
            sentiment: r4(c.score),
            items: c.items,
            momentum: r4(mom[i]),
            reason: g.reason,
          });
        }
      }
    }
    const book = checkBook(w, o, this.name, ctx.date);
    const absent = (Object.keys(tilts) as Sector[]).filter((s) => tilts[s] !== 'neutral' && !members.has(s));
    const notes: string[] = [];
    if (absent.length) notes.push(`tilted sectors with no tradable name in the universe: ${absent.join(', ')}`);
    if (unmapped.length) notes.push(`no GICS sector, left out: ${unmapped.join(', ')}`);
    if (sent.note) notes.push(sent.note);
    this.notesLog.push({
      date: ctx.date,
      strategy: this.name,
      regime: {
        name: view.regime,
        reasoning: view.reasoning,
        growthScore: view.growthScore,
        growth: view.growth,
        inflationTrend: view.inflationTrend,
        indicators: view.indicators,
        source: this.macroSource,
      },
      sentiment: { source: this.newsSource, since: sent.since, before: sent.until, companiesWithNews: sent.withNews, byTicker: roundSentiment(sent.byTicker) },
      sectorTilts: tilts,
      tiltReason: REGIME_SECTOR_TILTS[view.regime].why,
      picks,
      exposure: { long: r6(book.long), short: r6(book.short), gross: r6(book.gross) },
      notes,
    });
    return w;
  }
}

export function roundSentiment(
  by: Record<string, { score: number; items: number; pos: number; neg: number }>,
): Record<string, { score: number; items: number; pos: number; neg: number }> {
  const out: Record<string, { score: number; items: number; pos: number; neg: number }> = {};
  for (const [t, c] of Object.entries(by)) out[t] = { ...c, score: r4(c.score) };
  return out;
}
