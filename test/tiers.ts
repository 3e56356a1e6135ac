/**
 * The two test tiers. `npm test` runs the fast tier (in-process tests, under 90 s on 2 cores); `npm run
 * test:slow` runs the slow tier: the end-to-end tests that start the real CLI as a subprocess, train agents
 * through whole pipelines or load a model; `npm run test:all` runs both, as CI does (`.ci/run`).
 *
 * A file is in the slow tier when it is listed here; everything else under test/ is fast. Timings that put
 * a file here (medians of the whole suite on the project's 2-core machine) are in the README's "Tests".
 */
export const SLOW_TESTS: readonly string[] = [];
