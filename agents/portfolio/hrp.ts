/**
 * Hierarchical risk parity (López de Prado, 2016, "Building diversified portfolios that outperform out of
 * sample"), long-only and fully invested, from a covariance matrix:
 *
 * 1. Correlation ρ_ij = Σ_ij / (σ_i σ_j) and distance d_ij = √((1 − ρ_ij)/2) ∈ [0, 1].
 *    With `distance: 'correlation-euclidean'` the clustering uses instead the paper's second step,
 *    d̃_ij = √(Σ_k (d_ki − d_kj)²), the Euclidean distance between columns of d (what the paper's code gets by
 *    passing the square matrix d to scipy's linkage). The default clusters on d itself.
 * 2. Agglomerative clustering with the chosen linkage (single by default; average = UPGMA, complete, ward),
 *    updated by the Lance–Williams formulas. Cluster ids follow scipy's convention: leaves 0…N−1, the k-th
 *    merge creates id N+k. Ties: among pairs at the same (minimum) distance, the pair with the
 *    lexicographically smallest (smaller id, larger id) merges first; the merged cluster's left child is the
 *    one with the smaller id.
 * 3. Quasi-diagonalisation: the leaves in the order of a left-first traversal of the tree.
 * 4. Recursive bisection on that order: each list is cut into halves by count (first half ⌊len/2⌋), each
 *    half's variance is that of its inverse-variance portfolio (w ∝ 1/σ_i² within the half), and the weights
 *    are split α = 1 − V₁/(V₁ + V₂) to the first half and 1 − α to the second.
 */
import { PortfolioError } from './errors.ts';

export type Linkage = 'single' | 'average' | 'complete' | 'ward';

export interface LinkageStep {
  /** Merged cluster ids (left < right) and the distance at which they merged; the new id is N + step. */
  left: number;
  right: number;
  distance: number;
  size: number;
}

/** Agglomerative clustering of a symmetric N×N distance matrix; returns the N−1 merges in order. */
export function linkage(dist: Float64Array, n: number, method: Linkage = 'single'): LinkageStep[] {
  if (dist.length !== n * n) throw new PortfolioError(`linkage: expected ${n}×${n} distances, got ${dist.length}`);
  const M = 2 * n - 1;
  const D = new Float64Array(M * M);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) D[i * M + j] = dist[i * n + j];
  const size = new Int32Array(M);
  for (let i = 0; i < n; i++) size[i] = 1;
  const active: number[] = Array.from({ length: n }, (_, i) => i);
  const steps: LinkageStep[] = [];
  for (let step = 0; step < n - 1; step++) {
    let best = Infinity;
    let bi = -1;
    let bj = -1;
    for (let p = 0; p < active.length; p++) {
      const a = active[p];
      for (let q = p + 1; q < active.length; q++) {
        const v = D[a * M + active[q]];
        if (v < best) {
          best = v;
          bi = p;
          bj = q;
        }
      }
    }
    if (bi < 0) throw new PortfolioError('linkage: distances must be finite');
    const a = active[bi];
    const b = active[bj];
    const id = n + step;
    const na = size[a];
    const nb = size[b];
    size[id] = na + nb;
    const dab = D[a * M + b];
    for (const k of active) {
      if (k === a || k === b) continue;
      const dka = D[k * M + a];
      const dkb = D[k * M + b];
      let d: number;
      switch (method) {
        case 'single':
          d = Math.min(dka, dkb);
          break;
        case 'complete':
          d = Math.max(dka, dkb);
          break;
        case 'average':
          d = (na * dka + nb * dkb) / (na + nb);
          break;
        case 'ward': {
          const nk = size[k];
          d = Math.sqrt(Math.max(0, ((na + nk) * dka * dka + (nb + nk) * dkb * dkb - nk * dab * dab) / (na + nb + nk)));
          break;
        }
        default:
          throw new PortfolioError(`linkage: unknown method "${method as string}"`);
      }
      D[k * M + id] = d;
      D[id * M + k] = d;
    }
    active.splice(bj, 1);
    active.splice(bi, 1);
    active.push(id); // ids grow, so `active` stays sorted
    steps.push({ left: a, right: b, distance: dab, size: na + nb });
  }
  return steps;
}

/** Leaves in left-first traversal order of the linkage tree. */
export function quasiDiagonalOrder(steps: LinkageStep[], n: number): number[] {
  if (n === 1) return [0];
  const order: number[] = [];
  const stack: number[] = [n + steps.length - 1];
  while (stack.length) {
    const id = stack.pop()!;
    if (id < n) {
      order.push(id);
    } else {
      const s = steps[id - n];
      stack.push(s.right, s.left);
    }
  }
  return order;
}

/** HRP weights (long-only, sum 1) in the original asset order. */
export function hrp(cov: Float64Array, n: number, opts: { linkage?: Linkage; distance?: 'correlation' | 'correlation-euclidean' } = {}): Float64Array {
  if (!Number.isInteger(n) || n < 1 || cov.length !== n * n) throw new PortfolioError(`hrp: expected an ${n}×${n} covariance, got ${cov.length} values`);
  const sd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = cov[i * n + i];
    if (!(Number.isFinite(v) && v > 0)) throw new PortfolioError(`hrp: asset ${i} has variance ${v}; every variance must be positive`);
    sd[i] = Math.sqrt(v);
  }
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const c = cov[i * n + j];
      if (!Number.isFinite(c)) throw new PortfolioError(`hrp: non-finite covariance entry (${i}, ${j})`);
      const rho = i === j ? 1 : Math.max(-1, Math.min(1, c / (sd[i] * sd[j])));
      d[i * n + j] = Math.sqrt(Math.max(0, (1 - rho) / 2));
    }
  }
  let dist = d;
  if (opts.distance === 'correlation-euclidean') {
    dist = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) {
          const x = d[k * n + i] - d[k * n + j];
          s += x * x;
        }
        dist[i * n + j] = dist[j * n + i] = Math.sqrt(s);
      }
    }
  } else if (opts.distance !== undefined && opts.distance !== 'correlation') {
    throw new PortfolioError(`hrp: unknown distance "${opts.distance as string}"`);
  }
  const order = quasiDiagonalOrder(linkage(dist, n, opts.linkage ?? 'single'), n);

  const w = new Float64Array(n).fill(1);
  const clusterVar = (items: number[]): number => {
    let s = 0;
    for (const i of items) s += 1 / cov[i * n + i];
    let v = 0;
    for (const i of items) {
      const wi = 1 / cov[i * n + i] / s;
      for (const j of items) v += wi * cov[i * n + j] * (1 / cov[j * n + j] / s);
    }
    return v;
  };
  let clusters: number[][] = [order];
  while (clusters.length) {
    const next: number[][] = [];
    for (const c of clusters) {
      if (c.length < 2) continue;
      const half = c.length >> 1;
      const c1 = c.slice(0, half);
      const c2 = c.slice(half);
      const v1 = clusterVar(c1);
      const v2 = clusterVar(c2);
      const alpha = v1 + v2 > 0 ? 1 - v1 / (v1 + v2) : 0.5;
      for (const i of c1) w[i] *= alpha;
      for (const i of c2) w[i] *= 1 - alpha;
      next.push(c1, c2);
    }
    clusters = next;
  }
  return w;
}
