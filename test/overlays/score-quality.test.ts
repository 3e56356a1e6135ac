/** src/metrics/score-quality.ts against hand-computed values. */
import { describe, expect, it } from 'vitest';
import {
  forwardReturns,
  forwardWindows,
  hitRate,
  meanStats,
  rankIc,
  rankTurnover,
  scoreQuality,
  spearman,
  weightTurnover,
  windowVolatility,
  type PriceRows,
} from '../../src/metrics/score-quality.ts';

const panel = (o: Record<string, Record<string, number>>) => new Map(Object.entries(o).map(([d, m]) => [d, new Map(Object.entries(m))]));

describe('score quality metrics', () => {
  it('Spearman: perfect, reversed, ties by average rank, undefined on a constant side', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 45])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    // ranks x = 1, 2.5, 2.5, 4; y = 1, 3, 2, 4 → 4.5 / √(4.5 · 5)
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(4.5 / Math.sqrt(22.5), 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(spearman([1], [1])).toBeNaN();
  });

  it('rank IC per date, mean, sd and t = mean / (sd / √n); dates without enough pairs are undefined', () => {
    const scores = panel({
      '2020-01-01': { A: 1, B: 2, C: 3 },
      '2020-02-01': { A: 1, B: 2, C: 3 },
      '2020-03-01': { A: 1, B: 2, C: 3 },
      '2020-04-01': { A: 1, B: 2 },
    });
    const fwd = panel({
      '2020-01-01': { A: -0.1, B: 0, C: 0.2 }, // +1
      '2020-02-01': { A: 0.3, B: 0.2, C: 0.1 }, // −1
      '2020-03-01': { A: 0.1, B: 0.3, C: 0.2 }, // 0.5
      '2020-04-01': { A: 0.1, B: 0.3 },
    });
    const r = rankIc(scores, fwd);
    expect(r.perDate.map((d) => d.ic)).toEqual([1, -1, 0.5].map((x) => expect.closeTo(x, 12)));
    expect(r.undefinedDates).toEqual(['2020-04-01']);
    expect(r.n).toBe(3);
    expect(r.mean).toBeCloseTo(1 / 6, 12);
    expect(r.sd).toBeCloseTo(Math.sqrt(39) / 6, 12);
    expect(r.tStat).toBeCloseTo(1 / Math.sqrt(13), 12);
    expect(r.icir).toBeCloseTo(1 / Math.sqrt(39), 12);
    expect(meanStats([2]).tStat).toBeNaN();
  });

  it('hit rate: > 5.5 calls up, < 5.5 down, 5.5 no call; a zero return is a miss', () => {
    const scores = panel({ d: { A: 6, B: 5, C: 5.5, D: 7, E: 2, F: 9 } });
    const fwd = panel({ d: { A: 0.1, B: 0.2, C: 0.3, D: 0, E: -0.05 } }); // F has no forward return: not counted
    const h = hitRate(scores, fwd);
    expect(h).toEqual({ calls: 4, upCalls: 2, downCalls: 2, hits: 2, hitRate: 0.5, noCalls: 1, zeroReturns: 1 });
  });

  it('turnover: mean |Δ percentile rank| over common tickers; ½ Σ |Δw| of score-proportional weights', () => {
    const scores = panel({ '2020-01-01': { A: 1, B: 2, C: 3 }, '2020-02-01': { A: 3, B: 2, C: 1 }, '2020-03-01': { A: 3, B: 2, C: 1 } });
    const r = rankTurnover(scores);
    expect(r.perPair.map((p) => p.turnover)).toEqual([expect.closeTo(2 / 3, 12), 0]);
    expect(r.mean).toBeCloseTo(1 / 3, 12);
    const w = weightTurnover(scores);
    expect(w.perPair[0].turnover).toBeCloseTo(1 / 3, 12);
    expect(w.perPair[1].turnover).toBe(0);
    // A ticker that leaves: its whole weight turns over.
    const gone = weightTurnover(panel({ a: { A: 1, B: 1 }, b: { A: 1 } }));
    expect(gone.perPair[0].turnover).toBeCloseTo(0.5, 12);
  });

  it('forward windows: from the scoring day close to the next scoring date, or h trading rows; the last date only when extended', () => {
    const rows = ['2020-01-02', '2020-01-03', '2020-01-06', '2020-01-07', '2020-01-08'];
    const next = forwardWindows(rows, ['2020-01-01', '2020-01-04'], 'next');
    expect([...next.values()]).toEqual([{ date: '2020-01-01', entryRow: 0, exitRow: 2 }]);
    const ext = forwardWindows(rows, ['2020-01-01', '2020-01-04'], 'next', { extendLast: true });
    expect(ext.get('2020-01-04')).toEqual({ date: '2020-01-04', entryRow: 2, exitRow: 4 });
    const h1 = forwardWindows(rows, ['2020-01-01', '2020-01-04', '2020-01-08'], 1);
    expect([...h1.values()].map((w) => [w.entryRow, w.exitRow])).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(() => forwardWindows(rows, ['2020-01-01'], 0)).toThrow(/positive whole number/);
    const p: PriceRows = {
      dates: rows,
      tickers: ['A', 'B'],
      close: Float64Array.from([10, 1, 11, 1, 12, 1, 11, 2, 12, 4]),
      available: Uint8Array.from([1, 0, 1, 0, 1, 1, 1, 1, 1, 1]),
    };
    const f = forwardReturns(p, ['2020-01-01', '2020-01-04'], 'next');
    expect([...f.get('2020-01-01')!]).toEqual([['A', expect.closeTo(0.2, 12)]]); // B has no bar at entry
    expect(windowVolatility(p, 0, 0, 2)).toBeCloseTo(
      Math.sqrt(((Math.log(1.1) - Math.log(1.2) / 2) ** 2 + (Math.log(12 / 11) - Math.log(1.2) / 2) ** 2) / 1) * Math.sqrt(252),
      12,
    );
    const q = scoreQuality(panel({ '2020-01-01': { A: 7, B: 3 }, '2020-01-04': { A: 7, B: 3 } }), p);
    expect(q.hitRate.calls).toBe(1);
    expect(q.rankIc.undefinedDates).toEqual(['2020-01-01', '2020-01-04']);
  });
});
