import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Storage } from '../lib/clickhouse/client.ts';
import { HttpError } from '../lib/http-errors.ts';
import { assetFilterSql, currentAssetValues, groupLabel, groupValues, parseGroupKeys, type GroupKey } from './series-groups.ts';
import { parseDuration, parseTime } from './time-params.ts';

/** Options of {@link readApiRoutes}. */
export interface ReadApiOptions {
  readonly storage: Storage;
  /** Retention of raw samples and the 1-minute rollup, to pick the table a range can be read from. */
  readonly samplesDays: number;
  readonly rollup1mDays: number;
  readonly now?: () => number;
}

const MAX_SERIES = 1000;
/** With group_by the series are reduced in the engine to one line per group, so many more may match. */
const MAX_GROUPED_SERIES = 20_000;
const MAX_GROUPS = 200;
const MAX_POINTS_PER_SERIES = 11_000;
const MAX_RAW_ROWS = 500_000;
/** Raw samples a chart reduction reads at most before it reads a rollup instead. */
const RAW_REDUCTION_BUDGET = 2_000_000;

/** Raw samples of `series` between start and end, from each one's collection interval. */
function estimateRawRows(series: readonly { interval_ms: number }[], start: number, end: number): number {
  return series.reduce((n, s) => n + (end - start) / Math.max(1000, s.interval_ms || 10_000), 0);
}
const AGGREGATES = ['avg', 'min', 'max', 'sum', 'count', 'last'] as const;
type Aggregate = (typeof AGGREGATES)[number];
/** What `agg` may be with group_by: over every point of a group's series in a pixel column. */
const GROUP_AGGREGATES = ['avg', 'min', 'max', 'sum', 'p50', 'p90', 'p95', 'p99', 'count'] as const;
type GroupAggregate = (typeof GROUP_AGGREGATES)[number];

export type Query = Record<string, string | undefined>;

export interface SeriesRow {
  series_id: string;
  metric: string;
  host: string;
  labels: Record<string, string>;
  kind: string;
  interval_ms: number;
  last_seen: string;
}

export function param(q: Query, name: string): string | undefined {
  const v = q[name];
  return v === undefined || v === '' ? undefined : String(v);
}

/** A time parameter (see docs/api.md), or `fallback`; 400 API_ERR_BAD_PARAM when unreadable. */
export function timeParam(q: Query, name: string, fallback: number, now: number): number {
  const text = param(q, name);
  if (text === undefined) return fallback;
  const t = parseTime(text, now);
  if (t === undefined) {
    throw new HttpError('API_ERR_BAD_PARAM', `cannot read parameter ${name}="${text}": use epoch milliseconds, ISO 8601, "now" or a relative time such as -5m`, {
      param: name,
    });
  }
  return t;
}

/**
 * Builds the WHERE clause that selects series by metric, host, `label.<key>` and `asset.<field>`
 * parameters (the last by the host's current asset record).
 */
function seriesFilter(db: string, q: Query, params: Record<string, unknown>): string {
  const conds: string[] = [];
  const metric = param(q, 'metric');
  if (metric !== undefined) {
    conds.push('metric = {metric:String}');
    params.metric = metric;
  }
  const host = param(q, 'host');
  if (host !== undefined) {
    conds.push('host = {host:String}');
    params.host = host;
  }
  let i = 0;
  for (const [k, v] of Object.entries(q)) {
    if (!k.startsWith('label.') || v === undefined) continue;
    conds.push(`labels[{lk${i}:String}] = {lv${i}:String}`);
    params[`lk${i}`] = k.slice(6);
    params[`lv${i}`] = String(v);
    i++;
  }
  const assets = assetFilterSql(db, q, params);
  if (assets !== undefined) conds.push(assets);
  return conds.length > 0 ? conds.join(' AND ') : '1';
}

/** How many series the parameters select. */
export async function countSeries(storage: Storage, q: Query): Promise<number> {
  const params: Record<string, unknown> = {};
  const where = seriesFilter(storage.database, q, params);
  const rows = await storage.query<{ n: string }>(`SELECT count() AS n FROM (SELECT series_id FROM ${storage.database}.series FINAL WHERE ${where})`, params);
  return Number(rows[0]?.n ?? 0);
}

/** The series the parameters select (metric, host, `label.*`, `asset.*`), by metric, host and id. */
export async function findSeries(storage: Storage, q: Query, limit: number): Promise<SeriesRow[]> {
  const params: Record<string, unknown> = { limit };
  const where = seriesFilter(storage.database, q, params);
  const rows = await storage.query<SeriesRow>(
    `SELECT toString(series_id) AS series_id, metric, host, labels, toString(kind) AS kind, interval_ms, toUnixTimestamp64Milli(last_seen) AS last_seen
     FROM ${storage.database}.series FINAL WHERE ${where} ORDER BY metric, host, series_id LIMIT {limit:UInt32}`,
    params,
  );
  return rows.map((r) => ({ ...r, interval_ms: Number(r.interval_ms), last_seen: r.last_seen }));
}

function chooseSource(start: number, end: number, stepMs: number | undefined, now: number, opts: ReadApiOptions): 'raw' | '1m' | '1h' {
  const rawFrom = now - opts.samplesDays * 86_400_000;
  const oneMinFrom = now - opts.rollup1mDays * 86_400_000;
  if (stepMs === undefined) return 'raw';
  if (stepMs < 60_000 && start >= rawFrom) return 'raw';
  if (stepMs < 3_600_000 && start >= oneMinFrom) return '1m';
  if (stepMs < 60_000) return start >= oneMinFrom ? '1m' : '1h';
  return stepMs >= 3_600_000 || start < oneMinFrom ? '1h' : '1m';
}

function rawAggregate(agg: Aggregate): string {
  switch (agg) {
    case 'avg':
      return 'avgIf(v, isFinite(v))';
    case 'min':
      return 'minIf(v, isFinite(v))';
    case 'max':
      return 'maxIf(v, isFinite(v))';
    case 'sum':
      return 'sumIf(v, isFinite(v))';
    case 'count':
      return 'countIf(isFinite(v))';
    case 'last':
      return 'argMaxIf(v, ts, isFinite(v))';
  }
}

function rollupAggregate(agg: Aggregate): string {
  switch (agg) {
    case 'avg':
      return 'sum(vsum) / sum(cnt)';
    case 'min':
      return 'min(vmin)';
    case 'max':
      return 'max(vmax)';
    case 'sum':
      return 'sum(vsum)';
    case 'count':
      return 'sum(cnt)';
    case 'last':
      return 'argMaxMerge(vlast)';
  }
}

async function points(storage: Storage, ids: string[], metric: string, start: number, end: number, stepMs: number | undefined, source: 'raw' | '1m' | '1h', agg: Aggregate) {
  const db = storage.database;
  const params = { ids, metric, start, end, step: stepMs ?? 0 };
  const filter = `metric = {metric:String} AND series_id IN (SELECT arrayJoin(arrayMap(x -> toUInt64(x), {ids:Array(String)})))`;
  if (source === 'raw' && stepMs === undefined) {
    return storage.query<{ id: string; t: string; v: number | null }>(
      `SELECT toString(series_id) AS id, toUnixTimestamp64Milli(ts) AS t, if(kind = 'gauge', value, rate) AS v
       FROM ${db}.samples WHERE ${filter} AND ts >= fromUnixTimestamp64Milli({start:Int64}) AND ts < fromUnixTimestamp64Milli({end:Int64})
       ORDER BY series_id, ts LIMIT ${MAX_RAW_ROWS + 1}`,
      params,
    );
  }
  if (source === 'raw') {
    return storage.query<{ id: string; t: string; v: number | null }>(
      `SELECT toString(series_id) AS id, intDiv(toUnixTimestamp64Milli(ts), {step:Int64}) * {step:Int64} AS t, ${rawAggregate(agg)} AS v
       FROM (SELECT series_id, ts, if(kind = 'gauge', value, rate) AS v FROM ${db}.samples
             WHERE ${filter} AND ts >= fromUnixTimestamp64Milli({start:Int64}) AND ts < fromUnixTimestamp64Milli({end:Int64}))
       GROUP BY id, t ORDER BY id, t`,
      params,
    );
  }
  const table = source === '1m' ? 'samples_1m' : 'samples_1h';
  const rows = await storage.query<{ id: string; bucket: string; v: number | null }>(
    // The bucket is not called t: an alias would shadow the table's t column in WHERE.
    `SELECT toString(series_id) AS id, intDiv(toUnixTimestamp(${table}.t) * 1000, {step:Int64}) * {step:Int64} AS bucket, ${rollupAggregate(agg)} AS v
     FROM ${db}.${table} WHERE ${filter} AND ${table}.t >= toDateTime(intDiv({start:Int64}, 1000)) AND ${table}.t < toDateTime(intDiv({end:Int64} + 999, 1000))
     GROUP BY id, bucket ORDER BY id, bucket`,
    params,
  );
  return rows.map((r) => ({ id: r.id, t: r.bucket, v: r.v }));
}

/**
 * M4 reduction for a chart `width` pixels wide: per series and pixel column, the first, last, lowest and
 * highest point, computed by the engine. A line through them draws the same picture as every point would,
 * so spikes survive any range. Reads what {@link reductionSource} picks: from a rollup, each bucket's
 * lowest and highest values are exact and its first and last are the bucket's average.
 */
async function m4(storage: Storage, ids: string[], metric: string, start: number, end: number, width: number, source: 'raw' | '1m' | '1h') {
  const db = storage.database;
  const col = Math.max(1, Math.ceil((end - start) / width));
  const params = { ids, metric, start, end, col };
  const filter = `metric = {metric:String} AND series_id IN (SELECT arrayJoin(arrayMap(x -> toUInt64(x), {ids:Array(String)})))`;
  const src = source !== 'raw'
    ? `SELECT series_id, toUnixTimestamp(t) * 1000 AS ms, sum(vsum) / sum(cnt) AS v, min(vmin) AS lo, max(vmax) AS hi FROM ${db}.${source === '1m' ? 'samples_1m' : 'samples_1h'}
       WHERE ${filter} AND t >= toDateTime(intDiv({start:Int64}, 1000)) AND t < toDateTime(intDiv({end:Int64} + 999, 1000)) GROUP BY series_id, t`
    : `SELECT series_id, toUnixTimestamp64Milli(ts) AS ms, if(kind = 'gauge', value, rate) AS v, v AS lo, v AS hi FROM ${db}.samples
       WHERE ${filter} AND ts >= fromUnixTimestamp64Milli({start:Int64}) AND ts < fromUnixTimestamp64Milli({end:Int64}) AND isFinite(v)`;
  const rows = await storage.query<{ id: string; f: [string, number]; l: [string, number]; low: [string, number]; high: [string, number] }>(
    `SELECT toString(series_id) AS id, argMin((ms, v), ms) AS f, argMax((ms, v), ms) AS l, argMin((ms, lo), lo) AS low, argMax((ms, hi), hi) AS high
     FROM (${src}) GROUP BY series_id, intDiv(ms - {start:Int64}, {col:Int64}) AS c ORDER BY series_id, c`,
    params,
  );
  const out: { id: string; t: number; v: number }[] = [];
  for (const r of rows) {
    const pts = [r.f, r.low, r.high, r.l].map(([t, v]) => [Number(t), Number(v)] as const).sort((a, b) => a[0] - b[0]);
    let prev: readonly [number, number] | undefined;
    for (const pt of pts) {
      if (prev && prev[0] === pt[0] && prev[1] === pt[1]) continue;
      out.push({ id: r.id, t: pt[0], v: pt[1] });
      prev = pt;
    }
  }
  return out;
}

/**
 * Where a reduction to pixel columns `col` ms wide reads: the coarsest table whose buckets are no wider
 * than a column, so the lowest and highest value of every column stay exact (M4 over a rollup is still
 * exact when a bucket fits in a column), and a 30-day chart reads 1-minute buckets rather than every
 * raw sample. Falls back to a coarser table for a range older than a finer one keeps.
 * `rawRows` estimates the raw samples in range (from each series' interval).
 */
function reductionSource(start: number, col: number, now: number, opts: ReadApiOptions, rawRows: number): 'raw' | '1m' | '1h' {
  const rawKept = start >= now - opts.samplesDays * 86_400_000;
  // Few enough raw samples: read them all, so every extreme keeps its exact time.
  if (rawKept && rawRows <= RAW_REDUCTION_BUDGET) return 'raw';
  const oneMinuteKept = start >= now - opts.rollup1mDays * 86_400_000;
  if (col >= 3_600_000 || !oneMinuteKept) return col >= 3_600_000 || !rawKept ? '1h' : 'raw';
  if (col >= 60_000 || !rawKept) return '1m';
  return 'raw';
}

function groupAggregate(agg: GroupAggregate, fromRollup: boolean): string {
  const pct = /^p(\d\d)$/.exec(agg);
  if (pct) return fromRollup ? `quantileTDigestMerge(0.${pct[1]})(q)` : `quantileTDigest(0.${pct[1]})(v)`;
  if (!fromRollup) return agg === 'count' ? 'count()' : `${agg}(v)`;
  return rollupAggregate(agg as Aggregate);
}

/** One group's line: per pixel column, `agg` over every point of its series, and their lowest and highest. */
interface GroupLine {
  points: [number, number | null][];
  low: [number, number | null][];
  high: [number, number | null][];
}

/**
 * Group reduction for a chart `width` pixels wide: per group and pixel column (the columns of {@link m4}),
 * `agg` over all points of the group's series, and the lowest and highest of them: exact from raw samples
 * and from the rollups' vmin/vmax; percentiles are t-digest estimates. `groupOf[i]` is the 1-based group
 * of `ids[i]`; the engine maps series to groups with transform() and does one GROUP BY group, column.
 */
async function groupReduce(storage: Storage, ids: string[], groupOf: number[], metric: string, start: number, end: number, width: number, source: 'raw' | '1m' | '1h', agg: GroupAggregate) {
  const db = storage.database;
  const col = Math.max(1, Math.ceil((end - start) / width));
  const params = { ids, gidx: groupOf, metric, start, end, col, lastCol: width - 1 };
  const filter = `metric = {metric:String} AND series_id IN (SELECT arrayJoin(arrayMap(x -> toUInt64(x), {ids:Array(String)})))`;
  const group = `transform(series_id, arrayMap(x -> toUInt64(x), {ids:Array(String)}), {gidx:Array(UInt32)}, toUInt32(0))`;
  // Aliases g, c, a, lo, hi are no column of samples or the rollups: WHERE and the aggregates read the columns.
  const sql =
    source === 'raw'
      ? `SELECT g, c, ${groupAggregate(agg, false)} AS a, min(v) AS lo, max(v) AS hi
         FROM (SELECT ${group} AS g, least(intDiv(toUnixTimestamp64Milli(ts) - {start:Int64}, {col:Int64}), {lastCol:Int64}) AS c, if(kind = 'gauge', value, rate) AS v
               FROM ${db}.samples WHERE ${filter} AND ts >= fromUnixTimestamp64Milli({start:Int64}) AND ts < fromUnixTimestamp64Milli({end:Int64}) AND isFinite(v))
         GROUP BY g, c ORDER BY g, c`
      : `SELECT ${group} AS g, greatest(least(intDiv(toInt64(toUnixTimestamp(t)) * 1000 - {start:Int64}, {col:Int64}), {lastCol:Int64}), 0) AS c,
                ${groupAggregate(agg, true)} AS a, min(vmin) AS lo, max(vmax) AS hi
         FROM ${db}.${source === '1m' ? 'samples_1m' : 'samples_1h'}
         WHERE ${filter} AND t >= toDateTime(intDiv({start:Int64}, 1000)) AND t < toDateTime(intDiv({end:Int64} + 999, 1000))
         GROUP BY g, c ORDER BY g, c`;
  const rows = await storage.query<{ g: number; c: string; a: number | string | null; lo: number | null; hi: number | null }>(sql, params);
  const lines = new Map<number, GroupLine>();
  const num = (v: number | string | null) => (v === null ? null : Number(v));
  for (const r of rows) {
    let line = lines.get(Number(r.g));
    if (!line) lines.set(Number(r.g), (line = { points: [], low: [], high: [] }));
    const t = Math.round(start + Number(r.c) * col + col / 2);
    line.points.push([t, num(r.a)]);
    line.low.push([t, num(r.lo)]);
    line.high.push([t, num(r.hi)]);
  }
  return lines;
}

/**
 * The read API until the query language arrives: `GET /api/v1/series`, `GET /api/v1/points` and
 * `GET /api/v1/events` (docs/api.md). Every value is a bound parameter.
 */
export async function readApiRoutes(app: FastifyInstance, opts: ReadApiOptions): Promise<void> {
  const { storage } = opts;
  const now = opts.now ?? Date.now;
  const db = storage.database;

  app.get('/api/v1/series', async (req: FastifyRequest) => {
    const q = req.query as Query;
    const limit = Math.min(Number(param(q, 'limit') ?? MAX_SERIES) || MAX_SERIES, 100_000);
    const rows = await findSeries(storage, q, limit);
    return { series: rows.map((r) => ({ ...r, last_seen: Number(r.last_seen) })) };
  });

  app.get('/api/v1/points', async (req: FastifyRequest) => {
    const q = req.query as Query;
    const t = now();
    const metric = param(q, 'metric');
    if (metric === undefined) throw new HttpError('API_ERR_BAD_PARAM', 'cannot read points: parameter metric is required', { param: 'metric' });
    const end = timeParam(q, 'end', t, t);
    const start = timeParam(q, 'start', end - 3_600_000, t);
    if (start >= end) throw new HttpError('API_ERR_BAD_PARAM', `cannot read points: start (${start}) must be before end (${end})`, { param: 'start' });
    const stepText = param(q, 'step');
    let stepMs: number | undefined;
    if (stepText !== undefined) {
      stepMs = parseDuration(stepText);
      if (stepMs === undefined || stepMs <= 0) throw new HttpError('API_ERR_BAD_PARAM', `cannot read parameter step="${stepText}": use a duration such as 10s, 1m or 1h`, { param: 'step' });
      if ((end - start) / stepMs > MAX_POINTS_PER_SERIES) {
        throw new HttpError('API_ERR_TOO_MANY_POINTS', `cannot read ${Math.ceil((end - start) / stepMs)} points per series: at most ${MAX_POINTS_PER_SERIES}; use a larger step`, { param: 'step' });
      }
    }
    const groupText = param(q, 'group_by');
    const groupKeys = groupText === undefined ? undefined : parseGroupKeys(groupText, 'group_by');
    const aggText = param(q, 'agg') ?? 'avg';
    const aggs: readonly string[] = groupKeys === undefined ? AGGREGATES : GROUP_AGGREGATES;
    if (!aggs.includes(aggText)) {
      throw new HttpError('API_ERR_BAD_PARAM', `cannot read parameter agg="${aggText}": use one of ${aggs.join(', ')}${groupKeys === undefined ? ' (with group_by: ' + GROUP_AGGREGATES.join(', ') + ')' : ''}`, { param: 'agg' });
    }
    const widthText = param(q, 'width');
    let width: number | undefined;
    if (widthText !== undefined) {
      width = Number(widthText);
      if (!Number.isInteger(width) || width < 1 || width > 10_000) throw new HttpError('API_ERR_BAD_PARAM', `cannot read parameter width="${widthText}": the chart's width in pixels, 1 to 10000`, { param: 'width' });
      if (stepMs !== undefined) throw new HttpError('API_ERR_BAD_PARAM', 'give step or width, not both', { param: 'width' });
    }
    const limitText = param(q, 'limit');
    let limit = MAX_SERIES;
    if (limitText !== undefined) {
      limit = Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SERIES) throw new HttpError('API_ERR_BAD_PARAM', `cannot read parameter limit="${limitText}": the most series to return, 1 to ${MAX_SERIES}`, { param: 'limit' });
      if (groupKeys !== undefined) throw new HttpError('API_ERR_BAD_PARAM', 'cannot limit grouped series: every matching series counts in its group; filter with label.<key>= or asset.<field>= instead', { param: 'limit' });
    }
    if (groupKeys !== undefined) {
      if (width === undefined) throw new HttpError('API_ERR_BAD_PARAM', 'cannot group series without width: give the chart\'s width in pixels', { param: 'width' });
      return grouped(q, metric, start, end, width, groupKeys, aggText as GroupAggregate, t);
    }
    const series = await findSeries(storage, q, limit);
    const matched = series.length < limit ? series.length : await countSeries(storage, q);
    const ids = series.map((s) => s.series_id);
    const source = width !== undefined ? reductionSource(start, Math.max(1, Math.ceil((end - start) / width)), t, opts, estimateRawRows(series, start, end)) : chooseSource(start, end, stepMs, t, opts);
    const rows =
      series.length === 0
        ? []
        : width !== undefined
          ? await m4(storage, ids, metric, start, end, width, source)
          : await points(storage, ids, metric, start, end, stepMs, source, aggText as Aggregate);
    if (rows.length > MAX_RAW_ROWS) {
      throw new HttpError('API_ERR_TOO_MANY_POINTS', `cannot return more than ${MAX_RAW_ROWS} raw points: narrow the range or give a step`, { param: 'step' });
    }
    const byId = new Map<string, Array<[number, number | null]>>();
    for (const r of rows) {
      let list = byId.get(r.id);
      if (!list) byId.set(r.id, (list = []));
      list.push([Number(r.t), r.v === null ? null : Number(r.v)]);
    }
    return {
      metric,
      start,
      end,
      step: stepMs ?? null,
      source,
      agg: stepMs === undefined ? null : aggText,
      ...(width !== undefined ? { width, reduction: 'm4' } : {}),
      matched,
      ...(matched > series.length ? { truncated: true } : {}),
      series: series.map((s) => ({
        series_id: s.series_id,
        metric: s.metric,
        host: s.host,
        labels: s.labels,
        kind: s.kind,
        unit: s.kind === 'gauge' ? 'value' : 'per_second',
        points: byId.get(s.series_id) ?? [],
      })),
    };
  });

  /** `/api/v1/points` with group_by: one line per group of series, reduced for `width` pixels. */
  async function grouped(q: Query, metric: string, start: number, end: number, width: number, keys: GroupKey[], agg: GroupAggregate, t: number) {
    const series = await findSeries(storage, q, MAX_GROUPED_SERIES + 1);
    if (series.length > MAX_GROUPED_SERIES) {
      const matched = await countSeries(storage, q);
      throw new HttpError('API_ERR_BAD_PARAM', `cannot group ${matched} series: at most ${MAX_GROUPED_SERIES}; narrow them with host=, label.<key>= or asset.<field>=`, { param: 'group_by', matched, limit: MAX_GROUPED_SERIES });
    }
    const assets = await currentAssetValues(storage, series.map((s) => s.host).filter((h) => h !== ''), keys);
    const groups = new Map<string, { values: string[]; members: number; index: number }>();
    const groupOf: number[] = [];
    for (const s of series) {
      const values = groupValues(s, keys, assets);
      const id = JSON.stringify(values);
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { values, members: 0, index: groups.size + 1 }));
      g.members++;
      groupOf.push(g.index);
    }
    if (groups.size > MAX_GROUPS) {
      throw new HttpError('API_ERR_TOO_MANY_GROUPS', `cannot draw ${groups.size} groups: at most ${MAX_GROUPS}; group by fewer or coarser keys, or filter with host=, label.<key>= or asset.<field>=`, {
        param: 'group_by',
        groups: groups.size,
        limit: MAX_GROUPS,
        hint: 'filter with asset.<field>=<value> or label.<key>=<value>, or group by a coarser key such as site',
      });
    }
    const col = Math.max(1, Math.ceil((end - start) / width));
    const source = reductionSource(start, col, t, opts, estimateRawRows(series, start, end));
    const lines = series.length === 0 ? new Map<number, GroupLine>() : await groupReduce(storage, series.map((s) => s.series_id), groupOf, metric, start, end, width, source, agg);
    const ordered = [...groups.values()].sort((a, b) => {
      for (let i = 0; i < a.values.length; i++) if (a.values[i] !== b.values[i]) return a.values[i] < b.values[i] ? -1 : 1;
      return 0;
    });
    return {
      metric,
      start,
      end,
      step: null,
      source,
      agg,
      width,
      reduction: 'group',
      group_by: keys.map((k) => k.name),
      matched: series.length,
      series: ordered.map((g) => {
        const line = lines.get(g.index) ?? { points: [], low: [], high: [] };
        return {
          group: Object.fromEntries(keys.map((k, i) => [k.name, g.values[i]])),
          key: groupLabel(keys, g.values),
          members: g.members,
          points: line.points,
          low: line.low,
          high: line.high,
        };
      }),
    };
  }

  app.get('/api/v1/events', async (req: FastifyRequest) => {
    const q = req.query as Query;
    const t = now();
    const end = timeParam(q, 'end', t + 1, t);
    const start = timeParam(q, 'start', end - 86_400_000, t);
    const params: Record<string, unknown> = { start, end, limit: Math.min(Number(param(q, 'limit') ?? 1000) || 1000, 100_000) };
    const conds = ['ts >= fromUnixTimestamp64Milli({start:Int64})', 'ts < fromUnixTimestamp64Milli({end:Int64})'];
    const host = param(q, 'host');
    if (host !== undefined) {
      conds.push('host = {host:String}');
      params.host = host;
    }
    const severity = param(q, 'severity');
    if (severity !== undefined) {
      conds.push('severity = {severity:String}');
      params.severity = severity;
    }
    const rows = await storage.query<{ ms: string; host: string; severity: string; message: string; source: string; attrs: Record<string, string> }>(
      `SELECT toUnixTimestamp64Milli(events.ts) AS ms, host, severity, message, source, attrs FROM ${db}.events
       WHERE ${conds.join(' AND ')} ORDER BY events.ts DESC LIMIT {limit:UInt32}`,
      params,
    );
    return { events: rows.map(({ ms, ...r }) => ({ ts: Number(ms), ...r })) };
  });
}
