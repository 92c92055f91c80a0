-- Silences of alerts (analysis/silences/): one row per version of a silence, the matchers as JSON. The
-- highest `version` of an id wins; expiring a silence early writes a new version with an earlier
-- `ends_at`. Rows go 90 days after they were written (a silence lasts at most 30 days).
CREATE TABLE IF NOT EXISTS {{db}}.silences (
  id          String,
  matchers    String,
  starts_at   DateTime64(3, 'UTC'),
  ends_at     DateTime64(3, 'UTC'),
  comment     String,
  created_by  String,
  updated_at  DateTime64(3, 'UTC'),
  version     UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY id
TTL toDateTime(updated_at) + INTERVAL 90 DAY;
