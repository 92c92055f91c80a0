// The scaled-out pipeline across processes, on a real Kafka broker and the real engine: ingest nodes
// (role ingest) publish to Kafka, a writer process (role writer) stores into ClickHouse. Each test uses
// its own topic and consumer group, and checks value by value that everything acknowledged is stored
// exactly once while a process is killed, the broker stops, or an ingest node shuts down under load.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRecords } from '../lib/topic.ts';
import { startFleetscope, type FleetscopeHandle } from './helpers/fleetscope.ts';
import { startKafka, type KafkaBroker } from './helpers/kafka.ts';
import { duplicates, missing, ranges, startLoad, storedValues, type LoadResult } from './helpers/load.ts';

const HOSTS = 12;
let broker: KafkaBroker;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  broker = await startKafka();
}, 300_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  await broker?.stop();
});

function kafkaConfig(brokers: string[], topic: string, extra: Record<string, unknown> = {}) {
  return { brokers: brokers.join(','), topic, deadLetterTopic: `${topic}.dead`, groupId: `${topic}-writers`, partitions: 3, sessionTimeoutMs: 6000, ...extra };
}

async function startIngest(brokers: string[], topic: string, kafka: Record<string, unknown> = {}): Promise<FleetscopeHandle> {
  const h = await startFleetscope({ config: { roles: 'ingest', kafka: kafkaConfig(brokers, topic, kafka) } });
  cleanups.push(() => h.stop());
  return h;
}

async function startWriter(brokers: string[], topic: string, dataDir: string): Promise<FleetscopeHandle> {
  const h = await startFleetscope({
    dataDir,
    config: { roles: 'writer,dashboards', collectd: { udp: null }, ingest: { batchRows: 1000, flushIntervalMs: 200 }, kafka: kafkaConfig(brokers, topic) },
  });
  cleanups.push(() => h.stop({ keepData: true }));
  return h;
}

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleetscope-writer-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'data');
}

/** Waits until the writer stored every acknowledged value and has nothing left to read; returns what is stored. */
async function settle(writer: FleetscopeHandle, plugin: string, baseMs: number, r: LoadResult): Promise<number[]> {
  const span = r.acked.length + r.unknown.length + 1;
  const deadline = Date.now() + 90_000;
  let stored: number[] = [];
  for (;;) {
    try {
      stored = await storedValues(writer.baseUrl, plugin, baseMs, span * 2);
    } catch (err) {
      // The writer is gone: say what it printed last.
      for (const l of writer.logs.slice(-40)) console.log(`writer: ${JSON.stringify(l)}`);
      throw err;
    }
    const lag = await writer.metricValue('fleetscope_kafka_consumer_lag');
    const queued = await writer.metricValue('fleetscope_kafka_writer_queued_blocks');
    if (missing(r.acked, stored).length === 0 && lag === 0 && queued === 0) break;
    if (Date.now() > deadline) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  // One more read after a pause: a late block would show up as a duplicate or an extra value.
  await new Promise((res) => setTimeout(res, 1000));
  return storedValues(writer.baseUrl, plugin, baseMs, span * 2);
}

/** Nothing acknowledged is missing; on failure says which values, and what the processes logged above info. */
function expectNoneMissing(stored: number[], r: LoadResult, procs: Record<string, FleetscopeHandle>): void {
  const lost = missing(r.acked, stored);
  if (lost.length > 0) {
    for (const [name, h] of Object.entries(procs)) {
      for (const l of h.logs) if ((typeof l.level === 'number' && l.level >= 40) || /assigned|rebuilding|again/.test(String(l.msg))) console.log(`${name}: ${JSON.stringify(l)}`);
    }
  }
  expect(`${lost.length} acknowledged value(s) missing: ${ranges(lost)}`).toBe('0 acknowledged value(s) missing: ');
}

/** Where each of `values` sits in the topic (partition:offset), read from the start; for failure reports. */
async function topicPlaces(brokers: string[], topic: string, values: ReadonlySet<number>): Promise<Map<number, string[]>> {
  const kafka = new kafkajs.Kafka({ clientId: 'diag', brokers, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const want = new Map(ends.map((e) => [e.partition, Number(e.high)]));
  const consumer = kafka.consumer({ groupId: `diag-${Date.now()}` });
  const places = new Map<number, string[]>();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const done = new Promise<void>((res) => {
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        for (const rec of decodeRecords(message.value).records) {
          if (values.has(rec.value)) places.set(rec.value, [...(places.get(rec.value) ?? []), `${partition}:${message.offset}`]);
        }
        if (Number(message.offset) + 1 >= (want.get(partition) ?? 0)) want.delete(partition);
        if ([...want.values()].every((h) => h === 0) || want.size === 0) res();
      },
    });
  });
  await Promise.race([done, new Promise((res) => setTimeout(res, 20_000))]);
  await consumer.disconnect();
  return places;
}

async function expectExactlyOnce(stored: number[], r: LoadResult, procs: Record<string, FleetscopeHandle>, kafka?: { brokers: string[]; topic: string }): Promise<void> {
  expectNoneMissing(stored, r, procs);
  const dup = duplicates(stored);
  if (dup.length > 0) {
    for (const [name, h] of Object.entries(procs)) {
      for (const l of h.logs) if ((typeof l.level === 'number' && l.level >= 40) || /assigned|rebuilding|again/.test(String(l.msg))) console.log(`${name}: ${JSON.stringify(l)}`);
    }
    if (kafka) {
      const places = await topicPlaces(kafka.brokers, kafka.topic, new Set(dup.slice(0, 50)));
      console.log(`duplicates ${ranges(dup)}; in the topic: ${[...places].slice(0, 10).map(([v, p]) => `${v}@${p.join('+')}`).join(' ')}`);
    }
  }
  expect(`${dup.length} value(s) stored twice: ${ranges(dup)}`).toBe('0 value(s) stored twice: ');
  const sent = new Set([...r.acked, ...r.unknown]);
  expect(stored.filter((v) => !sent.has(v))).toEqual([]);
}

describe('Kafka pipeline across processes', () => {
  it('stores every acknowledged value exactly once when the writer is killed (SIGKILL) mid-stream and restarted', async () => {
    const topic = `t-kill-${Date.now().toString(36)}`;
    const plugin = 'killw';
    const baseMs = Date.now() - 60_000;
    const ingest = await startIngest(broker.brokers, topic);
    const dir = dataDir();
    let writer = await startWriter(broker.brokers, topic, dir);
    const writers = [writer];
    const load = startLoad({ url: ingest.baseUrl, plugin, hosts: HOSTS, valuesPerRequest: 100, concurrency: 4, pauseMs: 40, baseMs });

    for (let round = 0; round < 2; round++) {
      await load.ackedRequests(150);
      // Kill while a block is between its intent and its end commit when that can be seen (most runs).
      const w = writer;
      const intentOpen = async () => (await w.metricValue('fleetscope_kafka_writer_commits_total', { kind: 'intent' })) > (await w.metricValue('fleetscope_kafka_writer_commits_total', { kind: 'done' }));
      for (let i = 0; i < 400 && !(await intentOpen()); i++) await new Promise((res) => setTimeout(res, 5));
      writer.child.kill('SIGKILL');
      await writer.stop({ keepData: true });
      writer = await startWriter(broker.brokers, topic, dir);
      writers.push(writer);
    }
    await load.ackedRequests(60);
    const r = await load.stop();
    expect([...r.statuses.keys()]).toEqual([200]); // ingest stayed up: every request acknowledged
    const stored = await settle(writer, plugin, baseMs, r);
    await expectExactlyOnce(stored, r, Object.fromEntries(writers.map((w, i) => [`writer${i}`, w])), { brokers: broker.brokers, topic });
    expect(stored.length).toBe(r.acked.length);
    expect(stored.reduce((a, b) => a + b, 0)).toBe(r.acked.reduce((a, b) => a + b, 0));
    expect(await writer.metricValue('fleetscope_kafka_writer_assigned_partitions')).toBe(3);
    const replays = writers.flatMap((w) => w.logs).filter((l) => l.msg === 'rebuilding a block left pending by the previous owner');
    console.log(`SIGKILL test: ${r.acked.length} values acknowledged and stored once; ${replays.length} pending block(s) rebuilt after restarts`);
  }, 240_000);

  it('answers 503 with Retry-After while the broker is down, and loses nothing acknowledged once it is back', async () => {
    const own = broker.external ? await startKafka({ own: true }) : broker;
    if (own !== broker) cleanups.push(() => own.stop());
    const topic = `t-down-${Date.now().toString(36)}`;
    const plugin = 'downb';
    const baseMs = Date.now() - 60_000;
    const ingest = await startIngest(own.brokers, topic, { sendTimeoutMs: 1500 });
    const writer = await startWriter(own.brokers, topic, dataDir());
    const load = startLoad({ url: ingest.baseUrl, plugin, hosts: HOSTS, valuesPerRequest: 100, concurrency: 4, pauseMs: 40, baseMs });
    await load.ackedRequests(40);

    await own.halt();
    await load.failedRequests(10);
    const whileDown = await ingest.metricValue('fleetscope_kafka_producer_up');
    expect(whileDown).toBe(0);
    await own.resume();
    await load.ackedRequests(40);
    const r = await load.stop();

    expect(r.statuses.get(503)).toBeGreaterThanOrEqual(10);
    expect([...r.statuses.keys()].sort()).toEqual([200, 503]);
    expect(r.codes).toEqual(new Set(['INGEST_ERR_QUEUE']));
    expect(r.retryAfter.every((v) => Number(v) > 0)).toBe(true);
    const stored = await settle(writer, plugin, baseMs, r);
    // Nothing acknowledged missing, nothing stored twice, nothing stored that was not sent.
    await expectExactlyOnce(stored, r, { ingest, writer }, { brokers: own.brokers, topic });
  }, 300_000);

  it('loses nothing it acknowledged when an ingest node shuts down gracefully under load', async () => {
    const topic = `t-stop-${Date.now().toString(36)}`;
    const plugin = 'stopi';
    const baseMs = Date.now() - 60_000;
    const ingest = await startIngest(broker.brokers, topic);
    const writer = await startWriter(broker.brokers, topic, dataDir());
    const load = startLoad({ url: ingest.baseUrl, plugin, hosts: HOSTS, valuesPerRequest: 100, concurrency: 8, pauseMs: 20, baseMs });
    await load.ackedRequests(100);
    const code = await ingest.stop();
    expect(code).toBe(0);
    await load.failedRequests(8);
    const r = await load.stop();
    expect(r.acked.length).toBeGreaterThanOrEqual(100 * 100);
    const stored = await settle(writer, plugin, baseMs, r);
    await expectExactlyOnce(stored, r, { ingest, writer }, { brokers: broker.brokers, topic });
    expect(ingest.logs.some((l) => l.msg === 'stopped')).toBe(true);
  }, 240_000);
});
