import { describe, expect, it } from 'vitest';
import { SolverError } from '../../../agents/portfolio/errors.ts';
import fc from 'fast-check';
import { solveQp, type QpProblem } from '../../../agents/portfolio/qp.ts';
import { stream } from '../../../src/rng.ts';

/** Hx + c − Aᵀy − z, the stationarity residual in the layer's stated sign convention. */
function stationarity(p: QpProblem, x: Float64Array, y: Float64Array, z: Float64Array): number[] {
  const r = new Array<number>(p.n).fill(0);
  const h = p.hessianDim ?? p.n;
  for (let i = 0; i < p.n; i++) {
    let hx = 0;
    if (p.hessian && i < h) for (let j = 0; j < h; j++) hx += (i >= j ? p.hessian[i * h + j] : p.hessian[j * h + i]) * x[j];
    r[i] = hx + (p.linear?.[i] ?? 0) - z[i];
  }
  p.rows.forEach((row, k) => {
    for (let q = 0; q < row.indices.length; q++) r[row.indices[q]] -= y[k] * row.values[q];
  });
  return r;
}

describe('solveQp (HiGHS)', () => {
  it('solves a small QP and returns multipliers with Hx + c = Aᵀy + z (≥ 0 on an active lower bound)', () => {
    // min ½(x0² + x1²) s.t. x0 + x1 ≥ 2, x0 ≤ 0.8  → x = (0.8, 1.2), y = 1.2, z0 = 0.8 − 1.2 = −0.4 (active upper).
    const p: QpProblem = {
      n: 2,
      hessian: Float64Array.of(1, 0, 0, 1),
      lower: [-Infinity, -Infinity],
      upper: [0.8, Infinity],
      rows: [{ indices: [0, 1], values: [1, 1], lower: 2, upper: Infinity }],
    };
    const s = solveQp(p);
    expect(s.status).toBe('optimal');
    expect(s.x[0]).toBeCloseTo(0.8, 9);
    expect(s.x[1]).toBeCloseTo(1.2, 9);
    expect(s.rowDual[0]).toBeCloseTo(1.2, 8);
    expect(s.colDual[0]).toBeCloseTo(-0.4, 8);
    expect(s.colDual[1]).toBeCloseTo(0, 8);
    for (const v of stationarity(p, s.x, s.rowDual, s.colDual)) expect(Math.abs(v)).toBeLessThan(1e-9);
    expect(s.objective).toBeCloseTo(0.5 * (0.64 + 1.44), 9);
  });

  it('unscales badly scaled problems (daily-variance Hessian ~1e-4, tiny linear term)', () => {
    // min ½·h·Σx² − c·Σx over 0 ≤ x ≤ 10, h = 2e-4, c = 1e-4 → x_i = c/h = 0.5 (interior).
    const n = 4;
    const H = new Float64Array(n * n);
    for (let i = 0; i < n; i++) H[i * n + i] = 2e-4;
    const p: QpProblem = { n, hessian: H, linear: new Array(n).fill(-1e-4), lower: new Array(n).fill(0), upper: new Array(n).fill(10), rows: [] };
    const s = solveQp(p);
    for (const v of s.x) expect(v).toBeCloseTo(0.5, 10);
    for (const v of stationarity(p, s.x, s.rowDual, s.colDual)) expect(Math.abs(v)).toBeLessThan(1e-14);
  });

  it('accepts a PSD Hessian with a zero block (epigraph variables) without a ridge', () => {
    // min ½x0² + x0·0 s.t. t ≥ x0 − 1, t ≥ 1 − x0, t ≤ 0.25 (|x0 − 1| ≤ 0.25); t has no quadratic term → x0 = 0.75.
    const p: QpProblem = {
      n: 2,
      hessian: Float64Array.of(1),
      hessianDim: 1,
      lower: [-Infinity, 0],
      upper: [Infinity, 0.25],
      rows: [
        { indices: [0, 1], values: [1, -1], lower: -Infinity, upper: 1 },
        { indices: [0, 1], values: [-1, -1], lower: -Infinity, upper: -1 },
      ],
    };
    const s = solveQp(p);
    expect(s.status).toBe('optimal');
    expect(s.x[0]).toBeCloseTo(0.75, 12);
  });

  it('solves an LP when there is no Hessian', () => {
    const s = solveQp({ n: 2, linear: [-1, -2], lower: [0, 0], upper: [1, 1], rows: [{ indices: [0, 1], values: [1, 1], lower: -Infinity, upper: 1.5 }] });
    expect(s.status).toBe('optimal');
    expect(s.x[0]).toBeCloseTo(0.5, 12);
    expect(s.x[1]).toBeCloseTo(1, 12);
  });

  it('reports infeasibility as a status, and a non-convex Hessian as a SolverError', () => {
    const inf = solveQp({
      n: 2,
      hessian: Float64Array.of(1, 0, 0, 1),
      lower: [0, 0],
      upper: [1, 1],
      rows: [{ indices: [0, 1], values: [1, 1], lower: 3, upper: Infinity }],
    });
    expect(inf.status).toBe('infeasible');
    expect(() => solveQp({ n: 2, hessian: Float64Array.of(1, 0, 0, -1), lower: [-1, -1], upper: [1, 1], rows: [] })).toThrow(SolverError);
  });
});

/** The 8-variable max-utility QP (scaled, as handed to HiGHS) on which HiGHS 1.15 returned NaN weights as "optimal". */
function degenerateCase(): QpProblem {
  const lowerTri = [
    0.8273639562662936, 0.0028726903013639375, 0.00020583372047062646, -0.004518664968117187, 0.0033252319370644648, 0.00017010957590680965,
    0.0008820600307714716, -0.0047209082400866895, 0.5978911876969526, 0.027845269617671562, -0.6112868390148251, 0.44983873204616953, 0.023012492777386494,
    0.11932544055291619, -0.6386463912955435, 0.4018704901986331, -0.0437998639426638, 0.03223180019958648, 0.0016488888493910744, 0.008549894628091925,
    -0.04576022786831115, 1.8642156391778593, -0.7075842873957489, -0.03619803530260616, -0.18769572472730775, 1.0045736827222405, 1.4363121266934382,
    0.026637704697404636, 0.1381230568580445, -0.7392538540679494, 0.7981986754762533, 0.0070659897023052694, -0.03781816185549751, 0.41208155986505157,
    -0.19609647976698813, 1.6620663646255172,
  ];
  const n = 8;
  const H = new Float64Array(n * n);
  let k = 0;
  for (let j = 0; j < n; j++) for (let i = j; i < n; i++) H[i * n + j] = H[j * n + i] = lowerTri[k++];
  return {
    n,
    hessian: H,
    linear: [
      -0.2647766269251009, -0.22627368011177004, -0.009250433998707393, 0.1874893841874786, -0.1093224608381653, 0.001396381595580868, 0.04900370081849273,
      -0.10036904892725558,
    ],
    lower: [0, 0, 0, 0, 0, 0.04948108254384459, 0.007319094872596882, 0.014682991277423452],
    upper: [
      0.5730828308391799, 0.3396670134688097, 0.4013235284536114, 0.5366330503938177, 0.2811115846796284, 0.6191010846701658, 0.2309808199233666,
      0.424504973384083,
    ],
    rows: [
      { indices: [0, 1, 2, 3, 4, 5, 6, 7], values: [1, 1, 1, 1, 1, 1, 1, 1], lower: 1, upper: 1 },
      { indices: [1, 2, 4, 6], values: [1, 1, 1, 1], lower: 0.4668459462006527, upper: 0.6786239428450305 },
      { indices: [1, 4, 5, 6, 7], values: [1, 1, 1, 1, 1], lower: -Infinity, upper: 0.7544380474623451 },
    ],
  };
}

function expectKkt(p: QpProblem, s: { x: Float64Array; rowDual: Float64Array; colDual: Float64Array }, tol = 1e-8): void {
  for (const v of stationarity(p, s.x, s.rowDual, s.colDual)) expect(Math.abs(v)).toBeLessThan(tol);
  for (let j = 0; j < p.n; j++) {
    expect(s.x[j]).toBeGreaterThanOrEqual(p.lower[j] - 1e-12);
    expect(s.x[j]).toBeLessThanOrEqual(p.upper[j] + 1e-12);
    // complementary slackness: a multiplier only on an active bound, with the right sign
    if (s.x[j] > p.lower[j] + 1e-9) expect(s.colDual[j]).toBeLessThan(1e-8);
    if (s.x[j] < p.upper[j] - 1e-9) expect(s.colDual[j]).toBeGreaterThan(-1e-8);
  }
  p.rows.forEach((r, i) => {
    let ax = 0;
    for (let q = 0; q < r.indices.length; q++) ax += r.values[q] * s.x[r.indices[q]];
    expect(ax).toBeGreaterThanOrEqual(r.lower - 1e-12);
    expect(ax).toBeLessThanOrEqual(r.upper + 1e-12);
    if (ax > r.lower + 1e-9) expect(s.rowDual[i]).toBeLessThan(1e-8);
    if (ax < r.upper - 1e-9) expect(s.rowDual[i]).toBeGreaterThan(-1e-8);
  });
}

describe('solveQp: verification and the quadprog fallback', () => {
  it('the degenerate case HiGHS 1.15 got wrong is solved, verified, and satisfies KKT', () => {
    const p = degenerateCase();
    const s = solveQp(p);
    expect(s.status).toBe('optimal');
    expectKkt(p, s);
    const q = solveQp(p, { solver: 'quadprog' });
    for (let j = 0; j < p.n; j++) expect(s.x[j]).toBeCloseTo(q.x[j], 9);
  });

  it('quadprog path: equality multipliers keep their sign (quadprog flips violated equalities internally)', () => {
    // min ½‖x‖² + 2x0 s.t. x0 + x1 = r. The unconstrained minimum (−2, 0) has x0 + x1 = −2.
    // r = −1: x = (−1.5, 0.5), Hx + c = (0.5, 0.5) → y = 0.5.  r = −3 (violated the other way, which quadprog
    // handles by negating the row): x = (−2.5, −0.5), Hx + c = (−0.5, −0.5) → y = −0.5.
    for (const [r, x0, y] of [
      [-1, -1.5, 0.5],
      [-3, -2.5, -0.5],
    ]) {
      const p: QpProblem = {
        n: 2,
        hessian: Float64Array.of(1, 0, 0, 1),
        linear: [2, 0],
        lower: [-Infinity, -Infinity],
        upper: [Infinity, Infinity],
        rows: [{ indices: [0, 1], values: [1, 1], lower: r, upper: r }],
      };
      const s = solveQp(p, { solver: 'quadprog' });
      expect(s.solver).toBe('quadprog');
      expect(s.x[0]).toBeCloseTo(x0, 12);
      expect(s.rowDual[0]).toBeCloseTo(y, 12);
      expectKkt(p, s);
    }
  });

  it('quadprog path handles variables without curvature (fallback ridge) and reports infeasibility', () => {
    const p: QpProblem = {
      n: 2,
      hessian: Float64Array.of(1),
      hessianDim: 1,
      lower: [-Infinity, 0],
      upper: [Infinity, 0.25],
      rows: [
        { indices: [0, 1], values: [1, -1], lower: -Infinity, upper: 1 },
        { indices: [0, 1], values: [-1, -1], lower: -Infinity, upper: -1 },
      ],
    };
    expect(solveQp(p, { solver: 'quadprog' }).x[0]).toBeCloseTo(0.75, 8);
    const inf = solveQp(
      { n: 2, hessian: Float64Array.of(1, 0, 0, 1), lower: [0, 0], upper: [1, 1], rows: [{ indices: [0, 1], values: [1, 1], lower: 3, upper: Infinity }] },
      { solver: 'quadprog' },
    );
    expect(inf.status).toBe('infeasible');
  });

  it('HiGHS and quadprog agree on random strictly convex QPs with bounds, equalities and ranges', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 1e6 }), (n, seed) => {
        const rng = stream(seed, 'qp-agree');
        const B = Array.from({ length: n }, () => Array.from({ length: n }, () => rng.normal()));
        const H = new Float64Array(n * n);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) H[i * n + j] += (B[i][k] * B[j][k]) / n;
        for (let i = 0; i < n; i++) H[i * n + i] += 0.1;
        const x0 = Array.from({ length: n }, () => rng.uniform(-1, 1)); // a feasible point
        const lower = x0.map((v) => (rng.next() < 0.2 ? -Infinity : v - rng.uniform(0, 1)));
        const upper = x0.map((v) => (rng.next() < 0.2 ? Infinity : v + rng.uniform(0, 1)));
        const rows = Array.from({ length: rng.int(4) }, () => {
          const indices = Array.from({ length: n }, (_, i) => i).filter(() => rng.next() < 0.6);
          const values = indices.map(() => rng.normal());
          const ax = indices.reduce((s, i, q) => s + values[q] * x0[i], 0);
          const kind = rng.int(3);
          return kind === 0
            ? { indices, values, lower: ax, upper: ax }
            : { indices, values, lower: ax - rng.uniform(0, 0.5), upper: kind === 1 ? Infinity : ax + rng.uniform(0, 0.5) };
        });
        const p: QpProblem = { n, hessian: H, linear: Array.from({ length: n }, () => 3 * rng.normal()), lower, upper, rows };
        const a = solveQp(p);
        const b = solveQp(p, { solver: 'quadprog' });
        expectKkt(p, a, 1e-7);
        expectKkt(p, b, 1e-7);
        for (let j = 0; j < n; j++) expect(Math.abs(a.x[j] - b.x[j])).toBeLessThan(1e-6);
      }),
      { numRuns: 80, seed: 20240623 },
    );
  });
});
