-- metric "http.response_time_ms" where host ~ "web-*" last 15m live
-- | stats every 10s p99 = p99(value) by host
-- | view timechart
-- reads: samples
WITH
series_0 AS (
  SELECT * FROM (SELECT se.series_id AS series_id, se.s_host AS host, se.s_metric AS metric, se.s_kind AS kind, se.s_interval AS interval_ms
    FROM (SELECT series_id, any(host) AS s_host, any(metric) AS s_metric, any(labels) AS s_labels, any(kind) AS s_kind, any(interval_ms) AS s_interval
          FROM fleetscope.series WHERE metric IN {p0:Array(String)} GROUP BY series_id) AS se) WHERE (`host` LIKE {p1:String})
),
scan_1 AS (
  SELECT x.ts AS ts, se.host AS host, se.metric AS metric, x.value AS value, toString(x.kind) AS kind, x.rate AS __rate, se.interval_ms AS __interval
  FROM fleetscope.samples AS x INNER JOIN series_0 AS se ON x.series_id = se.series_id
  WHERE x.metric IN {p0:Array(String)} AND x.ts >= fromUnixTimestamp64Milli({p2:Int64}, 'UTC') AND x.ts < fromUnixTimestamp64Milli({p3:Int64}, 'UTC') AND isFinite(x.value) AND x.series_id IN (SELECT series_id FROM series_0)
),
per_series_2 AS (
  SELECT x.series_id AS series_id, toDateTime(toStartOfInterval(x.ts, toIntervalSecond(10)), 'UTC') AS __bucket, quantileTDigestState(0.99)(x.value) AS __s0 FROM fleetscope.samples AS x WHERE x.metric IN {p0:Array(String)} AND x.ts >= fromUnixTimestamp64Milli({p4:Int64}, 'UTC') AND x.ts < fromUnixTimestamp64Milli({p5:Int64}, 'UTC') AND x.series_id IN (SELECT series_id FROM series_0) AND isFinite(x.value) GROUP BY series_id, __bucket
),
stats_3 AS (
  SELECT se.`host` AS `host`, p.__bucket AS __bucket, quantileTDigestMerge(0.99)(__s0) AS __a0 FROM per_series_2 AS p INNER JOIN series_0 AS se ON p.series_id = se.series_id GROUP BY `host`, __bucket
),
stats_4 AS (
  SELECT `host`, __bucket AS ts, toNullable(__a0) AS `p99` FROM stats_3 ORDER BY `host`, ts WITH FILL FROM toDateTime({p6:UInt32}, 'UTC') TO toDateTime({p7:UInt32}, 'UTC') STEP toIntervalSecond(10)
)
SELECT `host`, toUnixTimestamp64Milli(toDateTime64(`ts`, 3, 'UTC')) AS `ts`, toFloat64(`p99`) AS `p99` FROM stats_4 LIMIT {p8:UInt64}
-- params: {"p0":["http.response_time_ms"],"p1":"web-%","p2":1795175100000,"p3":1795176000000,"p4":1795175100000,"p5":1795176000000,"p6":1795175100,"p7":1795176000,"p8":100001}
