// Selecting series by their host's current asset record, and putting series into groups by host, metric,
// label or asset field: shared by GET /api/v1/points (group_by), GET /api/v1/distribution and the
// series filter of the read API. Field names come only from ASSET_FIELDS or travel as bound parameters.
import type { Storage } from '../lib/clickhouse/client.ts';
import { HttpError } from '../lib/http-errors.ts';
import { ASSET_FIELDS, currentAssetsSql, type AssetField } from './assets-schema.ts';

type Query = Record<string, string | undefined>;

/** A name an `asset.<field>` parameter or a group key may use: a well-known field or an attrs key. */
const FIELD_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,99}$/;

function isAssetField(name: string): name is AssetField {
  return Object.hasOwn(ASSET_FIELDS, name);
}

/**
 * The SQL of one asset field of a current-assets row as a string ('' when unset): a well-known column,
 * or `attrs[…]` with the key bound as `{<param>:String}`.
 */
function assetFieldSql(field: string, param: string, params: Record<string, unknown>): string {
  if (isAssetField(field)) return ASSET_FIELDS[field].type === 'number' ? `ifNull(toString(${field}), '')` : field;
  params[param] = field;
  return `attrs[{${param}:String}]`;
}

/**
 * The condition for `asset.<field>=<value>` parameters: the series' host has a current asset record
 * with those values. Undefined when there are none; 400 API_ERR_BAD_PARAM for a name with characters a
 * field cannot have.
 */
export function assetFilterSql(db: string, q: Query, params: Record<string, unknown>): string | undefined {
  const conds: string[] = [];
  let i = 0;
  for (const [k, v] of Object.entries(q)) {
    if (!k.startsWith('asset.') || v === undefined) continue;
    const field = k.slice(6);
    if (!FIELD_NAME.test(field)) {
      throw new HttpError('API_ERR_BAD_PARAM', `cannot filter by ${JSON.stringify(k)}: an asset field is a well-known field or an attribute name of letters, digits, _ . : -`, { param: k });
    }
    conds.push(`${assetFieldSql(field, `afk${i}`, params)} = {afv${i}:String}`);
    params[`afv${i}`] = String(v);
    i++;
  }
  if (conds.length === 0) return undefined;
  return `host IN (SELECT host FROM (${currentAssetsSql(db)}) WHERE ${conds.join(' AND ')})`;
}

/** One key of `group_by` or `by`: `name` is how it appears in a group (`hw_model`, `label.plugin`, `host`). */
export type GroupKey =
  | { readonly kind: 'host' | 'metric'; readonly name: string }
  | { readonly kind: 'label'; readonly name: string; readonly label: string }
  | { readonly kind: 'asset'; readonly name: string; readonly field: string };

/**
 * Parses a comma-separated list of group keys: `host`, `metric`, `label.<name>`, `asset.<field>`, a bare
 * well-known asset field, or `all` alone (one group: an empty list). `allowed` limits the kinds.
 */
export function parseGroupKeys(text: string, param: string, allowed: readonly GroupKey['kind'][] = ['host', 'metric', 'label', 'asset']): GroupKey[] {
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 1 && parts[0] === 'all') return [];
  const keys: GroupKey[] = [];
  for (const p of parts) {
    let key: GroupKey | undefined;
    if (p === 'host' || p === 'metric') key = { kind: p, name: p };
    else if (p.startsWith('label.') && FIELD_NAME.test(p.slice(6))) key = { kind: 'label', name: p, label: p.slice(6) };
    else if (p.startsWith('asset.') && FIELD_NAME.test(p.slice(6))) key = { kind: 'asset', name: p.slice(6), field: p.slice(6) };
    else if (isAssetField(p)) key = { kind: 'asset', name: p, field: p };
    if (key === undefined || !allowed.includes(key.kind)) {
      const kinds = [allowed.includes('host') ? 'host' : '', allowed.includes('metric') ? 'metric' : '', 'label.<name>', 'asset.<field>', 'a well-known asset field such as hw_model or site', 'all'].filter((k) => k !== '');
      throw new HttpError('API_ERR_BAD_PARAM', `cannot group by ${JSON.stringify(p)}: use ${kinds.join(', ')}`, { param });
    }
    if (!keys.some((k) => k.name === key.name)) keys.push(key);
  }
  if (keys.length === 0) throw new HttpError('API_ERR_BAD_PARAM', `cannot group by ${JSON.stringify(text)}: name at least one key, or all`, { param });
  return keys;
}

/** What {@link currentAssetValues} answers: host → the value of each asset key, in key order ('' when unset). */
export type AssetValues = Map<string, string[]>;

/** The asset-field values of `hosts` from their current records, one query for all of them. */
export async function currentAssetValues(storage: Storage, hosts: readonly string[], keys: readonly GroupKey[]): Promise<AssetValues> {
  const fields = keys.flatMap((k) => (k.kind === 'asset' ? [k.field] : []));
  const out: AssetValues = new Map();
  if (fields.length === 0 || hosts.length === 0) return out;
  const params: Record<string, unknown> = { hosts: [...new Set(hosts)] };
  // Aliases f0, f1… never repeat a column name (host is read as it is and only filtered on).
  const exprs = fields.map((f, i) => `${assetFieldSql(f, `gk${i}`, params)} AS f${i}`);
  const rows = await storage.query<Record<string, string>>(
    `SELECT host, ${exprs.join(', ')} FROM (${currentAssetsSql(storage.database)}) WHERE host IN {hosts:Array(String)}`,
    params,
  );
  for (const r of rows) out.set(r.host, fields.map((_, i) => String(r[`f${i}`] ?? '')));
  return out;
}

/** The values of a series' group, in key order ('' for a missing label or asset value, or no host). */
export function groupValues(s: { host: string; metric: string; labels: Record<string, string> }, keys: readonly GroupKey[], assets: AssetValues): string[] {
  const record = s.host === '' ? undefined : assets.get(s.host);
  let a = -1;
  return keys.map((k) => {
    if (k.kind === 'asset') a++;
    switch (k.kind) {
      case 'host':
        return s.host;
      case 'metric':
        return s.metric;
      case 'label':
        return s.labels[k.label] ?? '';
      case 'asset':
        return record?.[a] ?? '';
    }
  });
}

/** `site=ams1, hw_model=R650` for display; an empty value shows as `(none)`, no keys as `all`. */
export function groupLabel(keys: readonly GroupKey[], values: readonly string[]): string {
  if (keys.length === 0) return 'all';
  return keys.map((k, i) => `${k.name}=${values[i] === '' ? '(none)' : values[i]}`).join(', ');
}
