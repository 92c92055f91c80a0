-- Change events: deploys, configuration runs, kernel and firmware upgrades, hardware swaps. Posted
-- through the API (source 'api'); changes read from asset history are derived at query time, not
-- stored. Scope 'host' lists its hosts, 'group' names an asset field and value (role = edge), 'fleet'
-- covers every host. A change re-sent with the same id replaces the earlier copy (newest created_at);
-- `deleted = 1` withdraws it.
CREATE TABLE IF NOT EXISTS {{db}}.changes (
  id           String,
  ts           DateTime64(3, 'UTC'),
  end_ts       Nullable(DateTime64(3, 'UTC')),
  kind         LowCardinality(String),
  scope        LowCardinality(String),
  hosts        Array(String),
  group_field  LowCardinality(String),
  group_value  String,
  description  String,
  link         String,
  source       LowCardinality(String),
  attrs        Map(String, String),
  deleted      UInt8,
  created_at   DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(created_at)
ORDER BY id;
