import type { Storage } from '../../lib/clickhouse/client.ts';
import type { EventRecord, MetricRecord } from '../../lib/record.ts';
import type { IngestMetrics } from '../metrics.ts';
import type { Rejection } from '../parsers/types.ts';
import { rateOf } from './rates.ts';
import { SeriesCache } from './series-cache.ts';

/**
 * Rows of one insert into each table, already in their wire text: samples as TabSeparated lines,
 * series and events as JSONEachRow lines. The embedded writer and the Kafka writer both build these
 * and insert them with {@link insertBlock}.
 */
export interface RowBlock {
  readonly samples: string[];
  /** Values (samples rows) by input format, for the stored counter. */
  readonly byFormat: Map<string, number>;
  readonly series: string[];
  readonly events: string[];
}

export function newRowBlock(): RowBlock {
  return { samples: [], byFormat: new Map(), series: [], events: [] };
}

export function isEmptyBlock(b: RowBlock): boolean {
  return b.samples.length === 0 && b.series.length === 0 && b.events.length === 0;
}

/** The times a sample may carry to be stored: not older than retention, not too far ahead. */
export interface TimeWindow {
  readonly minTs: number;
  readonly maxTs: number;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The accepted window at `now`, with a minute of margin at the old end (ClickHouse TTL would drop the row silently). */
export function timeWindow(now: number, samplesDays: number, maxFutureSeconds: number): TimeWindow {
  return { minTs: now - samplesDays * DAY + 60_000, maxTs: now + maxFutureSeconds * 1000 };
}

/** Records inside the window, and a rejection per reason for the others (none when all fit). */
export function splitByTime(
  records: MetricRecord[],
  w: TimeWindow,
  limits: { samplesDays: number; maxFutureSeconds: number },
): { kept: MetricRecord[]; rejected: Rejection[] } {
  let tooOld = 0;
  let tooNew = 0;
  for (const r of records) {
    if (r.ts < w.minTs) tooOld++;
    else if (r.ts > w.maxTs) tooNew++;
  }
  if (tooOld === 0 && tooNew === 0) return { kept: records, rejected: [] };
  const kept = records.filter((r) => r.ts >= w.minTs && r.ts <= w.maxTs);
  return { kept, rejected: timeRejections(tooOld, tooNew, limits) };
}

export function timeRejections(tooOld: number, tooNew: number, limits: { samplesDays: number; maxFutureSeconds: number }): Rejection[] {
  const out: Rejection[] = [];
  if (tooOld > 0) {
    out.push({ code: 'INGEST_ERR_TOO_OLD', message: `cannot store ${tooOld} value(s): older than the ${limits.samplesDays}-day retention of raw samples`, values: tooOld });
  }
  if (tooNew > 0) {
    out.push({ code: 'INGEST_ERR_TOO_NEW', message: `cannot store ${tooNew} value(s): more than ${limits.maxFutureSeconds} s in the future`, values: tooNew });
  }
  return out;
}

/** `seconds.millis` text of a time, as ClickHouse reads a DateTime64(3). */
export function tsText(ms: number): string {
  const s = Math.floor(ms / 1000);
  const f = ms - s * 1000;
  return `${s}.${f < 10 ? '00' : f < 100 ? '0' : ''}${f}`;
}

function num(v: number): string {
  if (v === v) return v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v);
  return 'nan';
}

/**
 * Turns records into rows. Keeps, per series, the id, the last exact counter value (for rates, in
 * arrival order) and the hour its series row was last written, in a bounded cache.
 */
export class RowBuilder {
  readonly #cache: SeriesCache;
  constructor(seriesCacheSize: number) {
    this.#cache = new SeriesCache(seriesCacheSize);
  }

  get cachedSeries(): number {
    return this.#cache.size;
  }

  /** Appends the sample row of `r` (whose time the caller checked), and its series row when due. `now` is ms. */
  addRecord(b: RowBlock, r: MetricRecord, format: string, now: number): void {
    const s = this.#cache.stateOf(r);
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
    b.samples.push(`${s.rowPrefix}${tsText(r.ts)}\t${num(r.value)}\t${num(rate)}\t${rawText}\t${r.kind}\n`);
    b.byFormat.set(format, (b.byFormat.get(format) ?? 0) + 1);
    const hour = Math.floor(now / HOUR);
    if (s.writtenHour !== hour || s.kind !== r.kind || s.interval !== r.interval) {
      s.writtenHour = hour;
      s.kind = r.kind;
      s.interval = r.interval;
      b.series.push(
        JSON.stringify({ series_id: s.id, metric: r.metric, host: r.host, labels: r.labels, kind: r.kind, interval_ms: Math.min(r.interval, 4294967295), last_seen: tsText(now) }),
      );
    }
  }

  /** Appends the row of one event; `now` is the time it was received (ms). */
  addEvent(b: RowBlock, e: EventRecord, now: number): void {
    b.events.push(
      JSON.stringify({ ts: tsText(e.ts), host: e.host, severity: e.severity, source: e.source, message: e.message, attrs: e.attrs, received_at: tsText(now) }),
    );
  }
}

/** How {@link insertBlock} reaches storage. */
export interface InsertTarget {
  readonly storage: Storage;
  readonly metrics: IngestMetrics;
  readonly retries: number;
  /** Backoff before retry `attempt` (0-based), ms. Default 200·2^attempt. */
  readonly backoffMs?: (attempt: number) => number;
  /** Stops retrying early (shutdown, lost partition); the last error is thrown. */
  readonly keepTrying?: () => boolean;
  /** Called before each retry with the error that caused it. */
  readonly onRetry?: (err: Error, attempt: number) => void;
}

/**
 * Inserts a block into samples, series and events, each with the same deduplication token, retrying
 * the whole sequence up to `retries` times. A table that already took the block drops the retry, so
 * a block is stored once however often this runs with the same token and the same rows.
 */
export async function insertBlock(t: InsertTarget, b: RowBlock, token: string): Promise<void> {
  const db = t.storage.database;
  for (let attempt = 0; ; attempt++) {
    try {
      if (b.samples.length > 0) await insert(t, db, 'samples', token, 'TabSeparated', '(metric, series_id, ts, value, rate, raw, kind)', b.samples.join(''), b.samples.length);
      if (b.series.length > 0) await insert(t, db, 'series', token, 'JSONEachRow', '', b.series.join('\n'), b.series.length);
      if (b.events.length > 0) await insert(t, db, 'events', token, 'JSONEachRow', '', b.events.join('\n'), b.events.length);
      return;
    } catch (err) {
      if (attempt >= t.retries || (t.keepTrying && !t.keepTrying())) throw err;
      t.onRetry?.(err as Error, attempt);
      await new Promise((res) => setTimeout(res, t.backoffMs ? t.backoffMs(attempt) : 200 * 2 ** attempt));
    }
  }
}

async function insert(t: InsertTarget, db: string, table: string, token: string, format: string, columns: string, body: string, rows: number): Promise<void> {
  const t0 = performance.now();
  try {
    await t.storage.insertText(`INSERT INTO ${db}.${table} ${columns} SETTINGS insert_deduplication_token = '${token}', async_insert = 0 FORMAT ${format}`, body);
  } catch (err) {
    t.metrics.insertErrors.inc({ table });
    throw err;
  }
  t.metrics.insertSeconds.observe({ table }, (performance.now() - t0) / 1000);
  t.metrics.batchRows.observe({ table }, rows);
}
