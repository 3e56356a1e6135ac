#!/usr/bin/env node
// The README's test command: runs vitest, then prints the one closing line CI reads
// ("N passed, N failed[, N skipped]") from vitest's JSON report, and exits non-zero on any failure.
//
//   node scripts/run-tests.mjs                 the fast tier (npm test)
//   node scripts/run-tests.mjs --tier slow     the slow tier: end-to-end CLI tests (npm run test:slow)
//   node scripts/run-tests.mjs --tier all      both, one after the other, then one closing line with the totals (npm run test:all; CI)
//
// The tiers are defined in test/tiers.ts. Other arguments are passed to vitest (e.g. a file filter).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const argv = process.argv.slice(2);
let tier = 'fast';
const at = argv.indexOf('--tier');
if (at >= 0) {
  tier = argv[at + 1];
  argv.splice(at, 2);
}
if (!['fast', 'slow', 'all'].includes(tier)) {
  console.error(`run-tests: --tier must be fast, slow or all, got "${tier}"`);
  process.exit(2);
}

/** Runs one tier through vitest and returns its counts (a vitest crash before its report counts as a failure). */
function runTier(name) {
  const report = join(process.cwd(), `.vitest-report-${name}.json`);
  rmSync(report, { force: true });
  const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...argv];
  const t0 = Date.now();
  const run = spawnSync('npx', args, { stdio: 'inherit', env: { ...process.env, MARGINLAB_TEST_TIER: name, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' } });
  const counts = { passed: 0, failed: 0, skipped: 0, ok: run.status === 0, seconds: (Date.now() - t0) / 1000 };
  if (existsSync(report)) {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    counts.passed = json.numPassedTests ?? 0;
    // numFailedTestSuites also counts describe blocks; a file that failed to load is counted on its own.
    counts.failed = (json.numFailedTests ?? 0) + countFilesFailedWithoutTests(json);
    counts.skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
  } else {
    counts.failed = 1; // vitest crashed before writing a report: that is a failure, never a silent pass
  }
  return counts;
}

const line = (c) => `${c.passed} passed, ${c.failed} failed` + (c.skipped ? `, ${c.skipped} skipped` : '');
const tiers = tier === 'all' ? ['fast', 'slow'] : [tier];
const total = { passed: 0, failed: 0, skipped: 0, ok: true };
for (const t of tiers) {
  const c = runTier(t);
  if (tiers.length > 1) console.log(`${t} tier: ${line(c)} in ${c.seconds.toFixed(0)} s`);
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
  total.ok &&= c.ok;
}
console.log(line(total));
process.exit(total.ok && total.failed === 0 && total.passed > 0 ? 0 : 1);

// A file that failed to load (or failed outside its tests) counts as one failure; a file whose tests failed is
// already counted through its tests.
function countFilesFailedWithoutTests(json) {
  let n = 0;
  for (const r of json.testResults ?? []) {
    if (r.status === 'failed' && !(r.assertionResults ?? []).some((a) => a.status === 'failed')) n++;
  }
  return n;
}
