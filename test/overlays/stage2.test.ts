import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDecisionDates } from '../../overlays/dates.ts';
import { labelForScore } from '../../overlays/labels.ts';
import type { SignalRecord } from '../../overlays/signals.ts';
import {
  boundaries,
  directMappingSchedule,
  paperRuleSchedule,
  scheduleFromSignalsFile,
  zeroChangeSchedule,
  type ForecastPoint,
} from '../../overlays/stage2.ts';

const QUARTERS = parseDecisionDates('quarterly:2020-05-01:2024-02-01');
// A distinct score per quarter, so the test can tell which forecast each boundary used.
const SCORES = [3, -3, -1, 2, 1, -2, 0, 3, -3, 2, 1, 0, -1, 2, 3, -3];
const points: ForecastPoint[] = QUARTERS.map((date, i) => ({ date, score: SCORES[i], confidence: 0.5 }));
const PERIOD = { start: '2020-05-01', end: '2024-04-01' };

describe('decision dates', () => {
  it('parses cadences (inclusive) and explicit lists', () => {
    expect(QUARTERS).toHaveLength(16);
    expect(QUARTERS[0]).toBe('2020-05-01');
    expect(QUARTERS[15]).toBe('2024-02-01');
    expect(parseDecisionDates('monthly:2020-01-01:2020-03-01')).toEqual(['2020-01-01', '2020-02-01', '2020-03-01']);
    expect(parseDecisionDates('2020-08-01, 2020-05-01')).toEqual(['2020-05-01', '2020-08-01']);
    expect(() => parseDecisionDates('weekly:2020-01-01:2020-03-01')).toThrow(/unknown cadence "weekly"/);
    expect(() => parseDecisionDates('2020-13-01')).toThrow(/dates: "2020-13-01"/);
  });

  it('boundaries match the paper for 6 months: 8 segments from 2020-05-01 to 2023-11-01', () => {
    expect(boundaries(PERIOD.start, PERIOD.end, 6)).toEqual([
      '2020-05-01',
      '2020-11-01',
      '2021-05-01',
      '2021-11-01',
      '2022-05-01',
      '2022-11-01',
      '2023-05-01',
      '2023-11-01',
    ]);
    expect(boundaries(PERIOD.start, PERIOD.end, 12)).toEqual(['2020-05-01', '2021-05-01', '2022-05-01', '2023-05-01']);
    expect(() => boundaries(PERIOD.start, PERIOD.end, 4)).toThrow(/3, 6 or 12/);
  });
});

describe('paper rule (update_ratio)', () => {
  it('uses the forecast dated AT each boundary (not the next one: docs/mechanics.md#first-segment-forecast)', () => {
    const r = paperRuleSchedule(points, { ...PERIOD, freqMonths: 6 });
    const changes = r.schedule.reallocations.map((e) => e.change);
    // Boundaries are quarters 0, 2, 4, …: scores 3, -1, 1, 0, -3, 1, -1, 3.
    expect(changes.map((c) => Math.round(c! * 10))).toEqual([3, -1, 1, 0, -3, 1, -1, 3]);
    expect(r.schedule.reallocations[0].date).toBe('2020-05-01');
    expect(r.schedule.reallocations[0].change).toBeCloseTo(0.3, 12);
    expect(r.schedule.reallocations.every((e) => e.target === undefined)).toBe(true);
  });

  it('computes the nominal long share f* = clip(f·(1+c), 0.1, 0.9) by hand', () => {
    const r = paperRuleSchedule(points, { ...PERIOD, freqMonths: 6 });
    const expected: number[] = [];
    let f = 0.5;
    for (const c of [0.3, -0.1, 0.1, 0, -0.3, 0.1, -0.1, 0.3]) expected.push((f = Math.min(0.9, Math.max(0.1, f * (1 + c)))));
    r.schedule.targets.forEach((t, i) => expect(t.longShare).toBeCloseTo(expected[i], 12));
    expect(r.schedule.targets[0].longShare).toBeCloseTo(0.65, 12);
    expect(r.schedule.minShare).toBe(0.1);
    expect(r.schedule.maxShare).toBe(0.9);
  });

  it('clips at the bounds', () => {
    const allBull = QUARTERS.map((date) => ({ date, score: 3, confidence: 1 }));
    const r = paperRuleSchedule(allBull, { ...PERIOD, freqMonths: 3 });
    expect(r.schedule.targets.at(-1)!.longShare).toBe(0.9);
  });

  it('a boundary without its own forecast is an error, never borrowed from another date', () => {
    const missing = points.filter((p) => p.date !== '2020-11-01');
    expect(() => paperRuleSchedule(missing, { ...PERIOD, freqMonths: 6 })).toThrow(/no forecast dated 2020-11-01/);
  });

  it('a failed forecast holds the ratio with a warning, or throws on request', () => {
    const failed = points.map((p) => (p.date === '2020-11-01' ? { date: p.date, score: null, confidence: null, failure: 'answer could not be validated' } : p));
    const r = paperRuleSchedule(failed, { ...PERIOD, freqMonths: 6 });
    expect(r.schedule.reallocations[1]).toEqual({ date: '2020-11-01', change: 0 });
    expect(r.warnings[0]).toMatch(/2020-11-01 failed.*holding/);
    expect(() => paperRuleSchedule(failed, { ...PERIOD, freqMonths: 6, onFailure: 'error' })).toThrow(/2020-11-01 failed/);
  });
});

describe('direct mapping', () => {
  it('target = clip(0.5 + 0.4 · score/3 · confidence)', () => {
    const r = directMappingSchedule(points, { ...PERIOD, freqMonths: 3 });
    expect(r.schedule.reallocations).toHaveLength(16);
    expect(r.schedule.reallocations[0].target).toBeCloseTo(0.5 + 0.4 * 1 * 0.5, 12);
    expect(r.schedule.reallocations[1].target).toBeCloseTo(0.5 - 0.4 * 1 * 0.5, 12);
    const noConfidence = directMappingSchedule(
      QUARTERS.map((date) => ({ date, score: -3, confidence: null })),
      { ...PERIOD, freqMonths: 3 },
    );
    expect(noConfidence.schedule.targets[0].longShare).toBeCloseTo(0.1, 12);
  });
});

describe('zero-change control and signals files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'marginlab-stage2-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the control reallocates on the same dates with change 0', () => {
    const z = zeroChangeSchedule({ ...PERIOD, freqMonths: 6 });
    expect(z.reallocations.map((e) => e.date)).toEqual(boundaries(PERIOD.start, PERIOD.end, 6));
    expect(z.reallocations.every((e) => e.change === 0)).toBe(true);
  });

  it('builds a schedule from a signals file', () => {
    const records: SignalRecord[] = points.map((p) => ({
      date: p.date,
      asOf: p.date,
      source: 'macro',
      provider: 'macro',
      model: 'macro-rules-v1',
      format: null,
      promptHash: 'a'.repeat(64),
      label: labelForScore(p.score!),
      score: p.score,
      confidence: p.confidence,
      explanation: 'x',
      keyFactors: [],
      usage: { promptTokens: 0, completionTokens: 0, requests: 0, costUsd: 0 },
      latencyMs: 0,
      cached: false,
      pointInTime: true,
    }));
    const file = join(dir, 's.jsonl');
    // Completion order, not date order: the reader sorts.
    writeFileSync(
      file,
      [...records]
        .reverse()
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    );
    const viaFile = scheduleFromSignalsFile(file, { rule: 'paper', ...PERIOD, freqMonths: 6 });
    expect(viaFile.schedule).toEqual(paperRuleSchedule(points, { ...PERIOD, freqMonths: 6 }).schedule);
  });
});
