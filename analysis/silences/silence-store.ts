import { randomUUID } from 'node:crypto';
import type { Storage } from '../../lib/clickhouse/client.ts';
import type { Silence } from './silence.ts';

/** Silences in storage (table `silences`, migration 0011): every change is a new version of the row. */
export interface SilenceStore {
  /** Stores a new silence and returns it with its id. */
  add(s: Omit<Silence, 'id' | 'updatedAt'>): Promise<Silence>;
  /** Every silence, active, pending and expired (expired ones are dropped 90 days after creation). */
  list(): Promise<Silence[]>;
  get(id: string): Promise<Silence | undefined>;
  /** Ends a silence at `now` (a silence that had not started ends before it starts). Undefined when unknown. */
  expire(id: string, now: number): Promise<Silence | undefined>;
  /** Silences not yet expired at `now`, read at most once per `cacheMs` (of {@link createSilenceStore}). */
  current(now: number): Promise<Silence[]>;
}

const tsText = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

interface Row {
  id: string;
  matchers: string;
  starts_ms: string;
  ends_ms: string;
  comment: string;
  created_by: string;
  updated_ms: string;
}

/**
 * Opens the silence store. `cacheMs` (default 1000) bounds how stale {@link SilenceStore.current} may
 * be; writes through this store clear the cache at once.
 */
export function createSilenceStore(storage: Storage, opts: { cacheMs?: number } = {}): SilenceStore {
  const db = storage.database;
  const cacheMs = opts.cacheMs ?? 1000;
  let cache: { at: number; silences: Silence[] } | undefined;
  const select = `SELECT id, argMax(matchers, version) AS matchers, toUnixTimestamp64Milli(argMax(starts_at, version)) AS starts_ms,
      toUnixTimestamp64Milli(argMax(ends_at, version)) AS ends_ms, argMax(comment, version) AS comment,
      argMax(created_by, version) AS created_by, toUnixTimestamp64Milli(argMax(updated_at, version)) AS updated_ms
    FROM ${db}.silences`;
  const read = (r: Row): Silence => ({
    id: r.id,
    matchers: JSON.parse(r.matchers) as Silence['matchers'],
    startsAt: Number(r.starts_ms),
    endsAt: Number(r.ends_ms),
    comment: r.comment,
    createdBy: r.created_by,
    updatedAt: Number(r.updated_ms),
  });
  const write = async (s: Silence): Promise<void> => {
    cache = undefined;
    const row = {
      id: s.id,
      matchers: JSON.stringify(s.matchers),
      starts_at: tsText(s.startsAt),
      ends_at: tsText(s.endsAt),
      comment: s.comment,
      created_by: s.createdBy,
      updated_at: tsText(s.updatedAt),
      version: s.updatedAt * 1000 + Math.floor(Math.random() * 1000),
    };
    await storage.insertText(`INSERT INTO ${db}.silences SETTINGS async_insert = 0 FORMAT JSONEachRow`, JSON.stringify(row));
  };
  const store: SilenceStore = {
    async add(s) {
      const out: Silence = { ...s, id: randomUUID(), updatedAt: Date.now() };
      await write(out);
      return out;
    },
    async list() {
      return (await storage.query<Row>(`${select} GROUP BY id ORDER BY ends_ms DESC, id`)).map(read);
    },
    async get(id) {
      const [r] = await storage.query<Row>(`${select} WHERE id = {id:String} GROUP BY id`, { id });
      return r ? read(r) : undefined;
    },
    async expire(id, now) {
      const s = await store.get(id);
      if (!s) return undefined;
      if (now >= s.endsAt) return s;
      const out: Silence = { ...s, startsAt: Math.min(s.startsAt, now), endsAt: now, updatedAt: Math.max(now, s.updatedAt + 1) };
      await write(out);
      return out;
    },
    async current(now) {
      if (!cache || now - cache.at >= cacheMs || now < cache.at) {
        const rows = await storage.query<Row>(`${select} GROUP BY id HAVING ends_ms > {now:Int64}`, { now });
        cache = { at: now, silences: rows.map(read) };
      }
      return cache.silences.filter((s) => s.endsAt > now);
    },
  };
  return store;
}
