import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: forks keep tfjs/wasm state per file and avoid worker-thread quirks.
    pool: 'forks',
  },
});
