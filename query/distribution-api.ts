import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Storage } from '../lib/clickhouse/client.ts';
import { HttpError } from '../lib/http-errors.ts';
import { countSeries, findSeries, param, timeParam, type Query } from './read-api.ts';
import { currentAssetValues, groupValues, parseGroupKeys } from './series-groups.ts';

/** Options of {@link distributionApiRoutes}. */
export interface DistributionApiOptions {
  readonly storage: Storage;
  readonly now?: () => number;
}

const STATS = ['avg', 'p50', 'p95', 'max'] as const;
type Stat = (typeof STATS)[number];
const MAX_SERIES = 100_000;
const MAX_HOSTS_LISTED = 5000;
const MAX_OUTLIERS = 20;
/** Ranges longer than this read the 1-minute rollup. */
const RAW_UP_TO_MS = 6 * 3_600_000;

/** The quantile `p` of ascending `sorted`, interpolating linearly between the closest ranks (numpy's default). */
export function quantileSorted(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** A box plot's numbers for one group's per-host values, with the hosts beyond 1.5 IQR of the quartiles. */
export function boxOf(units: readonly { host: string; value: number }[]) {
  const sorted = units.map((u) => u.value).sort((a, b) => a - b);
  const q = (p: number) => quantileSorted(sorted, p);
  const p25 = q(0.25);
  const p75 = q(0.75);
  const iqr = p75 - p25;
  const outside = (v: number) => (v < p25 - 1.5 * iqr ? p25 - v : v > p75 + 1.5 * iqr ? v - p75 : 0);
  const outliers = units
    .filter((u) => outside(u.value) > 0)
    .sort((a, b) => outside(b.value) - outside(a.value) || (a.host < b.host ? -1 : 1))
    .slice(0, MAX_OUTLIERS)
    .map((u) => ({ host: u.host, value: u.value }));
  return {
    hosts: sorted.length,
    min: sorted[0],
    p05: q(0.05),
    p25,
    p50: q(0.5),
    p75,
    p95: q(0.95),
    max: sorted[sorted.length - 1],
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    outliers,
  };
}

function statSql(stat: Stat, fromRollup: boolean): string {
  if (fromRollup) return { avg: 'sum(vsum) / sum(cnt)', p50: 'quantileTDigestMerge(0.5)(q)', p95: 'quantileTDigestMerge(0.95)(q)', max: 'max(vmax)' }[stat];
  return { avg: 'avg(v)', p50: 'quantileTDigest(0.5)(v)', p95: 'quantileTDigest(0.95)(v)', max: 'max(v)' }[stat];
}

/**
 * `GET /api/v1/distribution` (docs/api.md): for box plots, one value per host (the stat over all of the
 * host's series of the metric in the range), and per group the five numbers, mean and outliers of them.
 */
export async function distributionApiRoutes(app: FastifyInstance, opts: DistributionApiOptions): Promise<void> {
  const { storage } = opts;
  const now = opts.now ?? Date.now;
  const db = storage.database;

  app.get('/api/v1/distribution', async (req: FastifyRequest) => {
    const q = req.query as Query;
    const t = now();
    const metric = param(q, 'metric');
    if (metric === undefined) throw new HttpError('API_ERR_BAD_PARAM', 'cannot read a distribution: parameter metric is required', { param: 'metric' });
    const end = timeParam(q, 'end', t, t);
    const start = timeParam(q, 'start', end - RAW_UP_TO_MS, t);
    if (start >= end) throw new HttpError('API_ERR_BAD_PARAM', `cannot read a distribution: start (${start}) must be before end (${end})`, { param: 'start' });
    const statText = param(q, 'stat') ?? 'avg';
    if (!(STATS as readonly string[]).includes(statText)) throw new HttpError('API_ERR_BAD_PARAM', `cannot read parameter stat="${statText}": use one of ${STATS.join(', ')}`, { param: 'stat' });
    const stat = statText as Stat;
    const byText = param(q, 'by') ?? 'all';
    const keys = parseGroupKeys(byText, 'by', ['label', 'asset']);
    if (keys.length > 1) throw new HttpError('API_ERR_BAD_PARAM', `cannot group a distribution by ${JSON.stringify(byText)}: give one key`, { param: 'by' });

    const series = await findSeries(storage, { ...q, metric }, MAX_SERIES + 1);
    if (series.length > MAX_SERIES) {
      const matched = await countSeries(storage, { ...q, metric });
      throw new HttpError('API_ERR_BAD_PARAM', `cannot read ${matched} series: at most ${MAX_SERIES}; narrow them with label.<key>= or asset.<field>=`, { param: 'metric', matched });
    }
    // A unit is a host within a group (a host whose series carry two values of a label is in both groups).
    const assets = await currentAssetValues(storage, series.map((s) => s.host).filter((h) => h !== ''), keys);
    const units = new Map<string, { host: string; group: string; index: number }>();
    const unitOf: number[] = [];
    for (const s of series) {
      const group = keys.length === 0 ? 'all' : groupValues(s, keys, assets)[0];
      const id = JSON.stringify([s.host, group]);
      let u = units.get(id);
      if (!u) units.set(id, (u = { host: s.host, group, index: units.size + 1 }));
      unitOf.push(u.index);
    }
    const fromRollup = end - start > RAW_UP_TO_MS;
    const values = new Map<number, number>();
    if (series.length > 0) {
      const params = { ids: series.map((s) => s.series_id), uidx: unitOf, metric, start, end };
      const filter = `metric = {metric:String} AND series_id IN (SELECT arrayJoin(arrayMap(x -> toUInt64(x), {ids:Array(String)})))`;
      const unit = `transform(series_id, arrayMap(x -> toUInt64(x), {ids:Array(String)}), {uidx:Array(UInt32)}, toUInt32(0))`;
      // Aliases u and val are no column of samples or samples_1m.
      const sql = fromRollup
        ? `SELECT ${unit} AS u, ${statSql(stat, true)} AS val FROM ${db}.samples_1m
           WHERE ${filter} AND t >= toDateTime(intDiv({start:Int64}, 1000)) AND t < toDateTime(intDiv({end:Int64} + 999, 1000)) GROUP BY u`
        : `SELECT u, ${statSql(stat, false)} AS val FROM (SELECT ${unit} AS u, if(kind = 'gauge', value, rate) AS v FROM ${db}.samples
             WHERE ${filter} AND ts >= fromUnixTimestamp64Milli({start:Int64}) AND ts < fromUnixTimestamp64Milli({end:Int64}) AND isFinite(v)) GROUP BY u`;
      for (const r of await storage.query<{ u: number; val: number | null }>(sql, params)) {
        if (r.val !== null && Number.isFinite(Number(r.val))) values.set(Number(r.u), Number(r.val));
      }
    }
    const perHost = [...units.values()]
      .filter((u) => values.has(u.index))
      .map((u) => ({ host: u.host, group: u.group, value: values.get(u.index)! }))
      .sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
    const byGroup = new Map<string, { host: string; value: number }[]>();
    for (const h of perHost) {
      let list = byGroup.get(h.group);
      if (!list) byGroup.set(h.group, (list = []));
      list.push(h);
    }
    return {
      metric,
      start,
      end,
      stat,
      by: keys.length === 0 ? 'all' : keys[0].name,
      source: fromRollup ? '1m' : 'raw',
      groups: [...byGroup].map(([group, list]) => ({ group, ...boxOf(list) })),
      hostsTotal: perHost.length,
      ...(perHost.length > MAX_HOSTS_LISTED ? { truncated: true } : {}),
      hosts: perHost.slice(0, MAX_HOSTS_LISTED),
    };
  });
}
