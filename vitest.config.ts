import { defineConfig } from 'vitest/config';

// Each test file gets its own database (see test/harness/database.ts), so files can run in parallel.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    globalSetup: ['test/harness/global-setup.ts'],
  },
});
