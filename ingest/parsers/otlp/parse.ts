// OTLP metrics (ExportMetricsServiceRequest) as sent to POST /v1/metrics, in protobuf or JSON, mapped onto
// records. The mapping and kind rules are documented in docs/_formats-prometheus-otlp.md.
import { ProtobufError } from '../../../lib/protobuf.ts';
import type { MetricKind, MetricRecord } from '../../../lib/record.ts';
import { ParseError, type ParseResult, type Rejection } from '../types.ts';
import { decodeJsonRequest } from './decode-json.ts';
import { decodeProtoRequest } from './decode-proto.ts';
import { FLAG_NO_RECORDED_VALUE, TEMPORALITY, type Attrs, type HistogramPoint, type NumberPoint, type OtlpMetric, type OtlpResourceMetrics, type PointBase } from './model.ts';

/** What the parser needs besides the body. */
export interface OtlpParseContext {
  /** Time of a point that has none (time_unix_nano 0), ms. */
  readonly receivedAt: number;
}

/** Codes of the rejections and errors of this parser. */
export const OTLP_CODES = {
  PARSE_ERR_PROTOBUF: 'the body is not a valid ExportMetricsServiceRequest',
  PARSE_ERR_OTLP_JSON: 'the body is not OTLP JSON',
  PARSE_ERR_NO_NAME: 'a metric without a name',
  PARSE_ERR_NO_DATA: 'a metric without gauge, sum, histogram, exponentialHistogram or summary',
  PARSE_ERR_NO_VALUE: 'a number data point with neither asInt nor asDouble',
  PARSE_ERR_TEMPORALITY: 'a sum or histogram with an unspecified aggregation temporality',
  PARSE_ERR_HISTOGRAM_BUCKETS: 'a histogram point whose bucket counts are not one more than its bounds',
} as const;

/**
 * Resource attributes kept as labels (besides the one that became the host): enough to tell services
 * and their instances apart, without copying every SDK and process attribute onto every series.
 */
export const RESOURCE_LABELS = ['service.name', 'service.namespace', 'service.version', 'service.instance.id', 'deployment.environment', 'deployment.environment.name'] as const;

/** Parses a protobuf request. Throws ParseError when the bytes are not a valid message. */
export function parseOtlpProtobuf(body: Uint8Array, ctx: OtlpParseContext): ParseResult {
  let resources: OtlpResourceMetrics[];
  try {
    resources = decodeProtoRequest(body);
  } catch (err) {
    if (err instanceof ProtobufError) throw new ParseError('PARSE_ERR_PROTOBUF', `cannot read the OTLP request: ${err.message}`, err.offset, { cause: err });
    throw err;
  }
  return mapResources(resources, ctx, 'offset');
}

/** Parses an OTLP JSON request. Throws ParseError for text that is not JSON or not the request's shape. */
export function parseOtlpJson(body: string, ctx: OtlpParseContext): ParseResult {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    throw new ParseError('PARSE_ERR_OTLP_JSON', `cannot parse OTLP JSON: ${(err as Error).message}`, undefined, { cause: err });
  }
  return mapResources(decodeJsonRequest(doc), ctx, 'index');
}

/** Host (`host.name`, else `service.instance.id`, else '') and the labels every series of a resource carries. */
export function resourceIdentity(attrs: Attrs): { host: string; labels: Attrs } {
  const host = attrs['host.name'] || attrs['service.instance.id'] || '';
  const labels: Attrs = {};
  for (const k of RESOURCE_LABELS) {
    const v = attrs[k];
    if (v && !(k === 'service.instance.id' && !attrs['host.name'])) labels[k] = v;
  }
  return { host, labels };
}

interface Emit {
  readonly records: MetricRecord[];
  readonly rejected: Rejection[];
  readonly receivedAt: number;
  readonly where: 'offset' | 'index';
}

function mapResources(resources: OtlpResourceMetrics[], ctx: OtlpParseContext, where: 'offset' | 'index'): ParseResult {
  const e: Emit = { records: [], rejected: [], receivedAt: ctx.receivedAt, where };
  for (const rm of resources) {
    const id = resourceIdentity(rm.attrs);
    for (const m of rm.metrics) mapMetric(m, id.host, id.labels, e);
  }
  return { records: e.records, events: [], rejected: e.rejected };
}

function reject(e: Emit, m: OtlpMetric, code: keyof typeof OTLP_CODES, why: string, values: number): void {
  const at = e.where === 'offset' ? `at offset ${m.at}` : `at index ${m.at}`;
  const message = `cannot store metric ${m.name || '(no name)'} ${at}: ${why}`;
  e.rejected.push(e.where === 'offset' ? { code, message, offset: m.at, values } : { code, message, index: m.at, values });
}

function mapMetric(m: OtlpMetric, host: string, resLabels: Attrs, e: Emit): void {
  const d = m.data;
  if (d === undefined) return reject(e, m, 'PARSE_ERR_NO_DATA', 'it has no data (gauge, sum, histogram, exponentialHistogram or summary)', 0);
  if (m.name === '') return reject(e, m, 'PARSE_ERR_NO_NAME', 'it has no name', d.points.length);
  const pts = (d.points as PointBase[]).filter((p) => (p.flags & FLAG_NO_RECORDED_VALUE) === 0);
  if (pts.length === 0) return;
  if ((d.type === 'sum' || d.type === 'histogram' || d.type === 'exponentialHistogram') && d.temporality !== TEMPORALITY.DELTA && d.temporality !== TEMPORALITY.CUMULATIVE) {
    return reject(e, m, 'PARSE_ERR_TEMPORALITY', `its aggregation temporality is ${d.temporality}, not delta (1) or cumulative (2)`, pts.length);
  }
  const delta = 'temporality' in d && d.temporality === TEMPORALITY.DELTA;
  const put = (p: PointBase, metric: string, kind: MetricKind, value: number, raw: bigint | undefined, extra?: Attrs): void => {
    const labels = extra ? { ...resLabels, ...p.attrs, ...extra } : { ...resLabels, ...p.attrs };
    for (const k in labels) if (labels[k] === '') delete labels[k];
    const ts = p.timeMs || e.receivedAt;
    const interval = delta && p.startMs > 0 && ts > p.startMs ? ts - p.startMs : 0;
    e.records.push(raw === undefined ? { metric, host, labels, kind, ts, value, interval } : { metric, host, labels, kind, ts, value, raw, interval });
  };
  /** A count: an exact integer, a running total (derive) or a count since the previous point (absolute). */
  const putCount = (p: PointBase, metric: string, n: bigint, extra?: Attrs): void => put(p, metric, delta ? 'absolute' : 'derive', Number(n), n, extra);

  switch (d.type) {
    case 'gauge':
    case 'sum': {
      let missing = 0;
      for (const p of pts as NumberPoint[]) {
        if (p.value === undefined) missing++;
        else if (d.type === 'sum' && p.int !== undefined && (delta || d.monotonic)) putCount(p, m.name, p.int);
        else put(p, m.name, 'gauge', p.value, undefined);
      }
      if (missing > 0) reject(e, m, 'PARSE_ERR_NO_VALUE', `${missing} data points have neither asInt nor asDouble`, missing);
      return;
    }
    case 'histogram':
    case 'exponentialHistogram': {
      let bad = 0;
      for (const p of pts as HistogramPoint[]) {
        if (p.bucketCounts.length > 0 && p.bucketCounts.length !== p.bounds.length + 1) {
          bad++;
          continue;
        }
        putHistogram(p, m.name, put, putCount);
      }
      if (bad > 0) reject(e, m, 'PARSE_ERR_HISTOGRAM_BUCKETS', `${bad} data points have bucket counts that are not one more than their explicit bounds`, bad);
      return;
    }
    case 'summary':
      for (const p of d.points) {
        if (p.flags & FLAG_NO_RECORDED_VALUE) continue;
        putCount(p, `${m.name}.count`, p.count);
        put(p, `${m.name}.sum`, 'gauge', p.sum, undefined);
        for (const q of p.quantiles) put(p, m.name, 'gauge', q.value, undefined, { quantile: String(q.quantile) });
      }
      return;
    default:
      d satisfies never;
  }
}

type Put = (p: PointBase, metric: string, kind: MetricKind, value: number, raw: bigint | undefined, extra?: Attrs) => void;
type PutCount = (p: PointBase, metric: string, n: bigint, extra?: Attrs) => void;

/** `<name>.count`, `<name>.sum`, `<name>.min`, `<name>.max` and cumulative `<name>.bucket{le}` like Prometheus' `_bucket`. */
function putHistogram(p: HistogramPoint, name: string, put: Put, putCount: PutCount): void {
  putCount(p, `${name}.count`, p.count);
  if (p.sum !== undefined) put(p, `${name}.sum`, 'gauge', p.sum, undefined);
  if (p.min !== undefined) put(p, `${name}.min`, 'gauge', p.min, undefined);
  if (p.max !== undefined) put(p, `${name}.max`, 'gauge', p.max, undefined);
  let cumulative = 0n;
  p.bucketCounts.forEach((c, i) => {
    cumulative += c;
    putCount(p, `${name}.bucket`, cumulative, { le: i < p.bounds.length ? String(p.bounds[i]) : '+Inf' });
  });
}
