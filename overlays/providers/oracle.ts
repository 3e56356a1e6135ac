/**
 * The oracle: a cheating upper bound. It reads the realised index return over the forecast horizon (by
 * default the half year after the last close before the decision date) and reports its label with
 * probability `accuracy`, otherwise a uniformly drawn different label. Draws come from a stream seeded
 * by (seed, date), so results do not depend on the order or concurrency of the run. Every output says
 * `cheating: true`; it bounds what a perfect forecaster could add, it is never a result.
 */
import { makeAnswer } from '../answer.ts';
import { rowsBefore, type IndexSeries } from '../context/prices.ts';
import type { Context } from '../context/types.ts';
import { addDays, addMonths } from '../dates.ts';
import { NO_USAGE, type ForecastInput, type ForecastOutcome, type Forecaster } from '../forecaster.ts';
import { contentHash } from '../hash.ts';
import { LABELS, LABEL_SCORES, labelForHalfYearReturn } from '../labels.ts';
import { stream } from '../../src/rng.ts';

export interface OracleOptions {
  /** Probability of reporting the true label, in [0, 1]. */
  accuracy?: number;
  horizonMonths?: number;
  seed?: number;
}

export class OracleForecaster implements Forecaster {
  readonly provider = 'oracle';
  readonly cheating = true;
  readonly model: string;
  private readonly accuracy: number;
  private readonly horizonMonths: number;
  private readonly seed: number;

  constructor(
    private readonly index: IndexSeries,
    options: OracleOptions = {},
  ) {
    this.accuracy = options.accuracy ?? 1;
    this.horizonMonths = options.horizonMonths ?? 6;
    this.seed = options.seed ?? 0;
    if (!(this.accuracy >= 0 && this.accuracy <= 1)) throw new Error(`oracle accuracy must be in [0, 1], got ${options.accuracy}`);
    this.model = `oracle-acc${this.accuracy}-h${this.horizonMonths}m`;
  }

  preview(context: Context): string {
    return `(oracle: reads the realised ${this.index.name} return over the ${this.horizonMonths} months after ${context.asOf} — CHEATING upper bound)`;
  }

  async forecast(input: ForecastInput): Promise<ForecastOutcome> {
    const { dates, close } = this.index;
    const entry = rowsBefore(dates, input.date) - 1;
    const horizonEnd = addMonths(input.date, this.horizonMonths);
    const exit = rowsBefore(dates, horizonEnd) - 1;
    const hash = contentHash({ oracle: this.index.name, date: input.date, horizonEnd, seed: this.seed, accuracy: this.accuracy });
    const base = { promptHash: hash, usage: { ...NO_USAGE }, cached: false };
    const lastDate = dates[dates.length - 1];
    // The exit is the last close before the horizon end; a series that stops more than a week earlier
    // would silently shorten the horizon, so that is a failure instead.
    if (entry < 0 || exit <= entry || lastDate < addDays(horizonEnd, -7)) {
      return {
        answer: null,
        failure: `oracle: ${this.index.name} has no realised data from ${input.date} to ${horizonEnd} (series ${dates[0]} … ${lastDate})`,
        ...base,
        latencyMs: 0,
      };
    }
    const realised = close[exit] / close[entry] - 1;
    const truth = labelForHalfYearReturn(realised);
    const rng = stream(this.seed, `overlay:oracle:${input.date}`);
    const keep = rng.next() < this.accuracy;
    const others = LABELS.filter((l) => l !== truth);
    const label = keep ? truth : others[rng.int(others.length)];
    const proxy = this.index.proxyAfter !== undefined && dates[exit] > this.index.proxyAfter ? ' (proxy levels past the published index)' : '';
    const r = makeAnswer({
      label,
      score: LABEL_SCORES[label],
      confidence: this.accuracy,
      explanation:
        `ORACLE — cheating upper bound: ${this.index.name} actually moved ${(realised * 100).toFixed(1)}% from ${dates[entry]} to ${dates[exit]}${proxy}, ` +
        `which is ${truth}. With accuracy ${this.accuracy} this draw ${keep ? 'reports the true label' : `reports a wrong label instead: ${label}`}.`,
      keyFactors: [`realised ${this.index.name} return ${(realised * 100).toFixed(1)}%`],
    });
    const latencyMs = 0; // computed locally: recorded as 0 so the same inputs give the same file
    return r.ok ? { answer: r.answer, ...base, latencyMs } : { answer: null, failure: r.error, ...base, latencyMs };
  }
}
