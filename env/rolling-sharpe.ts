/**
 * The original's risk term: annualised Sharpe ratio of the last 5 total-asset values (4 simple returns),
 * computed the pandas way so exact replays match: pct_change, mean = sequential sum / 4,
 * std = two-pass with ddof 1, then sqrt(252)·mean/std. 0 until 5 values exist.
 */
export class RollingSharpe {
  private readonly buf = new Float64Array(5);
  private count = 0; // values seen since the window was (re)started, capped at 5
  private head = 0; // index of the oldest value once full

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
    if (this.count < 5) {
      this.buf[this.count++] = v;
    } else {
      this.buf[this.head] = v;
      this.head = (this.head + 1) % 5;
    }
  }

  /** Raw value, NaN or ±inf on a flat window exactly like the original; 0 with fewer than 5 values. */
  value(): number {
    if (this.count < 5) return 0;
    const b = this.buf;
    const h = this.head;
    const a0 = b[h];
    const a1 = b[(h + 1) % 5];
    const a2 = b[(h + 2) % 5];
    const a3 = b[(h + 3) % 5];
    const a4 = b[(h + 4) % 5];
    const r1 = a1 / a0 - 1;
    const r2 = a2 / a1 - 1;
    const r3 = a3 / a2 - 1;
    const r4 = a4 / a3 - 1;
    // pandas nanmean/nanvar: the leading NaN of pct_change is masked to 0 and summed in place.
    const mean = (0 + r1 + r2 + r3 + r4) / 4;
    const d1 = mean - r1;
    const d2 = mean - r2;
    const d3 = mean - r3;
    const d4 = mean - r4;
    const variance = (0 + d1 * d1 + d2 * d2 + d3 * d3 + d4 * d4) / 3;
    const std = Math.sqrt(variance);
    return (Math.sqrt(252) * mean) / std;
  }
}
