import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // dawn.node is a native addon: one process per worker is the safe isolation.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
