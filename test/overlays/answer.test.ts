import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findVerdict, ForecastAnswerSchema, parseFreeText, parseJsonReply } from '../../overlays/answer.ts';
import { LABELS, LABEL_SCORES } from '../../overlays/labels.ts';

describe('free-text parser (fixes docs/mechanics.md#answer-parsing)', () => {
  it('is case-insensitive and maps to the canonical label', () => {
    const r = parseFreeText('bullish\n\nSimple explanation: earnings recover.');
    expect(r).toEqual({ ok: true, answer: { label: 'Bullish', score: 2, confidence: null, explanation: 'earnings recover.', keyFactors: [] } });
    expect(findVerdict('STRONGLY-BEARISH')).toBe('Strongly Bearish');
  });

  it('takes the final verdict, not the first label mentioned', () => {
    const text = 'The market is not bearish despite the headwinds; some see it as bearish. Final answer: Bullish';
    expect(findVerdict(text)).toBe('Bullish');
    expect(findVerdict('Risks look Bearish short term, but on balance...\nPrediction: **Slightly Bullish**')).toBe('Slightly Bullish');
  });

  it('matches longest labels first: "Slightly Bearish" is not read as "Bearish"', () => {
    expect(findVerdict('I expect it to be slightly bearish.')).toBe('Slightly Bearish');
    expect(findVerdict('Strongly bullish')).toBe('Strongly Bullish');
  });

  it('reads the paper format, label alone on the first line, even if the explanation mentions others', () => {
    const text = 'Slightly Bullish\n\nSimple explanation: although inflation could turn the market bearish, growth holds.';
    expect(findVerdict(text)).toBe('Slightly Bullish');
  });

  it('skips negated mentions when only mentions are left', () => {
    expect(findVerdict('The outlook is bullish, certainly not bearish.')).toBe('Bullish');
  });

  it('never turns a reply without a label into neutral', () => {
    const r = parseFreeText('I cannot predict the market.');
    expect(r.ok).toBe(false);
  });

  it('finds the label of "Prediction: X" whatever the surrounding text (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LABELS), fc.constantFrom(...LABELS), fc.string({ maxLength: 40 }), (decoy, label, noise) => {
        const text = `Some think ${decoy.toLowerCase()}. ${noise.replace(/[a-z]/gi, ' ')}\nPrediction: ${label.toUpperCase()}`;
        const r = parseFreeText(text);
        return r.ok && r.answer.label === label && r.answer.score === LABEL_SCORES[label];
      }),
    );
  });
});

describe('JSON answers', () => {
  it('validates a well-formed answer, tolerating a ```json fence', () => {
    const r = parseJsonReply('```json\n{"label":"bearish","confidence":0.7,"explanation":"x","keyFactors":["a"]}\n```');
    expect(r).toEqual({ ok: true, answer: { label: 'Bearish', score: -2, confidence: 0.7, explanation: 'x', keyFactors: ['a'] } });
  });

  it('rejects out-of-schema values with a reason', () => {
    const cases = [
      '{"label":"Strongly Bullish","score":99,"confidence":1,"explanation":"x"}',
      '{"label":"Strongly Bullish","score":2,"confidence":1,"explanation":"x"}',
      '{"label":"Extremely Bullish","confidence":1,"explanation":"x"}',
      '{"label":"Bullish","confidence":1.5,"explanation":"x"}',
      '{"label":"Bullish","confidence":0.5,"explanation":"x","extra":1}',
      '{"label":"Bullish", confidence: 0.5}',
    ];
    for (const c of cases) {
      const r = parseJsonReply(c);
      expect(r.ok, c).toBe(false);
      if (!r.ok) expect(r.error.length).toBeGreaterThan(5);
    }
  });

  it('every accepted answer is inside the schema (score in [-3, 3], matching the label)', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: -100, max: 100 }), fc.double({ min: -2, max: 3, noNaN: true }), (label, score, confidence) => {
        const r = parseJsonReply(JSON.stringify({ label, score, confidence, explanation: 'e' }));
        return !r.ok || (ForecastAnswerSchema.safeParse(r.answer).success && Math.abs(r.answer.score) <= 3);
      }),
    );
  });
});
