// Reads chart data from GET /api/v1/points, reduced by the server to the chart's pixel width: M4 per
// series, or per group a line (the chosen aggregate) with its exact min–max envelope.
import { api } from './api.ts';
import type { Line } from './chart.ts';
import { seriesLabels } from './labels.ts';
import { probe } from './probe.ts';

export interface PointsQuery {
  readonly metric: string;
  readonly from: number;
  readonly to: number;
  readonly width: number;
  /** `host=…`, `label.k=…`, `asset.k=…` filters. */
  readonly filters?: readonly { key: string; value: string }[];
  readonly groupBy?: string;
  readonly agg?: string;
  readonly limit?: number;
}

interface SeriesOut {
  series_id?: string;
  host?: string;
  labels?: Record<string, string>;
  key?: string;
  group?: Record<string, string>;
  members?: number;
  points: [number, number | null][];
  low?: [number, number | null][];
  high?: [number, number | null][];
}

export interface PointsResult {
  readonly lines: Line[];
  readonly matched: number;
  readonly truncated: boolean;
  readonly source: string;
  readonly reduction: string;
  /** Points received, over every line. */
  readonly points: number;
}


/** A group's legend name: its values (`PowerEdge R650 · ams1`), `(none)` for an unset one, `all` for no key. */
function groupName(group: Record<string, string>): string {
  const values = Object.values(group);
  return values.length === 0 ? 'all' : values.map((v) => v || '(none)').join(' · ');
}

export async function fetchPoints(q: PointsQuery, signal?: AbortSignal): Promise<PointsResult> {
  const params: Record<string, string | number | undefined> = {
    metric: q.metric,
    start: Math.floor(q.from),
    end: Math.ceil(q.to),
    width: q.width,
    group_by: q.groupBy,
    agg: q.groupBy ? q.agg : undefined,
    limit: q.groupBy ? undefined : q.limit,
  };
  for (const f of q.filters ?? []) params[f.key] = f.value;
  probe.requests.push(`/api/v1/points?metric=${q.metric}&start=${params.start}&end=${params.end}`);
  const r = await api.get<{ series: SeriesOut[]; matched?: number; truncated?: boolean; source: string; reduction?: string }>('/api/v1/points', params, signal);
  let points = 0;
  const names = seriesLabels(r.series);
  const lines: Line[] = r.series.map((s, i) => {
    points += s.points.length;
    const line: Line = {
      label: s.group !== undefined ? `${groupName(s.group)}${s.members ? ` (${s.members})` : ''}` : names[i],
      t: s.points.map((p) => p[0]),
      v: s.points.map((p) => p[1]),
      ...(s.low && s.high ? { low: s.low.map((p) => p[1]), high: s.high.map((p) => p[1]) } : {}),
    };
    return line;
  });
  return { lines, matched: r.matched ?? r.series.length, truncated: r.truncated ?? false, source: r.source, reduction: r.reduction ?? 'm4', points };
}
