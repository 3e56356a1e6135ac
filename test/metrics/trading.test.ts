import { describe, expect, it } from 'vitest';
import { TRADING_STAT_KEYS, TRADING_STAT_LABELS, episodeStats, tradingStats, type EpisodeLog } from '../../src/metrics/trading.ts';

const log: EpisodeLog = {
  dates: ['2021-01-04', '2021-01-05', '2021-01-06', '2021-01-07', '2021-01-08'],
  equity: [100, 110, 90, 100, 100],
  tradedValue: [50, -30, 0, 20, 0],
  fees: [0.05, 0.03, 0, 0.02, 0],
  marginCalls: 1,
  forcedTrades: 3,
};

describe('tradingStats', () => {
  it('by hand', () => {
    const s = tradingStats(log);
    // Σ|v| = 50 + 30 + 0 + 20 + 0 = 100; mean equity = 500/5 = 100; 4 periods;
    // turnover = 100/100 · 252/4 = 63 book-values a year.
    expect(s.days).toBe(5);
    expect(s.totalTraded).toBe(100);
    expect(s.annualTurnover).toBeCloseTo(63, 12);
    // fees 0.05 + 0.03 + 0.02 = 0.1, over the initial 100 = 0.1%.
    expect(s.feesPaid).toBeCloseTo(0.1, 14);
    expect(s.feesOverInitial).toBeCloseTo(0.001, 14);
    expect(s.marginCalls).toBe(1);
    expect(s.forcedTrades).toBe(3);
  });

  it('null where the log has no record', () => {
    const s = tradingStats({ dates: log.dates, equity: log.equity });
    expect(s.annualTurnover).toBeNull();
    expect(s.feesPaid).toBeNull();
    expect(s.feesOverInitial).toBeNull();
    expect(s.marginCalls).toBeNull();
    expect(s.forcedTrades).toBeNull();
  });

  it('validates lengths, order and counts with messages that say where', () => {
    expect(() => tradingStats({ ...log, equity: [1, 2] })).toThrow(/5 dates but 2 equity values/);
    expect(() => tradingStats({ ...log, fees: [1] })).toThrow(/fees has 1 values for 5 dates/);
    expect(() => tradingStats({ ...log, dates: ['2021-01-04', '2021-01-04', 'x', 'y', 'z'] })).toThrow(/dates\[1\]/);
    expect(() => tradingStats({ ...log, tradedValue: [0, 0, NaN, 0, 0] })).toThrow(/tradedValue\[2\] = NaN \(2021-01-06\)/);
    expect(() => tradingStats({ ...log, marginCalls: 1.5 })).toThrow(/marginCalls = 1.5/);
  });

  it('labels cover every key', () => {
    expect(Object.keys(TRADING_STAT_LABELS)).toEqual([...TRADING_STAT_KEYS]);
  });
});

describe('episodeStats', () => {
  it('combines perf and trading statistics', () => {
    const { perf, trading } = episodeStats(log);
    expect(perf.cumulativeReturns).toBeCloseTo(0, 14);
    // 100 → 110 → 90: −18.18…% from the 110 peak.
    expect(perf.maxDrawdown).toBeCloseTo(-20 / 110, 14);
    expect(trading.totalTraded).toBe(100);
  });
});
