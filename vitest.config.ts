import { defineConfig } from 'vitest/config';
import { SLOW_TESTS } from './test/tiers.ts';

// MARGINLAB_TEST_TIER: fast (default: everything not listed as slow) | slow (only those) | all.
const tier = process.env.MARGINLAB_TEST_TIER ?? 'fast';
if (!['fast', 'slow', 'all'].includes(tier)) throw new Error(`MARGINLAB_TEST_TIER must be fast, slow or all, got "${tier}"`);

export default defineConfig({
  test: {
    include: tier === 'slow' ? [...SLOW_TESTS] : ['test/**/*.test.ts'],
    exclude: tier === 'fast' ? ['**/node_modules/**', ...SLOW_TESTS] : ['**/node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: forks keep tfjs/wasm state per file and avoid worker-thread quirks.
    pool: 'forks',
    // The fast tier is in-process work: one fork per core. The slow tier keeps vitest's default (fewer
    // forks), because its tests start CLI processes of their own and time signals against them.
    ...(tier === 'fast' ? { maxWorkers: 2 } : {}),
  },
});
