import { randomBytes } from 'node:crypto';
import type { EventRecord, MetricRecord } from '../../lib/record.ts';
import type { Storage } from '../../lib/clickhouse/client.ts';
import type { IngestMetrics } from '../metrics.ts';
import type { Rejection } from '../parsers/types.ts';
import { insertBlock, isEmptyBlock, newRowBlock, RowBuilder, timeRejections, timeWindow, type RowBlock } from './rows.ts';
import { OverloadedError, settlement, StorageUnavailableError, type RecordSink, type Settlement, type WriteOutcome } from './sink.ts';

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

interface Batch extends RowBlock, Settlement {
  readonly seq: number;
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
  const writerId = randomBytes(6).toString('hex');
  const rows = new RowBuilder(opts.seriesCacheSize);
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
    return { ...newRowBlock(), ...settlement(), seq: ++seq };
  }

  function batch(): Batch {
    current ??= newBatch();
    return current;
  }

  function seal(): void {
    if (current && !isEmptyBlock(current)) sealed.push(current);
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
      pending -= b.samples.length;
      metrics.pendingRows.set({}, pending);
      inFlight = false;
      kick();
    }
  }

  function insertWithRetries(b: Batch): Promise<void> {
    return insertBlock({ storage, metrics, retries: opts.insertRetries }, b, `${writerId}-${b.seq}`);
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
    const w = timeWindow(t, opts.samplesDays, opts.maxFutureSeconds);
    let tooOld = 0;
    let tooNew = 0;
    let b = batch();
    for (const r of records) {
      if (r.ts < w.minTs) {
        tooOld++;
        continue;
      }
      if (r.ts > w.maxTs) {
        tooNew++;
        continue;
      }
      rows.addRecord(b, r, format, t);
      touched.add(b);
      if (b.samples.length >= opts.batchRows) {
        seal();
        b = batch();
      }
    }
    rejected.push(...timeRejections(tooOld, tooNew, opts));
    pending += records.length - tooOld - tooNew;
    metrics.pendingRows.set({}, pending);
    return touched;
  }

  function appendEvents(events: EventRecord[], b: Batch): void {
    const t = now();
    for (const e of events) rows.addEvent(b, e, t);
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
    cachedSeries: () => rows.cachedSeries,
  };
}
