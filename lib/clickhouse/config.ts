import { z } from 'zod';

/** Storage settings: where the data lives and how long each table keeps it. */
export const storageConfigSchema = z
  .object({
    dataDir: z.string().min(1).default('./data').describe('Data directory of the embedded ClickHouse engine (chDB); one process owns it.'),
    clickhouseUrl: z
      .string()
      .url()
      .nullable()
      .default(null)
      .describe('URL of a ClickHouse server (http://user:password@host:8123). When set, the embedded engine is not used. Also read from CLICKHOUSE_URL.'),
    database: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier (letters, digits, _)')
      .default('fleetscope')
      .describe('Database that holds fleetscope tables.'),
    retention: z
      .object({
        samplesDays: z.number().int().min(1).max(7300).default(30).describe('Days raw samples are kept.'),
        rollup1mDays: z.number().int().min(1).max(7300).default(400).describe('Days the 1-minute rollup is kept.'),
        rollup1hDays: z.number().int().min(1).max(7300).default(1825).describe('Days the 1-hour rollup is kept.'),
        rollup1dDays: z.number().int().min(1).max(7300).default(3650).describe('Days the 1-day rollup is kept.'),
        eventsDays: z.number().int().min(1).max(7300).default(90).describe('Days events (notifications) are kept.'),
        seriesDays: z.number().int().min(1).max(7300).default(400).describe('Days a series that stopped reporting stays listed.'),
        anomaliesDays: z.number().int().min(1).max(7300).default(180).describe('Days found anomalies are kept.'),
      })
      .prefault({}),
    maxFutureSeconds: z
      .number()
      .int()
      .min(0)
      .default(600)
      .describe('Samples further than this in the future (by the receiver clock) are refused and counted.'),
  })
  .prefault({});

export type StorageConfig = z.output<typeof storageConfigSchema>;
