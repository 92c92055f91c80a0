// Change events and where they apply. Changes posted through the API live in the `changes` table;
// changes read from asset history (a host's hardware model, OS, kernel or role changed) are derived
// when asked for, so they always agree with the asset records. Every consumer — the API, the query
// language, dashboards, anomaly attribution — reads changes through `listChanges`.
import type { Storage } from '../../lib/clickhouse/client.ts';
import { assetHistorySql } from '../../query/assets-schema.ts';

/** Kinds of change; `other` for anything else. Asset-derived changes are `hardware`, `os`, `kernel`, `role`, `firmware`. */
export const CHANGE_KINDS = ['deploy', 'config', 'kernel', 'firmware', 'os', 'hardware', 'role', 'other'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** Where a change applies: some hosts, the hosts of an asset group (as of the change), or every host. */
export type ChangeScope =
  | { readonly kind: 'host'; readonly hosts: readonly string[] }
  | { readonly kind: 'group'; readonly field: string; readonly value: string }
  | { readonly kind: 'fleet' };

export interface Change {
  readonly id: string;
  /** When it happened (or started), epoch ms. */
  readonly ts: number;
  /** When a rollout ended, epoch ms; undefined for an instant change. */
  readonly endTs?: number;
  readonly kind: ChangeKind;
  readonly scope: ChangeScope;
  readonly description: string;
  readonly link: string;
  /** `api` (posted), `asset_history` (derived from asset versions). */
  readonly source: string;
  readonly attrs: Readonly<Record<string, string>>;
}

/** A posted change as stored; `createdAt` orders versions of the same id. */
export interface StoredChange extends Change {
  readonly createdAt: number;
}

/** Asset fields whose change is a change event, and the kind it gets. */
export const ASSET_CHANGE_KINDS: Readonly<Record<string, ChangeKind>> = {
  hw_model: 'hardware',
  cpu_model: 'hardware',
  os: 'os',
  kernel: 'kernel',
  role: 'role',
};

/** Attributes of `asset_history.attrs` whose change is a firmware change. */
const FIRMWARE_ATTRS = ['firmware', 'bios', 'bmc_firmware'];

function dateTime64(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23).replace('T', ' ');
}

/** Writes changes (a re-sent id replaces the earlier version). */
export async function insertChanges(storage: Storage, changes: readonly StoredChange[], deleted = false): Promise<void> {
  if (changes.length === 0) return;
  const rows = changes.map((c) =>
    JSON.stringify({
      id: c.id,
      ts: dateTime64(c.ts),
      end_ts: c.endTs === undefined ? null : dateTime64(c.endTs),
      kind: c.kind,
      scope: c.scope.kind,
      hosts: c.scope.kind === 'host' ? c.scope.hosts : [],
      group_field: c.scope.kind === 'group' ? c.scope.field : '',
      group_value: c.scope.kind === 'group' ? c.scope.value : '',
      description: c.description,
      link: c.link,
      source: c.source,
      attrs: c.attrs,
      deleted: deleted ? 1 : 0,
      created_at: dateTime64(c.createdAt),
    }),
  );
  await storage.insertText(`INSERT INTO ${storage.database}.changes SETTINGS async_insert = 0 FORMAT JSONEachRow`, rows.join('\n'));
}

interface ChangeRow {
  id: string;
  ts_ms: string;
  end_ms: string | null;
  kind: string;
  scope: string;
  hosts: string[];
  group_field: string;
  group_value: string;
  description: string;
  link: string;
  source: string;
  attrs: Record<string, string>;
  created_ms: string;
}

function fromRow(r: ChangeRow): StoredChange {
  const scope: ChangeScope =
    r.scope === 'host' ? { kind: 'host', hosts: r.hosts } : r.scope === 'group' ? { kind: 'group', field: r.group_field, value: r.group_value } : { kind: 'fleet' };
  return {
    id: r.id,
    ts: Number(r.ts_ms),
    ...(r.end_ms === null ? {} : { endTs: Number(r.end_ms) }),
    kind: (CHANGE_KINDS as readonly string[]).includes(r.kind) ? (r.kind as ChangeKind) : 'other',
    scope,
    description: r.description,
    link: r.link,
    source: r.source,
    attrs: r.attrs,
    createdAt: Number(r.created_ms),
  };
}

/** One posted change by id (undefined when absent or withdrawn). */
export async function getChange(storage: Storage, id: string): Promise<StoredChange | undefined> {
  const rows = await storage.query<ChangeRow & { deleted: number }>(
    `SELECT id, toString(toUnixTimestamp64Milli(ts)) AS ts_ms, if(end_ts IS NULL, NULL, toString(toUnixTimestamp64Milli(assumeNotNull(end_ts)))) AS end_ms, kind, scope, hosts,
            group_field, group_value, description, link, source, attrs, deleted, toString(toUnixTimestamp64Milli(created_at)) AS created_ms
     FROM ${storage.database}.changes FINAL WHERE id = {id:String}`,
    { id },
  );
  const r = rows[0];
  return r && Number(r.deleted) === 0 ? fromRow(r) : undefined;
}

/** What {@link listChanges} selects. */
export interface ChangeFilter {
  readonly from: number;
  readonly to: number;
  /** Only changes that apply to one of these hosts (group and fleet changes are resolved to hosts). */
  readonly hosts?: readonly string[];
  readonly kinds?: readonly ChangeKind[];
  /** Leave out changes derived from asset history. */
  readonly postedOnly?: boolean;
  readonly limit?: number;
}

/**
 * Changes with `from ≤ ts < to`, newest first: posted ones and those derived from asset history
 * (one per host and version whose hardware model, CPU, OS, kernel, role or firmware attribute differs
 * from the version before; id `asset:<host>:<valid_from>`).
 */
export async function listChanges(storage: Storage, filter: ChangeFilter): Promise<Change[]> {
  const db = storage.database;
  const limit = filter.limit ?? 10_000;
  const posted = (
    await storage.query<ChangeRow>(
      `SELECT id, toString(toUnixTimestamp64Milli(ts)) AS ts_ms, if(end_ts IS NULL, NULL, toString(toUnixTimestamp64Milli(assumeNotNull(end_ts)))) AS end_ms, kind, scope, hosts,
              group_field, group_value, description, link, source, attrs, toString(toUnixTimestamp64Milli(created_at)) AS created_ms
       FROM ${db}.changes FINAL
       WHERE deleted = 0 AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
       ORDER BY ts DESC LIMIT {limit:UInt32}`,
      { from: filter.from, to: filter.to, limit },
    )
  ).map(fromRow);
  const derived = filter.postedOnly ? [] : await assetChanges(storage, filter.from, filter.to, limit);
  let all: Change[] = [...posted, ...derived];
  if (filter.kinds) all = all.filter((c) => filter.kinds!.includes(c.kind));
  if (filter.hosts) {
    const wanted = new Set(filter.hosts);
    const groups = await groupMembers(storage, all);
    all = all.filter((c) => changeHosts(c, groups).some((h) => h === '*' || wanted.has(h)));
  }
  return all.sort((a, b) => b.ts - a.ts).slice(0, limit);
}

/** Changes read from asset history: a version that differs from the host's previous one in a change field. */
async function assetChanges(storage: Storage, from: number, to: number, limit: number): Promise<Change[]> {
  const fields = Object.keys(ASSET_CHANGE_KINDS);
  const rows = await storage.query<Record<string, unknown> & { host: string; vf: string; attrs: Record<string, string>; prev_attrs: Record<string, string> }>(
    `SELECT host, toString(toUnixTimestamp64Milli(valid_from)) AS vf, ${fields.map((f) => `toString(${f}) AS ${f}_now, toString(prev_${f}) AS ${f}_before`).join(', ')}, attrs, prev_attrs
     FROM (
       SELECT host, valid_from, deleted, attrs, ${fields.join(', ')},
              lagInFrame(attrs) OVER w AS prev_attrs, lagInFrame(valid_from) OVER w AS prev_from, lagInFrame(deleted, 1, 1) OVER w AS prev_deleted,
              ${fields.map((f) => `lagInFrame(${f}) OVER w AS prev_${f}`).join(', ')}
       FROM (${assetHistorySql(storage.database)})
       WINDOW w AS (PARTITION BY host ORDER BY valid_from ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
     )
     WHERE deleted = 0 AND prev_deleted = 0 AND valid_from >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND valid_from < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
     ORDER BY valid_from DESC LIMIT {limit:UInt32}`,
    { from, to, limit },
  );
  const out: Change[] = [];
  for (const r of rows) {
    const ts = Number(r.vf);
    for (const f of fields) {
      const before = String(r[`${f}_before`] ?? '');
      const now = String(r[`${f}_now`] ?? '');
      if (before !== now) out.push(derivedChange(r.host, ts, ASSET_CHANGE_KINDS[f], f, before, now));
    }
    for (const a of FIRMWARE_ATTRS) {
      const before = r.prev_attrs?.[a] ?? '';
      const now = r.attrs?.[a] ?? '';
      if (before !== now) out.push(derivedChange(r.host, ts, 'firmware', a, before, now));
    }
  }
  return out;
}

function derivedChange(host: string, ts: number, kind: ChangeKind, field: string, before: string, now: string): Change {
  return {
    id: `asset:${host}:${ts}:${field}`,
    ts,
    kind,
    scope: { kind: 'host', hosts: [host] },
    description: `${field} ${before || '(none)'} → ${now || '(none)'}`,
    link: `/hosts/${encodeURIComponent(host)}`,
    source: 'asset_history',
    attrs: { field, from: before, to: now },
  };
}

/** Members of the asset groups some changes name, as of each change (group → hosts); `*` for the fleet. */
export type GroupMembers = ReadonlyMap<string, readonly string[]>;

const groupKey = (c: Change) => (c.scope.kind === 'group' ? `${c.scope.field}=${c.scope.value}@${c.ts}` : '');

/** Resolves the group changes of `changes` to their hosts, as of each change's time. */
export async function groupMembers(storage: Storage, changes: readonly Change[]): Promise<GroupMembers> {
  const out = new Map<string, string[]>();
  for (const c of changes) {
    if (c.scope.kind !== 'group' || out.has(groupKey(c))) continue;
    const field = c.scope.field;
    const known = field in ASSET_CHANGE_KINDS || ['site', 'rack', 'manufacturer', 'status'].includes(field);
    const rows = await storage.query<{ host: string }>(
      `SELECT host FROM (SELECT * FROM (${assetHistorySql(storage.database)}) WHERE valid_from <= fromUnixTimestamp64Milli({at:Int64}, 'UTC') ORDER BY host, valid_from DESC LIMIT 1 BY host)
       WHERE deleted = 0 AND ${known ? `toString(${field})` : 'attrs[{field:String}]'} = {value:String} ORDER BY host`,
      { at: c.ts, field, value: c.scope.value },
    );
    out.set(groupKey(c), rows.map((r) => r.host));
  }
  return out;
}

/** The hosts a change applies to (`['*']` for the fleet); group changes need {@link groupMembers}. */
export function changeHosts(c: Change, groups: GroupMembers): readonly string[] {
  if (c.scope.kind === 'host') return c.scope.hosts;
  if (c.scope.kind === 'fleet') return ['*'];
  return groups.get(groupKey(c)) ?? [];
}

/** Adds a bound parameter and returns its placeholder (`{p3:String}`); the query compiler's `Params.add`. */
export type BindParam = (value: unknown, type: string) => string;

/**
 * The rows of the query language's `changes` source as one SQL statement, the SQL twin of
 * {@link listChanges}: posted changes (not withdrawn) and the changes derived from asset history, with
 * `from ≤ ts < to` (`from` and `to` are `DateTime64` expressions). Columns: `ts`, `id`, `kind`, `scope`,
 * `host` (one row per host of a host-scoped change; '' for group and fleet scope), `group_field`,
 * `group_value`, `description`, `link`, `source`. Every constant is bound through `p`, never spliced.
 */
export function changeEventsSql(db: string, p: BindParam, range: { readonly from: string; readonly to: string }): string {
  const str = (v: string) => p(v, 'String');
  const empty = str('');
  const posted = `SELECT ts, id, if(kind IN ${p(CHANGE_KINDS, 'Array(String)')}, toString(kind), ${str('other')}) AS kind, toString(scope) AS scope, h AS host,
      toString(group_field) AS group_field, group_value, description, link, toString(source) AS source
    FROM (SELECT * FROM ${db}.changes FINAL WHERE deleted = 0 AND ts >= ${range.from} AND ts < ${range.to})
    ARRAY JOIN if(scope = ${str('host')}, hosts, [${empty}]) AS h`;
  // One candidate per field of each version (name, kind, before, after); those whose value moved are changes.
  const fields = Object.keys(ASSET_CHANGE_KINDS);
  const names = [...fields, ...FIRMWARE_ATTRS];
  const kinds = [...fields.map((f) => ASSET_CHANGE_KINDS[f]), ...FIRMWARE_ATTRS.map(() => 'firmware')];
  const before = [...fields.map((f) => `ifNull(toString(prev_${f}), ${empty})`), ...FIRMWARE_ATTRS.map((a) => `prev_attrs[${str(a)}]`)];
  const after = [...fields.map((f) => `ifNull(toString(${f}), ${empty})`), ...FIRMWARE_ATTRS.map((a) => `attrs[${str(a)}]`)];
  const none = str('(none)');
  const derived = `SELECT valid_from AS ts, concat(${str('asset:')}, host, ${str(':')}, toString(toUnixTimestamp64Milli(valid_from)), ${str(':')}, c.1) AS id, c.2 AS kind,
      ${str('host')} AS scope, host, ${empty} AS group_field, ${empty} AS group_value,
      concat(c.1, ${str(' ')}, if(c.3 = ${empty}, ${none}, c.3), ${str(' → ')}, if(c.4 = ${empty}, ${none}, c.4)) AS description,
      concat(${str('/hosts/')}, encodeURLComponent(host)) AS link, ${str('asset_history')} AS source
    FROM (
      SELECT host, valid_from, deleted, attrs, ${fields.join(', ')},
             lagInFrame(attrs) OVER w AS prev_attrs, lagInFrame(deleted, 1, 1) OVER w AS prev_deleted,
             ${fields.map((f) => `lagInFrame(${f}) OVER w AS prev_${f}`).join(', ')}
      FROM (${assetHistorySql(db)})
      WINDOW w AS (PARTITION BY host ORDER BY valid_from ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    )
    ARRAY JOIN arrayZip(${p(names, 'Array(String)')}, ${p(kinds, 'Array(String)')}, [${before.join(', ')}], [${after.join(', ')}]) AS c
    WHERE deleted = 0 AND prev_deleted = 0 AND valid_from >= ${range.from} AND valid_from < ${range.to} AND c.3 != c.4`;
  return `SELECT * FROM (${posted}\n    UNION ALL\n    ${derived}) ORDER BY ts DESC, id, host`;
}
