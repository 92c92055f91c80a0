// Asset records in `asset_history`: upsert in chunks, retire, and the reads of the asset API.
import type { Storage } from '../lib/clickhouse/client.ts';
import { ASSET_FIELDS, ASSET_FIELD_NAMES, type AssetField } from './assets-schema.ts';
import { validateAssetRecords, type AssetContent, type AssetMode, type AssetVersion, type RecordError } from './assets.ts';
import { planRetire, planUpsert } from './assets-versions.ts';

/** Options of {@link createAssetStore}. */
export interface AssetStoreOptions {
  /** Records decided and inserted together; bounds the memory of one step. @default 5000 */
  readonly chunkSize?: number;
  readonly now?: () => number;
}

/** What an upsert did, record by record. */
export interface UpsertResult {
  readonly received: number;
  readonly changed: number;
  readonly unchanged: number;
  readonly rejected: number;
  readonly errors: readonly RecordError[];
}

/** Which current records to list: exact values per field (any of them), a host glob, a page. */
export interface AssetFilter {
  /** Host name, exact. */
  readonly host?: string;
  /** Host names matching a glob: `*` any characters, `?` one. */
  readonly hostGlob?: string;
  /** Values per well-known field; `null` matches hosts without a value. */
  readonly fields?: Partial<Record<AssetField, ReadonlyArray<string | number | null>>>;
  /** Values per attribute key; `''` matches hosts without that attribute. */
  readonly attrs?: Readonly<Record<string, readonly string[]>>;
  /** The time the records are read at, ms. @default now */
  readonly at?: number;
  readonly limit: number;
  readonly offset: number;
}

/** Reads and writes asset records. Writes of one store run one at a time. */
export interface AssetStore {
  /** Validates, compares and inserts; `validFrom` is the time of records without their own. */
  upsert(records: readonly unknown[], opts: { mode: AssetMode; source: string; validFrom?: number }): Promise<UpsertResult>;
  /** Writes a retirement at `at` (default now); undefined when the host has no record then. */
  retire(host: string, opts: { at?: number; source: string }): Promise<AssetVersion | undefined>;
  /** The records in effect at `filter.at`, by host, and how many match in all. */
  list(filter: AssetFilter): Promise<{ assets: AssetVersion[]; total: number }>;
  /** One host's record at `at` (default now), undefined when it has none. */
  get(host: string, at?: number): Promise<AssetVersion | undefined>;
  /** Every version of a host, oldest first. */
  history(host: string): Promise<AssetVersion[]>;
}

const SELECT_COLUMNS = `host, toUnixTimestamp64Milli(valid_from) AS valid_from_ms, ${ASSET_FIELD_NAMES.join(', ')}, attrs, deleted, source, toUnixTimestamp64Milli(recorded_at) AS recorded_at_ms`;
const INSERT_COLUMNS = `(host, valid_from, ${ASSET_FIELD_NAMES.join(', ')}, attrs, deleted, source, recorded_at)`;

type Row = Record<string, unknown> & { host: string; valid_from_ms: string; attrs: Record<string, string>; deleted: number; source: string; recorded_at_ms: string };

function fromRow(r: Row): AssetVersion {
  const fields: Partial<Record<AssetField, string | number>> = {};
  for (const f of ASSET_FIELD_NAMES) {
    const v = r[f];
    if (v === null || v === undefined || v === '') continue;
    fields[f] = ASSET_FIELDS[f].type === 'number' ? Number(v) : String(v);
  }
  const content: AssetContent = { fields, attrs: r.attrs };
  return { host: r.host, validFrom: Number(r.valid_from_ms), deleted: Number(r.deleted) === 1, content, source: r.source, recordedAt: Number(r.recorded_at_ms) };
}

/** DateTime64(3) text in UTC, which the column (declared 'UTC') reads back exactly. */
function dateTime64(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23).replace('T', ' ');
}

function toRow(v: AssetVersion): string {
  const row: Record<string, unknown> = { host: v.host, valid_from: dateTime64(v.validFrom) };
  for (const f of ASSET_FIELD_NAMES) row[f] = v.content.fields[f] ?? (ASSET_FIELDS[f].type === 'number' ? null : '');
  Object.assign(row, { attrs: v.content.attrs, deleted: v.deleted ? 1 : 0, source: v.source, recorded_at: dateTime64(v.recordedAt) });
  return JSON.stringify(row);
}

/** Turns a host glob (`*`, `?`) into a LIKE pattern; other characters match themselves. */
export function globToLike(glob: string): string {
  return glob.replace(/[\\%_]/g, (c) => '\\' + c).replace(/\*/g, '%').replace(/\?/g, '_');
}

/**
 * The SQL that selects the records in effect at `{at}` matching `filter`, every value a bound
 * parameter; field names come only from ASSET_FIELDS. `params` receives the values.
 */
export function currentRecordsSql(db: string, filter: Omit<AssetFilter, 'limit' | 'offset'>, params: Record<string, unknown>): string {
  // Host conditions select whole histories, so they go inside; field conditions apply to the version found.
  const inner = ['valid_from <= fromUnixTimestamp64Milli({at:Int64})'];
  if (filter.host !== undefined) {
    inner.push('host = {host:String}');
    params.host = filter.host;
  }
  if (filter.hostGlob !== undefined) {
    inner.push('host LIKE {hostGlob:String}');
    params.hostGlob = globToLike(filter.hostGlob);
  }
  const conds = ['deleted = 0'];
  let i = 0;
  for (const f of ASSET_FIELD_NAMES) {
    const values = filter.fields?.[f];
    if (!values || values.length === 0) continue;
    const p = `f${i++}`;
    const present = values.filter((v) => v !== null && v !== '');
    const alts: string[] = [];
    if (present.length > 0) {
      alts.push(ASSET_FIELDS[f].type === 'number' ? `${f} IN {${p}:Array(UInt64)}` : `${f} IN {${p}:Array(String)}`);
      params[p] = present;
    }
    if (present.length < values.length) alts.push(ASSET_FIELDS[f].type === 'number' ? `${f} IS NULL` : `${f} = ''`);
    conds.push(`(${alts.join(' OR ')})`);
  }
  for (const [key, values] of Object.entries(filter.attrs ?? {})) {
    const p = `a${i++}`;
    conds.push(`attrs[{${p}k:String}] IN {${p}v:Array(String)}`);
    params[`${p}k`] = key;
    params[`${p}v`] = values;
  }
  params.at = filter.at;
  return `SELECT ${SELECT_COLUMNS} FROM (SELECT * FROM ${db}.asset_history FINAL WHERE ${inner.join(' AND ')} ORDER BY host, valid_from DESC LIMIT 1 BY host) WHERE ${conds.join(' AND ')}`;
}

/** Opens the asset records of `storage`. */
export function createAssetStore(storage: Storage, opts: AssetStoreOptions = {}): AssetStore {
  const db = storage.database;
  const now = opts.now ?? Date.now;
  const chunkSize = opts.chunkSize ?? 5000;
  let lastRecordedAt = 0;
  let queue: Promise<unknown> = Promise.resolve();

  /** Runs writes one at a time, so two requests for one host never decide from the same old version. */
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  }
  /** A `recorded_at` newer than any before it: the newest write of a (host, valid_from) wins. */
  function recordedAt(): number {
    lastRecordedAt = Math.max(now(), lastRecordedAt + 1);
    return lastRecordedAt;
  }
  async function histories(hosts: readonly string[]): Promise<Map<string, AssetVersion[]>> {
    const rows = await storage.query<Row>(`SELECT ${SELECT_COLUMNS} FROM ${db}.asset_history FINAL WHERE host IN {hosts:Array(String)} ORDER BY host, valid_from`, { hosts });
    const out = new Map<string, AssetVersion[]>();
    for (const r of rows) {
      const v = fromRow(r);
      const list = out.get(v.host);
      if (list) list.push(v);
      else out.set(v.host, [v]);
    }
    return out;
  }
  async function insert(rows: readonly AssetVersion[]): Promise<void> {
    if (rows.length === 0) return;
    await storage.insertText(`INSERT INTO ${db}.asset_history ${INSERT_COLUMNS} SETTINGS async_insert = 0 FORMAT JSONEachRow`, rows.map(toRow).join('\n'));
  }

  return {
    upsert(records, { mode, source, validFrom }) {
      return serial(async () => {
        const t = now();
        const { valid, errors, rejected } = validateAssetRecords(records, t);
        let changed = 0;
        let unchanged = 0;
        for (let i = 0; i < valid.length; i += chunkSize) {
          const chunk = valid.slice(i, i + chunkSize);
          const known = await histories([...new Set(chunk.map((r) => r.input.host))]);
          const plan = planUpsert(known, chunk, { mode, source, validFrom: validFrom ?? t, recordedAt: recordedAt() });
          await insert(plan.rows);
          changed += plan.changed.length;
          unchanged += plan.unchanged.length;
        }
        return { received: records.length, changed, unchanged, rejected, errors };
      });
    },
    retire(host, { at, source }) {
      return serial(async () => {
        const known = await histories([host]);
        const v = planRetire(known.get(host) ?? [], host, at ?? now(), source, recordedAt());
        if (v) await insert([v]);
        return v;
      });
    },
    async list(filter) {
      const params: Record<string, unknown> = {};
      const sql = currentRecordsSql(db, { ...filter, at: filter.at ?? now() }, params);
      const [rows, count] = await Promise.all([
        storage.query<Row>(`${sql} ORDER BY host LIMIT {limit:UInt32} OFFSET {offset:UInt32}`, { ...params, limit: filter.limit, offset: filter.offset }),
        storage.query<{ n: string }>(`SELECT count() AS n FROM (${sql})`, params),
      ]);
      return { assets: rows.map(fromRow), total: Number(count[0]?.n ?? 0) };
    },
    async get(host, at) {
      const params: Record<string, unknown> = {};
      const rows = await storage.query<Row>(currentRecordsSql(db, { host, at: at ?? now() }, params), params);
      return rows.length > 0 ? fromRow(rows[0]) : undefined;
    },
    async history(host) {
      return (await histories([host])).get(host) ?? [];
    },
  };
}
