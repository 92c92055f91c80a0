-- What the analysis jobs found: one row per scored point at or above the job's recording threshold.
-- A job replayed after a restart writes the same rows again; the newest copy wins.
CREATE TABLE IF NOT EXISTS {{db}}.anomalies (
  job          LowCardinality(String),
  detector     LowCardinality(String),
  kind         LowCardinality(String),
  series_id    UInt64,
  metric       LowCardinality(String),
  host         LowCardinality(String),
  labels       Map(LowCardinality(String), String),
  ts           DateTime64(3, 'UTC'),
  score        Float32,
  observed     Float64,
  expected     Float64,
  low          Float64,
  high         Float64,
  context      Map(LowCardinality(String), String),
  detected_at  DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(detected_at)
PARTITION BY toYYYYMM(ts)
ORDER BY (job, detector, series_id, ts)
TTL toDateTime(ts) + INTERVAL {{anomalies_days}} DAY
SETTINGS ttl_only_drop_parts = 1;

-- The alerts of each job (the lifecycle's groups), saved on every change; the newest row per key wins.
CREATE TABLE IF NOT EXISTS {{db}}.alerts (
  job         LowCardinality(String),
  key         String,
  status      LowCardinality(String),
  state       String,
  updated_at  DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (job, key);

-- Where each job stands: the end of the data it has processed, and its detectors' state at that point.
CREATE TABLE IF NOT EXISTS {{db}}.job_state (
  job         LowCardinality(String),
  watermark   DateTime64(3, 'UTC'),
  updated_at  DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY job;

CREATE TABLE IF NOT EXISTS {{db}}.detector_state (
  job         LowCardinality(String),
  series_id   UInt64,
  state       String,
  updated_at  DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (job, series_id)
TTL toDateTime(updated_at) + INTERVAL 30 DAY;
