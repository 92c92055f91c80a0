// The development/test Kafka broker (scripts/kafka-broker.sh through test/helpers/kafka.ts) is a real
// Kafka: topics with partitions, produce, consume from the beginning, and the data survives a stop and
// a start on the same ports. Needs java 17 and the jars (fetched with Maven on first use); a missing
// java or broker fails this file, it is never skipped.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafka, type KafkaBroker } from './helpers/kafka.ts';

const RUN = randomBytes(3).toString('hex');
const TOPIC = `broker-test-${RUN}`;
const MESSAGES = [
  { key: 'host-a', value: 'load.shortterm 0.5' },
  { key: 'host-b', value: 'memory.used 1024' },
  { key: 'host-c', value: 'cpu 12' },
];
const CONSUME_DEADLINE_MS = 30_000;

let broker: KafkaBroker | undefined;

function client(b: KafkaBroker): Kafka {
  return new Kafka({ clientId: `fleetscope-test-${RUN}`, brokers: b.brokers, logLevel: logLevel.NOTHING });
}

async function withAdmin<T>(b: KafkaBroker, f: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = client(b).admin();
  await admin.connect();
  try {
    return await f(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Reads `count` messages of TOPIC from the beginning with a fresh consumer group. */
async function consumeAll(b: KafkaBroker, groupId: string, count: number): Promise<{ key: string; value: string; partition: number }[]> {
  const consumer = client(b).consumer({ groupId });
  const got: { key: string; value: string; partition: number }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`got ${got.length} of ${count} messages within ${CONSUME_DEADLINE_MS} ms`)),
        CONSUME_DEADLINE_MS,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            got.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', partition });
            if (got.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch((err: unknown) => {
          clearTimeout(timer);
          reject(err);
        });
    });
  } finally {
    await consumer.disconnect();
  }
  return got.sort((x, y) => x.key.localeCompare(y.key));
}

function connectionRefused(address: string): Promise<boolean> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

describe('development Kafka broker (scripts/kafka-broker.sh)', () => {
  beforeAll(async () => {
    broker = await startKafka({ own: true });
  }, 120_000);

  afterAll(async () => {
    await broker?.stop();
  }, 60_000);

  it('is our own broker on 127.0.0.1', () => {
    expect(broker!.external).toBe(false);
    expect(broker!.brokers).toHaveLength(1);
    expect(broker!.brokers[0]).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('creates a 3-partition topic, takes messages and gives them back from the beginning', async () => {
    const b = broker!;
    await withAdmin(b, async (admin) => {
      expect(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true })).toBe(true);
      const meta = await admin.fetchTopicMetadata({ topics: [TOPIC] });
      expect(meta.topics[0].partitions).toHaveLength(3);
    });

    const producer = client(b).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({ topic: TOPIC, acks: -1, messages: MESSAGES.map((m, partition) => ({ ...m, partition })) });
    } finally {
      await producer.disconnect();
    }

    const got = await consumeAll(b, `group-1-${RUN}`, MESSAGES.length);
    expect(got).toEqual(MESSAGES.map((m, partition) => ({ ...m, partition })));
  }, 120_000);

  it('keeps the topic and its messages across halt and resume on the same port', async () => {
    const b = broker!;
    await b.halt();
    expect(await connectionRefused(b.brokers[0])).toBe(true);

    await b.resume();
    await withAdmin(b, async (admin) => {
      expect(await admin.listTopics()).toContain(TOPIC);
      const meta = await admin.fetchTopicMetadata({ topics: [TOPIC] });
      expect(meta.topics[0].partitions).toHaveLength(3);
    });
    const got = await consumeAll(b, `group-2-${RUN}`, MESSAGES.length);
    expect(got).toEqual(MESSAGES.map((m, partition) => ({ ...m, partition })));
  }, 120_000);
});
