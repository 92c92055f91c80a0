-- metric "http.response_time_ms" last 1h
-- | stats slow = p99(value) by host
-- | top 3 slow by site
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
per_series_2 AS (
  SELECT x.series_id AS series_id, quantileTDigestState(0.99)(x.value) AS __s0 FROM fleetscope.samples AS x WHERE x.metric IN {p0:Array(String)} AND x.ts >= fromUnixTimestamp64Milli({p3:Int64}, 'UTC') AND x.ts < fromUnixTimestamp64Milli({p4:Int64}, 'UTC') AND isFinite(x.value) GROUP BY series_id
),
stats_3 AS (
  SELECT se.`host` AS `host`, quantileTDigestMerge(0.99)(__s0) AS __a0 FROM per_series_2 AS p INNER JOIN series_0 AS se ON p.series_id = se.series_id GROUP BY `host`
),
stats_4 AS (
  SELECT `host`, __a0 AS `slow` FROM stats_3 ORDER BY `host`
),
assets_5 AS (
  SELECT p.*, a.`site` AS `site` FROM stats_4 AS p LEFT JOIN (SELECT host, hw_model, manufacturer, site, rack, role, os, kernel, cpu_model, cpu_cores, memory_bytes, disk_capacity_bytes, nic_speed_bps, status, attrs FROM (SELECT * FROM fleetscope.asset_history FINAL WHERE valid_from <= fromUnixTimestamp64Milli({p5:Int64}, 'UTC') ORDER BY host, valid_from DESC LIMIT 1 BY host) WHERE deleted = 0) AS a ON a.host = p.host
),
top_6 AS (
  SELECT * FROM assets_5 ORDER BY `site`, `slow` DESC LIMIT {p6:UInt64} BY `site`
)
SELECT `host`, toFloat64(`slow`) AS `slow`, `site` FROM top_6 LIMIT {p7:UInt64}
-- params: {"p0":["http.response_time_ms"],"p1":1795172400000,"p2":1795176000000,"p3":1795172400000,"p4":1795176000000,"p5":1795176000000,"p6":3,"p7":100001}
