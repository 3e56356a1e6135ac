import { describe, expect, it } from 'vitest';
import { backtestConfig, backtestStrategy } from '../../agents/portfolio/backtest.ts';
import { covariance, expectedReturns } from '../../agents/portfolio/estimators.ts';
import { meanVariance } from '../../agents/portfolio/mean-variance.ts';
import { SCORE_PRESET_OPTIONS } from '../../agents/portfolio/score-options.ts';
import { crossSectionalZ, scoreRuleWeights } from '../../agents/portfolio/score-rules.ts';
import { standInScores } from '../../agents/portfolio/score-source.ts';
import { makeStrategy, StrategyOptionsSchema } from '../../agents/portfolio/strategies.ts';
import { exposures, PointInTimeHistory, type Strategy } from '../../agents/portfolio/strategy.ts';
import { ScoreBook, type ScoreRecord } from '../../overlays/scoring/record.ts';
import { resolveUniverse } from '../../src/data/universe.ts';
import { historyAt, recordWithComposite, scoreRecord, syntheticFrame } from './score-fixtures.ts';

const tickers = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF'];
const frame = syntheticFrame(tickers, 320);
const T = 300;
const ctxAt = (h: PointInTimeHistory) => ({ date: h.date, history: h, previous: new Float64Array(h.n), periodsPerYear: 252 });
const decide = (s: Strategy, f = frame, t = T) => s.decide(ctxAt(historyAt(f, t)));
const note = (s: Strategy, k = 0) => s.journal!()[k] as Record<string, any>;

/** Composites per ticker on one date (tickers not listed are unscored). */
function book(date: string, composites: Record<string, number>, persona = 'analyst'): ScoreRecord[] {
  return Object.entries(composites).map(([k, c]) => recordWithComposite(date, k, c, { persona }));
}

describe('score options', () => {
  it('merge into the one schema with their defaults; the published presets are exported for the registry', () => {
    const o = StrategyOptionsSchema.parse({});
    expect(o).toMatchObject({
      scoreRule: 'capped',
      minScore: 4,
      maxAssets: 10,
      personaAggregation: 'book',
      scoreBlend: 0.3,
      scoreScale: 0.01,
      views: 'scores',
      viewScale: 0.05,
      viewAnchor: 'zero',
      omega: 'idzorek',
      tau: 0.05,
      marketRiskAversion: 2.5,
    });
    expect(SCORE_PRESET_OPTIONS['llm-score']).toEqual({ minWeight: 0.02, maxWeight: 0.3 });
    expect(() => StrategyOptionsSchema.parse({ scoreRule: 'proportional' })).toThrow();
  });
});

describe('llm-score', () => {
  const d = frame.dates[290];

  it('weights follow the rule on the scored, trading assets; unscored assets get 0, never a score of 5', () => {
    const recs = book(d, { AAA: 6.2, BBB: 5.0, CCC: 4.4, DDD: 3.9 });
    const s = makeStrategy('llm-score', { maxWeight: 0.5, minWeight: 0.02 }, { scores: new ScoreBook(recs), scoresSource: 'hand.jsonl' });
    const w = decide(s);
    const scores = new ScoreBook(recs).at(frame.dates[T]);
    const exp = scoreRuleWeights(
      'capped',
      ['AAA', 'BBB', 'CCC', 'DDD'].map((k) => scores.get(k)!.composite),
      { minScore: 4, maxAssets: 10, total: 1, lower: 0.02, upper: 0.5 },
    );
    for (let i = 0; i < 4; i++) expect(w[i]).toBeCloseTo(exp.weights[i], 14);
    expect(w[3]).toBe(0); // below minScore
    expect(w[4]).toBe(0); // unscored
    expect(w[5]).toBe(0);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const n = note(s);
    expect(n).toMatchObject({ date: frame.dates[T], source: 'hand.jsonl', rule: 'capped' });
    expect(n.decisions[0].unscored).toEqual(['EEE', 'FFF']);
    expect(n.decisions[0].selected).toEqual(['AAA', 'BBB', 'CCC']);
    expect(n.decisions[0].scores[0]).toMatchObject({ ticker: 'AAA', date: d, composite: 6.2 });
    expect(s.describe()).toMatch(/projected exactly onto \{Σw = 1, 0.02 ≤ w ≤ 0.5\}.*hand\.jsonl/);
  });

  it('scored tickers the universe does not hold are named in the journal, not dropped silently', () => {
    const s = makeStrategy('llm-score', { maxWeight: 0.5 }, { scores: new ScoreBook(book(d, { AAA: 6, BBB: 5, CCC: 5, ZZZ: 6.5 })) });
    decide(s);
    expect(note(s).notes).toEqual(['scored ticker(s) not in the universe, ignored: ZZZ']);
  });

  it('the published rule reproduces the bound violation and journals it', () => {
    const recs = book(d, { AAA: 6.5, BBB: 4, CCC: 4, DDD: 4 });
    const s = makeStrategy('llm-score', { scoreRule: 'published', maxWeight: 0.3, minWeight: 0.02 }, { scores: new ScoreBook(recs) });
    const w = decide(s);
    expect(w[0]).toBeGreaterThan(0.3);
    expect(note(s).notes[0]).toMatch(/published rule breaks its bounds/);
    const c = makeStrategy('llm-score', { maxWeight: 0.3, minWeight: 0.02 }, { scores: new ScoreBook(recs) });
    expect(decide(c)[0]).toBeCloseTo(0.3, 14);
  });

  it('infeasible bounds stop the decision with the numbers, and the journal keeps the failure', () => {
    const recs = book(d, { AAA: 6, BBB: 5 });
    const s = makeStrategy('llm-score', { maxWeight: 0.3 }, { scores: new ScoreBook(recs) });
    expect(() => decide(s)).toThrow(/2 held asset\(s\) × maxWeight 0.3 = 0.6 < exposure 1/);
    expect(note(s).error).toMatch(/infeasible score-rule bounds/);
    expect(() => makeStrategy('llm-score', { minWeight: -0.1 }, {})).toThrow(/long-only/);
    const none = makeStrategy('llm-score', {}, { scores: new ScoreBook([]) });
    expect(() => decide(none)).toThrow(/no trading asset is scored.*never a default score/);
  });

  it('is point in time: records dated after the decision can be altered without changing it', () => {
    const before = book(d, { AAA: 6, BBB: 5, CCC: 4.5, DDD: 4.2 });
    const later = frame.dates[T + 1];
    const a = makeStrategy('llm-score', { maxWeight: 0.5 }, { scores: new ScoreBook([...before, ...book(later, { AAA: 3.9, EEE: 6.5 })]) });
    const b = makeStrategy('llm-score', { maxWeight: 0.5 }, { scores: new ScoreBook([...before, ...book(later, { FFF: 6.5, BBB: 6.4, CCC: 6.3 })]) });
    expect(Array.from(decide(a))).toEqual(Array.from(decide(b)));
    expect(note(a)).toEqual(note(b));
    // a record dated the decision day itself is in force (it was made from information before that day)
    const c = makeStrategy(
      'llm-score',
      { maxWeight: 0.5 },
      { scores: new ScoreBook([...before, ...book(frame.dates[T], { EEE: 6.5, FFF: 6, AAA: 5, BBB: 4.5 })]) },
    );
    const w = decide(c);
    expect(w[4]).toBeGreaterThan(0);
    expect(w[2]).toBe(0);
  });

  it('the stand-in: the price-momentum scorer on closes ≤ t, the same whatever comes after t', () => {
    const s = makeStrategy('llm-score', { maxWeight: 0.4, maxAssets: 4 }, {});
    const w = decide(s);
    const altered = { ...frame, close: frame.close.slice() };
    for (let k = (T + 1) * tickers.length; k < altered.close.length; k++) altered.close[k] *= 1 + ((k * 7919) % 13) / 10;
    const s2 = makeStrategy('llm-score', { maxWeight: 0.4, maxAssets: 4 }, {});
    expect(Array.from(decide(s2, altered))).toEqual(Array.from(w));
    const scores = standInScores(historyAt(frame, T));
    expect([...scores.values()].every((x) => x.date === frame.dates[T] && x.confidence === 0.5 && x.fundamentals === 5.5)).toBe(true);
    const exp = scoreRuleWeights(
      'capped',
      tickers.map((k) => scores.get(k)!.composite),
      { minScore: 4, maxAssets: 4, total: 1, lower: 0, upper: 0.4 },
    );
    for (let i = 0; i < tickers.length; i++) expect(w[i]).toBeCloseTo(exp.weights[i], 14);
    expect(note(s).source).toBe('price-momentum stand-in');
    expect(s.describe()).toMatch(/offline stand-in: the transparent price-momentum scorer run in-process on closes ≤ the decision day.*not an LLM/);
    expect(s.cheating).toBe(false);
  });

  it('cheating books mark the strategy and its description', () => {
    const recs = [scoreRecord({ date: d, ticker: 'AAA', f: 8, cheating: true }), ...book(d, { BBB: 5, CCC: 5 })];
    const s = makeStrategy('llm-score', {}, { scores: new ScoreBook(recs) });
    expect(s.cheating).toBe(true);
    expect(s.describe()).toMatch(/CHEATING/);
  });
});

describe('persona aggregation', () => {
  const d = frame.dates[290];
  const recs = [
    ...book(d, { AAA: 6.4, BBB: 4.1, CCC: 5.0, DDD: 4.6 }, 'value'),
    ...book(d, { AAA: 4.2, BBB: 6.2, CCC: 5.2, DDD: 4.6 }, 'momentum'),
    ...book(d, { AAA: 5.0, BBB: 4.4, CCC: 6.0, EEE: 5.5 }, 'contrarian'),
  ];
  const o = { maxWeight: 0.6, minWeight: 0 };
  const ruleOn = (scores: Map<string, { composite: number }>) => {
    const live = tickers.filter((k) => scores.has(k));
    const r = scoreRuleWeights(
      'capped',
      live.map((k) => scores.get(k)!.composite),
      { minScore: 4, maxAssets: 10, total: 1, lower: 0, upper: 0.6 },
    );
    return tickers.map((k) => (scores.has(k) ? r.weights[live.indexOf(k)] : 0));
  };

  it('book / mean / median aggregate each score over personas before the rule', () => {
    const date = frame.dates[T];
    const mean = decide(makeStrategy('llm-score', o, { scores: new ScoreBook(recs, 'mean') }));
    ruleOn(new ScoreBook(recs, 'mean').at(date)).forEach((x, i) => expect(mean[i]).toBeCloseTo(x, 14));
    // the option overrides the book's aggregation (the book is rebuilt from its records)
    const median = decide(makeStrategy('llm-score', { ...o, personaAggregation: 'median' }, { scores: new ScoreBook(recs, 'mean') }));
    ruleOn(new ScoreBook(recs, 'median').at(date)).forEach((x, i) => expect(median[i]).toBeCloseTo(x, 14));
    expect(Math.abs(median[0] - mean[0])).toBeGreaterThan(1e-4);
    const m2 = decide(makeStrategy('llm-score', { ...o, personaAggregation: 'mean' }, { scores: new ScoreBook(recs, 'median') }));
    expect(Array.from(m2)).toEqual(Array.from(mean));
  });

  it("portfolios: one portfolio per persona with the same rule, weights averaged; the book's persona filter holds", () => {
    const date = frame.dates[T];
    const s = makeStrategy('llm-score', { ...o, personaAggregation: 'portfolios' }, { scores: new ScoreBook(recs) });
    const w = decide(s);
    const per = ['contrarian', 'momentum', 'value'].map((p) => ruleOn(new ScoreBook(recs, 'mean', [p]).at(date)));
    for (let i = 0; i < tickers.length; i++) expect(w[i]).toBeCloseTo((per[0][i] + per[1][i] + per[2][i]) / 3, 14);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const n = note(s);
    expect(n.decisions.map((x: any) => x.persona)).toEqual(['contrarian', 'momentum', 'value']);
    expect(n.personaAggregation).toMatch(/averaged/);
    expect(s.describe()).toMatch(/one portfolio per persona \(contrarian, momentum, value\)/);
    const only = makeStrategy('llm-score', { ...o, personaAggregation: 'portfolios' }, { scores: new ScoreBook(recs, 'mean', ['value', 'momentum']) });
    const w2 = decide(only);
    for (let i = 0; i < tickers.length; i++) expect(w2[i]).toBeCloseTo((per[1][i] + per[2][i]) / 2, 14);
  });

  it('llm-mvo and black-litterman average persona portfolios too', () => {
    for (const name of ['llm-mvo', 'black-litterman'] as const) {
      // max-utility: the synthetic drifts leave some persona universes with no asset above the risk-free rate
      const opts = { window: 120, maxWeight: 0.6, objective: 'max-utility' } as const;
      const s = makeStrategy(name, { ...opts, personaAggregation: 'portfolios' }, { scores: new ScoreBook(recs) });
      const w = decide(s);
      const parts = ['contrarian', 'momentum', 'value'].map((p) => decide(makeStrategy(name, opts, { scores: new ScoreBook(recs, 'mean', [p]) })));
      for (let i = 0; i < tickers.length; i++) expect(w[i]).toBeCloseTo((parts[0][i] + parts[1][i] + parts[2][i]) / 3, 9);
    }
  });
});

describe('llm-mvo', () => {
  const d = frame.dates[290];
  const recs = book(d, { AAA: 6.2, BBB: 4.1, CCC: 5.5, DDD: 4.8, EEE: 5.9 });

  it('μ_adj = 0.7·μ_annual + 0.3·z·0.01, then max-Sharpe on the scored assets (independent recomputation, sample Σ)', () => {
    const s = makeStrategy('llm-mvo', { window: 120, cov: 'sample', maxWeight: 0.5 }, { scores: new ScoreBook(recs) });
    const w = decide(s);
    expect(w[5]).toBe(0); // FFF unscored
    const h = historyAt(frame, T);
    const members = [0, 1, 2, 3, 4];
    const r = h.returns(120, members);
    const mu = expectedReturns(r);
    const cov = covariance(r, 'sample').cov;
    const at = new ScoreBook(recs).at(h.date);
    const z = crossSectionalZ(members.map((i) => at.get(tickers[i])!.composite));
    const adj = Array.from(mu, (m, j) => (0.7 * m * 252 + 0.3 * z[j] * 0.01) / 252);
    const exp = meanVariance(adj, cov, { kind: 'max-sharpe', riskFree: 0 }, { lower: 0, upper: 0.5, net: 1 }, { periodsPerYear: 252 }).weights;
    members.forEach((i, j) => expect(w[i]).toBeCloseTo(exp[j], 9));
    const n = note(s).decisions[0];
    for (const k of tickers.slice(0, 5)) expect(n.adjustedMu[k]).toBeCloseTo(0.7 * n.mu[k] + 0.3 * n.z[k] * 0.01, 9);
    expect(s.describe()).toMatch(/μ the annual mean return.*0.3%\/yr per σ.*long-only as published/);
  });

  it('is long-only as published (refused, where the published code clips silently) and names a risk-free rate', () => {
    expect(() => makeStrategy('llm-mvo', { minWeight: -0.1, gross: 1.6 }, {})).toThrow(/long-only, as published.*silently/);
    expect(makeStrategy('llm-mvo', { riskFree: 0.04 }, {}).describe()).toMatch(/risk-free 4.00%\/yr/);
  });
});

describe('score strategy backtests on the Dow stocks', () => {
  const dow = resolveUniverse('dow30');
  const trade = '2021-01-04:2021-03-31';
  const recs = dow.tickers.flatMap((k, i) => ['2020-12-31', '2021-02-01'].map((d, j) => recordWithComposite(d, k, 3.9 + ((i * 7 + j * 11) % 26) / 10)));
  const hand = new ScoreBook(recs);

  it('llm-score and llm-mvo run with the stand-in and a hand-made book within design and bounds; llm-score matches its rule on each decision date', () => {
    for (const name of ['llm-score', 'llm-mvo'] as const) {
      for (const inputs of [{}, { scores: hand, scoresSource: 'hand' }]) {
        const res = backtestStrategy(backtestConfig({ strategy: name, trade, maxWeight: 0.2, minWeight: name === 'llm-score' ? 0.02 : 0 }), {
          universe: dow,
          inputs,
        });
        expect(res.decisions.length, name).toBe(3);
        expect(res.journal.map((n) => n.date)).toEqual(res.decisions.map((d) => d.date));
        expect(res.journal.every((n) => n.source === ('scores' in inputs ? 'hand' : 'price-momentum stand-in'))).toBe(true);
        for (const d of res.decisions) {
          const e = exposures(d.weights);
          expect(e.long, name).toBeLessThanOrEqual(1 + 1e-7);
          expect(e.long, name).toBeGreaterThan(1 - 1e-7);
          expect(e.short, name).toBeLessThan(1e-9);
          for (const x of d.weights) expect(x, name).toBeLessThanOrEqual(0.2 + 1e-7);
          if (name === 'llm-score' && 'scores' in inputs) {
            const at = hand.at(d.date);
            const live = res.tickers.filter((k) => at.has(k));
            const r = scoreRuleWeights(
              'capped',
              live.map((k) => at.get(k)!.composite),
              { minScore: 4, maxAssets: 10, total: 1, lower: 0.02, upper: 0.2 },
            );
            res.tickers.forEach((k, i) => expect(d.weights[i]).toBeCloseTo(at.has(k) ? r.weights[live.indexOf(k)] : 0, 12));
          }
        }
        if ('scores' in inputs) {
          // the January decision uses the 2020-12-31 scores, the February one those of 2021-02-01
          const dates = res.journal.map((n) => (n as any).decisions[0].scores[0].date);
          expect(dates).toEqual(['2020-12-31', '2021-02-01', '2021-02-01']);
        }
      }
    }
  });
});
