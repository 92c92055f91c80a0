-- let today = metric "http.requests" last 24h | rate | stats every 10m rps = avg(value);
-- metric "http.requests" from now-48h to now-24h | rate | stats every 10m rps_1d_ago = avg(value)
-- | shift 24h | join $today
-- | eval change_pct = 100 * (rps - rps_1d_ago) / rps_1d_ago
-- reads: samples
WITH
series_0 AS (
  SELECT se.series_id AS series_id, se.s_host AS host, se.s_metric AS metric, se.s_kind AS kind, se.s_interval AS interval_ms
    FROM (SELECT series_id, any(host) AS s_host, any(metric) AS s_metric, any(labels) AS s_labels, any(kind) AS s_kind, any(interval_ms) AS s_interval
          FROM fleetscope.series WHERE metric IN {p0:Array(String)} GROUP BY series_id) AS se
),
scan_1 AS (
  SELECT x.ts AS ts, se.host AS host, se.metric AS metric, x.value AS value, toString(x.kind) AS kind, x.rate AS __rate, se.interval_ms AS __interval
  FROM fleetscope.samples AS x INNER JOIN series_0 AS se ON x.series_id = se.series_id
  WHERE x.metric IN {p0:Array(String)} AND x.ts >= fromUnixTimestamp64Milli({p1:Int64}, 'UTC') AND x.ts < fromUnixTimestamp64Milli({p2:Int64}, 'UTC') AND isFinite(x.value)
),
rate_2 AS (
  SELECT * REPLACE (__rate AS value) FROM scan_1 WHERE isFinite(__rate)
),
per_series_3 AS (
  SELECT x.series_id AS series_id, toDateTime(toStartOfInterval(x.ts, toIntervalSecond(600)), 'UTC') AS __bucket, avgState(x.rate) AS __s0 FROM fleetscope.samples AS x WHERE x.metric IN {p0:Array(String)} AND x.ts >= fromUnixTimestamp64Milli({p3:Int64}, 'UTC') AND x.ts < fromUnixTimestamp64Milli({p4:Int64}, 'UTC') AND isFinite(x.rate) GROUP BY series_id, __bucket
),
stats_4 AS (
  SELECT p.__bucket AS __bucket, avgMerge(__s0) AS __a0 FROM per_series_3 AS p INNER JOIN series_0 AS se ON p.series_id = se.series_id GROUP BY __bucket
),
stats_5 AS (
  SELECT __bucket AS ts, toNullable(__a0) AS `rps` FROM stats_4 ORDER BY ts WITH FILL FROM toDateTime({p5:UInt32}, 'UTC') TO toDateTime({p6:UInt32}, 'UTC') STEP toIntervalSecond(600)
),
series_6 AS (
  SELECT se.series_id AS series_id, se.s_host AS host, se.s_metric AS metric, se.s_kind AS kind, se.s_interval AS interval_ms
    FROM (SELECT series_id, any(host) AS s_host, any(metric) AS s_metric, any(labels) AS s_labels, any(kind) AS s_kind, any(interval_ms) AS s_interval
          FROM fleetscope.series WHERE metric IN {p7:Array(String)} GROUP BY series_id) AS se
),
scan_7 AS (
  SELECT x.ts AS ts, se.host AS host, se.metric AS metric, x.value AS value, toString(x.kind) AS kind, x.rate AS __rate, se.interval_ms AS __interval
  FROM fleetscope.samples AS x INNER JOIN series_6 AS se ON x.series_id = se.series_id
  WHERE x.metric IN {p7:Array(String)} AND x.ts >= fromUnixTimestamp64Milli({p8:Int64}, 'UTC') AND x.ts < fromUnixTimestamp64Milli({p9:Int64}, 'UTC') AND isFinite(x.value)
),
rate_8 AS (
  SELECT * REPLACE (__rate AS value) FROM scan_7 WHERE isFinite(__rate)
),
per_series_9 AS (
  SELECT x.series_id AS series_id, toDateTime(toStartOfInterval(x.ts, toIntervalSecond(600)), 'UTC') AS __bucket, avgState(x.rate) AS __s0 FROM fleetscope.samples AS x WHERE x.metric IN {p7:Array(String)} AND x.ts >= fromUnixTimestamp64Milli({p10:Int64}, 'UTC') AND x.ts < fromUnixTimestamp64Milli({p11:Int64}, 'UTC') AND isFinite(x.rate) GROUP BY series_id, __bucket
),
stats_10 AS (
  SELECT p.__bucket AS __bucket, avgMerge(__s0) AS __a0 FROM per_series_9 AS p INNER JOIN series_6 AS se ON p.series_id = se.series_id GROUP BY __bucket
),
stats_11 AS (
  SELECT __bucket AS ts, toNullable(__a0) AS `rps_1d_ago` FROM stats_10 ORDER BY ts WITH FILL FROM toDateTime({p12:UInt32}, 'UTC') TO toDateTime({p13:UInt32}, 'UTC') STEP toIntervalSecond(600)
),
shift_12 AS (
  SELECT * REPLACE (ts + toIntervalMillisecond({p14:Int64}) AS ts) FROM stats_11
),
join_13 AS (
  SELECT `ts`, l.`rps_1d_ago`, r.`rps` FROM shift_12 AS l INNER JOIN stats_5 AS r USING (`ts`) ORDER BY ts
),
eval_14 AS (
  SELECT *, (({p15:Float64} * (`rps` - `rps_1d_ago`)) / `rps_1d_ago`) AS `change_pct` FROM join_13
)
SELECT toUnixTimestamp64Milli(toDateTime64(`ts`, 3, 'UTC')) AS `ts`, toFloat64(`rps_1d_ago`) AS `rps_1d_ago`, toFloat64(`rps`) AS `rps`, toFloat64(`change_pct`) AS `change_pct` FROM eval_14 LIMIT {p16:UInt64}
-- params: {"p0":["http.requests"],"p1":1795089600000,"p2":1795176000000,"p3":1795089600000,"p4":1795176000000,"p5":1795089600,"p6":1795176000,"p7":["http.requests"],"p8":1795003200000,"p9":1795089600000,"p10":1795003200000,"p11":1795089600000,"p12":1795003200,"p13":1795089600,"p14":86400000,"p15":100,"p16":100001}
