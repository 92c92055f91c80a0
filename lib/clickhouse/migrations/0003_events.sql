-- Notifications and other events, by host and time.
CREATE TABLE IF NOT EXISTS {{db}}.events (
  ts          DateTime64(3, 'UTC'),
  host        LowCardinality(String),
  severity    LowCardinality(String),
  source      LowCardinality(String),
  message     String,
  attrs       Map(LowCardinality(String), String),
  received_at DateTime64(3, 'UTC')
) ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (host, ts)
TTL toDateTime(ts) + INTERVAL {{events_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;
