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
stats_3 AS (
  SELECT __bucket, avg(`value`) AS __a0 FROM (SELECT *, toDateTime(toStartOfInterval(ts, toIntervalSecond(600)), 'UTC') AS __bucket FROM rate_2) GROUP BY __bucket
),
stats_4 AS (
  SELECT __bucket AS ts, toNullable(__a0) AS `rps` FROM stats_3 ORDER BY ts WITH FILL FROM toDateTime({p3:UInt32}, 'UTC') TO toDateTime({p4:UInt32}, 'UTC') STEP toIntervalSecond(600)
),
series_5 AS (
  SELECT se.series_id AS series_id, se.s_host AS host, se.s_metric AS metric, se.s_kind AS kind, se.s_interval AS interval_ms
    FROM (SELECT series_id, any(host) AS s_host, any(metric) AS s_metric, any(labels) AS s_labels, any(kind) AS s_kind, any(interval_ms) AS s_interval
          FROM fleetscope.series WHERE metric IN {p5:Array(String)} GROUP BY series_id) AS se
),
scan_6 AS (
  SELECT x.ts AS ts, se.host AS host, se.metric AS metric, x.value AS value, toString(x.kind) AS kind, x.rate AS __rate, se.interval_ms AS __interval
  FROM fleetscope.samples AS x INNER JOIN series_5 AS se ON x.series_id = se.series_id
  WHERE x.metric IN {p5:Array(String)} AND x.ts >= fromUnixTimestamp64Milli({p6:Int64}, 'UTC') AND x.ts < fromUnixTimestamp64Milli({p7:Int64}, 'UTC') AND isFinite(x.value)
),
rate_7 AS (
  SELECT * REPLACE (__rate AS value) FROM scan_6 WHERE isFinite(__rate)
),
stats_8 AS (
  SELECT __bucket, avg(`value`) AS __a0 FROM (SELECT *, toDateTime(toStartOfInterval(ts, toIntervalSecond(600)), 'UTC') AS __bucket FROM rate_7) GROUP BY __bucket
),
stats_9 AS (
  SELECT __bucket AS ts, toNullable(__a0) AS `rps_1d_ago` FROM stats_8 ORDER BY ts WITH FILL FROM toDateTime({p8:UInt32}, 'UTC') TO toDateTime({p9:UInt32}, 'UTC') STEP toIntervalSecond(600)
),
shift_10 AS (
  SELECT * REPLACE (ts + toIntervalMillisecond({p10:Int64}) AS ts) FROM stats_9
),
join_11 AS (
  SELECT `ts`, l.`rps_1d_ago`, r.`rps` FROM shift_10 AS l INNER JOIN stats_4 AS r USING (`ts`) ORDER BY ts
),
eval_12 AS (
  SELECT *, (({p11:Float64} * (`rps` - `rps_1d_ago`)) / `rps_1d_ago`) AS `change_pct` FROM join_11
)
SELECT toUnixTimestamp64Milli(toDateTime64(`ts`, 3, 'UTC')) AS `ts`, toFloat64(`rps_1d_ago`) AS `rps_1d_ago`, toFloat64(`rps`) AS `rps`, toFloat64(`change_pct`) AS `change_pct` FROM eval_12 LIMIT {p12:UInt64}
-- params: {"p0":["http.requests"],"p1":1795089600000,"p2":1795176000000,"p3":1795089600,"p4":1795176000,"p5":["http.requests"],"p6":1795003200000,"p7":1795089600000,"p8":1795003200,"p9":1795089600,"p10":86400000,"p11":100,"p12":100001}
