/**
 * `npm run bench:compare`: the main job's wall time and peak memory.
 * - compare.default: `marginlab compare` with every default (both agents, 5 seeds, the offline overlays and
 *   the default baselines) into a fresh folder, as a child process (seconds; target ≤ 240 on 2 cores).
 * - compare.rerun: the same command again on that folder, reusing the trained agents (target ≤ 30 s).
 * One run each by default (a default run trains 10 agents); BENCH_RUNS=N repeats the pair N times.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emit, summarize } from './measure.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runs = Number(process.env.BENCH_RUNS ?? 1);

/** Wall seconds and peak RSS (MiB) of one `marginlab compare` child process. */
function compareOnce(out: string): { seconds: number; peakMiB: number } {
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    ['--require', join(ROOT, 'scripts', 'bench', 'peak-rss.cjs'), join(ROOT, 'bin', 'marginlab.js'), 'compare', '--out', out],
    {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`bench:compare: marginlab compare exited ${r.status}: ${r.stderr.split('\n').slice(-5).join('\n')}`);
  const m = /PEAK_RSS_KB=(\d+)/.exec(r.stderr);
  return { seconds, peakMiB: m ? Math.round(Number(m[1]) / 1024) : NaN };
}

const first: number[] = [];
const again: number[] = [];
let peak = 0;
for (let k = 0; k < runs; k++) {
  const out = mkdtempSync(join(tmpdir(), 'bench-compare-'));
  try {
    const a = compareOnce(out);
    const b = compareOnce(out);
    first.push(a.seconds);
    again.push(b.seconds);
    peak = Math.max(peak, a.peakMiB, b.peakMiB);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
emit(
  summarize('compare.default', 's', first, {
    what: 'npx marginlab compare, every default, fresh folder',
    target: '<= 240 s',
    meetsTarget: med(first) <= 240,
    peakRssMiB: peak,
  }),
);
emit(
  summarize('compare.rerun', 's', again, {
    what: 'the same command again, trained agents reused',
    target: '<= 30 s',
    meetsTarget: med(again) <= 30,
    peakRssMiB: peak,
  }),
);
