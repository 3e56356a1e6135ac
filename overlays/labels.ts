/**
 * The paper's eight market-trend labels and their scores (docs/mechanics.md#market-forecast-stage-1). Flat and Fluctuating both score 0:
 * neither calls a direction.
 */
export const LABELS = ['Strongly Bullish', 'Bullish', 'Slightly Bullish', 'Flat', 'Fluctuating', 'Slightly Bearish', 'Bearish', 'Strongly Bearish'] as const;

export type Label = (typeof LABELS)[number];

export const LABEL_SCORES: Readonly<Record<Label, number>> = {
  'Strongly Bullish': 3,
  Bullish: 2,
  'Slightly Bullish': 1,
  Flat: 0,
  Fluctuating: 0,
  'Slightly Bearish': -1,
  Bearish: -2,
  'Strongly Bearish': -3,
};

/** Case- and spacing-insensitive lookup ("strongly  bearish", "STRONGLY-BEARISH" → Strongly Bearish). */
export function canonicalLabel(text: string): Label | null {
  const key = text
    .trim()
    .toLowerCase()
    .replace(/[\s\-_]+/g, ' ');
  for (const l of LABELS) if (l.toLowerCase() === key) return l;
  return null;
}

/** The label for an integer score in [−3, 3]; 0 maps to Flat. */
export function labelForScore(score: number): Label {
  const s = Math.max(-3, Math.min(3, Math.round(score)));
  if (s === 0) return 'Flat';
  for (const l of LABELS) if (LABEL_SCORES[l] === s) return l;
  throw new Error(`no label for score ${score}`);
}

/**
 * Label for a forward return over a half year, the bucketing shared by the momentum and oracle
 * forecasters so that their labels are comparable: ±2% is Flat, ±7% slight, ±15% plain, beyond strong.
 */
export function labelForHalfYearReturn(r: number): Label {
  if (r >= 0.15) return 'Strongly Bullish';
  if (r >= 0.07) return 'Bullish';
  if (r >= 0.02) return 'Slightly Bullish';
  if (r > -0.02) return 'Flat';
  if (r > -0.07) return 'Slightly Bearish';
  if (r > -0.15) return 'Bearish';
  return 'Strongly Bearish';
}
