import type { FastifyInstance } from 'fastify';
import type { Storage } from '../lib/clickhouse/client.ts';
import { currentAssetsSql } from './assets-schema.ts';

/** Options of {@link overviewApiRoutes}. */
export interface OverviewApiOptions {
  readonly storage: Storage;
  readonly now?: () => number;
}

const TOP_METRICS = 50;
const MAX_SILENT = 50;
/** A host is silent when nothing of it arrived for this long. */
const SILENT_AFTER_MS = 10 * 60_000;

/**
 * `GET /api/v1/overview` (docs/api.md): the fleet overview page in one answer. Every part is cheap: asset
 * and series tables (small), and no samples older than an hour.
 */
export async function overviewApiRoutes(app: FastifyInstance, opts: OverviewApiOptions): Promise<void> {
  const { storage } = opts;
  const now = opts.now ?? Date.now;
  const db = storage.database;
  const assets = currentAssetsSql(db);

  app.get('/api/v1/overview', async () => {
    const t = now();
    const params = { now: t, hourAgo: t - 3_600_000, m5: t - 5 * 60_000, silentBefore: t - SILENT_AFTER_MS, maxSilent: MAX_SILENT };
    const [hosts, metrics, ingest, reporting, silent, anomalies, alerts] = await Promise.all([
      // Hosts with a current asset record, and hosts that only have series (site and model '').
      storage.query<{ site_name: string; model_name: string; n: string }>(
        `SELECT site_name, model_name, count() AS n FROM (
           SELECT host AS h, site AS site_name, hw_model AS model_name FROM (${assets})
           UNION ALL
           SELECT DISTINCT host AS h, '' AS site_name, '' AS model_name FROM ${db}.series WHERE host != '' AND host NOT IN (SELECT host FROM (${assets})))
         GROUP BY site_name, model_name ORDER BY site_name, model_name`,
      ),
      // uniqExact over the unmerged table rather than FINAL: the same answer without collapsing rows.
      storage.query<{ metric: string; n: string }>(`SELECT metric, uniqExact(series_id) AS n FROM ${db}.series GROUP BY metric ORDER BY n DESC, metric`),
      // Raw samples, not samples_1m: both are scanned on their time column only, and raw samples are
      // partitioned by day while the rollup is partitioned by month, so the last hour of raw samples
      // reads at most today's parts and the rollup a whole month's. Raw also counts exactly from now−1h.
      storage.query<{ n: string; n5: string; last_ms: string }>(
        `SELECT count() AS n, countIf(ts >= fromUnixTimestamp64Milli({m5:Int64})) AS n5, toUnixTimestamp64Milli(max(ts)) AS last_ms
         FROM ${db}.samples WHERE ts >= fromUnixTimestamp64Milli({hourAgo:Int64})`,
        params,
      ),
      storage.query<{ n: string }>(
        `SELECT uniqExact(host) AS n FROM ${db}.series WHERE host != '' AND series_id IN (SELECT series_id FROM ${db}.samples WHERE ts >= fromUnixTimestamp64Milli({m5:Int64}))`,
        params,
      ),
      // Per host: the newest sample of the last hour, else the series' last_seen (written about hourly),
      // else never (an asset record only: epoch 0).
      storage.query<{ h: string; last_ms: string }>(
        `SELECT h, toUnixTimestamp64Milli(max(seen)) AS last_ms FROM (
           SELECT host AS h, last_seen AS seen FROM ${db}.series WHERE host != ''
           UNION ALL
           SELECT s.host AS h, r.newest AS seen FROM ${db}.series AS s
             INNER JOIN (SELECT series_id, max(ts) AS newest FROM ${db}.samples WHERE ts >= fromUnixTimestamp64Milli({hourAgo:Int64}) GROUP BY series_id) AS r ON s.series_id = r.series_id
           UNION ALL
           SELECT host AS h, toDateTime64(0, 3, 'UTC') AS seen FROM (${assets}))
         GROUP BY h HAVING max(seen) < fromUnixTimestamp64Milli({silentBefore:Int64})
         ORDER BY max(seen), h LIMIT {maxSilent:UInt32}`,
        params,
      ),
      storage.query<{ kind: string; n: string }>(
        `SELECT kind, count() AS n FROM ${db}.anomalies FINAL WHERE ts >= fromUnixTimestamp64Milli({hourAgo:Int64}) GROUP BY kind ORDER BY n DESC, kind`,
        params,
      ),
      // The newest status of each alert, as GET /api/v1/alerts reads it (alias st: status is a column).
      storage.query<{ st: string; n: string }>(`SELECT st, count() AS n FROM (SELECT argMax(status, updated_at) AS st FROM ${db}.alerts GROUP BY job, key) GROUP BY st`),
    ]);

    const bySite = new Map<string, number>();
    const byModel = new Map<string, number>();
    let total = 0;
    for (const r of hosts) {
      const n = Number(r.n);
      total += n;
      bySite.set(r.site_name, (bySite.get(r.site_name) ?? 0) + n);
      byModel.set(r.model_name, (byModel.get(r.model_name) ?? 0) + n);
    }
    const counted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const ing = ingest[0];
    const anyRecent = ing !== undefined && Number(ing.n) > 0;
    let lastSampleAt: number | null = anyRecent ? Number(ing.last_ms) : null;
    if (lastSampleAt === null) {
      const rows = await storage.query<{ ms: string; n: string }>(`SELECT toUnixTimestamp64Milli(max(last_seen)) AS ms, count() AS n FROM ${db}.series`);
      lastSampleAt = rows[0] && Number(rows[0].n) > 0 ? Number(rows[0].ms) : null;
    }
    const status = new Map(alerts.map((r) => [r.st, Number(r.n)]));
    return {
      hosts: {
        total,
        bySite: counted(bySite).map(([site, count]) => ({ site, count })),
        byModel: counted(byModel).map(([hw_model, count]) => ({ hw_model, count })),
        bySiteModel: hosts.map((r) => ({ site: r.site_name, hw_model: r.model_name, count: Number(r.n) })),
      },
      series: {
        total: metrics.reduce((n, r) => n + Number(r.n), 0),
        byMetric: metrics.slice(0, TOP_METRICS).map((r) => ({ metric: r.metric, count: Number(r.n) })),
      },
      ingest: {
        lastSampleAt,
        samplesLastHour: anyRecent ? Number(ing.n) : 0,
        samplesLast5m: anyRecent ? Number(ing.n5) : 0,
        hostsReportingLast5m: Number(reporting[0]?.n ?? 0),
        hostsSilent: silent.map((r) => ({ host: r.h, lastSeen: Number(r.last_ms) > 0 ? Number(r.last_ms) : null })),
      },
      anomalies: {
        lastHour: anomalies.reduce((n, r) => n + Number(r.n), 0),
        byKind: anomalies.map((r) => ({ kind: r.kind, count: Number(r.n) })),
      },
      alerts: { firing: status.get('firing') ?? 0, pending: status.get('pending') ?? 0 },
    };
  });
}
