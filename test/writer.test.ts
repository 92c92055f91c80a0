import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../lib/clickhouse/client.ts';
import { createRegistry } from '../lib/metrics.ts';
import type { MetricRecord } from '../lib/record.ts';
import { seriesId } from '../lib/series-id.ts';
import { createIngestMetrics } from '../ingest/metrics.ts';
import { createClickHouseWriter, type WriterOptions } from '../ingest/writer/clickhouse-writer.ts';
import { OverloadedError, StorageUnavailableError } from '../ingest/writer/sink.ts';
import { openTestStorage } from './helpers/storage.ts';

let storage: Storage;
let cleanup: () => Promise<void>;
const NOW = Date.now();

beforeAll(async () => {
  ({ storage, cleanup } = await openTestStorage());
});
afterAll(async () => cleanup());

function writer(over: Partial<WriterOptions> = {}) {
  const metrics = createIngestMetrics(createRegistry());
  const w = createClickHouseWriter({
    storage,
    metrics,
    batchRows: 1000,
    flushIntervalMs: 10,
    maxPendingRows: 100_000,
    insertRetries: 2,
    seriesCacheSize: 10_000,
    samplesDays: 30,
    maxFutureSeconds: 600,
    ...over,
  });
  return { w, metrics };
}

function gauge(host: string, metric: string, ts: number, value: number): MetricRecord {
  return { metric, host, labels: { plugin: metric, type: metric, ds: 'value' }, kind: 'gauge', ts, value, interval: 10_000 };
}

function counter(host: string, ts: number, raw: bigint): MetricRecord {
  return { metric: 'example.counter', host, labels: { plugin: 'example', type: 'counter', ds: 'value' }, kind: 'counter', ts, value: Number(raw), raw, interval: 1000 };
}

async function count(where: string): Promise<number> {
  const rows = await storage.query<{ c: string }>(`SELECT count() AS c FROM ${storage.database}.samples WHERE ${where}`);
  return Number(rows[0].c);
}

describe('ClickHouse writer on the real engine', () => {
  it('stores every value of many batches exactly once, with series rows', async () => {
    const { w, metrics } = writer();
    const records = Array.from({ length: 5500 }, (_, i) => gauge(`h${i % 50}`, 'load', NOW - 100_000 + Math.floor(i / 50) * 10, i));
    const outcome = await w.write(records, [], 'test');
    expect(outcome).toEqual({ accepted: 5500, rejected: [] });
    expect(await count(`metric = 'load'`)).toBe(5500);
    const sum = await storage.query<{ s: number }>(`SELECT sum(value) AS s FROM ${storage.database}.samples WHERE metric = 'load'`);
    expect(Number(sum[0].s)).toBe((5499 * 5500) / 2);
    const series = await storage.query<{ c: string }>(`SELECT count() AS c FROM ${storage.database}.series FINAL WHERE metric = 'load'`);
    expect(Number(series[0].c)).toBe(50);
    expect(metrics.stored.get({ format: 'test' })).toBe(5500);
    await w.stop();
  });

  it('computes counter rates across a 32-bit wrap and keeps the exact 64-bit value', async () => {
    const { w } = writer();
    const t0 = NOW - 60_000;
    await w.write([counter('wrap', t0, 4294967290n)], [], 'test');
    await w.write([counter('wrap', t0 + 1000, 5n), counter('wrap', t0 + 2000, 18446744073709551615n)], [], 'test');
    const id = seriesId('example.counter', 'wrap', { plugin: 'example', type: 'counter', ds: 'value' });
    const rows = await storage.query<{ rate: number | null; raw: string }>(
      `SELECT rate, toString(raw) AS raw FROM ${storage.database}.samples WHERE series_id = {id:UInt64} ORDER BY ts`,
      { id },
    );
    expect(rows.map((r) => r.rate)).toEqual([null, 11, Number(18446744073709551615n - 5n)]); // first: unknown
    expect(rows.map((r) => r.raw)).toEqual(['4294967290', '5', '18446744073709551615']);
    await w.stop();
  });

  it('refuses values older than retention or too far in the future, with counts', async () => {
    const { w } = writer();
    const out = await w.write(
      [gauge('old', 'mem', NOW - 31 * 86_400_000, 1), gauge('old', 'mem', NOW + 3_600_000, 2), gauge('old', 'mem', NOW, 3)],
      [],
      'test',
    );
    expect(out.accepted).toBe(1);
    expect(out.rejected.map((r) => [r.code, r.values])).toEqual([
      ['INGEST_ERR_TOO_OLD', 1],
      ['INGEST_ERR_TOO_NEW', 1],
    ]);
    expect(await count(`metric = 'mem'`)).toBe(1);
    await w.stop();
  });

  it('retries a failed insert with the same token: stored once although the first attempt landed', async () => {
    let failOnce = true;
    const flaky: Storage = {
      ...storage,
      async insertText(sql, body) {
        await storage.insertText(sql, body);
        if (failOnce && sql.includes('.samples ')) {
          failOnce = false;
          throw new Error('connection reset after the insert');
        }
      },
    };
    const { w, metrics } = writer({ storage: flaky });
    const records = Array.from({ length: 300 }, (_, i) => gauge('retry', 'disk', NOW - 50_000 + i, i));
    await w.write(records, [], 'test');
    expect(await count(`metric = 'disk'`)).toBe(300);
    const minute = await storage.query<{ c: string }>(`SELECT sum(cnt) AS c FROM ${storage.database}.samples_1m WHERE metric = 'disk'`);
    expect(Number(minute[0].c)).toBe(300);
    expect(metrics.insertErrors.get({ table: 'samples' })).toBe(1);
    await w.stop();
  });

  it('answers 503-style errors when storage keeps failing, and nothing is acknowledged', async () => {
    const broken: Storage = { ...storage, insertText: async () => Promise.reject(new Error('storage down')), ping: async () => false };
    const { w } = writer({ storage: broken, insertRetries: 1 });
    await expect(w.write([gauge('down', 'cpu', NOW, 1)], [], 'test')).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(w.write([gauge('down', 'cpu', NOW, 2)], [], 'test')).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(w.healthy()).toBe(false);
    await w.stop();
  });

  it('bounds pending rows: beyond the limit writes are refused with Retry-After', async () => {
    const slow: Storage = { ...storage, insertText: (sql, body) => new Promise((res) => setTimeout(() => res(storage.insertText(sql, body)), 300)) };
    const { w } = writer({ storage: slow, maxPendingRows: 1000 });
    const first = w.write(Array.from({ length: 900 }, (_, i) => gauge('busy', 'net', NOW - 1000 + i, i)), [], 'test');
    await expect(w.write(Array.from({ length: 200 }, (_, i) => gauge('busy', 'net', NOW - 5000 + i, i)), [], 'test')).rejects.toBeInstanceOf(OverloadedError);
    await first;
    expect(await count(`metric = 'net'`)).toBe(900);
    await w.stop();
  });

  it('stores events', async () => {
    const { w } = writer();
    await w.write([], [{ ts: NOW - 1000, host: 'ev', severity: 'warning', message: 'disk almost full', source: 'collectd', attrs: { plugin: 'df' } }], 'test');
    const rows = await storage.query<{ message: string; attrs: Record<string, string> }>(`SELECT message, attrs FROM ${storage.database}.events WHERE host = 'ev'`);
    expect(rows).toEqual([{ message: 'disk almost full', attrs: { plugin: 'df' } }]);
    await w.stop();
  });
});
