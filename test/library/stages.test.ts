/** Stage 1 and stage 2 in one call each, as compare runs them, and their schedule traded by a strategy and a policy. */
import { describe, expect, it } from 'vitest';
import { collectForecasts, evaluatePolicy, evaluateStrategy, makeEnv, MomentumForecaster, overlays, runStage1, runStage2 } from 'marginlab';

describe('runStage1 / runStage2', () => {
  it('forecasts the decision dates, builds the ratio schedule, and the schedule trades', async () => {
    const signals = await runStage1({ forecaster: 'momentum', dates: 'quarterly:2020-05-01:2021-04-30' });
    expect(signals.map((s) => s.date)).toEqual(overlays.parseDecisionDates('quarterly:2020-05-01:2021-04-30'));
    expect(signals.every((s) => typeof s.explanation === 'string')).toBe(true);
    // The same records as the parts give.
    const data = new overlays.BundledSources();
    const direct = await collectForecasts({ dates: signals.map((s) => s.date), source: data.source('prices'), forecaster: new MomentumForecaster() });
    expect(signals.map((s) => s.score)).toEqual(direct.map((s) => s.score));

    const s2 = runStage2(signals, { period: '2020-05-01:2021-04-30', freqMonths: 3 });
    expect(s2.decisions.length).toBeGreaterThanOrEqual(3);
    expect(s2.schedule.reallocations.length).toBe(s2.decisions.length);

    const env = makeEnv({ period: '2020-05-01:2021-04-30' });
    const ew = evaluateStrategy('equal-weight', env, { schedule: s2.schedule });
    expect(ew.rows.some((r) => r.reallocated)).toBe(true);
    const ev = evaluatePolicy({ act: () => new Float64Array(env.actDim) }, env, { options: { schedule: s2.schedule } });
    expect(ev.rows.some((r) => r.reallocated)).toBe(true);

    await expect(runStage1({ forecaster: 'gpt' as never })).rejects.toThrow(/unknown forecaster "gpt": expected one of momentum, macro, constant, oracle/);
    expect(() => runStage2(signals, { freqMonths: 5 as never })).toThrow(/freqMonths 5: expected 3, 6 or 12/);
  });
});
