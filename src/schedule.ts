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
