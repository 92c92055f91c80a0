// The id of one anomaly: the key of its row in `anomalies` (job, detector, series, time), joined with `~`,
// a character job names, detector names and numbers never contain, and one URLs carry as it is.

/** What identifies one row of `anomalies`. */
export interface AnomalyKey {
  readonly job: string;
  readonly detector: string;
  /** Decimal text: series ids are UInt64 and do not fit a double. */
  readonly seriesId: string;
  /** Epoch ms. */
  readonly ts: number;
}

/** `job~detector~series_id~ts`, e.g. `fleet~default~1234567890123~1763596800000`. */
export function anomalyId(k: AnomalyKey): string {
  return `${k.job}~${k.detector}~${k.seriesId}~${k.ts}`;
}

/** Reads an id made by {@link anomalyId}; undefined when it is not one. */
export function parseAnomalyId(id: string): AnomalyKey | undefined {
  const parts = id.split('~');
  if (parts.length !== 4) return undefined;
  const [job, detector, seriesId, ts] = parts;
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(job) || detector === '' || !/^\d{1,20}$/.test(seriesId) || !/^\d{1,15}$/.test(ts)) return undefined;
  return { job, detector, seriesId, ts: Number(ts) };
}
