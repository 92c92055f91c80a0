-- metric "df.df_complex" where plugin_instance = "data" and type_instance = "used" last 30d
-- | stats every 1d used = max(value) by host
-- | trend used until disk_capacity_bytes
-- | where days_to_full < 60 | sort days_to_full
-- reads: samples_1d
WITH
series_0 AS (
  SELECT * FROM (SELECT se.series_id AS series_id, se.s_host AS host, se.s_metric AS metric, se.s_kind AS kind, se.s_interval AS interval_ms, se.s_labels[{p1:String}] AS `plugin_instance`, se.s_labels[{p2:String}] AS `type_instance`
    FROM (SELECT series_id, any(host) AS s_host, any(metric) AS s_metric, any(labels) AS s_labels, any(kind) AS s_kind, any(interval_ms) AS s_interval
          FROM fleetscope.series WHERE metric IN {p0:Array(String)} GROUP BY series_id) AS se) WHERE (`plugin_instance` = {p3:String}) AND (`type_instance` = {p4:String})
),
scan_1 AS (
  SELECT x.t AS ts, se.host AS host, se.metric AS metric, toString(se.kind) AS kind, se.`plugin_instance` AS `plugin_instance`, se.`type_instance` AS `type_instance`, x.cnt AS __cnt, x.vmin AS __vmin, x.vmax AS __vmax, x.vsum AS __vsum, x.vlast AS __vlast, x.q AS __q
  FROM (SELECT metric, series_id, t, cnt, vmin, vmax, vsum, vlast, q FROM fleetscope.samples_1d WHERE metric IN {p0:Array(String)} AND t >= toDateTime({p5:UInt32}, 'UTC') AND t < toDateTime({p6:UInt32}, 'UTC')) AS x INNER JOIN series_0 AS se ON x.series_id = se.series_id
  WHERE 1 AND x.series_id IN (SELECT series_id FROM series_0)
),
stats_2 AS (
  SELECT `host`, __bucket, max(__vmax) AS __a0 FROM (SELECT *, toDateTime(toStartOfInterval(ts, toIntervalSecond(86400)), 'UTC') AS __bucket FROM scan_1) GROUP BY `host`, __bucket
),
stats_3 AS (
  SELECT `host`, __bucket AS ts, toNullable(__a0) AS `used` FROM stats_2 ORDER BY `host`, ts WITH FILL FROM toDateTime({p7:UInt32}, 'UTC') TO toDateTime({p8:UInt32}, 'UTC') STEP toIntervalSecond(86400)
),
assets_4 AS (
  SELECT p.*, a.`disk_capacity_bytes` AS `disk_capacity_bytes` FROM stats_3 AS p LEFT JOIN (SELECT host, hw_model, manufacturer, site, rack, role, os, kernel, cpu_model, cpu_cores, memory_bytes, disk_capacity_bytes, nic_speed_bps, status, attrs FROM (SELECT * FROM fleetscope.asset_history FINAL WHERE valid_from <= fromUnixTimestamp64Milli({p9:Int64}, 'UTC') ORDER BY host, valid_from DESC LIMIT 1 BY host) WHERE deleted = 0) AS a ON a.host = p.host
),
trend_fit_5 AS (
  SELECT `host`, toFloat64(count()) AS n, covarSamp(__x, __y) / nullIf(varSamp(__x), 0) AS __slope, avg(__x) AS __mx, avg(__y) AS __my, varSamp(__x) AS __vx, varSamp(__y) AS __vy, max(__x) AS __lastx, argMax(__y, __x) AS last_value, any(__cap) AS capacity
FROM (SELECT *, (toUnixTimestamp64Milli(toDateTime64(ts, 3, 'UTC')) / 86400000) AS __x, toFloat64(`used`) AS __y, toFloat64(`disk_capacity_bytes`) AS __cap FROM assets_4 WHERE isFinite(__y)) GROUP BY `host`
),
trend_6 AS (
  SELECT `host`, n, __slope AS slope_per_day, last_value, capacity, __my - __slope * __mx + __slope * __lastx AS __fitted, if(n > 2, greatest(0, (n - 1) / (n - 2) * (__vy - __slope * __slope * __vx)), nan) AS __resvar, sqrt(__resvar / ((n - 1) * __vx)) AS __se, __slope, if(__vy > 0, 1 - __resvar * (n - 2) / ((n - 1) * __vy), NULL) AS r2, capacity - __fitted AS __left, if(__slope > 0, __left / __slope, NULL) AS days_to_full, if(__slope > 0, fromUnixTimestamp64Milli(toInt64((__lastx + __left / __slope) * 86400000), 'UTC'), NULL) AS full_at
FROM trend_fit_5 ORDER BY `host`
),
where_7 AS (
  SELECT * FROM trend_6 WHERE (`days_to_full` < {p10:Float64})
),
sort_8 AS (
  SELECT * FROM where_7 ORDER BY `days_to_full` ASC
)
SELECT `host`, toFloat64(`n`) AS `n`, toFloat64(`slope_per_day`) AS `slope_per_day`, toFloat64(`last_value`) AS `last_value`, toFloat64(`capacity`) AS `capacity`, toFloat64(`r2`) AS `r2`, toFloat64(`days_to_full`) AS `days_to_full`, toUnixTimestamp64Milli(toDateTime64(`full_at`, 3, 'UTC')) AS `full_at`, toFloat64(`__se`) AS `__se`, toFloat64(`__left`) AS `__left`, toFloat64(`__slope`) AS `__slope` FROM sort_8 LIMIT {p11:UInt64}
-- params: {"p0":["df.df_complex"],"p1":"plugin_instance","p2":"type_instance","p3":"data","p4":"used","p5":1792540800,"p6":1795132800,"p7":1792540800,"p8":1795176000,"p9":1795176000000,"p10":60,"p11":100001}
