import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['generator/**/*.test.ts', 'gateway/**/*.test.ts', 'actions/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores here: run files in two forks so integration tests with servers do not starve.
    pool: 'forks',
    reporters: ['default', './scripts/summary-reporter.ts'],
    maxWorkers: 2,
  },
});
