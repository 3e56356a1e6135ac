/**
 * Asset scores: stage 1 for assets (the LLM-portfolio-construction method). One record per
 * (date, ticker, persona): four scores on 1–10, their composite, reasoning, confidence and provenance.
 *
 * Point-in-time rule (the overlay's): a record dated t was made from information strictly before t
 * (prices up to the previous close, news dated before t, macro released before t). A strategy deciding
 * at the close of day t may therefore use every record dated ≤ t; `ScoreBook.at` enforces that and can
 * never return a later record.
 *
 * This file is the contract between `score` (which writes records), the score strategies, Black–Litterman
 * and the sector allocation (which read them). Keep it small.
 */
import { z } from 'zod';
import { isIsoDate } from '../dates.ts';
import { ModelCutoffSchema } from '../model-cutoffs.ts';
import { UsageSchema } from '../signals.ts';

const isoDate = z.string().refine(isIsoDate, 'expected a calendar date YYYY-MM-DD');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest');
const score = z.number().min(1).max(10);

/** What a scorer answers for one asset (an LLM's JSON reply is validated against this). */
export const ScoreAnswerSchema = z
  .object({
    fundamentals: score.describe('1 (weak) … 10 (strong)'),
    momentum: score.describe('1 (falling) … 10 (strong uptrend)'),
    sentiment: score.describe('1 (very negative news) … 10 (very positive)'),
    risk: score.describe('1 (low risk) … 10 (very risky): enters the composite as 10 − risk'),
    reasoning: z.string().min(1),
    confidence: z.number().min(0).max(1),
    keyFactors: z.array(z.string().min(1)).max(10),
  })
  .strict();
export type ScoreAnswer = z.infer<typeof ScoreAnswerSchema>;

/** The published composite: 0.30·F + 0.25·M + 0.25·S + 0.20·(10 − R), on 1 … 10 (1.8 … 9.2 in fact). */
export function compositeScore(s: Pick<ScoreAnswer, 'fundamentals' | 'momentum' | 'sentiment' | 'risk'>): number {
  return 0.3 * s.fundamentals + 0.25 * s.momentum + 0.25 * s.sentiment + 0.2 * (10 - s.risk);
}

export const PERSONA_NAMES = ['analyst', 'value', 'momentum', 'risk-manager', 'contrarian'] as const;

export const ScoreRecordSchema = z
  .object({
    date: isoDate,
    ticker: z.string().min(1),
    /** The persona whose prompt produced it ("analyst": the single-agent prompt; offline scorers use "analyst"). */
    persona: z.string().min(1),
    provider: z.string().min(1),
    model: z.string().min(1),
    promptHash: hex64,
    fundamentals: score.nullable(),
    momentum: score.nullable(),
    sentiment: score.nullable(),
    risk: score.nullable(),
    composite: z.number().nullable(),
    reasoning: z.string().nullable(),
    confidence: z.number().min(0).max(1).nullable(),
    keyFactors: z.array(z.string()),
    usage: UsageSchema,
    latencyMs: z.number().min(0),
    /** False when the context may hold information from on or after the date. */
    pointInTime: z.boolean(),
    cheating: z.literal(true).optional(),
    modelCutoff: ModelCutoffSchema.nullable().optional(),
    failure: z.string().min(1).optional(),
    raw: z.array(z.string()).optional(),
    warnings: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();
export type ScoreRecord = z.infer<typeof ScoreRecordSchema>;

/** One asset's score as a strategy sees it (aggregated over personas). */
export interface AssetScore {
  ticker: string;
  /** The date of the records used (≤ the decision date). */
  date: string;
  composite: number;
  fundamentals: number;
  momentum: number;
  sentiment: number;
  risk: number;
  /** Mean confidence of the records used, 0 … 1. */
  confidence: number;
  /** Personas aggregated. */
  personas: string[];
  promptHashes: string[];
  /** The model's knowledge cutoff month (YYYY-MM) when known; null: unknown; absent for offline scorers. */
  modelCutoff?: string | null;
  cheating?: true;
}

export type ScoreAggregation = 'mean' | 'median';

/**
 * Successful score records indexed by date, read point in time: `at(date)` gives, per ticker, the
 * aggregate of its records on the latest scoring date ≤ `date` (never a later one). Failed records are
 * ignored (the asset is then unscored on that date, and strategies treat it as such — never a silent 5).
 */
export class ScoreBook {
  /** Scoring dates, ascending. */
  readonly dates: string[];
  readonly cheating: boolean;
  /** The records the book holds (successes, persona filter applied, latest per key), in input order. */
  readonly records: readonly ScoreRecord[];
  private readonly byDate = new Map<string, Map<string, ScoreRecord[]>>();

  constructor(
    records: readonly ScoreRecord[],
    readonly aggregation: ScoreAggregation = 'mean',
    /** Personas to use (default: every persona in the records). */
    readonly personas?: readonly string[],
  ) {
    for (const r of records) {
      if (r.failure !== undefined || r.composite === null) continue;
      if (personas && !personas.includes(r.persona)) continue;
      let day = this.byDate.get(r.date);
      if (!day) this.byDate.set(r.date, (day = new Map()));
      const list = day.get(r.ticker) ?? [];
      // The latest record of a (date, ticker, persona) wins (a rerun's success supersedes).
      const at = list.findIndex((x) => x.persona === r.persona);
      if (at >= 0) list[at] = r;
      else list.push(r);
      day.set(r.ticker, list);
    }
    this.dates = [...this.byDate.keys()].sort();
    const kept = new Set<ScoreRecord>();
    for (const day of this.byDate.values()) for (const list of day.values()) for (const r of list) kept.add(r);
    this.records = records.filter((r) => kept.has(r));
    this.cheating = records.some((r) => r.cheating === true);
  }

  /** The latest scoring date ≤ `date`, or null when none. */
  dateOnOrBefore(date: string): string | null {
    let lo = 0;
    let hi = this.dates.length - 1;
    let ans: string | null = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.dates[mid] <= date) {
        ans = this.dates[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  /** Per-ticker aggregate scores in force on `date` (empty when nothing was scored by then). */
  at(date: string): Map<string, AssetScore> {
    const d = this.dateOnOrBefore(date);
    const out = new Map<string, AssetScore>();
    if (d === null) return out;
    const day = this.byDate.get(d)!;
    for (const ticker of [...day.keys()].sort()) {
      const rs = [...day.get(ticker)!].sort((a, b) => (a.persona < b.persona ? -1 : a.persona > b.persona ? 1 : 0));
      const agg = (f: (r: ScoreRecord) => number): number => aggregate(rs.map(f), this.aggregation);
      const fundamentals = agg((r) => r.fundamentals!);
      const momentum = agg((r) => r.momentum!);
      const sentiment = agg((r) => r.sentiment!);
      const risk = agg((r) => r.risk!);
      out.set(ticker, {
        ticker,
        date: d,
        // The composite of the aggregated scores equals the aggregate of composites for the mean (it is linear).
        composite: this.aggregation === 'mean' ? compositeScore({ fundamentals, momentum, sentiment, risk }) : agg((r) => r.composite!),
        fundamentals,
        momentum,
        sentiment,
        risk,
        confidence: aggregate(
          rs.map((r) => r.confidence ?? 0),
          'mean',
        ),
        personas: rs.map((r) => r.persona),
        promptHashes: rs.map((r) => r.promptHash),
        ...(rs[0].modelCutoff !== undefined ? { modelCutoff: rs[0].modelCutoff?.month ?? null } : {}),
        ...(rs.some((r) => r.cheating) ? { cheating: true as const } : {}),
      });
    }
    return out;
  }
}

function aggregate(xs: number[], how: ScoreAggregation): number {
  if (how === 'mean') return xs.reduce((a, b) => a + b, 0) / xs.length;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
