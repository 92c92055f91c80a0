-- Capacity snapshots computed by the analysis role's capacity job (and by GET /api/v1/capacity?compute=1):
-- the whole snapshot as JSON, with the window it read. The API serves the newest; old ones expire.
CREATE TABLE IF NOT EXISTS {{db}}.capacity_snapshots (
  generated_at  DateTime64(3, 'UTC'),
  window_from   DateTime64(3, 'UTC'),
  window_to     DateTime64(3, 'UTC'),
  snapshot      String CODEC(ZSTD(3))
) ENGINE = MergeTree
ORDER BY generated_at
TTL toDateTime(generated_at) + INTERVAL 90 DAY;
