-- metric "http.requests" last 24h
-- | rate
-- | stats rps = avg(value) by host
-- | stats hosts = count(), rps_per_host = avg(rps), p10 = pct(rps, 0.1), p90 = pct(rps, 0.9) by hw_model
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
  SELECT x.series_id AS series_id, avgState(x.rate) AS __s0 FROM fleetscope.samples AS x WHERE x.metric IN {p0:Array(String)} AND x.ts >= fromUnixTimestamp64Milli({p3:Int64}, 'UTC') AND x.ts < fromUnixTimestamp64Milli({p4:Int64}, 'UTC') AND isFinite(x.rate) GROUP BY series_id
),
stats_4 AS (
  SELECT se.`host` AS `host`, avgMerge(__s0) AS __a0 FROM per_series_3 AS p INNER JOIN series_0 AS se ON p.series_id = se.series_id GROUP BY `host`
),
stats_5 AS (
  SELECT `host`, __a0 AS `rps` FROM stats_4 ORDER BY `host`
),
assets_6 AS (
  SELECT p.*, a.`hw_model` AS `hw_model` FROM stats_5 AS p LEFT JOIN (SELECT host, hw_model, manufacturer, site, rack, role, os, kernel, cpu_model, cpu_cores, memory_bytes, disk_capacity_bytes, nic_speed_bps, status, attrs FROM (SELECT * FROM fleetscope.asset_history FINAL WHERE valid_from <= fromUnixTimestamp64Milli({p5:Int64}, 'UTC') ORDER BY host, valid_from DESC LIMIT 1 BY host) WHERE deleted = 0) AS a ON a.host = p.host
),
stats_7 AS (
  SELECT `hw_model`, toFloat64(count()) AS __a0, avg(`rps`) AS __a1, quantileTDigest(0.1)(`rps`) AS __a2, quantileTDigest(0.9)(`rps`) AS __a3 FROM assets_6 GROUP BY `hw_model`
),
stats_8 AS (
  SELECT `hw_model`, __a0 AS `hosts`, __a1 AS `rps_per_host`, __a2 AS `p10`, __a3 AS `p90` FROM stats_7 ORDER BY `hw_model`
)
SELECT `hw_model`, toFloat64(`hosts`) AS `hosts`, toFloat64(`rps_per_host`) AS `rps_per_host`, toFloat64(`p10`) AS `p10`, toFloat64(`p90`) AS `p90` FROM stats_8 LIMIT {p8:UInt64}
-- params: {"p0":["http.requests"],"p1":1795089600000,"p2":1795176000000,"p3":1795089600000,"p4":1795176000000,"p5":1795176000000,"p6":0.1,"p7":0.9,"p8":100001}
