/**
 * The sector allocation's two benchmarks, labelled apart:
 *
 * - `xs-llm`: the paper's "cross-momentum" arm (its prompt 9.4), which despite the name reads no prices:
 *   a composite of each company's news sentiment reweighted by the macro regime; long every name with a
 *   positive composite, short every name with a negative one, each at a fixed `positionSize` (1%). With
 *   no news every composite is 0 and it holds nothing (the bundled news has none in 2017–2019).
 *   Reweighting (ours; the paper's prompt gives no numbers): ×1.5 where the regime's sector tilt agrees
 *   with the sentiment's sign (positive in an overweight sector, negative in an underweight one), ×0.5
 *   where it disagrees, ×1 in neutral sectors. The multiplier never flips a sign, so it only ranks the
 *   names: at 1% per name the cap (half of capitalCap per side, 45 names) binds only on large universes.
 * - `xs-momentum`: honest price momentum: the trailing return from t − lookback to t − skip (63 days, no
 *   skip by default), long the top `topK` and short the bottom `topK` at equal weights filling half of
 *   `capitalCap` per side, so it uses the same gross as sector-topdown and is comparable with it.
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
import { MACRO_MISSING, macroView } from './macro-agent.ts';
import { NEWS_COVERAGE, roundSentiment, TopDownBase, type Pick } from './sector-topdown.ts';
import { resolveSectors, sectorTilts, tiltSign } from './sectors.ts';
import { sentimentView } from './sentiment-agent.ts';

/** The composite's macro multipliers: the regime agrees with the sentiment's sign, disagrees, or has no view. */
export const XS_LLM_REWEIGHT = { agree: 1.5, disagree: 0.5, neutral: 1 } as const;

export class XsLlmStrategy extends TopDownBase {
  readonly name = 'xs-llm';

  constructor(options: StrategyOptions, inputs: StrategyInputs) {
    super(options, inputs);
    if (options.positionSize > options.capitalCap / 2)
      throw new StrategyError(
        `xs-llm: positionSize ${options.positionSize} is larger than half the capital cap (${options.capitalCap / 2} per side): lower positionSize or raise capitalCap`,
      );
  }

  describe(): string {
    const o = this.options;
    return (
      `xs-llm: the paper's "cross-momentum" benchmark (composite sentiment, no price term) — lexicon news sentiment of the last ${o.sentimentLookback} trading day(s) reweighted by the macro regime ` +
      `(×${XS_LLM_REWEIGHT.agree} where the sector tilt agrees, ×${XS_LLM_REWEIGHT.disagree} where it disagrees; ${MACRO_MISSING}), long positive / short negative composites at a fixed ${(o.positionSize * 100).toFixed(2)}% each, ` +
      `gross ≤ ${o.capitalCap}, rebalanced ${o.rebalance}, ${costsWords(o)}; with no news it holds nothing — ${NEWS_COVERAGE}`
    );
  }

  decide(ctx: DecisionContext): Weights {
    const o = this.options;
    const h = ctx.history;
    const view = macroView(this.macro, ctx.date);
    const tilts = sectorTilts(view.regime);
    const sent = sentimentView(this.news, h, o.sentimentLookback);
    if (sent.withNews === 0) this.daysWithoutNews++;
    const { sectorOf } = resolveSectors(h.tickers, ctx.sectorOf);
    const cand: { i: number; c: number; m: number }[] = [];
    for (let i = 0; i < h.n; i++) {
      if (!h.isAvailable(h.t, i)) continue;
      const s = sent.byTicker[h.tickers[i]].score;
      if (s === 0) continue;
      const sector = sectorOf[i];
      const tilt = sector === null ? 0 : tiltSign(tilts[sector]);
      const m = tilt === 0 ? XS_LLM_REWEIGHT.neutral : tilt === Math.sign(s) ? XS_LLM_REWEIGHT.agree : XS_LLM_REWEIGHT.disagree;
      cand.push({ i, c: s * m, m });
    }
    // Strongest composite first, then ticker order: deterministic, and the cap keeps the strongest.
    cand.sort((a, b) => Math.abs(b.c) - Math.abs(a.c) || a.i - b.i);
    const perSide = Math.floor(o.capitalCap / 2 / o.positionSize + 1e-9);
    const w = new Float64Array(h.n);
    const picks: Pick[] = [];
    const count = { long: 0, short: 0 };
    const dropped: string[] = [];
    for (const { i, c, m } of cand) {
      const side = c > 0 ? 'long' : 'short';
      if (count[side] >= perSide) {
        dropped.push(h.tickers[i]);
        continue;
      }
      count[side]++;
      w[i] = side === 'long' ? o.positionSize : -o.positionSize;
      const sc = sent.byTicker[h.tickers[i]];
      picks.push({
        ticker: h.tickers[i],
        sector: sectorOf[i] ?? 'none',
        side,
        weight: r6(w[i]),
        sentiment: r4(sc.score),
        items: sc.items,
        momentum: NaN,
        reason: `composite ${r4(c)} = sentiment × ${m}`,
      });
    }
    const book = checkBook(w, o, this.name, ctx.date);
    const notes: string[] = [];
    if (sent.note) notes.push(`${sent.note}; xs-llm holds nothing`);
    if (dropped.length) notes.push(`cap of ${perSide} positions per side reached; left out: ${dropped.join(', ')}`);
    this.notesLog.push({
      date: ctx.date,
      strategy: this.name,
      regime: {
        name: view.regime,
        reasoning: view.reasoning,
        growthScore: view.growthScore,
        inflationTrend: view.inflationTrend,
        indicators: view.indicators,
        source: this.macroSource,
      },
      sentiment: { source: this.newsSource, since: sent.since, before: sent.until, companiesWithNews: sent.withNews, byTicker: roundSentiment(sent.byTicker) },
      sectorTilts: tilts,
      picks: picks.map(({ momentum: _m, ...p }) => p),
      exposure: { long: r6(book.long), short: r6(book.short), gross: r6(book.gross) },
      notes,
    });
    return w;
  }
}

export class XsMomentumStrategy implements Strategy {
  readonly name = 'xs-momentum';
  readonly design: BookDesign;
  readonly costs?: StrategyCosts;
  private readonly log: DecisionNote[] = [];

  constructor(readonly options: StrategyOptions) {
    if (options.skip >= options.lookback) throw new StrategyError(`xs-momentum: skip (${options.skip}) must be shorter than lookback (${options.lookback})`);
    this.design = topDownDesign(options);
    this.costs = costsOf(options);
  }

  describe(): string {
    const o = this.options;
    return `xs-momentum: price momentum benchmark — trailing ${o.lookback}-day return skipping the last ${o.skip}, long the top ${o.topK} / short the bottom ${o.topK} at equal weights, ${o.capitalCap / 2} of equity per side (gross ≤ ${o.capitalCap}, as sector-topdown), rebalanced ${o.rebalance}, ${costsWords(o)}`;
  }

  journal(): readonly DecisionNote[] {
    return this.log;
  }

  decide(ctx: DecisionContext): Weights {
    const o = this.options;
    const h = ctx.history;
    const mom = trailingReturns(h, o.lookback, o.skip, this.name);
    const idx: number[] = [];
    for (let i = 0; i < h.n; i++) if (!Number.isNaN(mom[i])) idx.push(i);
    const k = Math.min(o.topK, Math.floor(idx.length / 2));
    if (k < 1)
      throw new StrategyError(
        `xs-momentum: ${idx.length} ticker(s) with a full ${o.lookback}-day history on ${ctx.date} cannot fill a top and a bottom ${o.topK}`,
        ctx.date,
      );
    // Highest return first, ties by ticker order.
    idx.sort((a, b) => mom[b] - mom[a] || a - b);
    const w = new Float64Array(h.n);
    const each = o.capitalCap / 2 / k;
    const picks: { ticker: string; side: 'long' | 'short'; weight: number; momentum: number }[] = [];
    for (let j = 0; j < k; j++) {
      const top = idx[j];
      const bottom = idx[idx.length - 1 - j];
      w[top] = each;
      w[bottom] = -each;
      picks.push({ ticker: h.tickers[top], side: 'long', weight: r6(each), momentum: r4(mom[top]) });
      picks.push({ ticker: h.tickers[bottom], side: 'short', weight: r6(-each), momentum: r4(mom[bottom]) });
    }
    const book = checkBook(w, o, this.name, ctx.date);
    this.log.push({ date: ctx.date, strategy: this.name, picks, exposure: { long: r6(book.long), short: r6(book.short), gross: r6(book.gross) } });
    return w;
  }
}
