import { solveQp, type QpProblem } from '../../agents/portfolio/qp.ts';
import { stream } from '../../src/rng.ts';
const n = 10, seed = 4;
const rng = stream(seed, 'qp-agree');
const B = Array.from({ length: n }, () => Array.from({ length: n }, () => rng.normal()));
const H = new Float64Array(n * n);
for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) H[i * n + j] += B[i][k] * B[j][k] / n;
for (let i = 0; i < n; i++) H[i * n + i] += 0.1;
const x0 = Array.from({ length: n }, () => rng.uniform(-1, 1));
const lower = x0.map((v) => (rng.next() < 0.2 ? -Infinity : v - rng.uniform(0, 1)));
const upper = x0.map((v) => (rng.next() < 0.2 ? Infinity : v + rng.uniform(0, 1)));
const rows = Array.from({ length: rng.int(4) }, () => {
  const indices = Array.from({ length: n }, (_, i) => i).filter(() => rng.next() < 0.6);
  const values = indices.map(() => rng.normal());
  const ax = indices.reduce((s, i, q) => s + values[q] * x0[i], 0);
  const kind = rng.int(3);
  return kind === 0 ? { indices, values, lower: ax, upper: ax } : { indices, values, lower: ax - rng.uniform(0, 0.5), upper: kind === 1 ? Infinity : ax + rng.uniform(0, 0.5) };
});
const p: QpProblem = { n, hessian: H, linear: Array.from({ length: n }, () => 3 * rng.normal()), lower, upper, rows };
console.log(JSON.stringify(rows.map((r) => [r.lower, r.upper])));
const a = solveQp(p); console.log('highs', a.solver, Array.from(a.x, (v) => v.toFixed(5)).join(' '), Array.from(a.rowDual, (v) => v.toFixed(4)).join(' '));
try { const b = solveQp(p, { solver: 'quadprog' }); console.log('qp', Array.from(b.x, (v) => v.toFixed(5)).join(' ')); } catch (e) { console.log((e as Error).message.slice(0, 200)); }
