import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage, type Storage } from '../../lib/clickhouse/client.ts';
import { storageConfigSchema, type StorageConfig } from '../../lib/clickhouse/config.ts';
import { migrate } from '../../lib/clickhouse/migrate.ts';

/**
 * Opens real storage for a test: the embedded engine in a fresh directory (one per test file: chDB
 * binds one directory per process), or the server of CLICKHOUSE_URL; a random database either way,
 * with the migrations applied.
 */
export async function openTestStorage(overrides: Partial<StorageConfig> = {}): Promise<{ storage: Storage; config: StorageConfig; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetscope-storage-'));
  const database = `test_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const config = storageConfigSchema.parse({ dataDir: dir, database, clickhouseUrl: process.env.CLICKHOUSE_URL ?? null, ...overrides });
  const storage = await openStorage(config);
  await migrate(storage, config);
  return {
    storage,
    config,
    async cleanup() {
      await storage.command(`DROP DATABASE IF EXISTS ${database}`).catch(() => {});
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
