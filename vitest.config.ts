import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{lib,ingest,query,analysis,bin}/**/*.test.ts', 'ui/src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          // chDB binds one data directory per process: each integration file runs in its own fork, and
          // scripts/test.sh runs them one file at a time (--no-file-parallelism) on this 2-core machine.
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
