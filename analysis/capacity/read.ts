// What the capacity computation reads from storage: the current asset record of each host, the series of a
// metric, and per-step aggregates of them from the 1-hour or 1-day rollup.
import type { Storage } from '../../lib/clickhouse/client.ts';
import { currentAssetsSql, type AssetField } from '../../query/assets-schema.ts';

/** The asset fields the capacity models group and size by. `capacity` is NaN when the field is not set. */
export interface HostAsset {
  readonly host: string;
  readonly site: string;
  readonly hwModel: string;
  readonly capacity: number;
}

/** One step of one series: the bucket start (epoch ms), its maximum and its mean (gauge value or counter rate). */
export interface StepValue {
  readonly t: number;
  readonly max: number;
  readonly mean: number;
}

/** One series with its steps in time order. Fresh arrays on every call; the caller may keep them. */
export interface SeriesSteps {
  readonly seriesId: string;
  readonly host: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly steps: StepValue[];
}

/** Every host's asset record as of `at` (epoch ms), by host. `capacityField` comes from a validated list of numeric fields. */
export async function readAssets(storage: Storage, at: number, capacityField: AssetField): Promise<Map<string, HostAsset>> {
  const rows = await storage.query<{ host: string; site: string | null; hw_model: string | null; cap: number | null }>(
    `SELECT host, site, hw_model, ${capacityField} AS cap FROM (${currentAssetsSql(storage.database, "fromUnixTimestamp64Milli({at:Int64}, 'UTC')")})`,
    { at },
  );
  return new Map(rows.map((r) => [r.host, { host: r.host, site: r.site ?? '', hwModel: r.hw_model ?? '', capacity: r.cap === null ? NaN : Number(r.cap) }]));
}

/**
 * Per-step max and mean of each series of `metric` whose labels include `labels`, over buckets starting in
 * [from, to), from `samples_1h` (stepMs 1 h) or `samples_1d` (stepMs 1 day).
 */
export async function readSteps(
  storage: Storage,
  q: { metric: string; labels?: Readonly<Record<string, string>>; from: number; to: number; stepMs: number },
): Promise<SeriesSteps[]> {
  const db = storage.database;
  const table = q.stepMs === 86_400_000 ? 'samples_1d' : 'samples_1h';
  const params: Record<string, unknown> = { m: q.metric, from: Math.floor(q.from / 1000), to: Math.floor(q.to / 1000) };
  const conds = Object.entries(q.labels ?? {}).map(([k, v], i) => {
    params[`k${i}`] = k;
    params[`v${i}`] = v;
    return ` AND labels[{k${i}:String}] = {v${i}:String}`;
  });
  const rows = await storage.query<{ id: string; host: string; labels: Record<string, string>; t: number; vmax: number | null; vmean: number | null }>(
    `SELECT toString(r.series_id) AS id, s.h AS host, s.l AS labels, toUnixTimestamp(r.t) AS t, r.vmax AS vmax, r.vmean AS vmean
     FROM (SELECT series_id, t, max(vmax) AS vmax, sum(vsum) / sum(cnt) AS vmean FROM ${db}.${table}
           WHERE metric = {m:String} AND t >= toDateTime({from:UInt32}, 'UTC') AND t < toDateTime({to:UInt32}, 'UTC')
           GROUP BY series_id, t) AS r
     INNER JOIN (SELECT series_id, argMax(host, last_seen) AS h, argMax(labels, last_seen) AS l FROM ${db}.series
                 WHERE metric = {m:String}${conds.join('')} GROUP BY series_id) AS s ON r.series_id = s.series_id
     ORDER BY id, t`,
    params,
  );
  const out = new Map<string, SeriesSteps>();
  for (const r of rows) {
    if (r.vmax === null || r.vmean === null) continue;
    let s = out.get(r.id);
    if (!s) out.set(r.id, (s = { seriesId: r.id, host: r.host, labels: r.labels, steps: [] }));
    s.steps.push({ t: Number(r.t) * 1000, max: r.vmax, mean: r.vmean });
  }
  return [...out.values()];
}
