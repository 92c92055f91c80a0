-- Durable outbox of the alert feeds (analysis/alerts/outbox.ts): one entry per feed and alert event,
-- and one delivery mark per entry once the feed has it (or gave up on it). An entry is pending while
-- it has no mark. ClickHouse has no transactions, so both tables are insert-only and idempotent:
--   * an entry is a pure function of its event (created_at is the event's time, seq its place in the
--     batch), so adding the same events again inserts identical blocks, which insert deduplication
--     drops (non_replicated_deduplication_window); rows that still come twice (another batch) share
--     (feed, created_at, id), which ReplacingMergeTree collapses and readers skip with LIMIT 1 BY id;
--   * marks are keyed by (feed, id); a second mark of the same entry changes nothing.
-- fsync on insert: an insert that returned is on disk, not only in the page cache.
-- Retention is fixed at 30 days: an entry older than that is gone, delivered or not (docs/alerts.md).
CREATE TABLE IF NOT EXISTS {{db}}.alert_outbox (
  feed        LowCardinality(String),
  id          String,
  alert_key   String,
  kind        LowCardinality(String),
  payload     String CODEC(ZSTD(3)),
  created_at  DateTime64(3, 'UTC'),
  seq         UInt32
) ENGINE = ReplacingMergeTree
PARTITION BY toDate(created_at)
ORDER BY (feed, created_at, id)
TTL toDateTime(created_at) + INTERVAL 30 DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000, fsync_after_insert = 1, fsync_part_directory = 1;

-- `outcome`: delivered (the receiver took it), rejected (the receiver refused it for good, kept here as
-- a dead letter), superseded (a newer entry of the same alert made it moot, state-sync feeds only).
CREATE TABLE IF NOT EXISTS {{db}}.alert_outbox_delivered (
  feed          LowCardinality(String),
  id            String,
  outcome       LowCardinality(String),
  delivered_at  DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(delivered_at)
PARTITION BY toDate(delivered_at)
ORDER BY (feed, id)
TTL toDateTime(delivered_at) + INTERVAL 30 DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000, fsync_after_insert = 1, fsync_part_directory = 1
