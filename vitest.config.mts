import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20000,
    hookTimeout: 60000,
    pool: 'forks',
    // Two test files at a time (vitest's own default here was one): most of a file's time is spent
    // waiting on PostgreSQL, Redis, chromium or a child process, so two keep a 2-core machine busy.
    // Each file has its own database, Redis prefix and ports. Measured: 523 s against about 900 s.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
