/**
 * Offline, transparent asset scorers: controls that need no key and answer instantly, through the same
 * answer schema and the same records as the LLM.
 *
 * - momentum: the transparent price-momentum rule (price-stats.ts `momentumScoreAnswers`), ranked within
 *   the date's listed universe. Reads no news or fundamentals (both neutral 5.5). Persona: analyst only.
 * - random: integer scores 1–10 drawn from a stream seeded by (seed, date, ticker, persona), so a record
 *   does not depend on the run's order, concurrency or the other assets. The no-skill baseline.
 * - oracle: a CHEATING upper bound. It reads the realised forward return of each asset over the forward
 *   window of the date (src/metrics/score-quality.ts: from the close of the scoring day to the next scoring
 *   date, or a horizon in trading days) and scores fundamentals, momentum and sentiment 1 + 9 × its
 *   percentile rank in the date's universe, risk 1 + 9 × the rank of its realised volatility. Every record
 *   says `cheating: true`. Persona: analyst only.
 *
 * Their latency is recorded as 0 (they compute locally), so the same inputs give the same file byte for byte.
 */
import { formatIssues } from '../../src/validation.ts';
import { forwardWindows, windowVolatility, type ForwardHorizon, type ForwardWindow } from '../../src/metrics/score-quality.ts';
import { stream } from '../../src/rng.ts';
import { NO_USAGE } from '../forecaster.ts';
import { contentHash, sha256Hex } from '../hash.ts';
import type { AssetContext, ClosePrices } from './context.ts';
import { momentumScoreAnswers, percentileRanks, type AssetPriceStats } from './price-stats.ts';
import { ScoreAnswerSchema, type ScoreAnswer } from './record.ts';
import type { AssetScorer, ScoreInput, ScoreOutcome } from './scorer.ts';

function outcome(answer: ScoreAnswer | null, hash: string, failure?: string): ScoreOutcome {
  const base = { promptHash: hash, usage: { ...NO_USAGE }, latencyMs: 0, cached: false };
  if (answer === null) return { answer: null, failure: failure ?? 'no score', ...base };
  const r = ScoreAnswerSchema.safeParse(answer);
  return r.success ? { answer: r.data, ...base } : { answer: null, failure: formatIssues(r.error, { whole: '' }), ...base };
}

const ANALYST_ONLY = ['analyst'] as const;

export class MomentumScorer implements AssetScorer {
  readonly provider = 'momentum';
  readonly model = 'momentum-v1';
  readonly cheating = false;
  readonly personas = ANALYST_ONLY;
  // One ranking (and one data hash) per date: the contexts of a date share their `universe` array.
  private readonly perDate = new WeakMap<readonly AssetPriceStats[], { answers: Map<string, ScoreAnswer>; hash: string }>();

  private ranked(universe: readonly AssetPriceStats[]) {
    let r = this.perDate.get(universe);
    if (!r) this.perDate.set(universe, (r = { answers: momentumScoreAnswers(universe), hash: contentHash({ scorer: this.model, universe }) }));
    return r;
  }

  preview(context: AssetContext): string {
    return `(momentum rule: ranks ${context.ticker}'s 12-1 return and 3-month volatility among ${context.universe.length} assets, from prices before ${context.date})`;
  }

  async score(input: ScoreInput): Promise<ScoreOutcome> {
    const { context } = input;
    const { answers, hash } = this.ranked(context.universe);
    const h = sha256Hex(`${hash}:${context.ticker}`);
    const a = answers.get(context.ticker);
    if (!a) {
      return outcome(
        null,
        h,
        `momentum: ${context.ticker} lacks the 6-month return or the 3-month volatility the rule ranks by (not enough history before ${context.date})`,
      );
    }
    return outcome(a, h);
  }
}

export class RandomScorer implements AssetScorer {
  readonly provider = 'random';
  readonly model: string;
  readonly cheating = false;

  constructor(readonly seed = 0) {
    if (!(Number.isSafeInteger(seed) && seed >= 0)) throw new Error(`random scorer: seed must be a non-negative integer, got ${seed}`);
    this.model = `random-seed${seed}`;
  }

  preview(context: AssetContext, persona: string): string {
    return `(random control: scores for ${context.ticker} on ${context.date} (${persona}) drawn uniformly from 1..10, seed ${this.seed}; reads no data)`;
  }

  async score(input: ScoreInput): Promise<ScoreOutcome> {
    const { date, ticker } = input.context;
    const rng = stream(this.seed, `score:random:${date}:${ticker}:${input.persona}`);
    const draw = () => 1 + rng.int(10);
    const [fundamentals, momentum, sentiment, risk] = [draw(), draw(), draw(), draw()];
    return outcome(
      {
        fundamentals,
        momentum,
        sentiment,
        risk,
        reasoning: `random control (seed ${this.seed}): scores drawn uniformly from 1 to 10, independent of any data`,
        confidence: 0.5,
        keyFactors: [],
      },
      contentHash({ scorer: 'random', seed: this.seed, date, ticker, persona: input.persona }),
    );
  }
}

export interface OracleScorerOptions {
  /** The scoring dates of the run ('next' windows end at the following one). */
  dates: readonly string[];
  /** 'next' (default): to the next scoring date, the last date over the previous window's length; or trading days. */
  horizon?: ForwardHorizon;
  /** For the realised volatility in the reasoning (default the prices', else 252); ranks do not depend on it. */
  periodsPerYear?: number;
}

export class OracleScorer implements AssetScorer {
  readonly provider = 'oracle';
  readonly cheating = true;
  readonly personas = ANALYST_ONLY;
  readonly model: string;
  private readonly windows: Map<string, ForwardWindow>;
  private readonly perDate = new Map<string, Map<string, ScoreAnswer>>();
  private readonly column: Map<string, number>;

  constructor(
    /** Prices past the scoring dates: what it peeks at. */
    private readonly prices: ClosePrices,
    private readonly options: OracleScorerOptions,
  ) {
    const horizon = options.horizon ?? 'next';
    this.model = horizon === 'next' ? 'oracle-next-date' : `oracle-h${horizon}d`;
    this.windows = forwardWindows(prices.dates, options.dates, horizon, { extendLast: true });
    this.column = new Map(prices.tickers.map((t, i) => [t, i]));
  }

  preview(context: AssetContext): string {
    return `(oracle: reads ${context.ticker}'s realised return after ${context.date} — CHEATING upper bound)`;
  }

  private answersFor(date: string, universe: readonly AssetPriceStats[], w: ForwardWindow): Map<string, ScoreAnswer> {
    let out = this.perDate.get(date);
    if (out) return out;
    const p = this.prices;
    const n = p.tickers.length;
    const at = (row: number, i: number): number => (p.available && !p.available[row * n + i] ? NaN : p.close[row * n + i]);
    const tickers = universe.map((s) => s.ticker);
    const rets = tickers.map((t) => {
      const i = this.column.get(t);
      if (i === undefined) return null;
      const a = at(w.entryRow, i);
      const b = at(w.exitRow, i);
      return a > 0 && b > 0 ? b / a - 1 : null;
    });
    const vols = tickers.map((t) => {
      const i = this.column.get(t);
      return i === undefined ? null : windowVolatility(p, i, w.entryRow, w.exitRow, this.options.periodsPerYear ?? p.periodsPerYear ?? 252);
    });
    const rr = percentileRanks(rets);
    const vr = percentileRanks(vols);
    out = new Map();
    const span = `${p.dates[w.entryRow]} to ${p.dates[w.exitRow]}`;
    tickers.forEach((t, k) => {
      if (rr[k] === null || vr[k] === null) return;
      const s = 1 + 9 * rr[k]!;
      const risk = 1 + 9 * vr[k]!;
      out!.set(t, {
        fundamentals: s,
        momentum: s,
        sentiment: s,
        risk,
        reasoning: `ORACLE — cheating upper bound: ${t} actually returned ${(rets[k]! * 100).toFixed(1)}% from ${span} (rank ${Math.round(rr[k]! * 100)}th percentile of ${tickers.length}), realised volatility ${(vols[k]! * 100).toFixed(1)}%/yr`,
        confidence: 1,
        keyFactors: [`realised return ${(rets[k]! * 100).toFixed(1)}%`, `realised volatility ${(vols[k]! * 100).toFixed(1)}%/yr`],
      });
    });
    this.perDate.set(date, out);
    return out;
  }

  async score(input: ScoreInput): Promise<ScoreOutcome> {
    const { date, ticker, universe } = input.context;
    const w = this.windows.get(date);
    const hash = contentHash({ scorer: this.model, date, ticker, window: w ? [this.prices.dates[w.entryRow], this.prices.dates[w.exitRow]] : null });
    if (!w)
      return outcome(null, hash, `oracle: no realised prices after ${date} to peek at (the prices end ${this.prices.dates[this.prices.dates.length - 1]})`);
    const a = this.answersFor(date, universe, w).get(ticker);
    if (!a)
      return outcome(
        null,
        hash,
        `oracle: ${ticker} has no realised return or volatility over ${this.prices.dates[w.entryRow]} to ${this.prices.dates[w.exitRow]}`,
      );
    return outcome(a, hash);
  }
}
