// The well-known asset fields, shared by the asset API (which writes them) and the query compiler
// (which joins them to samples). Free-form attributes live in `attrs` and are strings.

export type AssetFieldType = 'string' | 'number';

/** Well-known fields of an asset record, in column order of `asset_history`. */
export const ASSET_FIELDS = {
  hw_model: { type: 'string', doc: 'hardware model, such as "PowerEdge R650"' },
  manufacturer: { type: 'string', doc: 'hardware manufacturer' },
  site: { type: 'string', doc: 'site, data centre or POP' },
  rack: { type: 'string', doc: 'rack within the site' },
  role: { type: 'string', doc: 'what the host does: edge-cache, web, db…' },
  os: { type: 'string', doc: 'operating system and version' },
  kernel: { type: 'string', doc: 'kernel version' },
  cpu_model: { type: 'string', doc: 'CPU model' },
  cpu_cores: { type: 'number', doc: 'CPU cores (threads)' },
  memory_bytes: { type: 'number', doc: 'installed memory, bytes' },
  disk_capacity_bytes: { type: 'number', doc: 'total disk capacity, bytes' },
  nic_speed_bps: { type: 'number', doc: 'NIC capacity, bits per second' },
  status: { type: 'string', doc: 'lifecycle status: active, planned, offline, decommissioning…' },
} as const satisfies Record<string, { type: AssetFieldType; doc: string }>;

export type AssetField = keyof typeof ASSET_FIELDS;
export const ASSET_FIELD_NAMES = Object.keys(ASSET_FIELDS) as AssetField[];

/** The columns of an asset row as the compiler sees them: `host`, every well-known field, `attrs`. */
const COLUMNS = ['host', ...ASSET_FIELD_NAMES, 'attrs'].join(', ');

/**
 * Each host's record as it is now (the newest version whose `valid_from` is not in the future), or as
 * of `at` (a DateTime64 SQL expression), retired hosts left out. One row per host.
 */
export function currentAssetsSql(db: string, at = 'now64(3)'): string {
  return `SELECT ${COLUMNS} FROM (SELECT * FROM ${db}.asset_history FINAL WHERE valid_from <= ${at} ORDER BY host, valid_from DESC LIMIT 1 BY host) WHERE deleted = 0`;
}

/** Every version of every host: `host`, `valid_from`, the fields and `deleted`, for as-of joins. */
export function assetHistorySql(db: string): string {
  return `SELECT ${COLUMNS}, valid_from, deleted FROM ${db}.asset_history FINAL`;
}
