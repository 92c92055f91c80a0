-- changes last 7d
-- | where kind = "deploy" and host = "web-01"
-- | stats count() by kind
-- reads: changes
WITH
changes_0 AS (
  SELECT * FROM (SELECT ts, id, if(kind IN {p3:Array(String)}, toString(kind), {p4:String}) AS kind, toString(scope) AS scope, h AS host,
      toString(group_field) AS group_field, group_value, description, link, toString(source) AS source
    FROM (SELECT * FROM fleetscope.changes FINAL WHERE deleted = 0 AND ts >= fromUnixTimestamp64Milli({p0:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({p1:Int64}, 'UTC'))
    ARRAY JOIN if(scope = {p5:String}, hosts, [{p2:String}]) AS h
    UNION ALL
    SELECT valid_from AS ts, concat({p13:String}, host, {p14:String}, toString(toUnixTimestamp64Milli(valid_from)), {p15:String}, c.1) AS id, c.2 AS kind,
      {p16:String} AS scope, host, {p2:String} AS group_field, {p2:String} AS group_value,
      concat(c.1, {p17:String}, if(c.3 = {p2:String}, {p12:String}, c.3), {p18:String}, if(c.4 = {p2:String}, {p12:String}, c.4)) AS description,
      concat({p19:String}, encodeURLComponent(host)) AS link, {p20:String} AS source
    FROM (
      SELECT host, valid_from, deleted, attrs, hw_model, cpu_model, os, kernel, role,
             lagInFrame(attrs) OVER w AS prev_attrs, lagInFrame(deleted, 1, 1) OVER w AS prev_deleted,
             lagInFrame(hw_model) OVER w AS prev_hw_model, lagInFrame(cpu_model) OVER w AS prev_cpu_model, lagInFrame(os) OVER w AS prev_os, lagInFrame(kernel) OVER w AS prev_kernel, lagInFrame(role) OVER w AS prev_role
      FROM (SELECT host, hw_model, manufacturer, site, rack, role, os, kernel, cpu_model, cpu_cores, memory_bytes, disk_capacity_bytes, nic_speed_bps, status, attrs, valid_from, deleted FROM fleetscope.asset_history FINAL)
      WINDOW w AS (PARTITION BY host ORDER BY valid_from ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    )
    ARRAY JOIN arrayZip({p21:Array(String)}, {p22:Array(String)}, [ifNull(toString(prev_hw_model), {p2:String}), ifNull(toString(prev_cpu_model), {p2:String}), ifNull(toString(prev_os), {p2:String}), ifNull(toString(prev_kernel), {p2:String}), ifNull(toString(prev_role), {p2:String}), prev_attrs[{p6:String}], prev_attrs[{p7:String}], prev_attrs[{p8:String}]], [ifNull(toString(hw_model), {p2:String}), ifNull(toString(cpu_model), {p2:String}), ifNull(toString(os), {p2:String}), ifNull(toString(kernel), {p2:String}), ifNull(toString(role), {p2:String}), attrs[{p9:String}], attrs[{p10:String}], attrs[{p11:String}]]) AS c
    WHERE deleted = 0 AND prev_deleted = 0 AND valid_from >= fromUnixTimestamp64Milli({p0:Int64}, 'UTC') AND valid_from < fromUnixTimestamp64Milli({p1:Int64}, 'UTC') AND c.3 != c.4) ORDER BY ts DESC, id, host
),
where_1 AS (
  SELECT * FROM changes_0 WHERE ((`kind` = {p23:String}) AND (`host` = {p24:String}))
),
stats_2 AS (
  SELECT `kind`, toFloat64(count()) AS __a0 FROM where_1 GROUP BY `kind`
),
stats_3 AS (
  SELECT `kind`, __a0 AS `count` FROM stats_2 ORDER BY `kind`
)
SELECT `kind`, toFloat64(`count`) AS `count` FROM stats_3 LIMIT {p25:UInt64}
-- params: {"p0":1794571200000,"p1":1795176000000,"p2":"","p3":["deploy","config","kernel","firmware","os","hardware","role","other"],"p4":"other","p5":"host","p6":"firmware","p7":"bios","p8":"bmc_firmware","p9":"firmware","p10":"bios","p11":"bmc_firmware","p12":"(none)","p13":"asset:","p14":":","p15":":","p16":"host","p17":" ","p18":" → ","p19":"/hosts/","p20":"asset_history","p21":["hw_model","cpu_model","os","kernel","role","firmware","bios","bmc_firmware"],"p22":["hardware","hardware","os","kernel","role","firmware","firmware","firmware"],"p23":"deploy","p24":"web-01","p25":100001}
