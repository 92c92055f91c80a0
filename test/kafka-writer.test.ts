// The writer role in this process, on a real Kafka broker and the real engine: storage that refuses
// inserts for a while, poison messages, and blocks left pending by a previous owner.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestMetrics } from '../ingest/metrics.ts';
import { createKafkaSink } from '../ingest/transport/kafka-sink.ts';
import { createKafkaWriter, type KafkaWriter } from '../ingest/writer/kafka-writer.ts';
import { insertBlock, newRowBlock, RowBuilder } from '../ingest/writer/rows.ts';
import type { Storage } from '../lib/clickhouse/client.ts';
import type { KafkaClient } from '../lib/kafka/client.ts';
import { createKafkajsClient } from '../lib/kafka/kafkajs.ts';
import { createRegistry, type Registry } from '../lib/metrics.ts';
import type { MetricRecord } from '../lib/record.ts';
import { blockToken, encodeRecords, pendingMetadata } from '../lib/topic.ts';
import { startKafka, type KafkaBroker } from './helpers/kafka.ts';
import { openTestStorage } from './helpers/storage.ts';

const quiet = { warn() {}, info() {}, error() {} };
const log = process.env.TEST_LOG ? { warn: console.warn, info: console.info, error: console.error } : quiet;

let broker: KafkaBroker;
let storage: Storage;
let cleanupStorage: () => Promise<void>;
let client: KafkaClient;
const stops: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  broker = await startKafka();
  ({ storage, cleanup: cleanupStorage } = await openTestStorage());
  client = createKafkajsClient({ brokers: broker.brokers, clientId: 'fleetscope-test', log });
}, 300_000);

afterAll(async () => {
  for (const s of stops.reverse()) await s().catch(() => {});
  await client?.close();
  await cleanupStorage?.();
  await broker?.stop();
});

const uniq = (name: string) => `${name}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e4)}`;
const BASE = Date.now() - 120_000;

function records(metric: string, from: number, n: number): MetricRecord[] {
  return Array.from({ length: n }, (_, i) => ({ metric, host: `h${(from + i) % 7}`, labels: {}, kind: 'gauge' as const, ts: BASE + from + i, value: from + i, interval: 10_000 }));
}

async function stored(metric: string): Promise<{ n: number; sum: number; distinct: number }> {
  const [row] = await storage.query<{ n: string; sum: number; distinct: string }>(
    `SELECT count() AS n, sum(value) AS sum, uniqExact(value) AS distinct FROM ${storage.database}.samples WHERE metric = {m:String}`,
    { m: metric },
  );
  return { n: Number(row.n), sum: Number(row.sum), distinct: Number(row.distinct) };
}

/** Sum of one metric over its label sets, read from the registry's text like a scraper would. */
function metricValue(registry: Registry, name: string): number {
  let sum = 0;
  for (const line of registry.render().split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{.*\})? (\S+)$/.exec(line);
    if (m && m[1] === name) sum += Number(m[2]);
  }
  return sum;
}

async function until(what: string, ok: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

async function startWriter(topic: string, registry: Registry, extra: { batchRows?: number } = {}): Promise<KafkaWriter> {
  const metrics = createIngestMetrics(registry);
  await client.ensureTopic({ topic, partitions: 3, replicationFactor: -1 }, true);
  await client.ensureTopic({ topic: `${topic}.dead`, partitions: 1, replicationFactor: -1 }, true);
  const writer = createKafkaWriter({
    consumer: client.consumer({ groupId: `${topic}-writers`, topic, sessionTimeoutMs: 6000, fromBeginning: true }),
    topic,
    deadLetter: { producer: await client.producer({ compression: 'none' }), topic: `${topic}.dead`, partitions: 1 },
    storage,
    metrics,
    registry,
    batchRows: extra.batchRows ?? 500,
    flushIntervalMs: 100,
    maxQueuedBlocks: 2,
    seriesCacheSize: 10_000,
    samplesDays: 30,
    maxFutureSeconds: 600,
    stopTimeoutMs: 5000,
    log,
  });
  await writer.start();
  stops.push(() => writer.stop());
  return writer;
}

/** Committed offsets and metadata of a group, and end offsets of the topic, straight from the broker. */
async function offsets(topic: string): Promise<{ committed: Map<number, { offset: number; metadata: string | null }>; end: Map<number, number> }> {
  const admin = new Kafka({ clientId: 'fleetscope-test-admin', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [c] = await admin.fetchOffsets({ groupId: `${topic}-writers`, topics: [topic] });
    const committed = new Map(c.partitions.map((p) => [p.partition, { offset: Number(p.offset), metadata: p.metadata }]));
    const end = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
    return { committed, end };
  } finally {
    await admin.disconnect();
  }
}

describe('Kafka writer on the real broker and engine', () => {
  it('keeps offsets uncommitted while storage refuses inserts, retries with the same token, and stores everything once when storage returns', async () => {
    const topic = uniq('t-storage');
    const metric = 'storage_outage.gauge';
    const registry = createRegistry();
    const writer = await startWriter(topic, registry);
    const sink = createKafkaSink({
      producer: await client.producer({ compression: 'snappy' }),
      ping: () => client.ping(topic),
      topic,
      partitions: 3,
      lingerMs: 5,
      maxMessageRecords: 200,
      sendTimeoutMs: 5000,
      maxPendingRows: 100_000,
      seriesCacheSize: 10_000,
      samplesDays: 30,
      maxFutureSeconds: 600,
      metrics: createIngestMetrics(createRegistry()),
      registry: createRegistry(),
    });
    stops.push(() => sink.stop());

    expect((await sink.write(records(metric, 0, 3000), [], 'test')).accepted).toBe(3000);
    await until('the first 3000 values stored', async () => (await stored(metric)).n === 3000);

    // The table stops taking inserts ("Too many parts"), as a real one does when merges fall behind.
    await storage.command(`ALTER TABLE ${storage.database}.samples MODIFY SETTING max_parts_in_total = 1`);
    try {
      expect((await sink.write(records(metric, 3000, 3000), [], 'test')).accepted).toBe(3000);
      await until('inserts retried', async () => metricValue(registry, 'fleetscope_kafka_writer_insert_retries_total') >= 3);
      expect(writer.healthy()).toBe(false);
      const during = await offsets(topic);
      const behind = [...during.end].filter(([p, end]) => (during.committed.get(p)?.offset ?? 0) < end);
      expect(behind.length).toBeGreaterThan(0);
      for (const [p] of behind) expect(during.committed.get(p)?.metadata).toMatch(/^pending:\d+$/);
      expect((await stored(metric)).n).toBe(3000);
    } finally {
      await storage.command(`ALTER TABLE ${storage.database}.samples RESET SETTING max_parts_in_total`);
    }

    await until('all 6000 values stored', async () => (await stored(metric)).n >= 6000);
    await until('offsets committed to the end', async () => {
      const after = await offsets(topic);
      return [...after.end].every(([p, end]) => after.committed.get(p)?.offset === end && !after.committed.get(p)?.metadata);
    });
    const s = await stored(metric);
    expect(s).toEqual({ n: 6000, sum: (5999 * 6000) / 2, distinct: 6000 });
    expect(writer.healthy()).toBe(true);
  }, 120_000);

  it('sets a poison message aside on the dead-letter topic and goes on with the partition', async () => {
    const topic = uniq('t-poison');
    const metric = 'poison.gauge';
    const registry = createRegistry();
    await startWriter(topic, registry);
    const producer = await client.producer({ compression: 'none' });
    stops.push(() => producer.close());
    await producer.send(topic, [
      { partition: 1, value: encodeRecords('test', records(metric, 0, 100), []) },
      { partition: 1, value: Buffer.from('{"v":1,"f":"test","m":[["x"') },
      { partition: 1, value: Buffer.from('{"v":99,"f":"test","m":[]}') },
      { partition: 1, value: encodeRecords('test', records(metric, 100, 100), []) },
    ]);
    await until('the valid messages stored', async () => (await stored(metric)).n === 200);
    expect(await stored(metric)).toEqual({ n: 200, sum: (199 * 200) / 2, distinct: 200 });
    expect(metricValue(registry, 'fleetscope_kafka_writer_poison_messages_total')).toBe(2);
    await until('partition 1 committed past the poison', async () => (await offsets(topic)).committed.get(1)?.offset === 4);

    const kafka = new Kafka({ clientId: 'fleetscope-test-dlq', brokers: broker.brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: uniq('dlq-reader') });
    const dead: Array<{ origin: string; error: string }> = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [`${topic}.dead`], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        dead.push({ origin: String(message.headers?.['fleetscope-origin']), error: String(message.headers?.['fleetscope-error']) });
      },
    });
    await until('both poison messages on the dead-letter topic', async () => dead.length >= 2);
    await consumer.disconnect();
    expect(dead.map((d) => d.origin).sort()).toEqual([`${topic}:1:1`, `${topic}:1:2`]);
    expect(dead.find((d) => d.origin.endsWith(':1:1'))?.error).toContain('not JSON');
    expect(dead.find((d) => d.origin.endsWith(':1:2'))?.error).toContain('record version 99, expected 1');
  }, 120_000);

  it('rebuilds a block left pending by a previous owner exactly, whether or not its insert landed', async () => {
    const topic = uniq('t-replay');
    const metric = 'replay.gauge';
    await client.ensureTopic({ topic, partitions: 3, replicationFactor: -1 }, true);
    const producer = await client.producer({ compression: 'none' });
    stops.push(() => producer.close());
    // Partitions 0 and 1 get messages 0..2 each (100 values apiece).
    for (const p of [0, 1]) {
      await producer.send(
        topic,
        [0, 1, 2].map((i) => ({ partition: p, value: encodeRecords('test', records(metric, p * 1000 + i * 100, 100), []) })),
      );
    }
    // A previous owner of partition 0 inserted block [0, 2] and died before committing its end; the
    // one of partition 1 committed its intent and died before inserting.
    const rows = new RowBuilder(1000);
    const block = newRowBlock();
    for (const i of [0, 1, 2]) for (const r of records(metric, i * 100, 100)) rows.addRecord(block, r, 'test', Date.now());
    await insertBlock({ storage, metrics: createIngestMetrics(createRegistry()), retries: 0 }, block, blockToken(topic, 0, 0, 2));
    expect((await stored(metric)).n).toBe(300);
    const previous = client.consumer({ groupId: `${topic}-writers`, topic, sessionTimeoutMs: 6000, fromBeginning: true });
    let assigned: number[] = [];
    await previous.run({ onAssigned: (p) => (assigned = p), onMessages: async () => {} });
    await until('the previous owner joined', async () => assigned.length === 3);
    previous.pause([0, 1, 2]);
    await previous.commit(0, 0, pendingMetadata(2));
    await previous.commit(1, 0, pendingMetadata(2));
    await previous.stop();

    const registry = createRegistry();
    await startWriter(topic, registry, { batchRows: 50 });
    await until('partitions 0 and 1 committed to their end', async () => {
      const o = await offsets(topic);
      return o.committed.get(0)?.offset === 3 && o.committed.get(1)?.offset === 3;
    });
    expect(await stored(metric)).toEqual({ n: 600, sum: (299 * 300) / 2 + 300 * 1000 + (299 * 300) / 2, distinct: 600 });
    expect(metricValue(registry, 'fleetscope_kafka_writer_replayed_blocks_total')).toBe(2);
  }, 120_000);
});
