import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Interop tests start real peers; two cores are all CI has.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
