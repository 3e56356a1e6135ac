/**
 * Bit-compatibility shims for exact replay of the original Python environment (numpy 1.24, CPython 3.11).
 * See test/fixtures/margintrader/README.md §4.1–4.2.
 */

/** numpy's `less` for floats: NaN sorts after every number. */
function less(a: number, b: number): boolean {
  return a < b || (b !== b && a === a);
}

const SMALL_QUICKSORT = 15;

/**
 * `np.argsort(v)` with numpy 1.24's generic (non-SIMD) introsort, including its tie order: the sort is
 * unstable, and which of several equal values comes first decides which stock is traded first. A stable
 * sort changes results by up to 10% of equity on the fixtures, so this order is part of the mechanics.
 * Writes the permutation of [0, n) into `idx` (length ≥ n). `stack` is scratch space (≥ 3·64 entries).
 */
export function argsortInto(
  v: ArrayLike<number>,
  n: number,
  idx: Int32Array,
  stack: Int32Array = new Int32Array(192),
  leaves: Int32Array | null = null,
): Int32Array {
  if (leaves) leaves[0] = 0;
  for (let i = 0; i < n; i++) idx[i] = i;
  if (n < 2) {
    if (leaves && n === 1) pushLeaf(leaves, 0, 0, 1);
    return idx;
  }
  let pl = 0;
  let pr = n - 1;
  let sp = 0; // stack holds triples (pl, pr, cdepth)
  let cdepth = 2 * Math.floor(Math.log2(n));
  for (;;) {
    if (cdepth < 0) {
      heapsortRange(v, idx, pl, pr - pl + 1);
      if (leaves) pushLeaf(leaves, pl, pr, 1); // already final (heapsort is not stable: keep its order)
    } else {
      while (pr - pl > SMALL_QUICKSORT) {
        const pm = pl + ((pr - pl) >> 1);
        if (less(v[idx[pm]], v[idx[pl]])) swap(idx, pm, pl);
        if (less(v[idx[pr]], v[idx[pm]])) swap(idx, pr, pm);
        if (less(v[idx[pm]], v[idx[pl]])) swap(idx, pm, pl);
        const vp = v[idx[pm]];
        let pi = pl;
        let pj = pr - 1;
        swap(idx, pm, pj);
        for (;;) {
          do pi++;
          while (less(v[idx[pi]], vp));
          do pj--;
          while (less(vp, v[idx[pj]]));
          if (pi >= pj) break;
          swap(idx, pi, pj);
        }
        swap(idx, pi, pr - 1);
        if (leaves) pushLeaf(leaves, pi, pi, 1); // the pivot is in its final place: a range of its own
        // Push the larger partition, continue with the smaller one (numpy's order).
        cdepth--;
        if (pi - pl < pr - pi) {
          stack[sp++] = pi + 1;
          stack[sp++] = pr;
          stack[sp++] = cdepth;
          pr = pi - 1;
        } else {
          stack[sp++] = pl;
          stack[sp++] = pi - 1;
          stack[sp++] = cdepth;
          pl = pi + 1;
        }
      }
      if (leaves) {
        // Leaves mode: record the range instead of insertion-sorting it (see argsortSelected).
        pushLeaf(leaves, pl, pr, 0);
        if (sp === 0) break;
        cdepth = stack[--sp];
        pr = stack[--sp];
        pl = stack[--sp];
        continue;
      }
      // Insertion sort of the small remainder.
      for (let pi = pl + 1; pi <= pr; pi++) {
        const vi = idx[pi];
        const vv = v[vi];
        let pj = pi;
        while (pj > pl && less(vv, v[idx[pj - 1]])) {
          idx[pj] = idx[pj - 1];
          pj--;
        }
        idx[pj] = vi;
      }
    }
    if (sp === 0) break;
    cdepth = stack[--sp];
    pr = stack[--sp];
    pl = stack[--sp];
  }
  return idx;
}

/** Record a range [pl, pr] of the partition (final = 1: already in numpy's order). leaves[0] counts them. */
function pushLeaf(leaves: Int32Array, pl: number, pr: number, final: number): void {
  const k = 1 + 3 * leaves[0]++;
  leaves[k] = pl;
  leaves[k + 1] = pr;
  leaves[k + 2] = final;
}

function swap(a: Int32Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/** numpy's aheapsort on idx[off .. off+n) (1-based heap indexing as in numpy); exported for tests. Reached only when the
 *  introsort depth budget runs out, which never happens for 27 values. */
export function heapsortRange(v: ArrayLike<number>, idx: Int32Array, off: number, n: number): void {
  // 1-based heap positions k ↔ idx[off + k − 1], as numpy's `a = tosort − 1`.
  for (let l = n >> 1; l > 0; l--) siftDown(v, idx, off, l, n, idx[off + l - 1]);
  while (n > 1) {
    const tmp = idx[off + n - 1];
    idx[off + n - 1] = idx[off];
    n--;
    siftDown(v, idx, off, 1, n, tmp);
  }
}

/** numpy's sift-down of `tmp` from heap position i in a heap of n entries. */
function siftDown(v: ArrayLike<number>, idx: Int32Array, off: number, i: number, n: number, tmp: number): void {
  let j = i << 1;
  while (j <= n) {
    if (j < n && less(v[idx[off + j - 1]], v[idx[off + j]])) j++;
    if (!less(v[tmp], v[idx[off + j - 1]])) break;
    idx[off + i - 1] = idx[off + j - 1];
    i = j;
    j += j;
  }
  idx[off + i - 1] = tmp;
}

/**
 * The order numpy's argsort gives to the entries of `v` selected by `keep` (e.g. the non-zero actions),
 * without sorting the others. numpy's introsort partitions the array, then insertion-sorts each small
 * range; insertion sort is stable, so inside a range the selected entries come out in stable value
 * order of their post-partition positions. We run the exact partition phase, then stably sort only the
 * selected entries of each range (ranges are already in value order). Same result, a fraction of the
 * work when most entries are not selected. Writes the selected indices into `out`; returns their count.
 */
export function argsortSelected(
  v: ArrayLike<number>,
  n: number,
  keep: (x: number) => boolean,
  out: Int32Array,
  scratch: { idx: Int32Array; stack: Int32Array; leaves: Int32Array },
): number {
  const { idx, leaves } = scratch;
  argsortInto(v, n, idx, scratch.stack, leaves);
  // Ranges in position order (the stack pops them out of order).
  const count = leaves[0];
  let m = 0;
  for (let a = 0; a < count; a++) {
    // pick the range with the smallest start not yet used (count is tiny: 2–4)
    let best = -1;
    for (let b = 0; b < count; b++) {
      const kb = 1 + 3 * b;
      if (leaves[kb + 2] === 2) continue;
      if (best < 0 || leaves[kb] < leaves[1 + 3 * best]) best = b;
    }
    const kb = 1 + 3 * best;
    const pl = leaves[kb];
    const pr = leaves[kb + 1];
    const final = leaves[kb + 2] === 1;
    leaves[kb + 2] = 2;
    const start = m;
    for (let p = pl; p <= pr; p++) {
      const i = idx[p];
      const x = v[i];
      if (!keep(x)) continue;
      let j = m++;
      if (!final) {
        while (j > start && less(x, v[out[j - 1]])) {
          out[j] = out[j - 1];
          j--;
        }
      }
      out[j] = i;
    }
  }
  return m;
}

/** Convenience wrapper returning a fresh index array. */
export function argsort(v: ArrayLike<number>): Int32Array {
  return argsortInto(v, v.length, new Int32Array(v.length));
}

/**
 * Python's float floor division `a // b` (CPython float_floor_div / numpy npy_divmod):
 * mod = fmod(a, b); div = (a − mod)/b; adjust when signs differ; floor, rounding up when div − floor > 0.5.
 * Differs from Math.floor(a / b) in edge cases, e.g. 1.0 // 0.1 == 9.0.
 */
export function pyFloorDiv(a: number, b: number): number {
  // Fast path: CPython's result is the exact floor of the rational a/b; the rounded quotient x is within
  // half an ulp of it, so away from integers (relative margin 1e-9 ≫ 1 ulp) floor(x) is the same number.
  const x = a / b;
  const q = Math.floor(x);
  const margin = 1e-9 * (x < 0 ? -x : x > 1 ? x : 1);
  if (x - q > margin && q + 1 - x > margin) return q;
  return pyFloorDivExact(a, b);
}

/** CPython's float_floor_div, step by step (used near integer quotients, where rounding decides). */
function pyFloorDivExact(a: number, b: number): number {
  let mod = a % b; // JS % on doubles is C fmod: exact
  let div = (a - mod) / b;
  if (mod) {
    if (b < 0 !== mod < 0) {
      // eslint-disable-next-line no-useless-assignment -- numpy's divmod line for line (the remainder is not needed here)
      mod += b;
      div -= 1.0;
    }
  }
  if (div) {
    let floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
    return floordiv;
  }
  // Signed zero as in CPython: copysign(0, a / b).
  return a / b < 0 || Object.is(a / b, -0) ? -0 : 0;
}

/** numpy `astype(int)` of a float64: truncation toward zero. */
export function truncToInt(x: number): number {
  return Math.trunc(x);
}
