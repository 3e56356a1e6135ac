/** A Gymnasium-style Box space: every element in [low, high], fixed shape and dtype. */
export interface Box {
  readonly kind: 'box';
  readonly shape: readonly number[];
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly dtype: 'float32' | 'float64';
}

export function box(shape: number[], low: number, high: number, dtype: Box['dtype'] = 'float32'): Box {
  const n = shape.reduce((a, b) => a * b, 1);
  return { kind: 'box', shape, low: new Float64Array(n).fill(low), high: new Float64Array(n).fill(high), dtype };
}

export function boxSize(b: Box): number {
  return b.shape.reduce((a, c) => a * c, 1);
}

/** True when every element of x lies in the box (NaN never does). */
export function boxContains(b: Box, x: ArrayLike<number>): boolean {
  if (x.length !== boxSize(b)) return false;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!(v >= b.low[i] && v <= b.high[i])) return false;
  }
  return true;
}
