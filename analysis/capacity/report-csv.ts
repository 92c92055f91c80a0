// The capacity report's sections as CSV, one file each, with a header line; numbers are raw, times ISO 8601 UTC.
import type { CapacitySnapshot, ExhaustionRow } from './snapshot.ts';

type Cell = string | number | null | undefined;

function field(v: Cell): string {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [header, ...rows].map((r) => r.map(field).join(',')).join('\n') + '\n';
}

function iso(t: number | null): string | null {
  return t !== null && Number.isFinite(t) ? new Date(t).toISOString() : null;
}

/** `k=v;k=v`, sorted by key. */
export function labelText(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(';');
}

/** The day the range starts from: fullAt − daysToFull when both are known, else `fallback`. */
export function exhaustionBase(r: ExhaustionRow, fallback: number): number {
  return r.fullAt !== null && r.daysToFull !== null ? r.fullAt - r.daysToFull * 86_400_000 : fallback;
}

/** The four CSV files of a (filtered, sorted) snapshot, by file name. */
export function renderCsv(s: CapacitySnapshot): Record<string, string> {
  const day = 86_400_000;
  const at = (r: ExhaustionRow, d: number | null) => (d === null ? null : iso(exhaustionBase(r, s.to) + d * day));
  return {
    'exhaustion.csv': csv(
      ['host', 'site', 'hw_model', 'resource', 'metric', 'labels', 'unit', 'capacity', 'used', 'days_to_full', 'days_low', 'days_high', 'full_at', 'full_earliest', 'full_latest', 'slope_per_day', 'reason'],
      s.exhaustion.map((r) => [r.host, r.site, r.hwModel, r.resource, r.metric, labelText(r.labels), r.unit, r.capacity, r.used, r.daysToFull, r.daysLow, r.daysHigh, iso(r.fullAt), at(r, r.daysLow), at(r, r.daysHigh), r.slopePerDay, r.reason]),
    ),
    'headroom.csv': csv(
      ['site', 'hw_model', 'hosts', 'load', 'capacity', 'headroom', 'unit'],
      s.headroom.map((r) => [r.site, r.hwModel, r.hosts, r.load, r.capacity, r.headroom, r.unit]),
    ),
    'throughput.csv': csv(
      ['hw_model', 'hosts', 'per_host', 'low', 'high', 'unit', 'target', 'points', 'x_label', 'y_label'],
      s.throughput.map((r) => [r.hwModel, r.hosts, r.perHost, r.low, r.high, r.unit, r.target, r.points.length, r.xLabel, r.yLabel]),
    ),
    'forecasts.csv': csv(
      ['key', 'title', 'unit', 'time', 'kind', 'value', 'lower', 'upper', 'capacity'],
      s.forecasts.flatMap((f) => [
        ...f.history.map(([t, v]): Cell[] => [f.key, f.title, f.unit, iso(t), 'history', v, null, null, f.capacity]),
        ...f.forecast.map(([t, v, lo, hi]): Cell[] => [f.key, f.title, f.unit, iso(t), 'forecast', v, lo, hi, f.capacity]),
      ]),
    ),
  };
}
