import { describe, expect, it } from 'vitest';
import { backtestConfig, backtestStrategy } from '../../agents/portfolio/backtest.ts';
import { makeStrategy, strategyOptions, StrategyOptionsSchema } from '../../agents/portfolio/strategies.ts';
import { exposures, PointInTimeHistory, StrategyError, type DecisionNote, type Strategy } from '../../agents/portfolio/strategy.ts';
import { formatSectorTopDown2019H1, LOOK_AHEAD_WARNING, runSectorTopDown2019H1, SECTOR_TOPDOWN_2019H1 } from '../../agents/portfolio/topdown/experiment.ts';
import {
  lexiconCount,
  lexiconScore,
  macroView,
  PUBLISHED_COSTS,
  REGIME_SECTOR_TILTS,
  sectorTilts,
  sentimentView,
  TOPDOWN_PRESET_OPTIONS,
  type Pick,
  type TopDownStrategyName,
} from '../../agents/portfolio/topdown/index.ts';
import { loadMacro, MacroStore, parseMacroCsv, type MacroSeries } from '../../src/data/macro.ts';
import { NewsStore, type NewsItem } from '../../src/data/news.ts';
import { buildUniverseFrame, resolveUniverse, SECTOR_ETF_GICS } from '../../src/data/universe.ts';
import { addMonths } from '../../src/dates.ts';
import { stream } from '../../src/rng.ts';

const NAMES: readonly TopDownStrategyName[] = ['sector-topdown', 'xs-llm', 'xs-momentum'];
const dow = resolveUniverse('dow30');
const sectors = resolveUniverse('sectors');
const H1_2019 = '2019-01-01:2019-06-30';

/** The strategy with its preset (daily decisions, 63-day momentum) under the given options. */
function make(name: TopDownStrategyName, given: Record<string, unknown> = {}, inputs = {}): Strategy & { journal(): readonly DecisionNote[] } {
  return makeStrategy(name, { ...TOPDOWN_PRESET_OPTIONS[name], ...given }, inputs) as Strategy & { journal(): readonly DecisionNote[] };
}

// One frame with news (2014–2016) and the 2019 window, read once.
const dowFrame = buildUniverseFrame(dow, { start: '2014-01-02', end: '2019-06-28', requireFullHistory: false });
function historyOn(date: string): PointInTimeHistory {
  const t = dowFrame.frame.dates.indexOf(date);
  if (t < 0) throw new Error(`test: ${date} is not a trading day of the frame`);
  return new PointInTimeHistory(dowFrame.frame, t, dowFrame.available);
}
const ctxOn = (date: string) => ({
  date,
  history: historyOn(date),
  previous: new Float64Array(dow.tickers.length),
  sectorOf: dow.sectorOf,
  periodsPerYear: 252,
});

// --- a synthetic macro file --------------------------------------------------------------------------

interface MacroSpec {
  /** PAYEMS change every month, thousands. */
  payrolls: number;
  /** INDPRO growth per year, fraction. */
  indpro: number;
  /** T10Y2Y, percentage points (every day). */
  curve: number;
  /** Annual inflation of CPI and core PCE per month label (YYYY-MM → rate). */
  inflation: (month: string) => number;
}

function syntheticMacro(spec: MacroSpec, from = '2016-01-01', to = '2019-12-01'): MacroStore {
  const lines = ['date,series_id,frequency,value'];
  let pay = 150_000;
  let ip = 100;
  let price = 100;
  for (let m = from; m <= to; m = addMonths(m, 1)) {
    lines.push(`${m},CPIAUCSL,M,${price}`, `${m},PCEPILFE,M,${price}`, `${m},PAYEMS,M,${pay}`, `${m},INDPRO,M,${ip}`);
    price *= (1 + spec.inflation(m.slice(0, 7))) ** (1 / 12);
    pay += spec.payrolls;
    ip *= (1 + spec.indpro) ** (1 / 12);
  }
  for (let m = from; m <= to; m = addMonths(m, 1)) lines.push(`${m},T10Y2Y,D,${spec.curve}`);
  // The daily rows must be ascending per series: they are (one a month), after the monthly rows.
  return parseMacroCsv(lines.join('\n'), 'synthetic.csv');
}

describe('macro agent (rules on a synthetic MacroStore)', () => {
  const flat = () => 0.02;
  it('hand-computed regimes: expansion, overheating, slowdown, contraction', () => {
    // payrolls +150k (+1), INDPRO +2%/yr (+1), curve 0.5 (0): g = +2; inflation flat at 2%: stable → expansion
    const e = macroView(syntheticMacro({ payrolls: 150, indpro: 0.02, curve: 0.5, inflation: flat }), '2019-03-01');
    expect(e.growth).toEqual({ payrolls: 1, indpro: 1, curve: 0 });
    expect(e.growthScore).toBe(2);
    expect(e.inflationTrend).toBe('stable');
    expect(e.regime).toBe('expansion');
    const pay = e.indicators.find((i) => i.id === 'PAYEMS')!;
    expect(pay.value).toBeCloseTo(150, 9);
    expect(e.indicators.find((i) => i.id === 'INDPRO')!.value).toBeCloseTo(0.02, 9);
    expect(e.indicators.find((i) => i.id === 'CPIAUCSL')!.value).toBeCloseTo(0.02, 9);
    expect(e.reasoning).toMatch(/growth score \+2.*stable.*Regime: expansion/s);

    // inflation jumps from 1% to 5% a year from 2018-09: the YoY to 2019-01 rises by far more than 0.2 pp
    const hot = (m: string) => (m >= '2018-09' ? 0.05 : 0.01);
    const o = macroView(syntheticMacro({ payrolls: 150, indpro: 0.02, curve: 1.5, inflation: hot }), '2019-03-01');
    expect(o.growthScore).toBe(3);
    expect(o.inflationTrend).toBe('rising');
    expect(o.regime).toBe('overheating');

    // payrolls +50k (0), INDPRO +0.5% (0), curve 0.5 (0): g = 0 → slowdown
    expect(macroView(syntheticMacro({ payrolls: 50, indpro: 0.005, curve: 0.5, inflation: flat }), '2019-03-01').regime).toBe('slowdown');
    // INDPRO −0.5% (−1), inverted curve (−1), payrolls +50k (0): g = −2 → contraction
    const c = macroView(syntheticMacro({ payrolls: 50, indpro: -0.005, curve: -0.2, inflation: flat }), '2019-03-01');
    expect(c.growthScore).toBe(-2);
    expect(c.regime).toBe('contraction');
    // shrinking payrolls alone make a contraction, whatever else says
    expect(macroView(syntheticMacro({ payrolls: -10, indpro: 0.03, curve: 1.5, inflation: flat }), '2019-03-01').regime).toBe('contraction');
  });

  it('uses only observations released before the day (monthly: from the 1st of the 2nd month after)', () => {
    const v = macroView(syntheticMacro({ payrolls: 150, indpro: 0.02, curve: 0.5, inflation: flat }), '2019-05-31');
    const pay = v.indicators.find((i) => i.id === 'PAYEMS')!;
    // On 2019-05-31 March is the latest month out (April's figure is visible from June 1).
    expect(pay.observations.at(-1)).toMatchObject({ period: '2019-03-01', availableFrom: '2019-05-01' });
    for (const ind of v.indicators) for (const ob of ind.observations) expect(ob.availableFrom <= '2019-05-31').toBe(true);
    expect(() => macroView(syntheticMacro({ payrolls: 1, indpro: 0, curve: 0, inflation: flat }, '2018-06-01'), '2019-01-02')).toThrow(
      /INDPRO has 6 observation\(s\) released before 2019-01-02, 13 are needed; start the trade period later/,
    );
  });

  it('every regime has a tilt table over the GICS sectors, never a sector both ways', () => {
    for (const [regime, t] of Object.entries(REGIME_SECTOR_TILTS)) {
      for (const s of t.overweight) expect(t.underweight, regime).not.toContain(s);
      const tilts = sectorTilts(regime as keyof typeof REGIME_SECTOR_TILTS);
      expect(Object.keys(tilts)).toHaveLength(11);
    }
  });
});

describe('sentiment agent', () => {
  it('lexicon, hand-computed: (pos − neg)/(pos + neg) over the items, 0 with no word or no news', () => {
    expect(lexiconCount('Apple BEATS estimates; shares surge.')).toEqual({ pos: 2, neg: 0 });
    // pos: beats, surge, strong, record, profit = 5; neg: downgrade, weak, lawsuit = 3 → 2/8
    const s = lexiconScore([
      'Apple beats estimates, shares surge',
      'Analyst downgrade on weak iPhone sales',
      'Strong quarter and record profit',
      'Lawsuit filed',
    ]);
    expect(s).toEqual({ score: 0.25, pos: 5, neg: 3 });
    expect(lexiconScore(['The company held its annual meeting']).score).toBe(0);
    expect(lexiconScore([]).score).toBe(0);
    // whole words only: "upside" is not "up…", "cutting" is not "cut"
    expect(lexiconCount('upside cutting')).toEqual({ pos: 0, neg: 0 });
  });

  it("reads only the previous trading day's news (weekend items count for Monday), never the decision day's", () => {
    // 2015-03-09 is a Monday; the previous trading day is Friday 2015-03-06.
    const items: NewsItem[] = [
      { date: '2015-03-05', ticker: 'AAPL', text: 'shares plunge' }, // Thursday: outside a 1-day lookback
      { date: '2015-03-06', ticker: 'AAPL', text: 'strong gains' }, // Friday
      { date: '2015-03-07', ticker: 'AAPL', text: 'analyst upgrade' }, // Saturday: published before Monday
      { date: '2015-03-09', ticker: 'AAPL', text: 'fraud probe lawsuit crash' }, // the decision day: not public yet
      { date: '2015-03-06', text: 'markets fall' }, // no ticker: no company's
      { date: '2015-03-06', ticker: 'KO', text: 'profit warning' },
    ];
    const news = new NewsStore(items);
    const v = sentimentView(news, historyOn('2015-03-09'), 1);
    expect(v.since).toBe('2015-03-06');
    expect(v.byTicker.AAPL).toEqual({ score: 1, pos: 3, neg: 0, items: 2 });
    expect(v.byTicker.KO).toEqual({ score: 0, pos: 1, neg: 1, items: 1 });
    expect(v.byTicker.MSFT).toEqual({ score: 0, pos: 0, neg: 0, items: 0 });
    expect(v.withNews).toBe(2);
    const two = sentimentView(news, historyOn('2015-03-09'), 2);
    expect(two.byTicker.AAPL).toEqual({ score: 0.5, pos: 3, neg: 1, items: 3 });
    const none = sentimentView(news, historyOn('2019-03-04'), 1);
    expect(none.withNews).toBe(0);
    expect(none.note).toMatch(/no news for any company/);
  });
});

// --- the book: cap, sides, point in time --------------------------------------------------------------

/** Random news with lexicon words for random Dow tickers, dated 2014–2016 (to drive every branch). */
function randomNews(seed: number, count: number): NewsStore {
  const rng = stream(seed, 'topdown-news');
  const words = ['beats', 'surge', 'record', 'profit', 'plunge', 'downgrade', 'lawsuit', 'weak', 'meeting', 'today'];
  const days = dowFrame.frame.dates.filter((d) => d < '2017-01-01');
  const items: NewsItem[] = [];
  for (let k = 0; k < count; k++) {
    const text = Array.from({ length: 1 + rng.int(4) }, () => words[rng.int(words.length)]).join(' ');
    items.push({ date: days[rng.int(days.length)], ticker: dow.tickers[rng.int(dow.tickers.length)], text });
  }
  return new NewsStore(items);
}

function checkBook(name: string, w: Float64Array, cap: number, note: DecisionNote, what: string): void {
  const e = exposures(w);
  expect(e.gross, what).toBeLessThanOrEqual(cap + 1e-12);
  expect(e.long, what).toBeLessThanOrEqual(cap / 2 + 1e-12);
  expect(e.short, what).toBeLessThanOrEqual(cap / 2 + 1e-12);
  const picks = note.picks as Pick[];
  const seen = new Set<string>();
  for (const p of picks) {
    // never a long and a short in the same name (nor the same name twice)
    expect(seen.has(p.ticker), `${what}: ${p.ticker} twice`).toBe(false);
    seen.add(p.ticker);
    const i = dow.tickers.indexOf(p.ticker);
    expect(Math.sign(w[i]), what).toBe(p.side === 'long' ? 1 : -1);
    if (name === 'sector-topdown') {
      // the paper's rule: a name whose sentiment outlook is against the side is not held
      if (p.side === 'long') expect(p.sentiment, what).toBeGreaterThanOrEqual(0);
      else expect(p.sentiment, what).toBeLessThanOrEqual(0);
    }
    if (name === 'xs-llm') expect(Math.abs(w[i]), what).toBeCloseTo(Math.abs(p.weight), 9);
  }
  expect(w.filter((x) => x !== 0).length, what).toBe(picks.length);
}

describe('the book', () => {
  it('property: gross ≤ capitalCap (half per side) and one side per name on every decision, over random options, dates and news', () => {
    const rng = stream(7, 'topdown-property');
    const news = randomNews(11, 6000);
    const macro = loadMacro();
    const dates = dowFrame.frame.dates.filter((d) => (d >= '2014-07-01' && d < '2017-01-01') || d >= '2019-01-01');
    const seen = { sentimentPicks: 0, neutralNews: 0 };
    for (let trial = 0; trial < 24; trial++) {
      const name = NAMES[trial % 3];
      const lookback = 20 + rng.int(107);
      const options = {
        capitalCap: Math.round((0.05 + rng.next() * 1.95) * 100) / 100,
        sectorPicks: 1 + rng.int(5),
        sentimentLookback: 1 + rng.int(5),
        lookback,
        skip: rng.int(Math.min(lookback, 21)),
        topK: 1 + rng.int(12),
        positionSize: 0.005 + Math.round(rng.next() * 20) / 1000,
      };
      options.positionSize = Math.min(options.positionSize, options.capitalCap / 2);
      const s = make(name, options, { news, macro });
      for (let k = 0; k < 15; k++) {
        const date = dates[rng.int(dates.length)];
        const w = s.decide(ctxOn(date));
        const note = s.journal().at(-1)!;
        expect(note.date).toBe(date);
        checkBook(name, w, options.capitalCap, note, `${name} ${JSON.stringify(options)} on ${date}`);
        for (const p of note.picks as Pick[]) {
          if (p.sentiment !== 0) seen.sentimentPicks++;
          if (/neutral; (positive|negative) news/.test((p as { reason?: string }).reason ?? '')) seen.neutralNews++;
        }
      }
    }
    // The random news drives the sentiment branches, not only the no-news path.
    expect(seen.sentimentPicks).toBeGreaterThan(20);
    expect(seen.neutralNews).toBeGreaterThan(5);
  });

  it('point in time: macro values released after the day and news dated on/after it change nothing', () => {
    const macro = loadMacro();
    const news = randomNews(3, 4000);
    for (const date of ['2015-03-09', '2016-06-01', '2019-05-31']) {
      // Every observation not yet available on `date` is scrambled; news on or after `date` is made loud.
      const altered = new Map<string, MacroSeries>();
      for (const id of macro.ids()) {
        const s = macro.get(id);
        altered.set(id, { ...s, values: s.values.map((v, j) => (s.availableFrom[j] > date ? -v * 7 - 3 : v)) });
      }
      const loud: NewsItem[] = [...news.items];
      for (const t of dow.tickers)
        for (const d of [date, '2019-06-28']) loud.push({ date: d, ticker: t, text: t < 'K' ? 'record profit surge beats' : 'fraud lawsuit plunge crash' });
      for (const name of ['sector-topdown', 'xs-llm'] as const) {
        const a = make(name, {}, { news, macro });
        const b = make(name, {}, { news: new NewsStore(loud), macro: new MacroStore(altered) });
        expect(Array.from(b.decide(ctxOn(date))), `${name} ${date}`).toEqual(Array.from(a.decide(ctxOn(date))));
        expect(b.journal()[0], `${name} ${date}`).toEqual(a.journal()[0]);
      }
      // The scrambling is real: once released, the altered values do change the view.
      expect(macroView(new MacroStore(altered), '2019-07-01').reasoning).not.toBe(macroView(macro, '2019-07-01').reasoning);
    }
  });

  it('on the sector ETFs each ETF is its GICS sector (SPY is the benchmark, not traded); without a map the ETF table is used', () => {
    expect(sectors.tickers).not.toContain('SPY');
    const f = buildUniverseFrame(sectors, { start: '2018-01-02', end: '2019-06-28', requireFullHistory: false });
    const t = f.frame.dates.indexOf('2019-03-01');
    for (const sectorOf of [sectors.sectorOf, undefined]) {
      const s = make('sector-topdown');
      const w = s.decide({
        date: '2019-03-01',
        history: new PointInTimeHistory(f.frame, t, f.available),
        previous: new Float64Array(sectors.tickers.length),
        sectorOf,
        periodsPerYear: 252,
      });
      const note = s.journal()[0];
      const regime = (note.regime as { name: keyof typeof REGIME_SECTOR_TILTS }).name;
      const tilt = REGIME_SECTOR_TILTS[regime];
      for (const p of note.picks as Pick[]) {
        expect(p.sector).toBe(SECTOR_ETF_GICS[p.ticker]);
        expect(p.side === 'long' ? tilt.overweight : tilt.underweight).toContain(p.sector);
      }
      expect(exposures(w).gross).toBeCloseTo(0.9, 12);
    }
  });

  it('refuses what it cannot do, saying what to change', () => {
    expect(() => make('xs-momentum', { lookback: 10, skip: 10 })).toThrow(/skip \(10\) must be shorter than lookback \(10\)/);
    expect(() => make('xs-llm', { capitalCap: 0.1, positionSize: 0.2 })).toThrow(/lower positionSize or raise capitalCap/);
    const early = new PointInTimeHistory(dowFrame.frame, 30, dowFrame.available);
    expect(() => make('xs-momentum').decide({ date: early.date, history: early, previous: new Float64Array(27), periodsPerYear: 252 })).toThrow(StrategyError);
    expect(() => make('xs-momentum').decide({ date: early.date, history: early, previous: new Float64Array(27), periodsPerYear: 252 })).toThrow(
      /shorten lookback or start the trade period later/,
    );
  });
});

// --- options, costs, the backtests --------------------------------------------------------------------

describe('options and costs', () => {
  it('options: defaults in the one schema; the preset is daily with a 63-day window', () => {
    const o = StrategyOptionsSchema.parse({});
    expect(o).toMatchObject({ capitalCap: 0.9, sectorPicks: 2, positionSize: 0.01, sentimentLookback: 1, tradeCosts: 'published' });
    expect(o.newsFile).toBeUndefined();
    expect(TOPDOWN_PRESET_OPTIONS['sector-topdown']).toEqual({ rebalance: 'daily', lookback: 63, skip: 0 });
    expect(() => strategyOptions('sector-topdown', { capitalCap: 0 })).toThrow(/capitalCap/);
    for (const name of NAMES) {
      const s = make(name);
      expect(s.design).toEqual({ long: 0.45, short: 0.45 });
      expect(s.costs).toEqual(PUBLISHED_COSTS);
      expect(s.describe()).toMatch(/10 bp commission \+ 10 bp market impact/);
      expect(make(name, { tradeCosts: 'env' }).costs).toBeUndefined();
    }
    expect(make('sector-topdown').describe()).toMatch(/PPI and the ISM PMI are not in the bundled FRED file/);
    expect(make('sector-topdown').describe()).toMatch(/covers 2014–2016 and AAPL in 2020 only/);
    expect(make('xs-llm').describe()).toMatch(/with no news it holds nothing/);
  });

  it('backtests on dow30 and sectors over 2019 H1: published costs, one journal entry per decision date, cap held', () => {
    for (const u of [dow, sectors]) {
      for (const name of NAMES) {
        const res = backtestStrategy(backtestConfig({ strategy: name, ...TOPDOWN_PRESET_OPTIONS[name], universe: u.name, trade: H1_2019 }), { universe: u });
        const what = `${name} on ${u.name}`;
        expect(res.envConfig, what).toMatchObject({ buyCost: 0.001, sellCost: 0.001, slippage: 0.001, margin: 1 });
        expect(res.rows[0].date, what).toBe('2019-01-02');
        expect(res.rows.at(-1)!.date, what).toBe('2019-06-28');
        // daily: a decision every trading day but the last (its orders could not fill)
        expect(res.decisions.length, what).toBe(res.rows.length - 1);
        expect(
          res.journal.map((j) => j.date),
          what,
        ).toEqual(res.decisions.map((d) => d.date));
        for (const d of res.decisions) expect(exposures(d.weights).gross, what).toBeLessThanOrEqual(0.9 + 1e-12);
        if (name === 'xs-llm') {
          // no news in 2019: it holds nothing and pays nothing
          for (const d of res.decisions) expect(exposures(d.weights).gross, what).toBe(0);
          expect(res.metrics.costs, what).toBe(0);
          expect(res.notes.join(' '), what).toMatch(/no company had news on 123 of 123 decision days/);
        } else {
          expect(res.metrics.costs, what).toBeGreaterThan(0);
          expect(res.metrics.slippage, what).toBeGreaterThan(0);
          expect(exposures(res.decisions[0].weights).gross, what).toBeCloseTo(0.9, 12);
        }
        if (name === 'sector-topdown') {
          const j = res.journal[0] as DecisionNote & { regime: { name: string; indicators: { observations: { availableFrom: string }[] }[] } };
          expect(j.regime.name).toBe('expansion');
          for (const ind of j.regime.indicators) for (const ob of ind.observations) expect(ob.availableFrom <= j.date).toBe(true);
        }
      }
    }
    // the run's env costs when asked, and every other strategy keeps the env's (paper preset: no slippage)
    const env = backtestStrategy(backtestConfig({ strategy: 'xs-momentum', rebalance: 'monthly', tradeCosts: 'env', trade: H1_2019 }), { universe: dow });
    expect(env.envConfig).toMatchObject({ buyCost: 0.001, sellCost: 0.001, slippage: 0 });
    const ew = backtestStrategy(backtestConfig({ strategy: 'equal-weight', trade: H1_2019 }), { universe: dow });
    expect(ew.envConfig.slippage).toBe(0);
  });

  it("the named experiment: the window, the look-ahead sentence, the paper's numbers beside ours", () => {
    expect(SECTOR_TOPDOWN_2019H1.trade).toBe('2019-01-01:2019-06-30');
    expect(SECTOR_TOPDOWN_2019H1.published['sector-topdown']).toMatchObject({ periodReturn: 0.0879, sharpe: 2.51 });
    expect(SECTOR_TOPDOWN_2019H1.published['xs-llm']).toMatchObject({ periodReturn: -0.0139, sharpe: -0.61 });
    const rows = runSectorTopDown2019H1();
    expect(rows).toHaveLength(6);
    for (const r of rows) {
      expect(Number.isFinite(r.periodReturn)).toBe(true);
      expect(Number.isFinite(r.sharpe)).toBe(true);
    }
    const text = formatSectorTopDown2019H1(rows);
    expect(text).toContain(LOOK_AHEAD_WARNING);
    expect(text).toContain(
      "every LLM released in 2024 or later has read about this period: results in it are inside the models' pretraining (parametric look-ahead)",
    );
    expect(text).toMatch(/\+8\.79%/);
    console.log(text);
  });
});
