// Shapes of the anomaly, alert and band endpoints as the anomalies and host pages read them, and the
// one way these pages turn an API failure into a sentence.
import { ApiError } from '../lib/api.ts';
import { formatterFor } from '../lib/format.ts';

/** One scored point of GET /api/v1/anomalies. */
export interface Anomaly {
  /** `job~detector~series_id~ts`, for /api/v1/anomalies/{id}/changes. */
  readonly id?: string;
  readonly job: string;
  readonly detector: string;
  readonly kind: string;
  readonly series_id: string;
  readonly metric: string;
  readonly host: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ts: number;
  readonly score: number;
  readonly observed: number | null;
  readonly expected: number | null;
  readonly low: number | null;
  readonly high: number | null;
  readonly context?: Readonly<Record<string, string | null>>;
}

/** One alert of GET /api/v1/alerts (analysis/alerts/model.ts). */
export interface Alert {
  readonly key: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly status: 'pending' | 'firing' | 'resolved';
  readonly startsAt: number;
  readonly endsAt?: number | null;
  readonly updatedAt?: number;
  readonly score?: number;
  readonly job?: string;
}

/** One step (or pixel column) of GET /api/v1/anomalies/band. */
export interface BandPoint {
  readonly t: number;
  readonly observed: number | null;
  readonly expected: number | null;
  readonly low: number | null;
  readonly high: number | null;
  readonly score: number | null;
}

export interface Band {
  readonly series_id: string;
  readonly job: string;
  readonly detector: string;
  readonly step: number;
  readonly points: readonly BandPoint[];
}

/** Labels of an anomaly or alert that identify a series beyond host and metric. */
export const IDENTITY_LABELS = new Set(['alertname', 'job', 'host', 'severity', 'metric', 'series', 'series_id']);

/** "cannot …: why (param: x)" for an API error, the message for anything else. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    const where = err.where ? ` (${Object.entries(err.where).map(([k, v]) => `${k}: ${String(v)}`).join(', ')})` : '';
    return `${err.message}${where}`;
  }
  return (err as Error)?.message ?? String(err);
}

/** True for the 404 of an endpoint that is not there yet, as opposed to a real error. */
export function isMissingRoute(err: unknown): boolean {
  return err instanceof ApiError && err.code === 'API_ERR_NOT_FOUND' && /no route/.test(err.message);
}

/** "spike on web-01 cpu.percent (score 0.93)". */
export function anomalyText(a: Anomaly): string {
  return `${a.kind} on ${a.host} ${a.metric} (score ${a.score.toFixed(2)})`;
}

/**
 * Where to put the marker of an anomaly with no observed value (kind `missing`): its expected value,
 * else the last value of `line` at or before `t`, else 0.
 */
export function markerValue(a: Anomaly, line: { t: readonly number[]; v: readonly (number | null)[] } | undefined): number {
  if (a.observed !== null && a.observed !== undefined) return a.observed;
  if (a.expected !== null && a.expected !== undefined) return a.expected;
  let v: number | null = null;
  if (line) {
    for (let i = 0; i < line.t.length && line.t[i] <= a.ts; i++) if (line.v[i] !== null) v = line.v[i];
    if (v === null) v = line.v.find((x) => x !== null) ?? null;
  }
  return v ?? 0;
}

/** "24 (18–30)", or a dash when the detector had no expectation (a missing point). */
export function expectedText(a: Anomaly): string {
  const f = formatterFor(a.metric);
  if (a.expected === null || a.expected === undefined) return '–';
  return a.low === null || a.high === null ? f(a.expected) : `${f(a.expected)} (${f(a.low)}–${f(a.high)})`;
}

