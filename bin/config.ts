import { z } from 'zod';
import { alertFeedsConfigSchema } from '../analysis/alerts/config.ts';
import { analysisConfigSchema } from '../analysis/config.ts';
import { collectdConfigSchema, formatsConfigSchema, ingestConfigSchema } from '../ingest/config.ts';
import { storageConfigSchema } from '../lib/clickhouse/config.ts';
import { kafkaConfigSchema } from '../lib/kafka/config.ts';
import { loadConfig } from '../lib/config-loader.ts';

/** The whole configuration of a fleetscope process. */
export const configSchema = z.object({
  roles: z
    .string()
    .default('all')
    .describe('Roles this process runs, comma-separated: ingest, writer, analysis, dashboards, or all. `serve --role` overrides it.'),
  http: z
    .object({
      host: z.string().min(1).default('127.0.0.1').describe('Address the HTTP API and receivers bind to.'),
      port: z.number().int().min(0).max(65535).default(8080).describe('HTTP port (0 picks a free port).'),
    })
    .prefault({}),
  storage: storageConfigSchema,
  kafka: kafkaConfigSchema,
  ingest: ingestConfigSchema,
  collectd: collectdConfigSchema,
  formats: formatsConfigSchema,
  query: z
    .object({
      maxRowsToRead: z.number().int().min(1).default(2_000_000_000).describe('Rows a query may read; a query estimated to read more is refused with QUERY_ERR_TOO_COSTLY, never cut short.'),
      maxResultRows: z.number().int().min(1).max(10_000_000).default(100_000).describe('Rows a query may return.'),
      maxExecutionSeconds: z.number().min(1).default(60).describe('Seconds a query may run before it is stopped.'),
      maxMemoryBytes: z.number().int().min(1).default(8 * 1024 ** 3).describe('Memory a query may use, bytes.'),
      maxLiveQueries: z.number().int().min(0).default(50).describe('Live queries (server-sent events) open at once.'),
    })
    .prefault({}),
  analysis: analysisConfigSchema,
  alerting: alertFeedsConfigSchema,
  log: z
    .object({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level of the JSON log on standard output.'),
    })
    .prefault({}),
});

export type Config = z.output<typeof configSchema>;

/** Reads the file (if given) and the environment, validates and freezes the configuration. */
export function readConfig(file: string | undefined, env: NodeJS.ProcessEnv): Config {
  return loadConfig(configSchema, { file, env, aliases: { CLICKHOUSE_URL: ['storage', 'clickhouseUrl'], KAFKA_BROKERS: ['kafka', 'brokers'] } });
}
