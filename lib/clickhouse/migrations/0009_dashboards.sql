-- Saved user dashboards (query/dashboards-api.ts): one row per saved version of a dashboard, the spec as
-- JSON. The highest `version` of an id wins (read with FINAL); a deletion is a row with `deleted = 1` and
-- the next version, so that it replaces every earlier one.
CREATE TABLE IF NOT EXISTS {{db}}.dashboards (
  id          String,
  name        String,
  spec        String CODEC(ZSTD(3)),
  version     UInt64,
  deleted     UInt8,
  updated_at  DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(version)
ORDER BY id;
