-- metric "http.response_time_ms" last 30d
-- | stats every 1h avg_ms = avg(value), p99_ms = p99(value) by hw_model
-- reads: samples_1h
WITH
series_0 AS (
  SELECT se.series_id AS series_id, se.s_host AS host, se.s_metric AS metric, se.s_kind AS kind, se.s_interval AS interval_ms, a.`hw_model` AS `hw_model`
    FROM (SELECT series_id, any(host) AS s_host, any(metric) AS s_metric, any(labels) AS s_labels, any(kind) AS s_kind, any(interval_ms) AS s_interval
          FROM fleetscope.series WHERE metric IN {p0:Array(String)} GROUP BY series_id) AS se LEFT JOIN (SELECT host, hw_model, manufacturer, site, rack, role, os, kernel, cpu_model, cpu_cores, memory_bytes, disk_capacity_bytes, nic_speed_bps, status, attrs FROM (SELECT * FROM fleetscope.asset_history FINAL WHERE valid_from <= fromUnixTimestamp64Milli({p1:Int64}, 'UTC') ORDER BY host, valid_from DESC LIMIT 1 BY host) WHERE deleted = 0) AS a ON a.host = se.s_host
),
scan_1 AS (
  SELECT x.t AS ts, se.host AS host, se.metric AS metric, toString(se.kind) AS kind, se.`hw_model` AS `hw_model`, x.cnt AS __cnt, x.vmin AS __vmin, x.vmax AS __vmax, x.vsum AS __vsum, x.vlast AS __vlast, x.q AS __q
  FROM (SELECT metric, series_id, t, cnt, vmin, vmax, vsum, vlast, q FROM fleetscope.samples_1h WHERE metric IN {p0:Array(String)} AND t >= toDateTime({p2:UInt32}, 'UTC') AND t < toDateTime({p3:UInt32}, 'UTC')) AS x INNER JOIN series_0 AS se ON x.series_id = se.series_id
  WHERE 1
),
stats_2 AS (
  SELECT `hw_model`, __bucket, (sum(__vsum) / sum(__cnt)) AS __a0, quantilesTDigestMerge(0.5, 0.9, 0.99)(__q)[3] AS __a1 FROM (SELECT *, toDateTime(toStartOfInterval(ts, toIntervalSecond(3600)), 'UTC') AS __bucket FROM scan_1) GROUP BY `hw_model`, __bucket
),
stats_3 AS (
  SELECT `hw_model`, __bucket AS ts, toNullable(__a0) AS `avg_ms`, toNullable(__a1) AS `p99_ms` FROM stats_2 ORDER BY `hw_model`, ts WITH FILL FROM toDateTime({p4:UInt32}, 'UTC') TO toDateTime({p5:UInt32}, 'UTC') STEP toIntervalSecond(3600)
)
SELECT `hw_model`, toUnixTimestamp64Milli(toDateTime64(`ts`, 3, 'UTC')) AS `ts`, toFloat64(`avg_ms`) AS `avg_ms`, toFloat64(`p99_ms`) AS `p99_ms` FROM stats_3 LIMIT {p6:UInt64}
-- params: {"p0":["http.response_time_ms"],"p1":1795176000000,"p2":1792584000,"p3":1795176000,"p4":1792584000,"p5":1795176000,"p6":100001}
