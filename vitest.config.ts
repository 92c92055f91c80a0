import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{lib,ingest,query,analysis,bin}/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          // Services under test (chDB, collectd) are per-process singletons or bind ports: keep
          // integration files in separate forks, one at a time on this 2-core machine.
          pool: 'forks',
          poolOptions: { forks: { singleFork: false, maxForks: 1, minForks: 1 } },
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
