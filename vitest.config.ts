import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Loopback servers and worker processes: keep parallel files modest on 2 cores.
    maxWorkers: 2,
  },
});
