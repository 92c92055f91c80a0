// The part of an OTLP ExportMetricsServiceRequest that fleetscope reads
// (opentelemetry-proto/opentelemetry/proto/metrics/v1/metrics.proto), decoded from protobuf
// (decode-proto.ts) or JSON (decode-json.ts) into the same shape, then mapped by parse.ts.

/** Attribute values as strings: ints in decimal, bools `true`/`false`, bytes in hex, arrays and maps as JSON. */
export type Attrs = Record<string, string>;

/** AggregationTemporality: 0 unspecified, 1 delta, 2 cumulative. */
export const TEMPORALITY = { UNSPECIFIED: 0, DELTA: 1, CUMULATIVE: 2 } as const;
/** DataPointFlags.FLAG_NO_RECORDED_VALUE: the point marks a gap (like a Prometheus stale marker). */
export const FLAG_NO_RECORDED_VALUE = 1;

export interface PointBase {
  readonly attrs: Attrs;
  /** start_time_unix_nano in whole milliseconds; 0 when unset. */
  readonly startMs: number;
  /** time_unix_nano in whole milliseconds; 0 when unset. */
  readonly timeMs: number;
  readonly flags: number;
}

export interface NumberPoint extends PointBase {
  /** as_int when the point has one (exact), else undefined. */
  readonly int: bigint | undefined;
  /** as_double, or as_int as a double; undefined when the point has neither. */
  readonly value: number | undefined;
}

export interface HistogramPoint extends PointBase {
  readonly count: bigint;
  readonly sum: number | undefined;
  /** Per-bucket (not cumulative) counts; one more than `bounds`, or none. */
  readonly bucketCounts: bigint[];
  readonly bounds: number[];
  readonly min: number | undefined;
  readonly max: number | undefined;
}

export interface SummaryPoint extends PointBase {
  readonly count: bigint;
  readonly sum: number;
  readonly quantiles: { readonly quantile: number; readonly value: number }[];
}

export type MetricData =
  | { readonly type: 'gauge'; readonly points: NumberPoint[] }
  | { readonly type: 'sum'; readonly temporality: number; readonly monotonic: boolean; readonly points: NumberPoint[] }
  | { readonly type: 'histogram'; readonly temporality: number; readonly points: HistogramPoint[] }
  | { readonly type: 'exponentialHistogram'; readonly temporality: number; readonly points: HistogramPoint[] }
  | { readonly type: 'summary'; readonly points: SummaryPoint[] };

export interface OtlpMetric {
  readonly name: string;
  readonly unit: string;
  /** Undefined for a metric without data (invalid per the spec). */
  readonly data: MetricData | undefined;
  /** Where it is: the byte offset of the Metric (protobuf) or its 0-based index among all metrics (JSON). */
  readonly at: number;
}

export interface OtlpResourceMetrics {
  readonly attrs: Attrs;
  readonly metrics: OtlpMetric[];
}

/** Formats an AnyValue already reduced to a JS value as an attribute string. */
export function attrString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x)) ?? '';
}
