-- Raw samples: one row per data source per time. `value` is the value as sent (a counter as a double),
-- `rate` the per-second rate the writer computed for counter, derive and absolute kinds (NaN for
-- gauges and when unknown), `raw` the exact integer of non-gauge kinds (derive as two's complement).
CREATE TABLE IF NOT EXISTS {{db}}.samples (
  metric     LowCardinality(String),
  series_id  UInt64,
  ts         DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
  value      Float64 CODEC(ZSTD(1)),
  rate       Float64 CODEC(ZSTD(1)),
  raw        UInt64 CODEC(Delta, ZSTD(1)),
  kind       Enum8('gauge' = 1, 'counter' = 2, 'derive' = 3, 'absolute' = 4)
) ENGINE = MergeTree
PARTITION BY toDate(ts)
ORDER BY (metric, series_id, ts)
TTL toDateTime(ts) + INTERVAL {{samples_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

-- Labels of each series, written when the writer first sees a series and then about once an hour.
CREATE TABLE IF NOT EXISTS {{db}}.series (
  series_id   UInt64,
  metric      LowCardinality(String),
  host        LowCardinality(String),
  labels      Map(LowCardinality(String), String),
  kind        Enum8('gauge' = 1, 'counter' = 2, 'derive' = 3, 'absolute' = 4),
  interval_ms UInt32,
  last_seen   DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(last_seen)
ORDER BY (metric, host, series_id)
TTL toDateTime(last_seen) + INTERVAL {{series_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000;
