-- 1-day rollup, fed from the 1-hour one: long ranges (weeks, months) merge one state per series and day
-- instead of one per hour.
CREATE TABLE IF NOT EXISTS {{db}}.samples_1d (
  metric     LowCardinality(String),
  series_id  UInt64,
  t          DateTime('UTC') CODEC(DoubleDelta, ZSTD(1)),
  cnt        SimpleAggregateFunction(sum, UInt64),
  vmin       SimpleAggregateFunction(min, Float64),
  vmax       SimpleAggregateFunction(max, Float64),
  vsum       SimpleAggregateFunction(sum, Float64),
  vlast      AggregateFunction(argMax, Float64, DateTime64(3, 'UTC')),
  q          AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), Float64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYear(t)
ORDER BY (metric, series_id, t)
TTL t + INTERVAL {{rollup1d_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.samples_1d_mv TO {{db}}.samples_1d AS
SELECT metric, series_id, toStartOfDay(t) AS t,
       sum(cnt) AS cnt, min(vmin) AS vmin, max(vmax) AS vmax, sum(vsum) AS vsum,
       argMaxMergeState(vlast) AS vlast, quantilesTDigestMergeState(0.5, 0.9, 0.99)(q) AS q
FROM {{db}}.samples_1h
GROUP BY metric, series_id, t;

-- Data stored before this migration: fill the days from the 1-hour rollup (once; new hours arrive
-- through the view).
INSERT INTO {{db}}.samples_1d
SELECT metric, series_id, toStartOfDay(t) AS t,
       sum(cnt) AS cnt, min(vmin) AS vmin, max(vmax) AS vmax, sum(vsum) AS vsum,
       argMaxMergeState(vlast) AS vlast, quantilesTDigestMergeState(0.5, 0.9, 0.99)(q) AS q
FROM {{db}}.samples_1h
GROUP BY metric, series_id, t;
