-- metric "interface.if_octets.rx" where host = "core1" and plugin_instance = "xe-0/0/0" last 6h
-- | rate reset drop
-- | stats every 1m fill null bps = 8 * avg(value)
-- reads: samples
WITH
series_0 AS (
  SELECT * FROM (SELECT se.series_id AS series_id, se.s_host AS host, se.s_metric AS metric, se.s_kind AS kind, se.s_interval AS interval_ms, se.s_labels[{p1:String}] AS `plugin_instance`
    FROM (SELECT series_id, any(host) AS s_host, any(metric) AS s_metric, any(labels) AS s_labels, any(kind) AS s_kind, any(interval_ms) AS s_interval
          FROM fleetscope.series WHERE metric IN {p0:Array(String)} GROUP BY series_id) AS se) WHERE (`host` = {p2:String}) AND (`plugin_instance` = {p3:String})
),
scan_1 AS (
  SELECT x.ts AS ts, se.host AS host, se.metric AS metric, x.value AS value, toString(x.kind) AS kind, se.`plugin_instance` AS `plugin_instance`, x.rate AS __rate, se.interval_ms AS __interval
  FROM fleetscope.samples AS x INNER JOIN series_0 AS se ON x.series_id = se.series_id
  WHERE x.metric IN {p0:Array(String)} AND x.ts >= fromUnixTimestamp64Milli({p4:Int64}, 'UTC') AND x.ts < fromUnixTimestamp64Milli({p5:Int64}, 'UTC') AND isFinite(x.value) AND x.series_id IN (SELECT series_id FROM series_0)
),
rate_2 AS (
  SELECT * REPLACE (__rate AS value) FROM scan_1 WHERE isFinite(__rate)
),
stats_3 AS (
  SELECT __bucket, ({p8:Float64} * (avg(`value`))) AS __a0 FROM (SELECT *, toDateTime(toStartOfInterval(ts, toIntervalSecond(60)), 'UTC') AS __bucket FROM rate_2) GROUP BY __bucket
),
stats_4 AS (
  SELECT __bucket AS ts, toNullable(__a0) AS `bps` FROM stats_3 ORDER BY ts WITH FILL FROM toDateTime({p9:UInt32}, 'UTC') TO toDateTime({p10:UInt32}, 'UTC') STEP toIntervalSecond(60)
)
SELECT toUnixTimestamp64Milli(toDateTime64(`ts`, 3, 'UTC')) AS `ts`, toFloat64(`bps`) AS `bps` FROM stats_4 LIMIT {p11:UInt64}
-- params: {"p0":["interface.if_octets.rx"],"p1":"plugin_instance","p2":"core1","p3":"xe-0/0/0","p4":1795154400000,"p5":1795176000000,"p6":1795154400000,"p7":1795176000000,"p8":8,"p9":1795154400,"p10":1795176000,"p11":100001}
