import { z } from 'zod';

/**
 * The record every parser produces and the writer stores: one data source of one value list at one
 * time. Version of the wire shape used on the Kafka topic; bump it when a field changes meaning.
 */
export const RECORD_VERSION = 1;

/** collectd's four data-source kinds; other formats map onto `gauge` or `counter`. */
export const METRIC_KINDS = ['gauge', 'counter', 'derive', 'absolute'] as const;
export type MetricKind = (typeof METRIC_KINDS)[number];

/**
 * One sample. Parsers build these directly (trusted code, no validation on the hot path).
 *
 * Ownership: the sink that receives an array of records may keep it and the records; parsers must not
 * reuse either after handing them over. Records are never mutated after they are built.
 */
export interface MetricRecord {
  /** Metric name, for collectd `<plugin>.<type>.<ds>` with the shortening rules of DESIGN.md. */
  readonly metric: string;
  /** Sending host. */
  readonly host: string;
  /** Identity labels other than host, without empty values. Key order is not significant. */
  readonly labels: Readonly<Record<string, string>>;
  readonly kind: MetricKind;
  /** Sample time, milliseconds since the Unix epoch, UTC. */
  readonly ts: number;
  /** The value as a double; NaN means unknown (a collectd gauge may be NaN). */
  readonly value: number;
  /**
   * Exact integer for counter, derive and absolute kinds (counters reach 2^64-1, beyond what a double
   * holds exactly). Undefined for gauges.
   */
  readonly raw?: bigint;
  /** Collection interval in milliseconds; 0 when the sender did not say. */
  readonly interval: number;
}

/**
 * A notification or other event (collectd PUTNOTIF / notification JSON). Stored in `events`,
 * queryable by host and time.
 */
export interface EventRecord {
  readonly ts: number;
  readonly host: string;
  /** `failure`, `warning`, `okay` or `unknown`. */
  readonly severity: string;
  readonly message: string;
  /** Where the event came from, such as `collectd`. */
  readonly source: string;
  /** plugin, plugin_instance, type, type_instance and any meta data, as strings. */
  readonly attrs: Readonly<Record<string, string>>;
}

/** zod schema for records arriving from an untrusted hop (the Kafka topic, JSON APIs). */
export const metricRecordSchema = z.object({
  metric: z.string().min(1),
  host: z.string(),
  labels: z.record(z.string(), z.string()),
  kind: z.enum(METRIC_KINDS),
  ts: z.number().int(),
  value: z.number().or(z.nan()),
  raw: z.bigint().optional(),
  interval: z.number().nonnegative(),
});

export const eventRecordSchema = z.object({
  ts: z.number().int(),
  host: z.string(),
  severity: z.string(),
  message: z.string(),
  source: z.string(),
  attrs: z.record(z.string(), z.string()),
});
