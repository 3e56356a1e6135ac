/**
 * The overlay's two stages in one call each, as `compare` runs them (overlays/ holds the parts):
 * stage 1 turns decision dates into point-in-time forecasts, stage 2 turns forecasts into the ratio
 * schedule an env (`makeEnv({ schedule })`, `evaluatePolicy(…, { options: { schedule } })`) or a strategy
 * (`evaluateStrategy(…, { schedule })`) trades under.
 *
 *   const signals = await runStage1({ forecaster: 'momentum', dates: 'quarterly:2020-05-01:2024-03-28' });
 *   const { schedule } = runStage2(signals, { period: '2020-05-01:2024-03-28', freqMonths: 6 });
 */
import { BundledSources } from '../overlays/context/bundled.ts';
import type { SourceName } from '../overlays/context/types.ts';
import { addDays, parseDecisionDates } from '../overlays/dates.ts';
import type { Forecaster } from '../overlays/forecaster.ts';
import { ConstantForecaster, MacroRulesForecaster, MomentumForecaster } from '../overlays/providers/offline.ts';
import { OracleForecaster } from '../overlays/providers/oracle.ts';
import { collectForecasts } from '../overlays/run.ts';
import type { SignalRecord } from '../overlays/signals.ts';
import { scheduleFor, type ForecastPoint, type Stage2Result } from '../overlays/stage2.ts';
import { parseDateRange } from '../src/data/panel.ts';

/** The offline forecasters by name (`compare --overlays`); `oracle` peeks at the future (an upper bound, marked cheating). */
export const OFFLINE_FORECASTERS = ['momentum', 'macro', 'constant', 'oracle'] as const;
export type OfflineForecasterName = (typeof OFFLINE_FORECASTERS)[number];

export interface Stage1Options {
  /** An offline forecaster by name, or any Forecaster (e.g. an LlmForecaster over an OpenAI-compatible transport). */
  forecaster?: OfflineForecasterName | Forecaster;
  /** Decision dates: 'quarterly:START:END', 'monthly:START:END' or a comma list of dates. */
  dates?: string | readonly string[];
  /** The bundled data the context sources read (prices, macro, the paper's prompts). */
  data?: BundledSources;
  /** Requests in flight at once (LLM forecasters). */
  concurrency?: number;
  /** The oracle's accuracy and seed. */
  oracleAccuracy?: number;
  seed?: number;
}

/** Stage 1 in memory: one forecast (a SignalRecord with its explanation) per decision date, point in time. */
export async function runStage1(opts: Stage1Options = {}): Promise<SignalRecord[]> {
  const {
    forecaster = 'momentum',
    dates = 'quarterly:2020-05-01:2024-03-28',
    data = new BundledSources(),
    concurrency = 1,
    oracleAccuracy = 0.8,
    seed = 0,
  } = opts;
  let f: Forecaster;
  if (typeof forecaster === 'string') {
    switch (forecaster) {
      case 'momentum':
        f = new MomentumForecaster();
        break;
      case 'macro':
        f = new MacroRulesForecaster();
        break;
      case 'constant':
        f = new ConstantForecaster();
        break;
      case 'oracle':
        f = new OracleForecaster(data.bundledPrices().index, { accuracy: oracleAccuracy, horizonMonths: 6, seed });
        break;
      default:
        throw new Error(`runStage1: unknown forecaster "${forecaster}": expected one of ${OFFLINE_FORECASTERS.join(', ')}, or a Forecaster object`);
    }
  } else if (forecaster && typeof forecaster.forecast === 'function') {
    f = forecaster;
  } else {
    throw new Error(`runStage1: forecaster must be one of ${OFFLINE_FORECASTERS.join(', ')} or a Forecaster object`);
  }
  const list = typeof dates === 'string' ? parseDecisionDates(dates) : [...dates];
  if (list.length === 0) throw new Error("runStage1: no decision dates: pass e.g. dates: 'quarterly:2020-05-01:2024-03-28'");
  return collectForecasts({
    dates: list,
    source: data.source((f.needs ?? 'prices') as SourceName),
    otherSources: { prices: () => data.source('prices'), macro: () => data.source('macro') },
    forecaster: f,
    concurrency,
  });
}

export interface Stage2Options {
  /** The trade period (inclusive) the schedule covers. */
  period?: string | { start: string; end: string };
  /** Months between reallocations (the paper: 3, 6 or 12). */
  freqMonths?: 3 | 6 | 12;
  /** 'paper': f* = clip(f·(1 + 0.1·score), 0.1, 0.9); 'direct': the target long share from score and confidence. */
  rule?: 'paper' | 'direct';
}

/** Stage 2: forecasts → the ratio schedule, using the forecast dated at each boundary (as `compare`). */
export function runStage2(forecasts: readonly ForecastPoint[], opts: Stage2Options = {}): Stage2Result {
  const { period = '2020-05-01:2024-03-28', freqMonths = 6, rule = 'paper' } = opts;
  if (![3, 6, 12].includes(freqMonths)) throw new Error(`runStage2: freqMonths ${freqMonths}: expected 3, 6 or 12`);
  if (rule !== 'paper' && rule !== 'direct') throw new Error(`runStage2: rule "${rule}": expected 'paper' or 'direct'`);
  const p = typeof period === 'string' ? parseDateRange(period, 'runStage2: period') : parseDateRange(`${period.start}:${period.end}`, 'runStage2: period');
  return scheduleFor(forecasts, { rule, start: p.start, end: addDays(p.end, 1), freqMonths });
}
