-- metric "http.response_time_ms" last 24h
-- | stats p99 = p99(value) by host
-- | outliers p99 method tukey
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
  SELECT `host`, __a0 AS `p99` FROM stats_3 ORDER BY `host`
),
outl_5 AS (
  SELECT *, quantileExact(0.25)(__x) OVER () AS __q1, quantileExact(0.75)(__x) OVER () AS __q3, __q1 - 1.5 * (__q3 - __q1) AS lower, __q3 + 1.5 * (__q3 - __q1) AS upper FROM (SELECT *, toFloat64(`p99`) AS __x FROM stats_4 WHERE isFinite(__x))
),
outliers_6 AS (
  SELECT `host`, `p99`, lower, upper, if(__x > upper, 'high', 'low') AS direction FROM outl_5 WHERE __x < lower OR __x > upper
)
SELECT `host`, toFloat64(`p99`) AS `p99`, toFloat64(`lower`) AS `lower`, toFloat64(`upper`) AS `upper`, `direction` FROM outliers_6 LIMIT {p5:UInt64}
-- params: {"p0":["http.response_time_ms"],"p1":1795089600000,"p2":1795176000000,"p3":1795089600000,"p4":1795176000000,"p5":100001}
