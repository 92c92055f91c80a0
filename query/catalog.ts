// What the compiler knows about storage before it compiles a query: which metrics exist and of what
// kind, which label keys their series carry, and which free-form asset attributes exist. One small
// query per question, against the `series` and `asset_history` tables.
import type { Storage } from '../lib/clickhouse/client.ts';
import type { MetricKind } from '../lib/record.ts';

export interface MetricInfo {
  readonly kinds: ReadonlySet<MetricKind>;
  readonly labelKeys: ReadonlySet<string>;
  readonly series: number;
}

export interface Catalog {
  /** Every metric name that has series (for wildcards and "did you mean"). */
  readonly metricNames: readonly string[];
  /** Details of the metrics a query names. */
  readonly metrics: ReadonlyMap<string, MetricInfo>;
  /** Keys of free-form asset attributes (`attrs`). */
  readonly assetAttrKeys: ReadonlySet<string>;
  /** Retention of raw samples, days: older ranges can only come from rollups. */
  readonly samplesDays: number;
}

/** Turns a metric glob (`cpu.*`) into a test; a name without `*` matches itself only. */
export function metricMatcher(pattern: string): (name: string) => boolean {
  if (!pattern.includes('*')) return (n) => n === pattern;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (n) => re.test(n);
}

/** Reads the catalog for the metric patterns a query names. */
export async function loadCatalog(storage: Storage, patterns: readonly string[], samplesDays: number): Promise<Catalog> {
  const db = storage.database;
  const [names, attrKeys] = await Promise.all([
    storage.query<{ metric: string }>(`SELECT DISTINCT metric FROM ${db}.series ORDER BY metric`),
    storage.query<{ k: string }>(`SELECT DISTINCT arrayJoin(mapKeys(attrs)) AS k FROM ${db}.asset_history ORDER BY k LIMIT 10000`),
  ]);
  const metricNames = names.map((r) => r.metric);
  const wanted = new Set<string>();
  for (const p of patterns) {
    const m = metricMatcher(p);
    for (const n of metricNames) if (m(n)) wanted.add(n);
  }
  const metrics = new Map<string, MetricInfo>();
  if (wanted.size > 0) {
    const rows = await storage.query<{ metric: string; kinds: string[]; keys: string[]; series: string }>(
      `SELECT metric, groupUniqArray(toString(kind)) AS kinds, groupUniqArrayArray(mapKeys(labels)) AS keys, uniqExact(series_id) AS series
       FROM ${db}.series WHERE metric IN {metrics:Array(String)} GROUP BY metric`,
      { metrics: [...wanted] },
    );
    for (const r of rows) {
      metrics.set(r.metric, { kinds: new Set(r.kinds as MetricKind[]), labelKeys: new Set(r.keys), series: Number(r.series) });
    }
  }
  return { metricNames, metrics, assetAttrKeys: new Set(attrKeys.map((r) => r.k)), samplesDays };
}
