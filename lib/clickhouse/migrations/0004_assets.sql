-- Asset metadata with its history: one row per version of a host's record, valid from `valid_from`
-- until the next version of the same host. A version re-sent with the same `valid_from` replaces the
-- earlier copy (the newest `recorded_at` wins). `deleted = 1` marks a host retired at `valid_from`.
CREATE TABLE IF NOT EXISTS {{db}}.asset_history (
  host          String,
  valid_from    DateTime64(3, 'UTC'),
  hw_model      LowCardinality(String),
  manufacturer  LowCardinality(String),
  site          LowCardinality(String),
  rack          String,
  role          LowCardinality(String),
  os            LowCardinality(String),
  kernel        LowCardinality(String),
  cpu_model     LowCardinality(String),
  cpu_cores     Nullable(UInt32),
  memory_bytes  Nullable(UInt64),
  disk_capacity_bytes Nullable(UInt64),
  nic_speed_bps Nullable(UInt64),
  status        LowCardinality(String),
  attrs         Map(String, String),
  deleted       UInt8,
  source        LowCardinality(String),
  recorded_at   DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(recorded_at)
ORDER BY (host, valid_from)
SETTINGS non_replicated_deduplication_window = 10000;
