/**
 * `npm run bench`: every benchmark in sequence (bench:env, bench:train, bench:forecast, bench:portfolio, bench:compare, bench:score, bench:sweep), each as its own
 * child process (`node bin/run-ts.js scripts/bench/X.ts`) so that one's JIT, heap and backend state do not
 * affect the next. Their JSON lines pass through on stdout unchanged (DESIGN.md's format); their progress
 * and errors go to stderr. A failing benchmark does not stop the others; the exit status is non-zero if any
 * failed.
 *
 * Options: `--runs N` (passed on as `--runs N` and BENCH_RUNS=N: repetitions per measurement),
 * `--only env,train` (a subset, in the usual order).
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ALL = ['env', 'train', 'forecast', 'portfolio', 'compare', 'score', 'sweep'] as const;

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const runs = flag('runs');
if (runs !== undefined && !(Number.isInteger(Number(runs)) && Number(runs) >= 1)) {
  console.error(`bench: --runs: expected a positive integer, got "${runs}"`);
  process.exit(2);
}
const onlyText = flag('only');
const only = onlyText
  ?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const unknown = only?.filter((s) => !(ALL as readonly string[]).includes(s)) ?? [];
if (unknown.length) {
  console.error(`bench: --only: unknown benchmark ${unknown.join(', ')}; expected some of ${ALL.join(', ')}`);
  process.exit(2);
}
const selected = ALL.filter((b) => !only || only.includes(b));

function runOne(name: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; seconds: number }> {
  const t0 = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'run-ts.js'), join(ROOT, 'scripts', 'bench', `${name}.ts`), ...(runs ? ['--runs', runs] : [])], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, ...(runs ? { BENCH_RUNS: runs } : {}) },
    });
    child.on('error', (e) => {
      console.error(`bench: cannot start bench:${name}: ${e.message}`);
      done({ code: null, signal: null, seconds: (performance.now() - t0) / 1000 });
    });
    child.on('close', (code, signal) => done({ code, signal, seconds: (performance.now() - t0) / 1000 }));
  });
}

const failed: string[] = [];
for (const name of selected) {
  const r = await runOne(name);
  if (r.code !== 0) {
    failed.push(name);
    console.error(`bench: bench:${name} failed (${r.signal ? `signal ${r.signal}` : `exit ${r.code}`}) after ${r.seconds.toFixed(1)} s`);
  } else {
    console.error(`bench: bench:${name} done in ${r.seconds.toFixed(1)} s`);
  }
}
if (failed.length) {
  console.error(`bench: ${failed.length} of ${selected.length} failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
