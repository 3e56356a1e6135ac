/**
 * The two test tiers. `npm test` runs the fast tier (in-process tests, about 1–2 min on 2 cores); `npm run
 * test:slow` runs the slow tier: the end-to-end tests that start the real CLI as a subprocess, train agents
 * through whole pipelines or load a model; `npm run test:all` runs both, as CI does (`.ci/run`).
 *
 * A file is in the slow tier when it is listed here; everything else under test/ is fast. Timings that put
 * a file here (medians of the whole suite on the project's 2-core machine) are in the README's "Tests".
 */
export const SLOW_TESTS: readonly string[] = [
  // The real CLI as a subprocess: exit codes, signals, stdout/stderr, locks between processes.
  'test/scripts/train-cli.test.ts',
  'test/scripts/refused-cli.test.ts',
  'test/scripts/train-interrupt.test.ts',
  'test/scripts/env-cli.test.ts',
  'test/overlays/forecast-command.test.ts',
  'test/overlays/score-command.test.ts',
  'test/overlays/concurrent-forecast.test.ts',
  'test/overlays/untrusted-endpoint.test.ts',
  'test/overlays/stable-order.test.ts',
  'test/io/lock.test.ts',
  'test/env/replay-format.test.ts',
  // Whole pipelines: compare trains agents in child processes; learning through the real margin env; the local model.
  'test/scripts/compare.test.ts',
  'test/agents/margin-leak.test.ts',
  'test/agents/conditioning.test.ts',
  'test/overlays/local-llm.test.ts',
  'test/overlays/local-e2e.test.ts',
  // Sweeps through the real CLI: the local executor (kill -9, SIGTERM, resume), and Slurm job arrays on a local cluster (skipped without one).
  'test/sweep/local.test.ts',
  'test/sweep/slurm-cluster.test.ts',
];
