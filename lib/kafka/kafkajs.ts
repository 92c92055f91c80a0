// The one file that knows kafkajs (2.2.4, unmaintained upstream): everything else uses ./client.ts.
import kafkajs, { type Admin, type Consumer as KjsConsumer, type LogEntry } from 'kafkajs';
import SnappyCodec from 'kafkajs-snappy';

// kafkajs is CommonJS: its named exports exist only on the default export under ESM.
const { CompressionCodecs, CompressionTypes, Kafka, logLevel, Partitioners } = kafkajs;
import type { Committed, Consumer, ConsumerHandlers, ConsumerOptions, KafkaClient, Producer, ProducerOptions, TopicSpec } from './client.ts';

CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;

const COMPRESSION = { snappy: CompressionTypes.Snappy, gzip: CompressionTypes.GZIP, none: CompressionTypes.None } as const;

/** Where the adapter reports what kafkajs says (warnings and errors only). */
export interface KafkaLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface KafkajsClientOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly log: KafkaLog;
  /** Time to open a connection to a broker, ms. */
  readonly connectionTimeoutMs?: number;
  /** Time a broker has to answer a request, ms. */
  readonly requestTimeoutMs?: number;
}

/** A {@link KafkaClient} on kafkajs. */
export function createKafkajsClient(opts: KafkajsClientOptions): KafkaClient {
  const kafka = new Kafka({
    clientId: opts.clientId,
    brokers: [...opts.brokers],
    connectionTimeout: opts.connectionTimeoutMs ?? 3000,
    requestTimeout: opts.requestTimeoutMs ?? 30_000,
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, ...extra } = log;
        const obj = { kafka: namespace, ...extra };
        if (level === logLevel.ERROR) opts.log.error(obj, `kafka: ${message}`);
        else opts.log.warn(obj, `kafka: ${message}`);
      },
  });
  let admin: Admin | undefined;
  let adminConnecting: Promise<Admin> | undefined;
  const closers = new Set<() => Promise<void>>();

  function adminClient(): Promise<Admin> {
    if (admin) return Promise.resolve(admin);
    adminConnecting ??= (async () => {
      const a = kafka.admin({ retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 } });
      try {
        await a.connect();
      } catch (err) {
        adminConnecting = undefined;
        throw err;
      }
      admin = a;
      return a;
    })();
    return adminConnecting;
  }

  return {
    async ensureTopic(spec: TopicSpec, create: boolean) {
      const a = await adminClient();
      const topics = await a.listTopics();
      if (!topics.includes(spec.topic)) {
        if (!create) throw new Error(`topic ${spec.topic} does not exist and kafka.createTopics is false`);
        await a.createTopics({
          waitForLeaders: true,
          topics: [{ topic: spec.topic, numPartitions: spec.partitions, replicationFactor: spec.replicationFactor }],
        });
      }
      const md = await a.fetchTopicMetadata({ topics: [spec.topic] });
      const n = md.topics[0]?.partitions.length ?? 0;
      if (n === 0) throw new Error(`topic ${spec.topic} has no partitions`);
      return n;
    },

    async ping(topic) {
      try {
        const a = await adminClient();
        const md = await a.fetchTopicMetadata({ topics: [topic] });
        return (md.topics[0]?.partitions.length ?? 0) > 0;
      } catch {
        return false;
      }
    },

    async producer(p: ProducerOptions): Promise<Producer> {
      const producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        // Every message names its partition; the partitioner only silences kafkajs's v2 notice.
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
        // kafkajs keeps retrying an idempotent send until it lands; callers bound the wait themselves.
        retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 1000 },
      });
      await producer.connect();
      const close = () => producer.disconnect();
      closers.add(close);
      // One send in flight per producer. kafkajs numbers an idempotent batch before sending it and
      // rolls the number back when the request fails; a send started meanwhile would take the same
      // sequence number. If the failed request had in fact reached the log (the broker stopped before
      // answering), the broker then takes the second send for a retry of the first and drops it while
      // acknowledging it, and the real retry of the first is appended again: one acknowledged message
      // lost and one stored twice. Sends in turn keep every retry on its own numbers.
      let last: Promise<unknown> = Promise.resolve();
      return {
        send(topic, messages) {
          const run = last.then(() =>
            producer.send({
              topic,
              acks: -1,
              compression: COMPRESSION[p.compression],
              messages: messages.map((m) => ({ partition: m.partition, value: m.value, key: m.key ?? null, headers: m.headers ? { ...m.headers } : undefined })),
            }),
          );
          last = run.catch(() => {});
          return run.then(() => {});
        },
        async close() {
          closers.delete(close);
          await producer.disconnect();
        },
      };
    },

    consumer(c: ConsumerOptions): Consumer {
      const make = (): KjsConsumer =>
        kafka.consumer({
          groupId: c.groupId,
          sessionTimeout: c.sessionTimeoutMs,
          heartbeatInterval: Math.max(1000, Math.floor(c.sessionTimeoutMs / 10)),
          rebalanceTimeout: Math.max(60_000, c.sessionTimeoutMs * 2),
          maxWaitTimeInMs: 100,
          maxBytesPerPartition: 8 * 1024 * 1024,
          maxBytes: 32 * 1024 * 1024,
          allowAutoTopicCreation: false,
          retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 3000 },
        });
      let consumer = make();
      /** Commits the broker accepted, as `partition:offset`, seen on kafkajs's commit event. */
      const confirmed = new Set<string>();
      let stopped = false;
      let failures = 0;
      let replacing: Promise<void> | undefined;
      const close = () => consumer.disconnect();

      async function start(k: KjsConsumer, h: ConsumerHandlers): Promise<void> {
        k.on(k.events.GROUP_JOIN, (e) => {
          if (k !== consumer) return;
          failures = 0;
          h.onAssigned([...(e.payload.memberAssignment[c.topic] ?? [])].sort((x, y) => x - y));
        });
        k.on(k.events.COMMIT_OFFSETS, (e) => {
          for (const t of e.payload.topics) if (t.topic === c.topic) for (const p of t.partitions) confirmed.add(`${p.partition}:${p.offset}`);
        });
        k.on(k.events.CRASH, (e) => {
          opts.log.error({ err: e.payload.error.message, restart: e.payload.restart }, 'kafka consumer crashed');
          // kafkajs restarts itself after a retriable error only; after any other (a coordinator not
          // found while the broker restarts) it would stay down for good. Start a fresh consumer.
          if (!e.payload.restart && k === consumer && !stopped) replace(h);
        });
        await k.connect();
        await k.subscribe({ topics: [c.topic], fromBeginning: c.fromBeginning });
        await k.run({
          autoCommit: false,
          eachBatchAutoResolve: true,
          partitionsConsumedConcurrently: 1,
          eachBatch: async ({ batch, isStale }) => {
            if (isStale() || k !== consumer) return;
            const messages = batch.messages.map((m) => ({ offset: Number(m.offset), value: m.value }));
            await h.onMessages(batch.partition, messages, Number(batch.highWatermark));
          },
        });
      }

      /** Replaces a crashed consumer with a new one, with backoff, until one starts or the consumer stops. */
      function replace(h: ConsumerHandlers): void {
        if (replacing) return;
        replacing = (async () => {
          for (;;) {
            const old = consumer;
            await old.disconnect().catch(() => {});
            const delay = Math.min(500 * 2 ** failures, 10_000);
            failures++;
            await new Promise((res) => setTimeout(res, delay));
            if (stopped) return;
            consumer = make();
            try {
              await start(consumer, h);
              opts.log.warn({ attempt: failures }, 'kafka consumer started again after a crash');
              return;
            } catch (err) {
              opts.log.error({ err: (err as Error).message }, 'kafka consumer could not start; trying again');
            }
          }
        })().finally(() => {
          replacing = undefined;
        });
      }

      return {
        async run(h: ConsumerHandlers) {
          closers.add(close);
          try {
            await start(consumer, h);
          } catch (err) {
            opts.log.error({ err: (err as Error).message }, 'kafka consumer could not start; trying again');
            replace(h);
          }
        },
        async commit(partition, offset, metadata) {
          // kafkajs answers a commit made while its consumer is down (crashed, restarting) with success
          // without sending anything: only the broker's acceptance, seen on the commit event, counts.
          const key = `${partition}:${offset}`;
          confirmed.delete(key);
          await consumer.commitOffsets([{ topic: c.topic, partition, offset: String(offset), metadata }]);
          if (!confirmed.delete(key)) throw new Error('the commit was not sent: the consumer is not running (crashed or restarting)');
        },
        async committed() {
          const a = await adminClient();
          const res = await a.fetchOffsets({ groupId: c.groupId, topics: [c.topic] });
          const out = new Map<number, Committed>();
          for (const t of res) {
            for (const p of t.partitions) {
              const o = Number(p.offset);
              if (o >= 0) out.set(p.partition, { offset: o, metadata: p.metadata ?? null });
            }
          }
          return out;
        },
        pause(partitions) {
          if (partitions.length > 0) consumer.pause([{ topic: c.topic, partitions: [...partitions] }]);
        },
        resume(partitions) {
          if (partitions.length > 0) consumer.resume([{ topic: c.topic, partitions: [...partitions] }]);
        },
        seek(partition, offset) {
          consumer.seek({ topic: c.topic, partition, offset: String(offset) });
        },
        async stop() {
          stopped = true;
          closers.delete(close);
          await replacing;
          await consumer.disconnect();
        },
      };
    },

    async close() {
      await Promise.allSettled([...closers].map((c) => c()));
      closers.clear();
      if (admin) await admin.disconnect().catch(() => {});
      admin = undefined;
      adminConnecting = undefined;
    },
  };
}
