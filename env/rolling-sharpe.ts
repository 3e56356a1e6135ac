/**
 * The original's risk term: annualised Sharpe ratio of the last `window` total-asset values
 * (window − 1 simple returns; the original uses 5), computed the pandas way so exact replays match:
 * pct_change, mean = sequential sum / count, std = two-pass with ddof 1, then sqrt(P)·mean/std.
 * 0 until `window` values exist. NaN or ±inf on a flat window, exactly like the original.
 */
export class RollingSharpe {
  private readonly buf: Float64Array;
  private readonly returns: Float64Array;
  private count = 0; // values seen since the window was (re)started, capped at `window`
  private head = 0; // index of the oldest value once full
  private readonly annualise: number;

  constructor(
    private readonly window = 5,
    periodsPerYear = 252,
  ) {
    if (!(Number.isInteger(window) && window >= 3)) throw new Error(`RollingSharpe: window must be an integer ≥ 3, got ${window}`);
    this.buf = new Float64Array(window);
    this.returns = new Float64Array(window - 1);
    this.annualise = Math.sqrt(periodsPerYear);
  }

  getState(): { buf: number[]; count: number; head: number } {
    return { buf: Array.from(this.buf), count: this.count, head: this.head };
  }

  setState(s: { buf: number[]; count: number; head: number }): void {
    this.buf.set(s.buf);
    this.count = s.count;
    this.head = s.head;
  }

  /** Restart with one value (the original's asset_memory = [initial total asset]). */
  restart(first: number): void {
    this.buf[0] = first;
    this.count = 1;
    this.head = 0;
  }

  push(v: number): void {
    const w = this.window;
    if (this.count < w) {
      this.buf[this.count++] = v;
    } else {
      this.buf[this.head] = v;
      this.head = (this.head + 1) % w;
    }
  }

  value(): number {
    const w = this.window;
    if (this.count < w) return 0;
    const b = this.buf;
    const r = this.returns;
    const m = w - 1;
    let prev = b[this.head];
    for (let k = 1; k < w; k++) {
      const cur = b[(this.head + k) % w];
      r[k - 1] = cur / prev - 1;
      prev = cur;
    }
    // pandas nanmean/nanvar: the leading NaN of pct_change is masked to 0 and summed in place.
    let sum = 0;
    for (let k = 0; k < m; k++) sum += r[k];
    const mean = sum / m;
    let sq = 0;
    for (let k = 0; k < m; k++) {
      const d = mean - r[k];
      sq += d * d;
    }
    const std = Math.sqrt(sq / (m - 1));
    return (this.annualise * mean) / std;
  }
}
