import type { Storage } from '../../lib/clickhouse/client.ts';
import { tsText } from '../../ingest/writer/rows.ts';
import type { CapacitySnapshot } from './snapshot.ts';

/** Stores a snapshot in `capacity_snapshots` (migration 0008), synchronously: it is readable when this resolves. */
export async function saveCapacitySnapshot(storage: Storage, snap: CapacitySnapshot): Promise<void> {
  const row = { generated_at: tsText(snap.generatedAt), window_from: tsText(snap.from), window_to: tsText(snap.to), snapshot: JSON.stringify(snap) };
  await storage.insertText(`INSERT INTO ${storage.database}.capacity_snapshots SETTINGS async_insert = 0 FORMAT JSONEachRow`, JSON.stringify(row));
}

/** The newest stored snapshot, or undefined when none was stored yet (or all expired). */
export async function latestCapacitySnapshot(storage: Storage): Promise<CapacitySnapshot | undefined> {
  const rows = await storage.query<{ snapshot: string }>(`SELECT snapshot FROM ${storage.database}.capacity_snapshots ORDER BY generated_at DESC LIMIT 1`);
  return rows.length === 0 ? undefined : (JSON.parse(rows[0].snapshot) as CapacitySnapshot);
}
