import { createHash } from 'node:crypto';
import type { Storage } from '../../lib/clickhouse/client.ts';
import type { AlertEvent } from './model.ts';

/** Version of the JSON kept in `alert_outbox.payload`. */
export const OUTBOX_PAYLOAD_VERSION = 1;

/** One event waiting for, or done with, one feed. Values are fresh objects: callers may keep them. */
export interface OutboxEntry {
  readonly feed: string;
  /** The event's id: unique per feed, and the idempotency key the receiver sees. */
  readonly id: string;
  readonly alertKey: string;
  /** The event's time (`at`), epoch ms: entries are delivered in this order. */
  readonly createdAt: number;
  readonly event: AlertEvent;
}

/** How an entry left the outbox. */
export type DeliveryOutcome = 'delivered' | 'rejected' | 'superseded';

/**
 * The durable queue between the alert lifecycle and the feeds. Storage holds everything: a new
 * process on the same storage sees what an earlier one left undelivered, and memory holds no entry
 * beyond the batch a caller asked for.
 */
export interface Outbox {
  /** Names of the feeds each added event is queued for. */
  readonly feeds: readonly string[];
  /** Identifies the storage behind the outbox: delivery loops are unique per scope and feed. */
  readonly scope: string;
  /**
   * Queues each event once per feed. Resolves once storage has the entries on disk. Adding an event
   * again (same id) never delivers it twice.
   */
  add(events: readonly AlertEvent[]): Promise<void>;
  /** Up to `limit` entries of `feed` that have no delivery mark, oldest first. */
  pending(feed: string, limit: number): Promise<OutboxEntry[]>;
  /** Marks entries of `feed` done; they are no longer pending. Marking twice is harmless. */
  markDelivered(feed: string, ids: readonly string[], outcome?: DeliveryOutcome): Promise<void>;
  /**
   * Ids of pending entries of `feed` that a newer pending entry of the same alert makes moot (at most
   * `limit`), for feeds that only need the latest state of each alert.
   */
  superseded(feed: string, limit: number): Promise<string[]>;
  /** Number of pending entries of `feed` and the time of the oldest, epoch ms (null when none). */
  stats(feed: string): Promise<{ pending: number; oldestCreatedAt: number | null }>;
}

export interface OutboxOptions {
  /** Feeds every event is queued for (the names in the feeds configuration). */
  readonly feeds: readonly string[];
  /**
   * Entries older than the oldest pending one by more than this are not looked at again, except by a
   * full scan every `rescanIntervalMs`. Covers events added by another process with an older time.
   * @default 600000
   */
  readonly scanMarginMs?: number;
  /** @default 600000 */
  readonly rescanIntervalMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * Opens the outbox in storage (tables `alert_outbox` and `alert_outbox_delivered`, migration 0005).
 *
 * Reads of one feed skip entries older than a floor: the time of the oldest entry found pending, less
 * `scanMarginMs`. Events this process adds lower the floor at once; every `rescanIntervalMs` a read
 * scans the whole retention again, which finds what another process added with an old time.
 */
export function createOutbox(storage: Storage, opts: OutboxOptions): Outbox {
  const db = storage.database;
  const margin = opts.scanMarginMs ?? 600_000;
  const rescanEvery = opts.rescanIntervalMs ?? 600_000;
  const now = opts.now ?? Date.now;
  const floors = new Map<string, { floor: number; fullScanAt: number }>();
  const feeds = [...opts.feeds];

  const floorOf = (feed: string): number => {
    const f = floors.get(feed);
    if (!f || now() - f.fullScanAt >= rescanEvery) return 0;
    return Math.max(0, f.floor - margin);
  };
  const setFloor = (feed: string, floor: number, fullScan: boolean): void => {
    const f = floors.get(feed);
    floors.set(feed, { floor, fullScanAt: fullScan || !f ? now() : f.fullScanAt });
  };

  const pendingSql = (columns: string, tail: string): string =>
    `SELECT ${columns} FROM ${db}.alert_outbox
     WHERE feed = {feed:String} AND created_at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC')
       AND id NOT IN (SELECT id FROM ${db}.alert_outbox_delivered
                      WHERE feed = {feed:String} AND delivered_at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC'))
     ${tail}`;

  return {
    feeds,
    scope: `${storage.mode}:${db}`,

    async add(events) {
      if (events.length === 0 || feeds.length === 0) return;
      const lines: string[] = [];
      for (const feed of feeds) events.forEach((e, seq) => lines.push(entryRow(feed, e, seq)));
      const body = lines.join('\n');
      // The token is a function of the rows: adding the same events again is dropped by storage.
      const token = createHash('sha256').update(body).digest('hex');
      await storage.insertText(
        `INSERT INTO ${db}.alert_outbox (feed, id, alert_key, kind, payload, created_at, seq) SETTINGS async_insert = 0, insert_deduplication_token = '${token}' FORMAT JSONEachRow`,
        body,
      );
      const oldest = Math.min(...events.map((e) => e.at));
      for (const feed of feeds) {
        const f = floors.get(feed);
        if (f && oldest < f.floor) f.floor = oldest;
      }
    },

    async pending(feed, limit) {
      const since = floorOf(feed);
      const startedAt = now();
      const rows = await storage.query<{ id: string; alert_key: string; payload: string; created_ms: string }>(
        pendingSql(
          'id, alert_key, payload, toUnixTimestamp64Milli(created_at) AS created_ms',
          'ORDER BY created_at, seq, id LIMIT 1 BY id LIMIT {limit:UInt32}',
        ),
        { feed, since, limit },
      );
      const entries = rows.map((r) => toEntry(feed, r));
      setFloor(feed, entries.length > 0 ? entries[0].createdAt : startedAt, since === 0);
      return entries;
    },

    async markDelivered(feed, ids, outcome = 'delivered') {
      if (ids.length === 0) return;
      const at = (now() / 1000).toFixed(3);
      const body = ids.map((id) => JSON.stringify({ feed, id, outcome, delivered_at: at })).join('\n');
      await storage.insertText(
        `INSERT INTO ${db}.alert_outbox_delivered (feed, id, outcome, delivered_at) SETTINGS async_insert = 0 FORMAT JSONEachRow`,
        body,
      );
    },

    async superseded(feed, limit) {
      const since = floorOf(feed);
      const params = { feed, since, limit };
      const rows = await storage.query<{ id: string }>(
        `SELECT id FROM (${pendingSql('id, alert_key, created_at, seq', 'LIMIT 1 BY id')})
         WHERE id NOT IN (SELECT argMax(id, (created_at, seq)) FROM (${pendingSql('id, alert_key, created_at, seq', 'LIMIT 1 BY id')}) GROUP BY alert_key)
         ORDER BY created_at, seq, id LIMIT {limit:UInt32}`,
        params,
      );
      return rows.map((r) => r.id);
    },

    async stats(feed) {
      const since = floorOf(feed);
      const [row] = await storage.query<{ n: string; oldest: string | null }>(
        `SELECT count() AS n, if(n = 0, NULL, toUnixTimestamp64Milli(min(created_at))) AS oldest FROM (${pendingSql('DISTINCT id, created_at', '')})`,
        { feed, since },
      );
      return { pending: Number(row?.n ?? 0), oldestCreatedAt: row?.oldest == null ? null : Number(row.oldest) };
    },
  };
}

/** The JSONEachRow line of one entry: a pure function of feed, event and place, so re-adding is idempotent. */
function entryRow(feed: string, e: AlertEvent, seq: number): string {
  return JSON.stringify({
    feed,
    id: e.id,
    alert_key: e.alert.key,
    kind: e.kind,
    payload: JSON.stringify({ v: OUTBOX_PAYLOAD_VERSION, event: e }),
    created_at: (e.at / 1000).toFixed(3),
    seq,
  });
}

function toEntry(feed: string, r: { id: string; alert_key: string; payload: string; created_ms: string }): OutboxEntry {
  let parsed: { v?: number; event?: AlertEvent };
  try {
    parsed = JSON.parse(r.payload) as { v?: number; event?: AlertEvent };
  } catch (err) {
    throw new Error(`cannot read outbox entry ${r.id} of feed ${feed}: payload is not JSON`, { cause: err });
  }
  if (parsed.v !== OUTBOX_PAYLOAD_VERSION || parsed.event === undefined) {
    throw new Error(`cannot read outbox entry ${r.id} of feed ${feed}: payload version ${String(parsed.v)}, expected ${OUTBOX_PAYLOAD_VERSION}`);
  }
  return { feed, id: r.id, alertKey: r.alert_key, createdAt: Number(r.created_ms), event: parsed.event };
}
