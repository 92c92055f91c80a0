// Forecast charts of the capacity page: the history, the forecast with its interval as a shaded band,
// and the capacity as a flat dashed line when known.
import { TimeChart, type Line } from '../lib/chart.ts';
import { formatterFor } from '../lib/format.ts';
import { formatTime } from '../lib/time.ts';

/** One forecast of GET /api/v1/capacity (analysis/capacity/snapshot.ts). */
export interface ForecastRow {
  readonly key: string;
  readonly title: string;
  readonly unit: string;
  readonly stepMs: number;
  readonly level: number;
  readonly history: readonly (readonly [number, number | null])[];
  readonly forecast: readonly (readonly [number, number, number, number])[];
  readonly capacity?: number;
}

/** Chart ids are `capacity-forecast-<key>`. */
export function forecastChartId(key: string): string {
  return `capacity-forecast-${key}`;
}

/** The lines of one forecast chart, and the time span they cover. */
export function forecastLines(f: ForecastRow): { lines: Line[]; from: number; to: number } {
  // Start at the first known value: a window's leading nulls (hosts not yet reporting) are not history.
  const known = f.history.filter((p) => p[1] !== null).map((p) => p[0]);
  const ts = [...(known.length > 0 ? known : f.history.map((p) => p[0])), ...f.forecast.map((p) => p[0])];
  const from = Math.min(...ts);
  const to = Math.max(...ts);
  const lines: Line[] = [
    { label: 'history', t: f.history.map((p) => p[0]), v: f.history.map((p) => p[1]), color: '#2563eb' },
    {
      label: `forecast (${Math.round(f.level * 100)}% interval)`,
      t: f.forecast.map((p) => p[0]),
      v: f.forecast.map((p) => p[1]),
      low: f.forecast.map((p) => p[2]),
      high: f.forecast.map((p) => p[3]),
      color: '#ea580c',
      dash: [6, 4],
    },
  ];
  if (f.capacity !== undefined && Number.isFinite(f.capacity)) lines.push({ label: 'capacity', t: [from, to], v: [f.capacity, f.capacity], color: '#dc2626', dash: [2, 3] });
  return { lines, from, to };
}

/** Draws each forecast (with at least one point) into `parent`; returns the charts to destroy later. */
export function drawForecasts(parent: HTMLElement, forecasts: readonly ForecastRow[]): TimeChart[] {
  const charts: TimeChart[] = [];
  for (const f of forecasts) {
    if (f.history.length + f.forecast.length === 0) continue;
    const { lines, from, to } = forecastLines(f);
    const last = f.forecast.at(-1);
    const chart = new TimeChart(parent, {
      id: forecastChartId(f.key),
      title: `${f.title}${f.unit ? ` (${f.unit})` : ''}${last ? ` · ${formatterFor(f.unit)(last[1])} by ${formatTime(last[0], false).slice(0, 10)}` : ''}`,
      height: 220,
      format: formatterFor(f.unit === 'bytes' ? 'bytes' : f.key),
    });
    chart.set({ from, to, lines, spans: f.forecast.length > 0 ? [{ start: f.forecast[0][0], text: 'forecast →', color: '#ea580c' }] : [] });
    charts.push(chart);
  }
  return charts;
}
