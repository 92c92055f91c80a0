import type { OutgoingMessage, Producer } from '../../lib/kafka/client.ts';
import type { Counter, Histogram, Registry } from '../../lib/metrics.ts';
import type { EventRecord, MetricRecord } from '../../lib/record.ts';
import { seriesIdOfKey, seriesKey } from '../../lib/series-id.ts';
import { encodeRecords, partitionOfHost, partitionOfSeries } from '../../lib/topic.ts';
import type { IngestMetrics } from '../metrics.ts';
import { splitByTime, timeWindow } from '../writer/rows.ts';
import { OverloadedError, QueueUnavailableError, settlement, type RecordSink, type Settlement, type WriteOutcome } from '../writer/sink.ts';

export interface KafkaSinkOptions {
  readonly producer: Producer;
  /** Checks that Kafka answers again after a failed send. */
  readonly ping: () => Promise<boolean>;
  readonly topic: string;
  /** Partition count of the topic. */
  readonly partitions: number;
  readonly lingerMs: number;
  readonly maxMessageRecords: number;
  readonly sendTimeoutMs: number;
  /** Values handed to Kafka and not yet acknowledged, above which writes get 503 (bounds memory). */
  readonly maxPendingRows: number;
  readonly seriesCacheSize: number;
  readonly samplesDays: number;
  readonly maxFutureSeconds: number;
  readonly metrics: IngestMetrics;
  readonly registry: Registry;
  readonly log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  readonly now?: () => number;
}

/** The ingest side of the Kafka transport: a {@link RecordSink} plus its lifecycle. */
export interface KafkaSink extends RecordSink {
  /** Sends what is lingering and waits for every send in flight. */
  flush(): Promise<void>;
  /** Refuses new writes, then flushes. */
  stop(): Promise<void>;
  pendingRows(): number;
  healthy(): boolean;
}

/** Records of concurrent writes gathered for one send. */
interface Gather extends Settlement {
  readonly byPartition: Map<number, Map<string, { records: MetricRecord[]; events: EventRecord[] }>>;
  values: number;
}

const RETRY_AFTER_S = 5;

/**
 * Publishes records to the topic and resolves each write once Kafka acknowledged all of it (acks=all,
 * idempotent producer). Writes arriving within `lingerMs` of each other share one send; each message
 * holds up to `maxMessageRecords` records of one partition and format. A record's partition follows
 * from its series id, so a series always lands on the same partition.
 *
 * A send not acknowledged within `sendTimeoutMs` fails its writes with {@link QueueUnavailableError};
 * further writes fail at once until Kafka answers again. The send itself keeps going in the
 * background (the idempotent producer retries until the broker takes it) and its rows count as
 * pending until it settles, so memory stays bounded while a broker is away.
 */
export function createKafkaSink(opts: KafkaSinkOptions): KafkaSink {
  const { metrics } = opts;
  const now = opts.now ?? Date.now;
  const partitionByKey = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  let gather: Gather | undefined;
  let timer: NodeJS.Timeout | undefined;
  let pending = 0;
  let failing: QueueUnavailableError | undefined;
  let probe: NodeJS.Timeout | undefined;
  let stopping = false;

  const m = kafkaProducerMetrics(opts.registry);
  opts.registry.collect('fleetscope_kafka_producer_inflight_values', 'Values handed to Kafka and not yet acknowledged.', () => [[{}, pending]]);
  opts.registry.collect('fleetscope_kafka_producer_inflight_sends', 'Sends to Kafka not yet settled.', () => [[{}, inFlight.size]]);
  opts.registry.collect('fleetscope_kafka_producer_up', '1 while Kafka acknowledges sends, 0 after a send timed out until it answers again.', () => [[{}, failing ? 0 : 1]]);

  function partitionOf(r: MetricRecord): number {
    const key = seriesKey(r.metric, r.host, r.labels);
    let p = partitionByKey.get(key);
    if (p === undefined) {
      if (partitionByKey.size >= opts.seriesCacheSize) {
        const oldest = partitionByKey.keys().next().value;
        if (oldest !== undefined) partitionByKey.delete(oldest);
      }
      p = partitionOfSeries(seriesIdOfKey(key), opts.partitions);
      partitionByKey.set(key, p);
    }
    return p;
  }

  function newGather(): Gather {
    return { ...settlement(), byPartition: new Map(), values: 0 };
  }

  function slot(g: Gather, partition: number, format: string) {
    let byFormat = g.byPartition.get(partition);
    if (!byFormat) g.byPartition.set(partition, (byFormat = new Map()));
    let s = byFormat.get(format);
    if (!s) byFormat.set(format, (s = { records: [], events: [] }));
    return s;
  }

  function messagesOf(g: Gather): OutgoingMessage[] {
    const out: OutgoingMessage[] = [];
    for (const [partition, byFormat] of g.byPartition) {
      for (const [format, { records, events }] of byFormat) {
        const step = opts.maxMessageRecords;
        if (records.length === 0) out.push({ partition, value: encodeRecords(format, [], events) });
        for (let i = 0; i < records.length; i += step) {
          out.push({ partition, value: encodeRecords(format, records.slice(i, i + step), i === 0 ? events : []) });
        }
      }
    }
    return out;
  }

  function send(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const g = gather;
    gather = undefined;
    if (!g) return;
    const t0 = performance.now();
    let messages: OutgoingMessage[];
    try {
      messages = messagesOf(g);
    } catch (err) {
      pending -= g.values;
      g.reject(err as Error);
      return;
    }
    const bytes = messages.reduce((n, msg) => n + msg.value.length, 0);
    const sent = opts.producer.send(opts.topic, messages);
    const settled = sent.then(
      () => {
        m.sends.inc({ outcome: 'acked' });
        m.messages.inc({}, messages.length);
        m.bytes.inc({}, bytes);
        m.sendSeconds.observe({}, (performance.now() - t0) / 1000);
        if (failing) {
          failing = undefined;
          opts.log?.info({}, 'kafka acknowledges sends again; accepting writes');
        }
      },
      (err: Error) => {
        m.sends.inc({ outcome: 'failed' });
        opts.log?.warn({ err: err.message }, 'kafka send failed');
      },
    );
    const tracked = settled.finally(() => {
      pending -= g.values;
      inFlight.delete(tracked);
    });
    inFlight.add(tracked);
    let timeout: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((res) => {
      timeout = setTimeout(() => res('timeout'), opts.sendTimeoutMs);
    });
    void Promise.race([sent.then(() => 'acked' as const), timedOut]).then(
      (outcome) => {
        clearTimeout(timeout);
        if (outcome === 'acked') return g.resolve();
        m.sends.inc({ outcome: 'timeout' });
        markFailing(new QueueUnavailableError(`cannot hand data to Kafka: no acknowledgement within ${opts.sendTimeoutMs} ms`, RETRY_AFTER_S));
        g.reject(failing!);
      },
      (err: Error) => {
        clearTimeout(timeout);
        markFailing(new QueueUnavailableError(`cannot hand data to Kafka: ${err.message}`, RETRY_AFTER_S, { cause: err }));
        g.reject(failing!);
      },
    );
  }

  function markFailing(err: QueueUnavailableError): void {
    if (!failing) opts.log?.warn({ err: err.message }, 'refusing writes until Kafka answers');
    failing = err;
    if (probe) return;
    probe = setInterval(() => {
      if (!failing) {
        clearInterval(probe);
        probe = undefined;
        return;
      }
      // A broker that answers metadata may still not take writes; a late acknowledgement clears too.
      void opts.ping().then((ok) => {
        if (!ok || !failing || inFlight.size > 0) return;
        failing = undefined;
        opts.log?.info({}, 'kafka answers again; accepting writes');
      });
    }, 1000);
    probe.unref();
  }

  return {
    async write(records, events, format): Promise<WriteOutcome> {
      if (stopping) throw new QueueUnavailableError('cannot accept data: fleetscope is shutting down', RETRY_AFTER_S);
      if (failing) throw failing;
      if (pending + records.length > opts.maxPendingRows) throw new OverloadedError(1);
      metrics.received.inc({ format }, records.length);
      const { kept, rejected } = splitByTime(records, timeWindow(now(), opts.samplesDays, opts.maxFutureSeconds), opts);
      if (kept.length === 0 && events.length === 0) return { accepted: 0, rejected };
      gather ??= newGather();
      const g = gather;
      for (const r of kept) slot(g, partitionOf(r), format).records.push(r);
      for (const e of events) slot(g, partitionOfHost(e.host, opts.partitions), format).events.push(e);
      g.values += kept.length;
      pending += kept.length;
      if (events.length > 0) metrics.events.inc({ outcome: 'received' }, events.length);
      if (g.values >= opts.maxMessageRecords * Math.max(4, opts.partitions) || opts.lingerMs === 0) send();
      else timer ??= setTimeout(send, opts.lingerMs);
      await g.done;
      m.values.inc({ format }, kept.length);
      return { accepted: kept.length, rejected };
    },
    async flush() {
      send();
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async stop() {
      stopping = true;
      await this.flush();
      if (probe) clearInterval(probe);
      probe = undefined;
    },
    pendingRows: () => pending,
    healthy: () => failing === undefined,
  };
}

interface ProducerMetrics {
  readonly sends: Counter;
  readonly messages: Counter;
  readonly bytes: Counter;
  readonly sendSeconds: Histogram;
  readonly values: Counter;
}

function kafkaProducerMetrics(r: Registry): ProducerMetrics {
  return {
    sends: r.counter('fleetscope_kafka_producer_sends_total', 'Sends to Kafka, by outcome (acked, failed, timeout).'),
    messages: r.counter('fleetscope_kafka_producer_messages_total', 'Messages acknowledged by Kafka.'),
    bytes: r.counter('fleetscope_kafka_producer_bytes_total', 'Bytes of message values acknowledged by Kafka (before compression).'),
    sendSeconds: r.histogram('fleetscope_kafka_producer_send_seconds', 'Time from send to acknowledgement.', [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]),
    values: r.counter('fleetscope_kafka_producer_values_total', 'Values acknowledged by Kafka, by format (stored later by a writer).'),
  };
}
