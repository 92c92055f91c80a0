// Saved dashboards in the `dashboards` table: one row per version, the highest version of an id wins.
import type { Storage } from '../lib/clickhouse/client.ts';

/** A stored dashboard as read: the newest version of its id. `spec` is the JSON text as saved. */
export interface StoredDashboard {
  readonly id: string;
  readonly name: string;
  readonly spec: string;
  readonly version: number;
  readonly deleted: boolean;
  readonly updatedAt: number;
}

/** One line of the dashboard list. */
export interface DashboardListItem {
  readonly id: string;
  readonly name: string;
  readonly panels: number;
  readonly updatedAt: number;
}

const tsText = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/**
 * Reads and writes dashboards. ClickHouse has no transactions: a write is one insert, and two writers
 * of the same id and version race (the later insert wins), so version checks are best effort.
 */
export function createDashboardStore(storage: Storage) {
  const db = storage.database;
  return {
    /** The newest version of `id`, deleted or not; undefined when it was never saved. */
    async get(id: string): Promise<StoredDashboard | undefined> {
      const [r] = await storage.query<{ id: string; name: string; spec: string; version: string; deleted: number; u: string }>(
        `SELECT id, name, spec, version, deleted, toString(toUnixTimestamp64Milli(updated_at)) AS u
         FROM ${db}.dashboards FINAL WHERE id = {id:String} ORDER BY version DESC LIMIT 1`,
        { id },
      );
      return r && { id: r.id, name: r.name, spec: r.spec, version: Number(r.version), deleted: Number(r.deleted) === 1, updatedAt: Number(r.u) };
    },
    /** Dashboards not deleted, by name. */
    async list(): Promise<DashboardListItem[]> {
      const rows = await storage.query<{ id: string; name: string; panels: string | number; u: string }>(
        `SELECT id, name, JSONLength(spec, 'panels') AS panels, toString(toUnixTimestamp64Milli(updated_at)) AS u
         FROM ${db}.dashboards FINAL WHERE deleted = 0 ORDER BY lowerUTF8(name), name, id`,
      );
      return rows.map((r) => ({ id: r.id, name: r.name, panels: Number(r.panels), updatedAt: Number(r.u) }));
    },
    /** Writes one version of a dashboard (or, `deleted`, its deletion). */
    async put(d: StoredDashboard): Promise<void> {
      const row = { id: d.id, name: d.name, spec: d.spec, version: d.version, deleted: d.deleted ? 1 : 0, updated_at: tsText(d.updatedAt) };
      await storage.insertText(`INSERT INTO ${db}.dashboards FORMAT JSONEachRow`, JSON.stringify(row));
    },
  };
}

/** What {@link createDashboardStore} returns. */
export type DashboardStore = ReturnType<typeof createDashboardStore>;
