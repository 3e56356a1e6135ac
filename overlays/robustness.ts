/**
 * The paper's robustness check (docs/mechanics.md#market-forecast-stage-1): ask again with the label list in another order and measure
 * how much the scores move, as the mean |score_original − score_shuffled| over dates both runs answered.
 */
import { stream } from '../src/rng.ts';
import { LABELS, type Label } from './labels.ts';
import type { SignalRecord } from './signals.ts';

/** `count` distinct shuffled label orders (never the default order), reproducible from `seed`. */
export function shuffledLabelOrders(count: number, seed: number): Label[][] {
  const rng = stream(seed, 'overlay:label-order');
  const seen = new Set<string>([LABELS.join('|')]);
  const out: Label[][] = [];
  while (out.length < count) {
    const order = rng.shuffle([...LABELS]) as Label[];
    const key = order.join('|');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(order);
  }
  return out;
}

export interface RobustnessRun {
  labelOrder: readonly Label[] | undefined;
  /** Dates answered by both runs. */
  compared: number;
  /** Dates where either run failed or is missing. */
  skipped: number;
  meanAbsDelta: number | null;
}

export interface RobustnessReport {
  runs: RobustnessRun[];
  /** Mean over all compared (date, shuffled run) pairs. */
  meanAbsDelta: number | null;
}

export function labelOrderRobustness(original: readonly SignalRecord[], shuffledRuns: readonly (readonly SignalRecord[])[]): RobustnessReport {
  const base = new Map(original.filter((r) => r.score !== null).map((r) => [r.date, r.score as number]));
  let total = 0;
  let pairs = 0;
  const runs = shuffledRuns.map((run): RobustnessRun => {
    let sum = 0;
    let compared = 0;
    for (const r of run) {
      const b = base.get(r.date);
      if (b === undefined || r.score === null) continue;
      sum += Math.abs(b - r.score);
      compared++;
    }
    total += sum;
    pairs += compared;
    return { labelOrder: run[0]?.labelOrder, compared, skipped: original.length - compared, meanAbsDelta: compared ? sum / compared : null };
  });
  return { runs, meanAbsDelta: pairs ? total / pairs : null };
}
