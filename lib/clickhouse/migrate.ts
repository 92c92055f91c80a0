import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StorageConfig } from './config.ts';
import type { Storage } from './client.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** A numbered schema migration: `NNNN_name.sql` in `lib/clickhouse/migrations/`. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

/** Retention per table, in days, as the TTL clauses of the schema use them. */
export function retentionDays(config: StorageConfig): Record<string, number> {
  const r = config.retention;
  return {
    samples_days: r.samplesDays,
    series_days: r.seriesDays,
    rollup1m_days: r.rollup1mDays,
    rollup1h_days: r.rollup1hDays,
    rollup1d_days: r.rollup1dDays,
    events_days: r.eventsDays,
    anomalies_days: r.anomaliesDays,
  };
}

/** Reads the migration files, fills in the database name and retention, splits statements. */
export function loadMigrations(database: string, days: Record<string, number>): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const text = readFileSync(MIGRATIONS_DIR + file, 'utf8').replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
        if (key === 'db') return database;
        if (key in days) return String(days[key]);
        throw new Error(`cannot load migration ${file}: unknown placeholder {{${key}}}`);
      });
      const statements = text
        .split(/;\s*\n/)
        .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
        .filter((s) => s !== '');
      return { version: Number(file.slice(0, 4)), name: file.replace(/\.sql$/, ''), statements };
    });
}

/** TTL column expression and retention key of each table whose retention is configurable. */
const TTL_TABLES: Record<string, { expr: string; key: string }> = {
  samples: { expr: 'toDateTime(ts)', key: 'samples_days' },
  series: { expr: 'toDateTime(last_seen)', key: 'series_days' },
  samples_1m: { expr: 't', key: 'rollup1m_days' },
  samples_1h: { expr: 't', key: 'rollup1h_days' },
  samples_1d: { expr: 't', key: 'rollup1d_days' },
  events: { expr: 'toDateTime(ts)', key: 'events_days' },
  anomalies: { expr: 'toDateTime(ts)', key: 'anomalies_days' },
};

/**
 * Creates the database, applies migrations not yet applied (recorded in `schema_migrations`), then
 * brings each table's TTL in line with the configured retention. Returns the versions applied now.
 */
export async function migrate(storage: Storage, config: StorageConfig): Promise<number[]> {
  const db = storage.database;
  const days = retentionDays(config);
  await storage.command(`CREATE DATABASE IF NOT EXISTS ${db}`);
  await storage.command(
    `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (version UInt32, name String, applied_at DateTime('UTC') DEFAULT now()) ENGINE = MergeTree ORDER BY version`,
  );
  const done = new Set((await storage.query<{ version: number }>(`SELECT version FROM ${db}.schema_migrations`)).map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const m of loadMigrations(db, days)) {
    if (done.has(m.version)) continue;
    for (const sql of m.statements) {
      try {
        await storage.command(sql);
      } catch (err) {
        throw new Error(`cannot apply migration ${m.name}: ${(err as Error).message}`, { cause: err });
      }
    }
    await storage.command(`INSERT INTO ${db}.schema_migrations (version, name) VALUES ({v:UInt32}, {n:String})`, { v: m.version, n: m.name });
    applied.push(m.version);
  }
  await applyRetention(storage, days);
  return applied;
}

async function applyRetention(storage: Storage, days: Record<string, number>): Promise<void> {
  const db = storage.database;
  const rows = await storage.query<{ name: string; engine_full: string }>(
    `SELECT name, engine_full FROM system.tables WHERE database = {db:String}`,
    { db },
  );
  for (const row of rows) {
    const t = TTL_TABLES[row.name];
    if (!t) continue;
    const want = days[t.key];
    const m = /TTL .*?(?:INTERVAL (\d+) DAY|toIntervalDay\((\d+)\))/.exec(row.engine_full);
    if (m && Number(m[1] ?? m[2]) === want) continue;
    // Changing the TTL must not rewrite every part at start-up; expired parts go at the next merge.
    await storage.command(
      `ALTER TABLE ${db}.${row.name} MODIFY TTL ${t.expr} + INTERVAL ${want} DAY SETTINGS materialize_ttl_after_modify = 0`,
    );
  }
}
