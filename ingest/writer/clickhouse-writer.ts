import { randomBytes } from 'node:crypto';
import type { EventRecord, MetricRecord } from '../../lib/record.ts';
import type { Storage } from '../../lib/clickhouse/client.ts';
import type { IngestMetrics } from '../metrics.ts';
import type { Rejection } from '../parsers/types.ts';
import { rateOf } from './rates.ts';
import { SeriesCache } from './series-cache.ts';
import { OverloadedError, StorageUnavailableError, type RecordSink, type WriteOutcome } from './sink.ts';

/** Options of {@link createClickHouseWriter}. */
export interface WriterOptions {
  readonly storage: Storage;
  readonly metrics: IngestMetrics;
  readonly batchRows: number;
  /** Minimum time between the starts of two inserts; rows arriving meanwhile join the next batch. */
  readonly flushIntervalMs: number;
  readonly maxPendingRows: number;
  readonly insertRetries: number;
  readonly seriesCacheSize: number;
  /** Raw sample retention: older samples are refused (ClickHouse would drop them silently). */
  readonly samplesDays: number;
  readonly maxFutureSeconds: number;
  readonly log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** Clock, milliseconds since the epoch. */
  readonly now?: () => number;
}

/** The writer: a {@link RecordSink} that batches into ClickHouse, plus its lifecycle. */
export interface ClickHouseWriter extends RecordSink {
  /** Inserts everything accepted so far and waits for it. */
  flush(): Promise<void>;
  /** Refuses new writes, flushes what was accepted, stops timers. */
  stop(): Promise<void>;
  /** Rows accepted and not yet stored. */
  pendingRows(): number;
  /** False while storage is failing (writes are refused until a probe succeeds). */
  healthy(): boolean;
  /** Number of series remembered. */
  cachedSeries(): number;
}

interface Batch {
  readonly seq: number;
  samples: string[];
  rows: number;
  readonly byFormat: Map<string, number>;
  readonly series: string[];
  readonly events: string[];
  readonly done: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

const HOUR = 3_600_000;
const KIND_CODE = { gauge: 'gauge', counter: 'counter', derive: 'derive', absolute: 'absolute' } as const;

function tsText(ms: number): string {
  const s = Math.floor(ms / 1000);
  const f = ms - s * 1000;
  return `${s}.${f < 10 ? '00' : f < 100 ? '0' : ''}${f}`;
}

function num(v: number): string {
  if (v === v) return v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v);
  return 'nan';
}

/**
 * Creates the writer that turns records into batched inserts: raw samples (TabSeparated), series rows
 * (when a series is first seen and then once an hour) and events. Each batch carries a deduplication
 * token, so a retried insert is never stored twice; rates of counter kinds are computed here, in
 * arrival order, from the last value of each series. Accepted rows are bounded by `maxPendingRows`:
 * beyond that, writes fail with {@link OverloadedError}.
 */
export function createClickHouseWriter(opts: WriterOptions): ClickHouseWriter {
  const { storage, metrics } = opts;
  const now = opts.now ?? Date.now;
  const db = storage.database;
  const writerId = randomBytes(6).toString('hex');
  const cache = new SeriesCache(opts.seriesCacheSize);
  const sealed: Batch[] = [];
  let current: Batch | undefined;
  let seq = 0;
  let pending = 0;
  let inFlight = false;
  let timer: NodeJS.Timeout | undefined;
  let lastStart = 0;
  let failing: StorageUnavailableError | undefined;
  let probe: NodeJS.Timeout | undefined;
  let stopping = false;

  function newBatch(): Batch {
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(() => {}); // callers observe it; never an unhandled rejection
    return { seq: ++seq, samples: [], rows: 0, byFormat: new Map(), series: [], events: [], done, resolve, reject };
  }

  function batch(): Batch {
    current ??= newBatch();
    return current;
  }

  function seal(): void {
    if (current && (current.rows > 0 || current.events.length > 0 || current.series.length > 0)) sealed.push(current);
    current = undefined;
  }

  function kick(): void {
    if (inFlight) return;
    if (sealed.length > 0) {
      // A full batch goes at once; only partial batches wait for the flush interval.
      if (timer) clearTimeout(timer);
      timer = undefined;
      void insertNext();
      return;
    }
    if (timer || !current) return;
    const wait = Math.max(0, lastStart + opts.flushIntervalMs - now());
    timer = setTimeout(() => {
      timer = undefined;
      seal();
      if (sealed.length > 0) void insertNext();
    }, wait);
  }

  async function insertNext(): Promise<void> {
    const b = sealed.shift();
    if (!b) return;
    inFlight = true;
    lastStart = now();
    try {
      await insertWithRetries(b);
      for (const [format, n] of b.byFormat) metrics.stored.inc({ format }, n);
      metrics.events.inc({ outcome: 'stored' }, b.events.length);
      b.resolve();
    } catch (err) {
      failing = new StorageUnavailableError(`cannot store data: ${(err as Error).message}`, 5, { cause: err });
      opts.log?.warn({ err: (err as Error).message, batch: b.seq }, 'insert failed; refusing writes until storage answers');
      b.reject(failing);
      startProbe();
    } finally {
      pending -= b.rows;
      metrics.pendingRows.set({}, pending);
      inFlight = false;
      kick();
    }
  }

  async function insertWithRetries(b: Batch): Promise<void> {
    const token = `${writerId}-${b.seq}`;
    for (let attempt = 0; ; attempt++) {
      try {
        if (b.rows > 0) await insert('samples', token, 'TabSeparated', '(metric, series_id, ts, value, rate, raw, kind)', b.samples.join(''), b.rows);
        if (b.series.length > 0) await insert('series', token, 'JSONEachRow', '', b.series.join('\n'), b.series.length);
        if (b.events.length > 0) await insert('events', token, 'JSONEachRow', '', b.events.join('\n'), b.events.length);
        return;
      } catch (err) {
        if (attempt >= opts.insertRetries) throw err;
        await new Promise((res) => setTimeout(res, 200 * 2 ** attempt));
      }
    }
  }

  async function insert(table: string, token: string, format: string, columns: string, body: string, rows: number): Promise<void> {
    const t0 = performance.now();
    try {
      await storage.insertText(
        `INSERT INTO ${db}.${table} ${columns} SETTINGS insert_deduplication_token = '${token}', async_insert = 0 FORMAT ${format}`,
        body,
      );
    } catch (err) {
      metrics.insertErrors.inc({ table });
      throw err;
    }
    metrics.insertSeconds.observe({ table }, (performance.now() - t0) / 1000);
    metrics.batchRows.observe({ table }, rows);
  }

  function startProbe(): void {
    if (probe) return;
    probe = setInterval(() => {
      void storage.ping().then((ok) => {
        if (!ok || !probe) return;
        clearInterval(probe);
        probe = undefined;
        failing = undefined;
        opts.log?.info({}, 'storage answers again; accepting writes');
      });
    }, 1000);
    probe.unref();
  }

  function appendRecords(records: MetricRecord[], format: string, rejected: Rejection[]): Set<Batch> {
    const touched = new Set<Batch>();
    const t = now();
    const minTs = t - opts.samplesDays * 86_400_000 + 60_000;
    const maxTs = t + opts.maxFutureSeconds * 1000;
    const hour = Math.floor(t / HOUR);
    let tooOld = 0;
    let tooNew = 0;
    let b = batch();
    let added = 0;
    for (const r of records) {
      if (r.ts < minTs) {
        tooOld++;
        continue;
      }
      if (r.ts > maxTs) {
        tooNew++;
        continue;
      }
      const s = cache.stateOf(r);
      let rate = NaN;
      let rawText = '0';
      if (r.raw !== undefined) {
        rate = rateOf(r.kind, s.lastRaw === undefined ? undefined : { raw: s.lastRaw, ts: s.lastTs }, r.raw, r.ts, r.interval);
        if (r.ts > s.lastTs) {
          s.lastRaw = r.raw;
          s.lastTs = r.ts;
        }
        rawText = (r.raw < 0n ? BigInt.asUintN(64, r.raw) : r.raw).toString();
      }
      b.samples.push(`${s.rowPrefix}${tsText(r.ts)}\t${num(r.value)}\t${num(rate)}\t${rawText}\t${KIND_CODE[r.kind]}\n`);
      b.rows++;
      added++;
      if (s.writtenHour !== hour || s.kind !== r.kind || s.interval !== r.interval) {
        s.writtenHour = hour;
        s.kind = r.kind;
        s.interval = r.interval;
        b.series.push(
          JSON.stringify({ series_id: s.id, metric: r.metric, host: r.host, labels: r.labels, kind: r.kind, interval_ms: Math.min(r.interval, 4294967295), last_seen: tsText(t) }),
        );
      }
      if (b.rows >= opts.batchRows) {
        b.byFormat.set(format, (b.byFormat.get(format) ?? 0) + added);
        added = 0;
        touched.add(b);
        seal();
        b = batch();
      }
    }
    if (added > 0) {
      b.byFormat.set(format, (b.byFormat.get(format) ?? 0) + added);
      touched.add(b);
    }
    if (tooOld > 0) {
      rejected.push({
        code: 'INGEST_ERR_TOO_OLD',
        message: `cannot store ${tooOld} value(s): older than the ${opts.samplesDays}-day retention of raw samples`,
        values: tooOld,
      });
    }
    if (tooNew > 0) {
      rejected.push({
        code: 'INGEST_ERR_TOO_NEW',
        message: `cannot store ${tooNew} value(s): more than ${opts.maxFutureSeconds} s in the future`,
        values: tooNew,
      });
    }
    pending += records.length - tooOld - tooNew;
    metrics.pendingRows.set({}, pending);
    return touched;
  }

  function appendEvents(events: EventRecord[], b: Batch): void {
    const received = tsText(now());
    for (const e of events) {
      b.events.push(
        JSON.stringify({ ts: tsText(e.ts), host: e.host, severity: e.severity, source: e.source, message: e.message, attrs: e.attrs, received_at: received }),
      );
    }
  }

  return {
    async write(records, events, format): Promise<WriteOutcome> {
      if (stopping) throw new StorageUnavailableError('cannot accept data: fleetscope is shutting down', 5);
      if (failing) throw failing;
      if (pending + records.length > opts.maxPendingRows) {
        throw new OverloadedError(1);
      }
      metrics.received.inc({ format }, records.length);
      const rejected: Rejection[] = [];
      const touched = appendRecords(records, format, rejected);
      if (events.length > 0) {
        const b = batch();
        appendEvents(events, b);
        touched.add(b);
        metrics.events.inc({ outcome: 'received' }, events.length);
      }
      kick();
      const accepted = records.length - rejected.reduce((n, r) => n + (r.values ?? 0), 0);
      await Promise.all([...touched].map((b) => b.done));
      return { accepted, rejected };
    },
    async flush() {
      seal();
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      while (inFlight || sealed.length > 0) {
        if (!inFlight) await insertNext();
        else await new Promise((res) => setTimeout(res, 5));
      }
    },
    async stop() {
      stopping = true;
      await this.flush();
      if (probe) clearInterval(probe);
      probe = undefined;
    },
    pendingRows: () => pending,
    healthy: () => failing === undefined,
    cachedSeries: () => cache.size,
  };
}
