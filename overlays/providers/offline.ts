/**
 * Offline forecasters: controls that need no API key and answer instantly, each with a template
 * explanation of its reasoning, through the same answer schema as the LLMs.
 *
 * - momentum: extrapolates the index's last half year (bucketed like the oracle, see labels.ts), one step
 *   toward neutral when the 200-day average disagrees, Fluctuating when flat but volatile.
 * - macro: three rules on released data: yield curve (10y−2y), unemployment trend, inflation trend.
 * - constant: always the same label (Flat by default: no overlay, the ratio never moves).
 */
import { makeAnswer } from '../answer.ts';
import type { MacroSeriesView } from '../context/macro.ts';
import type { Context } from '../context/types.ts';
import { contextOf, NO_USAGE, type ForecastInput, type ForecastOutcome, type Forecaster } from '../forecaster.ts';
import { contentHash } from '../hash.ts';
import { LABEL_SCORES, labelForHalfYearReturn, labelForScore, type Label } from '../labels.ts';

function pct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

/**
 * Offline rules compute locally in microseconds; their latency is recorded as 0 so that the same inputs
 * give the same signals file, byte for byte (a wall-clock reading would differ on every run).
 */
function outcomeOf(fields: unknown, readHash: string): ForecastOutcome {
  const r = makeAnswer(fields);
  const base = { promptHash: readHash, usage: { ...NO_USAGE }, latencyMs: 0, cached: false };
  return r.ok ? { answer: r.answer, ...base } : { answer: null, failure: r.error, ...base };
}

export class MomentumForecaster implements Forecaster {
  readonly provider = 'momentum';
  readonly model = 'momentum-v1';
  readonly cheating = false;
  readonly needs = 'prices' as const;

  preview(context: Context): string {
    return context.body;
  }

  async forecast(input: ForecastInput): Promise<ForecastOutcome> {
    const ctx = contextOf(this, input);
    const s = ctx.prices;
    if (!s) throw new Error(`momentum: the ${ctx.source} context has no price summary`);
    const hash = contentHash(s);
    const r = s.return6m ?? s.return3m;
    if (r === null) {
      return {
        answer: null,
        failure: `momentum: less than 3 months of ${s.index} history before ${s.asOf}`,
        promptHash: hash,
        usage: { ...NO_USAGE },
        latencyMs: 0,
        cached: false,
      };
    }
    let label: Label = labelForHalfYearReturn(r);
    let score = LABEL_SCORES[label];
    const reasons = [`${s.index} moved ${pct(r)} over the last ${s.return6m !== null ? 6 : 3} months to ${s.lastDate}`];
    if (s.vsMa200 !== null && score !== 0 && Math.sign(s.vsMa200) !== Math.sign(score)) {
      score -= Math.sign(score);
      label = labelForScore(score);
      reasons.push(`but it trades ${pct(s.vsMa200)} against its 200-day average, so the call is toned down one step`);
    } else if (s.vsMa200 !== null) {
      reasons.push(`it trades ${pct(s.vsMa200)} against its 200-day average`);
    }
    if (score === 0 && s.volatility3m !== null && s.volatility3m > 0.25) {
      label = 'Fluctuating';
      reasons.push(`with ${(s.volatility3m * 100).toFixed(0)}% annualised volatility the flat trend is called Fluctuating`);
    }
    return outcomeOf(
      {
        label,
        score: LABEL_SCORES[label],
        confidence: Math.max(0.1, Math.min(1, Math.abs(r) / 0.15)),
        explanation: `Trend following: ${reasons.join('; ')}. Momentum extrapolates the recent trend into the next half year: ${label}.`,
        keyFactors: [`${s.index} ${pct(r)}`, ...(s.vsMa200 !== null ? [`vs 200-day average ${pct(s.vsMa200)}`] : [])],
      },
      hash,
    );
  }
}

interface RuleResult {
  /** Short name for keyFactors. */
  factor: string;
  signal: -1 | 0 | 1;
  finding: string;
}

function latestValue(s: MacroSeriesView | undefined): { date: string; value: number } | null {
  const o = s?.observations[s.observations.length - 1];
  return o ? { date: o.date, value: o.value } : null;
}

function yieldCurveRule(s: MacroSeriesView | undefined): RuleResult {
  const v = latestValue(s);
  if (!v) return { factor: 'yield curve', signal: 0, finding: 'yield curve: no released 10y−2y spread' };
  if (v.value < 0)
    return { factor: 'yield curve', signal: -1, finding: `yield curve inverted (10y−2y ${v.value.toFixed(2)} pp on ${v.date}), which has preceded recessions` };
  if (v.value > 1)
    return { factor: 'yield curve', signal: 1, finding: `yield curve steep (10y−2y ${v.value.toFixed(2)} pp on ${v.date}), typical of expansions` };
  return { factor: 'yield curve', signal: 0, finding: `yield curve flat-to-normal (10y−2y ${v.value.toFixed(2)} pp on ${v.date})` };
}

function unemploymentRule(s: MacroSeriesView | undefined): RuleResult {
  const obs = s?.observations ?? [];
  if (obs.length < 7) return { factor: 'unemployment', signal: 0, finding: 'unemployment: not enough released months' };
  const last = obs[obs.length - 1];
  const prior12 = obs.slice(-13, -1);
  const low = Math.min(...prior12.map((o) => o.value));
  const sixAgo = obs[obs.length - 7];
  const month = last.date.slice(0, 7);
  if (last.value - low >= 0.5) {
    return {
      factor: 'unemployment',
      signal: -1,
      finding: `unemployment rising: ${last.value}% in ${month}, ${(last.value - low).toFixed(1)} pp above its 12-month low`,
    };
  }
  if (sixAgo.value - last.value >= 0.2) {
    return { factor: 'unemployment', signal: 1, finding: `unemployment falling: ${last.value}% in ${month} from ${sixAgo.value}% six months earlier` };
  }
  return { factor: 'unemployment', signal: 0, finding: `unemployment steady at ${last.value}% in ${month}` };
}

function inflationRule(s: MacroSeriesView | undefined): RuleResult {
  const obs = s?.observations ?? [];
  if (obs.length < 19) return { factor: 'inflation', signal: 0, finding: 'inflation: not enough released months for year-over-year trends' };
  const n = obs.length - 1;
  const yoyNow = obs[n].value / obs[n - 12].value - 1;
  const yoyThen = obs[n - 6].value / obs[n - 18].value - 1;
  const change = (yoyNow - yoyThen) * 100;
  const text = `CPI inflation ${(yoyNow * 100).toFixed(1)}% year over year in ${obs[n].date.slice(0, 7)} vs ${(yoyThen * 100).toFixed(1)}% six months earlier`;
  if (change >= 0.5) return { factor: 'inflation', signal: -1, finding: `${text}: rising, pressure for tighter policy` };
  if (change <= -0.5) return { factor: 'inflation', signal: 1, finding: `${text}: falling, room for easier policy` };
  return { factor: 'inflation', signal: 0, finding: `${text}: stable` };
}

export class MacroRulesForecaster implements Forecaster {
  readonly provider = 'macro';
  readonly model = 'macro-rules-v1';
  readonly cheating = false;
  readonly needs = 'macro' as const;

  preview(context: Context): string {
    return context.body;
  }

  async forecast(input: ForecastInput): Promise<ForecastOutcome> {
    const ctx = contextOf(this, input);
    const m = ctx.macro;
    if (!m) throw new Error(`macro rules: the ${ctx.source} context has no macro snapshot`);
    const byId = new Map(m.series.map((s) => [s.id, s]));
    const rules = [yieldCurveRule(byId.get('T10Y2Y')), unemploymentRule(byId.get('UNRATE')), inflationRule(byId.get('CPIAUCSL'))];
    const score = rules.reduce((a, r) => a + r.signal, 0);
    const label = labelForScore(score);
    return outcomeOf(
      {
        label,
        score,
        confidence: 0.2 + (0.8 * Math.abs(score)) / 3,
        explanation: `Macro rules (+1/0/−1 each, summed): ${rules.map((r) => r.finding).join('; ')}. Total ${score >= 0 ? '+' : ''}${score}: ${label}.`,
        keyFactors: rules.map((r) => `${r.factor} ${r.signal > 0 ? '+1' : r.signal < 0 ? '−1' : '0'}`),
      },
      contentHash(m),
    );
  }
}

export class ConstantForecaster implements Forecaster {
  readonly provider = 'constant';
  readonly cheating = false;
  readonly model: string;

  constructor(private readonly label: Label = 'Flat') {
    this.model = `constant-${label.toLowerCase().replace(/\s+/g, '-')}`;
  }

  preview(): string {
    return `(constant forecaster: always ${this.label}; reads no data)`;
  }

  async forecast(): Promise<ForecastOutcome> {
    return outcomeOf(
      {
        label: this.label,
        score: LABEL_SCORES[this.label],
        confidence: 1,
        explanation:
          this.label === 'Flat'
            ? 'Constant control: no view on the market, so the long-short ratio stays where it is (no overlay).'
            : `Constant control: always ${this.label}, whatever the data.`,
        keyFactors: [],
      },
      contentHash({ constant: this.label }),
    );
  }
}
