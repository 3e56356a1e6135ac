/**
 * Ensembles: several forecasters (models, personas, rules) combined per decision date.
 *
 * - majority: the most frequent label; ties go to the tied label whose score is closest to the members'
 *   mean score, then to the label order. Confidence = share of members that voted for it.
 * - mean: the members' mean score rounded to the nearest integer (0 → Flat). Confidence = share of members
 *   within one point of it.
 *
 * Members that fail are left out and named in the explanation; the ensemble fails only if all fail.
 */
import { makeAnswer, type ForecastAnswer } from '../answer.ts';
import type { Context } from '../context/types.ts';
import { addUsage, NO_USAGE, type ForecastInput, type ForecastOutcome, type Forecaster, type Usage } from '../forecaster.ts';
import { contentHash } from '../hash.ts';
import { LABELS, LABEL_SCORES, labelForScore, type Label } from '../labels.ts';

export type EnsembleMethod = 'majority' | 'mean';

export function combineAnswers(answers: readonly ForecastAnswer[], method: EnsembleMethod): { label: Label; score: number; confidence: number } {
  if (answers.length === 0) throw new Error('cannot combine zero answers');
  const mean = answers.reduce((a, x) => a + x.score, 0) / answers.length;
  if (method === 'mean') {
    const score = Math.max(-3, Math.min(3, Math.round(mean)));
    const label = labelForScore(score);
    return { label, score, confidence: answers.filter((a) => Math.abs(a.score - score) <= 1).length / answers.length };
  }
  const counts = new Map<Label, number>();
  for (const a of answers) counts.set(a.label, (counts.get(a.label) ?? 0) + 1);
  const top = Math.max(...counts.values());
  const tied = LABELS.filter((l) => counts.get(l) === top);
  tied.sort((a, b) => Math.abs(LABEL_SCORES[a] - mean) - Math.abs(LABEL_SCORES[b] - mean) || LABELS.indexOf(a) - LABELS.indexOf(b));
  const label = tied[0];
  return { label, score: LABEL_SCORES[label], confidence: top / answers.length };
}

export class EnsembleForecaster implements Forecaster {
  readonly provider = 'ensemble';
  readonly model: string;
  readonly cheating: boolean;

  constructor(
    readonly members: readonly Forecaster[],
    readonly method: EnsembleMethod,
  ) {
    if (members.length < 2) throw new Error(`an ensemble needs at least 2 members, got ${members.length}`);
    this.model = `${method}(${members.map((m) => `${m.provider}:${m.model}`).join(',')})`;
    this.cheating = members.some((m) => m.cheating);
  }

  preview(context: Context): string {
    return this.members.map((m) => `=== member ${m.provider}:${m.model} ===\n${m.preview(context)}`).join('\n\n');
  }

  async forecast(input: ForecastInput): Promise<ForecastOutcome> {
    const outcomes = await Promise.all(this.members.map((m) => m.forecast(input)));
    let usage: Usage = { ...NO_USAGE };
    for (const o of outcomes) usage = addUsage(usage, o.usage);
    const promptHash = contentHash(outcomes.map((o) => o.promptHash));
    const cached = outcomes.every((o) => o.cached);
    const ok = outcomes.flatMap((o, i) => (o.answer ? [{ member: this.members[i], answer: o.answer }] : []));
    const failed = outcomes.flatMap((o, i) => (o.answer ? [] : [`${this.members[i].provider}:${this.members[i].model}: ${o.failure}`]));
    // Members run side by side: the ensemble takes as long as its slowest one (their recorded latencies,
    // so a replayed ensemble reports what the live one did).
    const latencyMs = Math.max(0, ...outcomes.map((o) => o.latencyMs));
    const raw = outcomes.flatMap((o) => o.raw ?? []);
    const memberWarnings = outcomes.flatMap((o, i) => (o.warnings ?? []).map((w) => `${this.members[i].provider}:${this.members[i].model}: ${w}`));
    const warnings = memberWarnings.length > 0 ? { warnings: memberWarnings } : {};
    if (ok.length === 0) {
      return { answer: null, failure: `every ensemble member failed: ${failed.join(' | ')}`, raw, promptHash, usage, latencyMs, cached, ...warnings };
    }
    const combined = combineAnswers(
      ok.map((x) => x.answer),
      this.method,
    );
    const votes = ok.map((x) => `[${x.member.provider}: ${x.answer.label}] ${x.answer.explanation}`).join('\n');
    const r = makeAnswer({
      ...combined,
      explanation:
        `${this.method === 'majority' ? 'Majority vote' : 'Mean score'} of ${ok.length} members → ${combined.label}.${failed.length ? ` Left out (failed): ${failed.join(' | ')}.` : ''}\n${votes}`.slice(
          0,
          20_000,
        ),
      keyFactors: ok.map((x) => `${x.member.provider}: ${x.answer.label}`).slice(0, 12),
    });
    return r.ok
      ? { answer: r.answer, promptHash, usage, latencyMs, cached, ...warnings }
      : { answer: null, failure: r.error, raw, promptHash, usage, latencyMs, cached, ...warnings };
  }
}
