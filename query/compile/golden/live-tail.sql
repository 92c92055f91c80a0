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
stats_2 AS (
  SELECT `host`, __bucket, quantileTDigest(0.99)(`value`) AS __a0 FROM (SELECT *, toDateTime(toStartOfInterval(ts, toIntervalSecond(10)), 'UTC') AS __bucket FROM scan_1) GROUP BY `host`, __bucket
),
stats_3 AS (
  SELECT `host`, __bucket AS ts, toNullable(__a0) AS `p99` FROM stats_2 ORDER BY `host`, ts WITH FILL FROM toDateTime({p4:UInt32}, 'UTC') TO toDateTime({p5:UInt32}, 'UTC') STEP toIntervalSecond(10)
)
SELECT `host`, toUnixTimestamp64Milli(toDateTime64(`ts`, 3, 'UTC')) AS `ts`, toFloat64(`p99`) AS `p99` FROM stats_3 LIMIT {p6:UInt64}
-- params: {"p0":["http.response_time_ms"],"p1":"web-%","p2":1795175100000,"p3":1795176000000,"p4":1795175100,"p5":1795176000,"p6":100001}
