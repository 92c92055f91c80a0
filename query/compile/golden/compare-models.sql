-- metric "http.response_time_ms" where service = "api" last 7d
-- | compare value by hw_model per host level 0.95
-- reads: samples
WITH
series_0 AS (
  SELECT * FROM (SELECT se.series_id AS series_id, se.s_host AS host, se.s_metric AS metric, se.s_kind AS kind, se.s_interval AS interval_ms, se.s_labels[{p1:String}] AS `service`, a.`hw_model` AS `hw_model`
    FROM (SELECT series_id, any(host) AS s_host, any(metric) AS s_metric, any(labels) AS s_labels, any(kind) AS s_kind, any(interval_ms) AS s_interval
          FROM fleetscope.series WHERE metric IN {p0:Array(String)} GROUP BY series_id) AS se LEFT JOIN (SELECT host, hw_model, manufacturer, site, rack, role, os, kernel, cpu_model, cpu_cores, memory_bytes, disk_capacity_bytes, nic_speed_bps, status, attrs FROM (SELECT * FROM fleetscope.asset_history FINAL WHERE valid_from <= fromUnixTimestamp64Milli({p2:Int64}, 'UTC') ORDER BY host, valid_from DESC LIMIT 1 BY host) WHERE deleted = 0) AS a ON a.host = se.s_host) WHERE (`service` = {p3:String})
),
scan_1 AS (
  SELECT x.ts AS ts, se.host AS host, se.metric AS metric, x.value AS value, toString(x.kind) AS kind, se.`service` AS `service`, se.`hw_model` AS `hw_model`, x.rate AS __rate, se.interval_ms AS __interval
  FROM fleetscope.samples AS x INNER JOIN series_0 AS se ON x.series_id = se.series_id
  WHERE x.metric IN {p0:Array(String)} AND x.ts >= fromUnixTimestamp64Milli({p4:Int64}, 'UTC') AND x.ts < fromUnixTimestamp64Milli({p5:Int64}, 'UTC') AND isFinite(x.value) AND x.series_id IN (SELECT series_id FROM series_0)
),
units_2 AS (
  SELECT toString(`hw_model`) AS __group, host, avg(`value`) AS __v, count() AS __n FROM scan_1 WHERE isFinite(`value`) GROUP BY __group, host
),
compare_3 AS (
  SELECT __group AS `hw_model`, toFloat64(count()) AS units, toFloat64(sum(__n)) AS samples, avg(__v) AS mean, varSamp(__v) AS variance, min(__v) AS min, quantileExactInclusive(0.5)(__v) AS median, max(__v) AS max
FROM units_2 GROUP BY __group ORDER BY __group
)
SELECT `hw_model`, toFloat64(`units`) AS `units`, toFloat64(`samples`) AS `samples`, toFloat64(`mean`) AS `mean`, toFloat64(`variance`) AS `variance`, toFloat64(`min`) AS `min`, toFloat64(`median`) AS `median`, toFloat64(`max`) AS `max` FROM compare_3 LIMIT {p8:UInt64}
-- params: {"p0":["http.response_time_ms"],"p1":"service","p2":1795176000000,"p3":"api","p4":1794571200000,"p5":1795176000000,"p6":1794571200000,"p7":1795176000000,"p8":100001}
