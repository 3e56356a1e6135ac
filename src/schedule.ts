import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { isIsoDate } from './data/csv.ts';

/**
 * A long-short ratio schedule: the one thing an overlay hands to the environment.
 * The environment never imports an overlay; stage 2 of an overlay produces this plain object.
 *
 * - `targets`: from each date on (inclusive), the target long share of equity (e^l / (e^l + e^s)),
 *   in [0, 1]. The env shows the target in force in the observation at every step.
 * - `reallocations`: dates on which equity is moved between the books. On the first trading day on or
 *   after each date, before trading, the env moves equity. Each event carries either an absolute
 *   `target` long share, or a multiplicative `change` c applied the paper's way: f* = clip(f·(1+c)).
 */
export interface RatioTarget {
  date: string;
  longShare: number;
}

export interface ReallocationEvent {
  date: string;
  /** Absolute target long share in [0, 1]. */
  target?: number;
  /** The paper's multiplicative change c (score · 0.1): f* = clip(f · (1 + c), minShare, maxShare). */
  change?: number;
}

export interface RatioSchedule {
  targets: RatioTarget[];
  reallocations: ReallocationEvent[];
  /** Bounds of the long share after a reallocation; the paper uses [0.1, 0.9]. */
  minShare?: number;
  maxShare?: number;
}


const isoDate = z.string().refine(isIsoDate, 'expected a real date YYYY-MM-DD');

export const RatioScheduleSchema = z
  .object({
    targets: z.array(z.object({ date: isoDate, longShare: z.number().min(0).max(1) }).strict()).default([]),
    reallocations: z
      .array(
        z
          .object({ date: isoDate, target: z.number().min(0).max(1).optional(), change: z.number().min(-1).max(10).optional() })
          .strict()
          .refine((e) => (e.target === undefined) !== (e.change === undefined), 'give exactly one of "target" or "change"'),
      )
      .default([]),
    minShare: z.number().min(0).max(1).optional(),
    maxShare: z.number().min(0).max(1).optional(),
  })
  .passthrough();

/** Reads and validates a ratio-schedule JSON file; errors name the file and the field. */
export function loadRatioSchedule(path: string): RatioSchedule {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: cannot read a ratio schedule (JSON): ${(e as Error).message}`);
  }
  const r = RatioScheduleSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`${path}: field "${i.path.join('.')}": ${i.message}`);
  }
  return r.data;
}
