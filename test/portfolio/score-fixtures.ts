/** Hand-made score records, forecasts and small synthetic frames for the score-strategy tests. */
import { compositeScore, ScoreRecordSchema, type ScoreRecord } from '../../overlays/scoring/record.ts';
import { LABELS, LABEL_SCORES } from '../../overlays/labels.ts';
import { SignalRecordSchema, type SignalRecord } from '../../overlays/signals.ts';
import { PointInTimeHistory } from '../../agents/portfolio/strategy.ts';

export const HASH = 'a'.repeat(64);

/** A valid successful record; `composite` follows the published formula unless given. */
export function scoreRecord(r: {
  date: string;
  ticker: string;
  persona?: string;
  f?: number;
  m?: number;
  s?: number;
  risk?: number;
  confidence?: number;
  cheating?: true;
  promptHash?: string;
}): ScoreRecord {
  const f = r.f ?? 5;
  const m = r.m ?? 5;
  const s = r.s ?? 5;
  const risk = r.risk ?? 5;
  return ScoreRecordSchema.parse({
    date: r.date,
    ticker: r.ticker,
    persona: r.persona ?? 'analyst',
    provider: 'test',
    model: 'hand-made',
    promptHash: r.promptHash ?? HASH,
    fundamentals: f,
    momentum: m,
    sentiment: s,
    risk,
    composite: compositeScore({ fundamentals: f, momentum: m, sentiment: s, risk }),
    reasoning: 'hand-made',
    confidence: r.confidence ?? 0.6,
    keyFactors: [],
    usage: { promptTokens: 0, completionTokens: 0, requests: 0, costUsd: null },
    latencyMs: 0,
    pointInTime: true,
    ...(r.cheating ? { cheating: true } : {}),
    modelCutoff: { month: '2023-10', origin: 'table', approximate: false },
  });
}

/** A record whose composite is exactly `c` (only fundamentals vary: c = 0.3F + 0.25·5 + 0.25·5 + 0.2·5 → F = (c − 3.5)/0.3). */
export function recordWithComposite(date: string, ticker: string, c: number, extra: { persona?: string; confidence?: number } = {}): ScoreRecord {
  const f = (c - 3.5) / 0.3;
  if (f < 1 || f > 10) throw new Error(`composite ${c} is outside what fundamentals alone can reach (3.8 … 6.5)`);
  return scoreRecord({ date, ticker, f, ...extra });
}

export function forecast(
  date: string,
  label: (typeof LABELS)[number],
  opts: { confidence?: number | null; failure?: string; cheating?: true } = {},
): SignalRecord {
  const failed = opts.failure !== undefined;
  return SignalRecordSchema.parse({
    date,
    asOf: date,
    source: 'prices',
    provider: 'test',
    model: 'hand-made',
    format: null,
    promptHash: 'b'.repeat(64),
    label: failed ? null : label,
    score: failed ? null : LABEL_SCORES[label],
    confidence: failed ? null : opts.confidence === undefined ? 0.7 : opts.confidence,
    explanation: failed ? null : 'hand-made',
    keyFactors: [],
    usage: { promptTokens: 0, completionTokens: 0, requests: 0, costUsd: null },
    latencyMs: 0,
    pointInTime: true,
    ...(failed ? { failure: opts.failure, raw: [] } : {}),
    ...(opts.cheating ? { cheating: true } : {}),
    modelCutoff: { month: '2023-10', origin: 'table', approximate: false },
  });
}

/** Business-day ISO dates from `start` (weekdays only). */
export function weekdays(start: string, count: number): string[] {
  const out: string[] = [];
  const d = new Date(`${start}T00:00:00Z`);
  while (out.length < count) {
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

/** A deterministic synthetic close panel (T rows × tickers), each ticker its own drift and wiggle. */
export function syntheticFrame(tickers: string[], T: number, start = '2020-01-01'): { dates: string[]; tickers: string[]; close: Float64Array } {
  const dates = weekdays(start, T);
  const n = tickers.length;
  const close = new Float64Array(T * n);
  for (let i = 0; i < n; i++) {
    let p = 100 + 10 * i;
    for (let t = 0; t < T; t++) {
      if (t > 0) p *= 1 + 0.0004 * (i - n / 2) + 0.01 * Math.sin(0.37 * t * (i + 1) + i) + 0.004 * Math.cos(1.3 * t + 2 * i);
      close[t * n + i] = p;
    }
  }
  return { dates, tickers, close };
}

export function historyAt(frame: { dates: string[]; tickers: string[]; close: Float64Array }, t: number): PointInTimeHistory {
  return new PointInTimeHistory(frame, t);
}
