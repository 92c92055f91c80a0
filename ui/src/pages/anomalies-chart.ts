// The selected series of the anomalies page: observed values, the detector's expected band replayed
// over the range (dashed line and shaded low–high), a red marker per anomaly of the series and a shaded
// window per alert of it.
import { api } from '../lib/api.ts';
import type { Line, Marker, Span, TimeChart } from '../lib/chart.ts';
import { fetchChangeSpans } from '../lib/changes.ts';
import { fetchPoints } from '../lib/points.ts';
import { IDENTITY_LABELS, anomalyText, describeError, isMissingRoute, markerValue, type Alert, type Anomaly, type Band } from './anomalies-api.ts';

const AROUND_MS = 3 * 3_600_000;

/** What identifies the series to draw: an anomaly of it. */
export interface SeriesRef {
  readonly series_id: string;
  readonly job: string;
  readonly metric: string;
  readonly host: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** True when the alert is about this series: same host, and same metric and labels when it has them. */
export function alertMatches(a: Alert, s: Omit<SeriesRef, 'series_id' | 'job'>): boolean {
  if (a.labels.host !== undefined && a.labels.host !== s.host) return false;
  if (a.labels.metric !== undefined && a.labels.metric !== s.metric) return false;
  return Object.entries(a.labels).every(([k, v]) => IDENTITY_LABELS.has(k) || s.labels[k] === v);
}

/** The shared range when it holds `ts`, else `ts` ± 3 h. */
export function rangeAround(ts: number, shared: { from: number; to: number }): { from: number; to: number } {
  return ts >= shared.from && ts <= shared.to ? shared : { from: ts - AROUND_MS, to: ts + AROUND_MS };
}

/** "spike · web-01 cpu.percent type_instance=user". */
export function seriesTitle(s: Omit<SeriesRef, 'series_id' | 'job'>): string {
  const labels = Object.entries(s.labels)
    .filter(([k, v]) => k !== 'plugin' && k !== 'type' && !(k === 'ds' && v === 'value'))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `${s.metric} on ${s.host}${labels ? ` · ${labels}` : ''}`;
}

async function band(s: SeriesRef, from: number, to: number, width: number, signal: AbortSignal): Promise<Line | string> {
  try {
    const b = await api.get<Band>('/api/v1/anomalies/band', { series_id: s.series_id, job: s.job, from, to, width }, signal);
    if (b.points.length === 0) return 'the detector has no expected band for this range yet';
    return {
      label: `expected (${b.detector})`,
      t: b.points.map((p) => p.t),
      v: b.points.map((p) => p.expected),
      low: b.points.map((p) => p.low),
      high: b.points.map((p) => p.high),
      color: '#6b7280',
      dash: [6, 4],
    };
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    return isMissingRoute(err) ? 'the expected band is not served by this fleetscope yet' : `cannot load the expected band: ${describeError(err)}`;
  }
}

/**
 * Draws the series of `s` around `ts` on `chart`. Returns warnings (band missing…) for the page to show;
 * throws when the observed values cannot be read.
 */
export async function drawSelection(
  chart: TimeChart,
  s: SeriesRef,
  ts: number,
  shared: { from: number; to: number },
  alerts: readonly Alert[],
  signal: AbortSignal,
): Promise<{ warnings: string[]; anomalies: number; from: number; to: number }> {
  const { from, to } = rangeAround(ts, shared);
  const width = chart.pixelWidth;
  const filters = [{ key: 'host', value: s.host }, ...Object.entries(s.labels).map(([k, v]) => ({ key: `label.${k}`, value: v }))];
  const [pts, expected, near, changes] = await Promise.all([
    fetchPoints({ metric: s.metric, from, to, width, filters, limit: 5 }, signal),
    band(s, from, to, width, signal),
    api
      .get<{ anomalies: Anomaly[] }>('/api/v1/anomalies', { host: s.host, metric: s.metric, from, to, limit: 2000 }, signal)
      .then((r) => r.anomalies.filter((a) => a.series_id === s.series_id))
      .catch((e: unknown) => {
        if ((e as Error).name === 'AbortError') throw e;
        return [] as Anomaly[];
      }),
    fetchChangeSpans({ from, to, host: s.host }, signal),
  ]);
  const warnings: string[] = [];
  if (pts.lines.length === 0) warnings.push(`no values of ${seriesTitle(s)} in this range`);
  const lines: Line[] = pts.lines.map((l, i) => ({ ...l, label: pts.lines.length === 1 ? 'observed' : `observed ${l.label}`, color: i === 0 ? '#2563eb' : undefined }));
  if (typeof expected === 'string') warnings.push(expected);
  else lines.push(expected);
  const markers: Marker[] = near.map((a) => ({ t: a.ts, v: markerValue(a, pts.lines[0]), text: anomalyText(a) }));
  const now = Date.now();
  const spans: Span[] = alerts
    .filter((a) => alertMatches(a, s))
    .map((a): Span => ({ start: a.startsAt, end: a.endsAt ?? now, text: `${a.labels.alertname ?? 'alert'} ${a.status}`, color: a.status === 'resolved' ? '#16a34a' : a.status === 'pending' ? '#d97706' : '#dc2626' }))
    .concat(changes);
  chart.set({ from, to, lines, markers, spans });
  return { warnings, anomalies: near.length, from, to };
}
