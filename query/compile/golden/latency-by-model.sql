-- metric "http.response_time_ms" last 24h
-- | stats avg_ms = avg(value), p99_ms = p99(value), hosts = dcount(host) by hw_model
-- | sort p99_ms desc
-- reads: samples
WITH
series_0 AS (
  SELECT se.series_id AS series_id, se.s_host AS host, se.s_metric AS metric, se.s_kind AS kind, se.s_interval AS interval_ms, a.`hw_model` AS `hw_model`
    FROM (SELECT series_id, any(host) AS s_host, any(metric) AS s_metric, any(labels) AS s_labels, any(kind) AS s_kind, any(interval_ms) AS s_interval
          FROM fleetscope.series WHERE metric IN {p0:Array(String)} GROUP BY series_id) AS se LEFT JOIN (SELECT host, hw_model, manufacturer, site, rack, role, os, kernel, cpu_model, cpu_cores, memory_bytes, disk_capacity_bytes, nic_speed_bps, status, attrs FROM (SELECT * FROM fleetscope.asset_history FINAL WHERE valid_from <= fromUnixTimestamp64Milli({p1:Int64}, 'UTC') ORDER BY host, valid_from DESC LIMIT 1 BY host) WHERE deleted = 0) AS a ON a.host = se.s_host
),
scan_1 AS (
  SELECT x.ts AS ts, se.host AS host, se.metric AS metric, x.value AS value, toString(x.kind) AS kind, se.`hw_model` AS `hw_model`, x.rate AS __rate, se.interval_ms AS __interval
  FROM fleetscope.samples AS x INNER JOIN series_0 AS se ON x.series_id = se.series_id
  WHERE x.metric IN {p0:Array(String)} AND x.ts >= fromUnixTimestamp64Milli({p2:Int64}, 'UTC') AND x.ts < fromUnixTimestamp64Milli({p3:Int64}, 'UTC') AND isFinite(x.value)
),
per_series_2 AS (
  SELECT x.series_id AS series_id, avgState(x.value) AS __s0, quantileTDigestState(0.99)(x.value) AS __s1, 1 AS __s2 FROM fleetscope.samples AS x WHERE x.metric IN {p0:Array(String)} AND x.ts >= fromUnixTimestamp64Milli({p4:Int64}, 'UTC') AND x.ts < fromUnixTimestamp64Milli({p5:Int64}, 'UTC') AND isFinite(x.value) GROUP BY series_id
),
stats_3 AS (
  SELECT se.`hw_model` AS `hw_model`, avgMerge(__s0) AS __a0, quantileTDigestMerge(0.99)(__s1) AS __a1, toFloat64(uniqExact(se.`host`)) AS __a2 FROM per_series_2 AS p INNER JOIN series_0 AS se ON p.series_id = se.series_id GROUP BY `hw_model`
),
stats_4 AS (
  SELECT `hw_model`, __a0 AS `avg_ms`, __a1 AS `p99_ms`, __a2 AS `hosts` FROM stats_3 ORDER BY `hw_model`
),
sort_5 AS (
  SELECT * FROM stats_4 ORDER BY `p99_ms` DESC
)
SELECT `hw_model`, toFloat64(`avg_ms`) AS `avg_ms`, toFloat64(`p99_ms`) AS `p99_ms`, toFloat64(`hosts`) AS `hosts` FROM sort_5 LIMIT {p6:UInt64}
-- params: {"p0":["http.response_time_ms"],"p1":1795176000000,"p2":1795089600000,"p3":1795176000000,"p4":1795089600000,"p5":1795176000000,"p6":100001}
