-- metric "http.response_time_ms" last 90d
-- | enrich asof hw_model, firmware
-- | stats every 1d p99 = p99(value) by hw_model, firmware
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
asof_2 AS (
  SELECT p.* EXCEPT (__asof_t), h.`hw_model` AS `hw_model`, h.attrs[{p5:String}] AS `firmware` FROM (SELECT *, toDateTime64(ts, 3, 'UTC') AS __asof_t FROM scan_1) AS p
  ASOF LEFT JOIN (SELECT host, hw_model, manufacturer, site, rack, role, os, kernel, cpu_model, cpu_cores, memory_bytes, disk_capacity_bytes, nic_speed_bps, status, attrs, valid_from, deleted FROM fleetscope.asset_history FINAL) AS h ON p.host = h.host AND p.__asof_t >= h.valid_from
),
stats_3 AS (
  SELECT `hw_model`, `firmware`, __bucket, quantileTDigest(0.99)(`value`) AS __a0 FROM (SELECT *, toDateTime(toStartOfInterval(ts, toIntervalSecond(86400)), 'UTC') AS __bucket FROM asof_2) GROUP BY `hw_model`, `firmware`, __bucket
),
stats_4 AS (
  SELECT `hw_model`, `firmware`, __bucket AS ts, toNullable(__a0) AS `p99` FROM stats_3 ORDER BY `hw_model`, `firmware`, ts WITH FILL FROM toDateTime({p6:UInt32}, 'UTC') TO toDateTime({p7:UInt32}, 'UTC') STEP toIntervalSecond(86400)
)
SELECT `hw_model`, `firmware`, toUnixTimestamp64Milli(toDateTime64(`ts`, 3, 'UTC')) AS `ts`, toFloat64(`p99`) AS `p99` FROM stats_4 LIMIT {p8:UInt64}
-- params: {"p0":["http.response_time_ms"],"p1":1787400000000,"p2":1795176000000,"p3":1787400000000,"p4":1795176000000,"p5":"firmware","p6":1787356800,"p7":1795176000,"p8":100001}
