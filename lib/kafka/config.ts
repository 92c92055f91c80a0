import { z } from 'zod';

const topicName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name (letters, digits, ".", "_", "-")');

/** Kafka settings: empty `brokers` means the embedded in-process queue. */
export const kafkaConfigSchema = z
  .object({
    brokers: z
      .string()
      .default('')
      .describe('Comma-separated Kafka bootstrap servers (host:port,…). Empty: receivers hand records to the writer in the same process. Also read from KAFKA_BROKERS.'),
    clientId: z.string().min(1).default('fleetscope').describe('Client id sent to the brokers (appears in broker logs and quotas).'),
    topic: topicName.default('fleetscope.records.v1').describe('Topic of versioned records between ingest nodes and writers.'),
    deadLetterTopic: topicName
      .default('fleetscope.records.v1.dead')
      .describe('Topic where writers set aside messages they cannot decode, with their origin in headers.'),
    createTopics: z.boolean().default(true).describe('Create the topics at start-up when missing.'),
    partitions: z.number().int().min(1).max(10_000).default(6).describe('Partitions of the records topic when fleetscope creates it; writers scale up to this many.'),
    replicationFactor: z.number().int().min(-1).max(16).default(-1).describe('Replication factor of created topics; -1 takes the broker default.'),
    compression: z.enum(['snappy', 'gzip', 'none']).default('snappy').describe('Compression of produced message batches.'),
    lingerMs: z.number().int().min(0).max(1000).default(5).describe('Time the producer waits to gather records of concurrent requests into one send.'),
    maxMessageRecords: z.number().int().min(1).max(100_000).default(1000).describe('Records per Kafka message (many records share one message).'),
    sendTimeoutMs: z
      .number()
      .int()
      .min(100)
      .default(5000)
      .describe('Time Kafka has to acknowledge a send; after it the request gets 503 with Retry-After (never a 2xx for data Kafka did not take).'),
    groupId: z.string().min(1).default('fleetscope-writer').describe('Consumer group of the writers.'),
    sessionTimeoutMs: z.number().int().min(6000).default(30_000).describe('Consumer session timeout: a writer silent this long loses its partitions.'),
    maxQueuedBlocks: z
      .number()
      .int()
      .min(1)
      .default(2)
      .describe('Blocks of one partition waiting for ClickHouse before the writer pauses fetching that partition (back-pressure).'),
  })
  .prefault({});

export type KafkaConfig = z.output<typeof kafkaConfigSchema>;

/** The broker list of a configuration, empty when Kafka is not used. */
export function brokerList(c: KafkaConfig): string[] {
  return c.brokers
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
}
