import { z } from 'zod';

const udpListenerSchema = z.object({
  host: z.string().min(1).default('127.0.0.1').describe('Address the collectd binary protocol listener binds to (0.0.0.0 or :: for every interface).'),
  port: z.number().int().min(0).max(65535).default(25826).describe('UDP port of the collectd binary protocol listener (0 picks a free port).'),
  securityLevel: z
    .enum(['none', 'sign', 'encrypt'])
    .default('none')
    .describe('Minimum security level: sign accepts signed or encrypted data, encrypt only encrypted data.'),
  authFile: z
    .string()
    .nullable()
    .default(null)
    .describe('collectd AuthFile ("user: password" lines) used to verify signed and decrypt encrypted data; re-read when it changes.'),
});

/** Settings of the collectd receivers (binary protocol over UDP, write_http over HTTP). */
export const collectdConfigSchema = z
      .object({
        udp: udpListenerSchema.nullable().prefault({}).describe('The collectd binary protocol listener; null turns it off.'),
        extraUdp: z.array(udpListenerSchema).default([]).describe('More binary protocol listeners, e.g. one per security level.'),
        http: z
          .object({
            user: z.string().nullable().default(null).describe('When set with password, POST /collectd requires HTTP Basic auth.'),
            password: z.string().nullable().default(null).describe('Password for HTTP Basic auth on POST /collectd.'),
            realm: z.string().default('fleetscope').describe('Realm named in the WWW-Authenticate challenge.'),
          })
          .prefault({}),
        typesDb: z.array(z.string()).default([]).describe('Extra types.db files, read after the built-in collectd 5.12 types.'),
        maxDatagramBytes: z.number().int().min(1024).max(65535).default(65535).describe('Largest datagram read (longer ones are truncated by the kernel and counted).'),
      })
      .prefault({});

const socketListenerSchema = (port: number, what: string) =>
  z.object({
    host: z.string().min(1).default('127.0.0.1').describe(`Address the ${what} listener binds to (0.0.0.0 or :: for every interface).`),
    port: z.number().int().min(0).max(65535).default(port).describe(`Port of the ${what} listener (0 picks a free port).`),
  });

/** Settings of the push formats applications speak (docs/ingest-formats.md). */
export const formatsConfigSchema = z
  .object({
    influx: z
      .object({ enabled: z.boolean().default(true).describe('Accept InfluxDB line protocol on POST /write and POST /api/v2/write.') })
      .prefault({}),
    prometheus: z
      .object({ enabled: z.boolean().default(true).describe('Accept Prometheus remote write on POST /api/v1/write.') })
      .prefault({}),
    opentsdb: z.object({ enabled: z.boolean().default(true).describe('Accept OpenTSDB JSON on POST /api/put.') }).prefault({}),
    otlp: z.object({ enabled: z.boolean().default(true).describe('Accept OpenTelemetry OTLP/HTTP metrics on POST /v1/metrics.') }).prefault({}),
    graphite: z
      .object({
        tcp: socketListenerSchema(2003, 'Graphite plaintext TCP').nullable().prefault({}).describe('Graphite plaintext over TCP; null turns it off.'),
        udp: socketListenerSchema(2003, 'Graphite plaintext UDP').nullable().prefault({}).describe('Graphite plaintext over UDP; null turns it off.'),
      })
      .prefault({}),
    statsd: z
      .object({
        udp: socketListenerSchema(8125, 'StatsD').nullable().prefault({}).describe('StatsD over UDP; null turns it off.'),
        flushIntervalMs: z.number().int().min(1000).default(10_000).describe('StatsD aggregates over this interval, then stores rates, counts and percentiles.'),
        percentiles: z.array(z.number().gt(0).lt(100)).default([90, 95, 99]).describe('Percentiles stored for StatsD timers and histograms.'),
        host: z.string().nullable().default(null).describe('`host` of StatsD metrics (StatsD names carry none); null: the sender\'s address.'),
      })
      .prefault({}),
  })
  .prefault({});

/** Settings of the path from receiver to storage. */
export const ingestConfigSchema = z
  .object({
    bodyLimitBytes: z.number().int().min(1024).default(16 * 1024 * 1024).describe('Largest HTTP request body accepted; larger ones get 413.'),
    batchRows: z.number().int().min(1).max(500_000).default(50_000).describe('Rows per insert into the samples table.'),
    flushIntervalMs: z.number().int().min(10).default(1000).describe('Longest time a row waits before its batch is inserted.'),
    maxPendingRows: z
      .number()
      .int()
      .min(1000)
      .default(1_000_000)
      .describe('Rows accepted but not yet stored above which receivers answer 503 with Retry-After (bounds memory).'),
    insertRetries: z.number().int().min(0).default(3).describe('Retries of a failed insert (same deduplication token) before the batch fails.'),
    seriesCacheSize: z.number().int().min(1000).default(1_000_000).describe('Series whose identity and last counter value are kept in memory (for ids and rates).'),
  })
  .prefault({});

export type IngestConfig = z.output<typeof ingestConfigSchema>;
export type CollectdConfig = z.output<typeof collectdConfigSchema>;
export type FormatsConfig = z.output<typeof formatsConfigSchema>;
export type UdpListenerConfig = z.output<typeof udpListenerSchema>;
