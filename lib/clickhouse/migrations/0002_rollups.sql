-- 1-minute rollup of what users read: the value of gauges, the per-second rate of the other kinds.
-- Unknown values (NaN) are left out, so a minute with none has no row.
CREATE TABLE IF NOT EXISTS {{db}}.samples_1m (
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
PARTITION BY toYYYYMM(t)
ORDER BY (metric, series_id, t)
TTL t + INTERVAL {{rollup1m_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.samples_1m_mv TO {{db}}.samples_1m AS
SELECT metric, series_id, toStartOfMinute(ts) AS t,
       count() AS cnt, min(v) AS vmin, max(v) AS vmax, sum(v) AS vsum,
       argMaxState(v, ts) AS vlast, quantilesTDigestState(0.5, 0.9, 0.99)(v) AS q
FROM (SELECT metric, series_id, ts, if(kind = 'gauge', value, rate) AS v FROM {{db}}.samples WHERE isFinite(v))
GROUP BY metric, series_id, t;

-- 1-hour rollup, fed from the 1-minute one.
CREATE TABLE IF NOT EXISTS {{db}}.samples_1h (
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
TTL t + INTERVAL {{rollup1h_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.samples_1h_mv TO {{db}}.samples_1h AS
SELECT metric, series_id, toStartOfHour(t) AS t,
       sum(cnt) AS cnt, min(vmin) AS vmin, max(vmax) AS vmax, sum(vsum) AS vsum,
       argMaxMergeState(vlast) AS vlast, quantilesTDigestMergeState(0.5, 0.9, 0.99)(q) AS q
FROM {{db}}.samples_1m
GROUP BY metric, series_id, t;
