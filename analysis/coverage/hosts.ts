import type { Storage } from '../../lib/clickhouse/client.ts';
import { currentAssetsSql } from '../../query/assets-schema.ts';
import { absentAfterMs, type AbsentOptions, type HostSeen } from './absent.ts';

const MIN_LOOKBACK_MS = 10 * 60_000;
const MAX_LOOKBACK_MS = 6 * 3_600_000;

/**
 * Every host fleetscope knows at `now`: hosts with a current (not retired) asset record and hosts with
 * series, with their newest sample and smallest collection interval. Cheap, like GET /api/v1/overview:
 * the asset and series tables (small), and raw samples of a recent window only — long enough for the
 * largest absent threshold; a host quiet for longer falls back to `series.last_seen`, which the writer
 * refreshes about hourly (so its `lastSeen` may then be up to an hour early).
 */
export async function readHosts(storage: Storage, now: number, opts: AbsentOptions): Promise<HostSeen[]> {
  const db = storage.database;
  const [assets, series] = await Promise.all([
    storage.query<{ host: string; site: string; role: string; hw_model: string; status: string }>(`SELECT host, site, role, hw_model, status FROM (${currentAssetsSql(db)})`),
    storage.query<{ host: string; metrics: string[]; interval_ms: string; last_ms: string }>(
      `SELECT host, groupUniqArray(metric) AS metrics, minIf(interval_ms, interval_ms > 0) AS interval_ms, toUnixTimestamp64Milli(max(last_seen)) AS last_ms
       FROM ${db}.series WHERE host != '' GROUP BY host`,
    ),
  ]);
  const longest = series.reduce((m, s) => Math.max(m, absentAfterMs(Number(s.interval_ms), opts)), opts.minSilenceMs);
  const lookback = Math.min(MAX_LOOKBACK_MS, Math.max(MIN_LOOKBACK_MS, longest + 60_000));
  const recent = await storage.query<{ host: string; last_ms: string }>(
    `SELECT s.host AS host, toUnixTimestamp64Milli(max(r.newest)) AS last_ms FROM ${db}.series AS s
       INNER JOIN (SELECT series_id, max(ts) AS newest FROM ${db}.samples WHERE ts >= fromUnixTimestamp64Milli({since:Int64}) GROUP BY series_id) AS r
       ON s.series_id = r.series_id
     WHERE s.host != '' GROUP BY host`,
    { since: now - lookback },
  );
  const newest = new Map(recent.map((r) => [r.host, Number(r.last_ms)]));
  const out = new Map<string, HostSeen>();
  for (const s of series) {
    const last = Math.max(Number(s.last_ms), newest.get(s.host) ?? 0);
    out.set(s.host, { host: s.host, hasAsset: false, site: '', role: '', hw_model: '', status: '', lastSeen: last > 0 ? last : null, intervalMs: Number(s.interval_ms), metrics: [...s.metrics].sort() });
  }
  for (const a of assets) {
    const s = out.get(a.host);
    out.set(a.host, { host: a.host, hasAsset: true, site: a.site, role: a.role, hw_model: a.hw_model, status: a.status, lastSeen: s?.lastSeen ?? null, intervalMs: s?.intervalMs ?? 0, metrics: s?.metrics ?? [] });
  }
  return [...out.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
}
