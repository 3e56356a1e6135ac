import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMacro } from '../../src/data/macro.ts';
import { MacroContextSource } from '../../overlays/context/macro.ts';
import { loadBundledPrices } from '../../overlays/context/price-files.ts';
import { PricesContextSource, type IndexSeries } from '../../overlays/context/prices.ts';
import { parseDecisionDates } from '../../overlays/dates.ts';
import { LABELS, labelForHalfYearReturn } from '../../overlays/labels.ts';
import { lookAheadWarning, resolveModelCutoff } from '../../overlays/model-cutoffs.ts';
import { combineAnswers, EnsembleForecaster } from '../../overlays/providers/ensemble.ts';
import { ConstantForecaster, MacroRulesForecaster, MomentumForecaster } from '../../overlays/providers/offline.ts';
import { OracleForecaster } from '../../overlays/providers/oracle.ts';
import { labelOrderRobustness, shuffledLabelOrders } from '../../overlays/robustness.ts';
import { collectForecasts, runForecasts } from '../../overlays/run.ts';
import { readSignals, type SignalRecord } from '../../overlays/signals.ts';

const dates = parseDecisionDates('quarterly:2020-05-01:2024-02-01');
let prices: PricesContextSource;
let macro: MacroContextSource;
let index: IndexSeries;
let dir: string;

beforeAll(() => {
  const p = loadBundledPrices();
  index = p.index;
  prices = new PricesContextSource(p.index, p.panel);
  macro = new MacroContextSource(loadMacro());
  dir = mkdtempSync(join(tmpdir(), 'marginlab-offline-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (forecaster: ConstructorParameters<typeof EnsembleForecaster>[0][number], name: string, source = prices) =>
  runForecasts({
    dates,
    source,
    otherSources: { prices: () => prices, macro: () => macro },
    forecaster,
    format: null,
    out: join(dir, `${name}.jsonl`),
    concurrency: 4,
  }).then(() => readSignals(join(dir, `${name}.jsonl`)).latest);

describe('offline forecasters on the bundled data', () => {
  it('momentum reads the price trend before each date, with a template explanation', async () => {
    const s = await run(new MomentumForecaster(), 'momentum');
    expect(s).toHaveLength(16);
    // 2020-05-01: ^DJI −10.1% over 6 months and below its 200-day average.
    expect(s[0]).toMatchObject({ date: '2020-05-01', label: 'Bearish', score: -2, source: 'prices', provider: 'momentum', pointInTime: true });
    expect(s[0].explanation).toMatch(/\^DJI moved -10\.1% over the last 6 months to 2020-04-30/);
    expect(s.every((r) => r.failure === undefined && r.cheating === undefined && r.modelCutoff === undefined)).toBe(true);
  });

  it('macro rules read released data only, even when the run source is another one', async () => {
    const s = await run(new MacroRulesForecaster(), 'macro');
    expect(s.every((r) => r.source === 'macro' && r.failure === undefined)).toBe(true);
    // 2020-05-01 sees March 2020 unemployment (4.4%), not April's 14.8% (released in May).
    expect(s[0].explanation).toMatch(/unemployment rising: 4\.4% in 2020-03/);
    expect(s[0].explanation).not.toMatch(/14\.8/);
    // 2022-11-01: the curve was inverted.
    expect(s.find((r) => r.date === '2022-11-01')!.explanation).toMatch(/yield curve inverted/);
  });

  it('collectForecasts gives in memory what a run writes', async () => {
    const written = await run(new MomentumForecaster(), 'momentum-mem');
    const collected = await collectForecasts({ dates, source: macro, otherSources: { prices: () => prices }, forecaster: new MomentumForecaster() });
    const strip = (rs: SignalRecord[]) => rs.map(({ latencyMs: _l, ...r }) => r);
    expect(strip(collected)).toEqual(strip(written));
  });

  it('constant is Flat with no view', async () => {
    const s = await run(new ConstantForecaster(), 'constant');
    expect(s.every((r) => r.label === 'Flat' && r.score === 0)).toBe(true);
  });

  it('oracle with accuracy 1 reports the realised label, marked cheating; accuracy 0 never does', async () => {
    const perfect = await run(new OracleForecaster(index, { accuracy: 1 }), 'oracle1');
    const e = perfect[0];
    expect(e.cheating).toBe(true);
    expect(e.pointInTime).toBe(false);
    expect(e.explanation).toMatch(/^ORACLE — cheating upper bound: \^DJI actually moved/);
    // 2020-04-30 → 2020-10-30: the DJIA rose about 10%.
    expect(e.label).toBe(labelForHalfYearReturn(26501.6 / 24345.72 - 1));
    const wrong = await run(new OracleForecaster(index, { accuracy: 0, seed: 7 }), 'oracle0');
    wrong.forEach((r, i) => expect(r.label).not.toBe(perfect[i].label));
    const again = await run(new OracleForecaster(index, { accuracy: 0, seed: 7 }), 'oracle0-again');
    expect(again.map((r) => r.label)).toEqual(wrong.map((r) => r.label));
  });

  it('oracle fails (recorded) when the realised horizon is past the data', async () => {
    const short: IndexSeries = {
      name: 'X',
      dates: index.dates.filter((d) => d < '2021-01-01'),
      close: index.close.slice(0, index.dates.filter((d) => d < '2021-01-01').length),
    };
    const o = await new OracleForecaster(short).forecast({ date: '2020-11-01', context: prices.build('2020-11-01') });
    expect(o.answer).toBeNull();
    expect(o.failure).toMatch(/no realised data from 2020-11-01 to 2021-05-01/);
  });

  it('ensembles combine members that read different sources', async () => {
    const s = await run(new EnsembleForecaster([new MomentumForecaster(), new MacroRulesForecaster(), new ConstantForecaster()], 'majority'), 'ensemble');
    expect(s[0].provider).toBe('ensemble');
    expect(s[0].model).toBe('majority(momentum:momentum-v1,macro:macro-rules-v1,constant:constant-flat)');
    expect(s.every((r) => r.failure === undefined && LABELS.includes(r.label!))).toBe(true);
    expect(s[0].explanation).toMatch(/^Majority vote of 3 members/);
  });
});

describe('combining answers', () => {
  const a = (label: (typeof LABELS)[number], score: number) => ({ label, score, confidence: 1, explanation: '', keyFactors: [] });
  it('majority: most frequent label, ties to the label closest to the mean score', () => {
    expect(combineAnswers([a('Bullish', 2), a('Bullish', 2), a('Bearish', -2)], 'majority')).toEqual({ label: 'Bullish', score: 2, confidence: 2 / 3 });
    expect(combineAnswers([a('Strongly Bullish', 3), a('Flat', 0), a('Slightly Bearish', -1)], 'majority').label).toBe('Flat');
  });
  it('mean: rounded mean score', () => {
    expect(combineAnswers([a('Strongly Bullish', 3), a('Bullish', 2), a('Bearish', -2)], 'mean')).toEqual({
      label: 'Slightly Bullish',
      score: 1,
      confidence: 1 / 3,
    });
  });
});

describe('robustness check and look-ahead warnings', () => {
  it('shuffled label orders are distinct, never the default, reproducible', () => {
    const o = shuffledLabelOrders(4, 1);
    expect(new Set(o.map((x) => x.join('|'))).size).toBe(4);
    expect(o.every((x) => x.join('|') !== LABELS.join('|') && [...x].sort().join() === [...LABELS].sort().join())).toBe(true);
    expect(shuffledLabelOrders(4, 1)).toEqual(o);
  });

  it('mean |Δscore| over dates both runs answered', () => {
    const rec = (date: string, score: number | null) => ({ date, score }) as SignalRecord;
    const r = labelOrderRobustness(
      [rec('a', 2), rec('b', 0), rec('c', -1)],
      [
        [rec('a', 1), rec('b', 0), rec('c', null)],
        [rec('a', -1), rec('b', 1), rec('c', -1)],
      ],
    );
    expect(r.runs.map((x) => x.meanAbsDelta)).toEqual([0.5, 4 / 3]);
    expect(r.meanAbsDelta).toBeCloseTo(5 / 5, 12);
  });

  it('lookAheadWarning names the dates before the cutoff', () => {
    expect(lookAheadWarning(dates, '2023-10')).toMatch(
      /^parametric look-ahead: 14 of 16 decision dates \(2020-05-01 … 2023-08-01\) fall before the knowledge cutoff 2023-10/,
    );
    expect(lookAheadWarning(['2024-02-01'], '2023-10')).toBeNull();
    expect(lookAheadWarning(dates, null, 'my-model')).toMatch(/knowledge cutoff of model my-model is unknown/);
    expect(resolveModelCutoff('gpt-4o-2024-05-13')).toEqual({ month: '2023-10', origin: 'table', approximate: false });
    expect(resolveModelCutoff('gpt-4o-mini-2024-07-18')?.month).toBe('2023-10');
    expect(resolveModelCutoff('deepseek-chat')).toEqual({ month: '2023-12', origin: 'table', approximate: true });
    expect(lookAheadWarning(dates, resolveModelCutoff('deepseek-chat'), 'deepseek-chat')).toMatch(/2023-12 \(approximate\)/);
    expect(resolveModelCutoff('some-local-model')).toBeNull();
    expect(resolveModelCutoff('some-local-model', '2022-06')).toEqual({ month: '2022-06', origin: 'flag', approximate: false });
    expect(() => resolveModelCutoff('x', '2022-6')).toThrow(/--model-cutoff: expected a month YYYY-MM/);
  });
});
