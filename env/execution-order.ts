import { argsortInto, argsortSelected } from './numpy-compat.ts';

/**
 * The order in which one leg's trades execute, exactly as the original's `np.argsort` gives it
 * (docs/mechanics.md#execution-order). Which stock trades first matters: cash, limit and the
 * maintenance gate are consumed in that order.
 */

const nonZero = (x: number): boolean => x !== 0;

/**
 * Within each run of equal `act` values in `list[0..m)`, order the indices by `at` (ascending for
 * dir = 1, descending for dir = −1). Runs are short: insertion sort.
 */
function reorderTies(list: Int32Array, m: number, act: Float64Array, at: Int32Array, dir: number): void {
  let a = 0;
  while (a < m) {
    let b = a + 1;
    while (b < m && act[list[b]] === act[list[a]]) b++;
    for (let p = a + 1; p < b; p++) {
      const x = list[p];
      const key = dir * at[x];
      let q = p;
      while (q > a && dir * at[list[q - 1]] > key) {
        list[q] = list[q - 1];
        q--;
      }
      list[q] = x;
    }
    a = b;
  }
}

/**
 * Reusable (allocation-free) partition of one leg's integer actions: indices of the negative actions
 * ascending into `neg[0..nNeg)`, of the positive actions descending into `pos[0..nPos)`, with numpy
 * 1.24's tie order. Zero actions execute nothing, so only non-zero ones are ordered. When the non-zero
 * actions are all distinct the order is unique and counting ranks of those few find it; with ties,
 * numpy's partition-then-insertion order is reproduced (`numpyTieOrder`).
 */
export class ExecutionOrder {
  readonly n: number;
  /** Indices of the negative actions, most negative first (numpy's ascending argsort order). */
  readonly neg: Int32Array;
  /** Indices of the positive actions, largest first (numpy's argsort order reversed). */
  readonly pos: Int32Array;
  nNeg = 0;
  nPos = 0;

  private readonly negKeys: Float64Array;
  private readonly posKeys: Float64Array;
  private readonly sortedKeys: Float64Array;
  private readonly positionOf: Int32Array;
  private readonly keyMul: number;
  /** Largest |action| for which keys and their differences stay inside int32. */
  private readonly intKeyLimit: number;
  private readonly nzIdx: Int32Array;
  private readonly sortScratch: { idx: Int32Array; stack: Int32Array; leaves: Int32Array };

  constructor(n: number) {
    this.n = n;
    this.neg = new Int32Array(n);
    this.pos = new Int32Array(n);
    this.negKeys = new Float64Array(n);
    this.posKeys = new Float64Array(n);
    this.sortedKeys = new Float64Array(n);
    this.positionOf = new Int32Array(n);
    this.keyMul = 2 ** Math.ceil(Math.log2(n + 1));
    this.intKeyLimit = Math.floor(2 ** 29 / this.keyMul) - 2;
    this.nzIdx = new Int32Array(n);
    this.sortScratch = { idx: new Int32Array(n), stack: new Int32Array(192), leaves: new Int32Array(1 + 3 * (n + 1)) };
  }

  /** Order the leg's actions `act[0..n)` (integers: shares) into `neg`/`nNeg` and `pos`/`nPos`. */
  compute(act: Float64Array): void {
    const n = this.n;
    const M = this.keyMul;
    const nk = this.negKeys;
    const pk = this.posKeys;
    // Actions are integers (shares), so value·M + index is an exact, unique key that sorts by value, then
    // index. Branch-free compaction and counting ranks: signs and orders of random actions are
    // unpredictable, and mispredicted branches, not arithmetic, dominate a sort of a dozen values.
    let nn = 0;
    let np = 0;
    let big = false;
    const lim = this.intKeyLimit;
    for (let i = 0; i < n; i++) {
      const v = act[i];
      nk[nn] = v * M + i;
      pk[np] = -v * M + i; // descending by value
      // Sign bits as 0/1, no branches (exact while |v| stays well inside int32, checked below).
      nn += (v | 0) >>> 31;
      np += (-v | 0) >>> 31;
      big = big || v > lim || v < -lim;
    }
    if (big) {
      // Huge share counts (e.g. covering a huge short under turbulence): the same compaction with comparisons.
      nn = 0;
      np = 0;
      for (let i = 0; i < n; i++) {
        const v = act[i];
        if (v < 0) nk[nn++] = v * M + i;
        else if (v > 0) pk[np++] = -v * M + i;
      }
    }
    this.nNeg = nn;
    this.nPos = np;
    const neg = this.neg;
    const pos = this.pos;
    const ks = this.sortedKeys;
    // Counting ranks: keys are distinct integers, so rank = number of smaller keys. The int32 sign bit of
    // the difference avoids a branch per comparison.
    for (let a = 0; a < nn; a++) {
      const ka = nk[a];
      let r = 0;
      if (big) for (let b = 0; b < nn; b++) r += nk[b] < ka ? 1 : 0;
      else for (let b = 0; b < nn; b++) r += ((nk[b] - ka) | 0) >>> 31;
      ks[r] = ka;
    }
    let tie = false;
    let prev = NaN;
    for (let k = 0; k < nn; k++) {
      const q = Math.floor(ks[k] / M);
      neg[k] = ks[k] - q * M;
      tie = tie || q === prev;
      prev = q;
    }
    for (let a = 0; a < np; a++) {
      const ka = pk[a];
      let r = 0;
      if (big) for (let b = 0; b < np; b++) r += pk[b] < ka ? 1 : 0;
      else for (let b = 0; b < np; b++) r += ((pk[b] - ka) | 0) >>> 31;
      ks[r] = ka;
    }
    prev = NaN;
    for (let k = 0; k < np; k++) {
      const q = Math.floor(ks[k] / M);
      pos[k] = ks[k] - q * M;
      tie = tie || q === prev;
      prev = q;
    }
    if (!tie) return;
    this.numpyTieOrder(act, nn, np);
  }

  /**
   * Equal actions: numpy's tie order decides. numpy's introsort partitions the array, then
   * insertion-sorts each small range (stable), and ranges are in value order; so equal values come out in
   * the order of their positions after the partition phase. We run that phase exactly and reorder each
   * group of equal actions by those positions (reversed for the descending buy list). A range that
   * numpy heap-sorts (never for a few dozen stocks) falls back to the full emulation.
   */
  private numpyTieOrder(act: Float64Array, nn: number, np: number): void {
    const n = this.n;
    const sc = this.sortScratch;
    const idx = argsortInto(act, n, sc.idx, sc.stack, sc.leaves);
    const leaves = sc.leaves;
    for (let k = 0; k < leaves[0]; k++) {
      if (leaves[1 + 3 * k + 2] === 1 && leaves[1 + 3 * k] !== leaves[1 + 3 * k + 1]) {
        const nz = this.nzIdx;
        const m = argsortSelected(act, n, nonZero, nz, sc);
        for (let q = 0; q < nn; q++) this.neg[q] = nz[q];
        for (let q = 0; q < np; q++) this.pos[q] = nz[m - 1 - q];
        return;
      }
    }
    const at = this.positionOf;
    for (let p = 0; p < n; p++) at[idx[p]] = p;
    reorderTies(this.neg, nn, act, at, 1);
    reorderTies(this.pos, np, act, at, -1);
  }
}
