-- metric "http.requests" last 30d
-- | rate
-- | stats rps = avg(value) by host
-- reads: samples_1d
WITH
series_0 AS (
  SELECT se.series_id AS series_id, se.s_host AS host, se.s_metric AS metric, se.s_kind AS kind, se.s_interval AS interval_ms
    FROM (SELECT series_id, any(host) AS s_host, any(metric) AS s_metric, any(labels) AS s_labels, any(kind) AS s_kind, any(interval_ms) AS s_interval
          FROM fleetscope.series WHERE metric IN {p0:Array(String)} GROUP BY series_id) AS se
),
scan_1 AS (
  SELECT x.t AS ts, se.host AS host, se.metric AS metric, toString(se.kind) AS kind, x.cnt AS __cnt, x.vmin AS __vmin, x.vmax AS __vmax, x.vsum AS __vsum, x.vlast AS __vlast, x.q AS __q
  FROM (SELECT metric, series_id, t, cnt, vmin, vmax, vsum, vlast, q FROM fleetscope.samples_1d WHERE metric IN {p0:Array(String)} AND t >= toDateTime({p1:UInt32}, 'UTC') AND t < toDateTime({p2:UInt32}, 'UTC')) AS x INNER JOIN series_0 AS se ON x.series_id = se.series_id
  WHERE 1
),
stats_2 AS (
  SELECT `host`, (sum(__vsum) / sum(__cnt)) AS __a0 FROM scan_1 GROUP BY `host`
),
stats_3 AS (
  SELECT `host`, __a0 AS `rps` FROM stats_2 ORDER BY `host`
)
SELECT `host`, toFloat64(`rps`) AS `rps` FROM stats_3 LIMIT {p3:UInt64}
-- params: {"p0":["http.requests"],"p1":1792540800,"p2":1795132800,"p3":100001}
