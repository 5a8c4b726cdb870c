import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/bench/**', 'node_modules/**'],
    // One PostgreSQL for the run, a migrated template database; each file clones its own database.
    globalSetup: ['tests/setup/global.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 120_000,
    env: { NODE_ENV: 'test' },
  },
});
