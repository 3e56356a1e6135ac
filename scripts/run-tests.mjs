#!/usr/bin/env node
// The README's test command: runs vitest, then prints the one closing line CI reads
// ("N passed, N failed[, N skipped]") from vitest's JSON report, and exits non-zero on any failure.
// Extra arguments are passed to vitest (e.g. a file filter).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const report = join(process.cwd(), '.vitest-report.json');
rmSync(report, { force: true });
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const run = spawnSync('npx', args, { stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' } });

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests ?? 0;
  failed = (json.numFailedTests ?? 0) + (json.numFailedTestSuites ?? 0) - countSuitesWithFailedTests(json);
  skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
} else {
  failed = 1; // vitest crashed before writing a report: that is a failure, never a silent pass
}
const line = `${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : '');
console.log(line);
const ok = run.status === 0 && failed === 0 && passed > 0;
process.exit(ok ? 0 : 1);

// A suite (file) that failed to load counts as one failure; a suite whose tests failed is already
// counted through its tests.
function countSuitesWithFailedTests(json) {
  let n = 0;
  for (const r of json.testResults ?? []) {
    if (r.status === 'failed' && (r.assertionResults ?? []).some((a) => a.status === 'failed')) n++;
  }
  return n;
}
