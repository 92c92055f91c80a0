-- let backbone = metric "interface.if_octets.rx" where host ~ "core*" last 7d
--   | rate | stats every 5m util = max(value * 8 / 100e9);
-- metric "http.response_time_ms" last 7d
-- | stats every 5m p99 = p99(value)
-- | join $backbone
-- | correlate util, p99 lag 0m to 30m
-- reads: samples_1m
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
rate_2 AS (
  SELECT * REPLACE (__rate AS value) FROM scan_1 WHERE isFinite(__rate)
),
stats_3 AS (
  SELECT __bucket, max(((`value` * {p6:Float64}) / {p7:Float64})) AS __a0 FROM (SELECT *, toDateTime(toStartOfInterval(ts, toIntervalSecond(300)), 'UTC') AS __bucket FROM rate_2) GROUP BY __bucket
),
stats_4 AS (
  SELECT __bucket AS ts, toNullable(__a0) AS `util` FROM stats_3 ORDER BY ts WITH FILL FROM toDateTime({p8:UInt32}, 'UTC') TO toDateTime({p9:UInt32}, 'UTC') STEP toIntervalSecond(300)
),
series_5 AS (
  SELECT se.series_id AS series_id, se.s_host AS host, se.s_metric AS metric, se.s_kind AS kind, se.s_interval AS interval_ms
    FROM (SELECT series_id, any(host) AS s_host, any(metric) AS s_metric, any(labels) AS s_labels, any(kind) AS s_kind, any(interval_ms) AS s_interval
          FROM fleetscope.series WHERE metric IN {p10:Array(String)} GROUP BY series_id) AS se
),
scan_6 AS (
  SELECT x.t AS ts, se.host AS host, se.metric AS metric, toString(se.kind) AS kind, x.cnt AS __cnt, x.vmin AS __vmin, x.vmax AS __vmax, x.vsum AS __vsum, x.vlast AS __vlast, x.q AS __q
  FROM (SELECT metric, series_id, t, cnt, vmin, vmax, vsum, vlast, q FROM fleetscope.samples_1m WHERE metric IN {p10:Array(String)} AND t >= toDateTime({p11:UInt32}, 'UTC') AND t < toDateTime({p12:UInt32}, 'UTC')) AS x INNER JOIN series_5 AS se ON x.series_id = se.series_id
  WHERE 1
),
stats_7 AS (
  SELECT __bucket, quantilesTDigestMerge(0.5, 0.9, 0.99)(__q)[3] AS __a0 FROM (SELECT *, toDateTime(toStartOfInterval(ts, toIntervalSecond(300)), 'UTC') AS __bucket FROM scan_6) GROUP BY __bucket
),
stats_8 AS (
  SELECT __bucket AS ts, toNullable(__a0) AS `p99` FROM stats_7 ORDER BY ts WITH FILL FROM toDateTime({p13:UInt32}, 'UTC') TO toDateTime({p14:UInt32}, 'UTC') STEP toIntervalSecond(300)
),
join_9 AS (
  SELECT `ts`, l.`p99`, r.`util` FROM stats_8 AS l INNER JOIN stats_4 AS r USING (`ts`) ORDER BY ts
),
corr_a_10 AS (
  SELECT ts + toIntervalSecond(__lag) AS __k, __lag, toFloat64(`util`) AS __x FROM join_9 ARRAY JOIN {p15:Array(Int64)} AS __lag WHERE isFinite(__x)
),
corr_b_11 AS (
  SELECT ts AS __k, toFloat64(`p99`) AS __y FROM join_9 WHERE isFinite(__y)
),
correlate_12 AS (
  SELECT __lag * 1000 AS lag, toFloat64(count()) AS n, corr(__x, __y) AS pearson, rankCorr(__x, __y) AS spearman
FROM corr_a_10 INNER JOIN corr_b_11 USING (__k) GROUP BY __lag ORDER BY __lag
)
SELECT toFloat64(`lag`) AS `lag`, toFloat64(`n`) AS `n`, toFloat64(`pearson`) AS `pearson`, toFloat64(`spearman`) AS `spearman` FROM correlate_12 LIMIT {p16:UInt64}
-- params: {"p0":["interface.if_octets.rx"],"p1":"core%","p2":1794571200000,"p3":1795176000000,"p4":1794571200000,"p5":1795176000000,"p6":8,"p7":100000000000,"p8":1794571200,"p9":1795176000,"p10":["http.response_time_ms"],"p11":1794571200,"p12":1795176000,"p13":1794571200,"p14":1795176000,"p15":[0,300,600,900,1200,1500,1800],"p16":100001}
