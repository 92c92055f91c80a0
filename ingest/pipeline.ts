import type { Storage } from '../lib/clickhouse/client.ts';
import type { StorageConfig } from '../lib/clickhouse/config.ts';
import type { KafkaClient } from '../lib/kafka/client.ts';
import type { KafkaConfig } from '../lib/kafka/config.ts';
import type { Registry } from '../lib/metrics.ts';
import type { IngestConfig } from './config.ts';
import type { IngestMetrics } from './metrics.ts';
import { createKafkaSink } from './transport/kafka-sink.ts';
import { createClickHouseWriter } from './writer/clickhouse-writer.ts';
import { createKafkaWriter, type KafkaWriter } from './writer/kafka-writer.ts';
import type { RecordSink } from './writer/sink.ts';

type Log = { warn(obj: object, msg: string): void; info(obj: object, msg: string): void; error(obj: object, msg: string): void };

/** What the ingest roles of a process run between receivers and storage. */
export interface Pipeline {
  /** Where receivers hand records; undefined without the ingest role. */
  readonly sink: RecordSink | undefined;
  /** Starts consuming (writer role over Kafka). */
  start(): Promise<void>;
  /** Hands over or stores everything accepted, then stops. Receivers must be closed first. */
  stop(): Promise<void>;
  /** Health of each part, for /readyz. */
  health(): Record<string, { ok: boolean; pendingRows: number }>;
}

export interface PipelineDeps {
  readonly storage: Storage | undefined;
  readonly kafka: KafkaClient | undefined;
  readonly registry: Registry;
  readonly metrics: IngestMetrics;
  readonly log: Log;
}

export interface PipelineConfig {
  readonly ingest: IngestConfig;
  readonly storage: StorageConfig;
  readonly kafka: KafkaConfig;
}

/**
 * Builds the transport and writer for the roles a process runs. Without Kafka, receivers hand records
 * to the embedded writer in the same process (both roles together). With Kafka, the ingest role
 * publishes to the records topic and the writer role consumes it, in this process or elsewhere.
 */
export async function buildPipeline(config: PipelineConfig, roles: { ingest: boolean; writer: boolean }, deps: PipelineDeps): Promise<Pipeline> {
  const { ingest } = config;
  if (!deps.kafka) {
    if (!deps.storage) throw new Error('the embedded pipeline needs storage');
    const writer = createClickHouseWriter({
      storage: deps.storage,
      metrics: deps.metrics,
      batchRows: ingest.batchRows,
      flushIntervalMs: ingest.flushIntervalMs,
      maxPendingRows: ingest.maxPendingRows,
      insertRetries: ingest.insertRetries,
      seriesCacheSize: ingest.seriesCacheSize,
      samplesDays: config.storage.retention.samplesDays,
      maxFutureSeconds: config.storage.maxFutureSeconds,
      log: deps.log,
    });
    deps.registry.collect('fleetscope_ingest_cached_series', 'Series whose identity and last value are kept in memory.', () => [[{}, writer.cachedSeries()]]);
    return {
      sink: writer,
      start: async () => {},
      stop: () => writer.stop(),
      health: () => ({ writer: { ok: writer.healthy(), pendingRows: writer.pendingRows() } }),
    };
  }

  const kafka = deps.kafka;
  const k = config.kafka;
  const partitions = await kafka.ensureTopic({ topic: k.topic, partitions: k.partitions, replicationFactor: k.replicationFactor }, k.createTopics);
  deps.log.info({ topic: k.topic, partitions }, 'kafka topic ready');

  const sink = roles.ingest
    ? createKafkaSink({
        producer: await kafka.producer({ compression: k.compression }),
        ping: () => kafka.ping(k.topic),
        topic: k.topic,
        partitions,
        lingerMs: k.lingerMs,
        maxMessageRecords: k.maxMessageRecords,
        sendTimeoutMs: k.sendTimeoutMs,
        maxPendingRows: ingest.maxPendingRows,
        seriesCacheSize: ingest.seriesCacheSize,
        samplesDays: config.storage.retention.samplesDays,
        maxFutureSeconds: config.storage.maxFutureSeconds,
        metrics: deps.metrics,
        registry: deps.registry,
        log: deps.log,
      })
    : undefined;

  let writer: KafkaWriter | undefined;
  if (roles.writer) {
    if (!deps.storage) throw new Error('the writer role needs storage');
    const deadPartitions = await kafka.ensureTopic({ topic: k.deadLetterTopic, partitions: 1, replicationFactor: k.replicationFactor }, k.createTopics);
    writer = createKafkaWriter({
      consumer: kafka.consumer({ groupId: k.groupId, topic: k.topic, sessionTimeoutMs: k.sessionTimeoutMs, fromBeginning: true }),
      topic: k.topic,
      deadLetter: { producer: await kafka.producer({ compression: k.compression }), topic: k.deadLetterTopic, partitions: deadPartitions },
      storage: deps.storage,
      metrics: deps.metrics,
      registry: deps.registry,
      batchRows: ingest.batchRows,
      flushIntervalMs: ingest.flushIntervalMs,
      maxQueuedBlocks: k.maxQueuedBlocks,
      seriesCacheSize: ingest.seriesCacheSize,
      samplesDays: config.storage.retention.samplesDays,
      maxFutureSeconds: config.storage.maxFutureSeconds,
      log: deps.log,
    });
  }

  return {
    sink,
    async start() {
      await writer?.start();
    },
    async stop() {
      await sink?.stop();
      await writer?.stop();
    },
    health() {
      const h: Record<string, { ok: boolean; pendingRows: number }> = {};
      if (sink) h.kafkaProducer = { ok: sink.healthy(), pendingRows: sink.pendingRows() };
      if (writer) h.writer = { ok: writer.healthy(), pendingRows: writer.pendingRows() };
      return h;
    },
  };
}
