// ExportMetricsServiceRequest from protobuf into the model of model.ts. Field numbers are those of
// opentelemetry-proto v1 (collector/metrics/v1/metrics_service.proto, metrics/v1/metrics.proto,
// common/v1/common.proto, resource/v1/resource.proto). Unknown fields are skipped.
import { ProtoReader, WIRE } from '../../../lib/protobuf.ts';
import type { Attrs, HistogramPoint, MetricData, NumberPoint, OtlpMetric, OtlpResourceMetrics, PointBase, SummaryPoint } from './model.ts';
import { attrString } from './model.ts';

const { VARINT, I64, LEN } = WIRE;
const key = (field: number, wire: number): number => (field << 3) | wire;

/** Decodes the request; throws ProtobufError on malformed bytes. */
export function decodeProtoRequest(buf: Uint8Array): OtlpResourceMetrics[] {
  const r = new ProtoReader(buf);
  const out: OtlpResourceMetrics[] = [];
  while (r.more()) {
    const tag = r.tag();
    if (tag === key(1, LEN)) out.push(resourceMetrics(r.message()));
    else r.skip(tag & 7);
  }
  return out;
}

function resourceMetrics(r: ProtoReader): OtlpResourceMetrics {
  let attrs: Attrs = {};
  const metrics: OtlpMetric[] = [];
  while (r.more()) {
    const tag = r.tag();
    if (tag === key(1, LEN)) attrs = resource(r.message());
    else if (tag === key(2, LEN)) scopeMetrics(r.message(), metrics);
    else r.skip(tag & 7);
  }
  return { attrs, metrics };
}

function resource(r: ProtoReader): Attrs {
  const attrs: Attrs = {};
  while (r.more()) {
    const tag = r.tag();
    if (tag === key(1, LEN)) keyValue(r.message(), attrs);
    else r.skip(tag & 7);
  }
  return attrs;
}

function scopeMetrics(r: ProtoReader, into: OtlpMetric[]): void {
  while (r.more()) {
    const tag = r.tag();
    if (tag === key(2, LEN)) {
      const at = r.pos;
      into.push(metric(r.message(), at));
    } else r.skip(tag & 7);
  }
}

function keyValue(r: ProtoReader, into: Attrs): void {
  let k = '';
  let v: unknown = '';
  while (r.more()) {
    const tag = r.tag();
    if (tag === key(1, LEN)) k = r.string();
    else if (tag === key(2, LEN)) v = anyValue(r.message());
    else r.skip(tag & 7);
  }
  if (k !== '') into[k] = attrString(v);
}

function anyValue(r: ProtoReader): unknown {
  let v: unknown = '';
  while (r.more()) {
    const tag = r.tag();
    if (tag === key(1, LEN)) v = r.string();
    else if (tag === key(2, VARINT)) v = r.bool();
    else if (tag === key(3, VARINT)) v = r.int64();
    else if (tag === key(4, I64)) v = r.double();
    else if (tag === key(5, LEN) || tag === key(6, LEN)) v = listValue(r.message(), tag === key(6, LEN));
    else if (tag === key(7, LEN)) v = r.bytes();
    else r.skip(tag & 7);
  }
  return v;
}

/** ArrayValue (values = 1, AnyValue) or KeyValueList (values = 1, KeyValue). */
function listValue(r: ProtoReader, kv: boolean): unknown {
  const arr: unknown[] = [];
  const map: Attrs = {};
  while (r.more()) {
    const tag = r.tag();
    if (tag === key(1, LEN)) {
      if (kv) keyValue(r.message(), map);
      else arr.push(anyValue(r.message()));
    } else r.skip(tag & 7);
  }
  return kv ? map : arr;
}

function metric(r: ProtoReader, at: number): OtlpMetric {
  let name = '';
  let unit = '';
  let data: MetricData | undefined;
  while (r.more()) {
    const tag = r.tag();
    if (tag === key(1, LEN)) name = r.string();
    else if (tag === key(3, LEN)) unit = r.string();
    else if (tag === key(5, LEN)) data = { type: 'gauge', points: collection(r.message(), numberPoint).points };
    else if (tag === key(7, LEN)) data = { type: 'sum', ...collection(r.message(), numberPoint) };
    else if (tag === key(9, LEN)) data = { type: 'histogram', ...collection(r.message(), histogramPoint) };
    else if (tag === key(10, LEN)) data = { type: 'exponentialHistogram', ...collection(r.message(), expHistogramPoint) };
    else if (tag === key(11, LEN)) data = { type: 'summary', points: collection(r.message(), summaryPoint).points };
    else r.skip(tag & 7);
  }
  return { name, unit, data, at };
}

/** Gauge, Sum, Histogram, ExponentialHistogram and Summary share data_points = 1, temporality = 2, is_monotonic = 3. */
function collection<P>(r: ProtoReader, point: (r: ProtoReader) => P): { points: P[]; temporality: number; monotonic: boolean } {
  const points: P[] = [];
  let temporality = 0;
  let monotonic = false;
  while (r.more()) {
    const tag = r.tag();
    if (tag === key(1, LEN)) points.push(point(r.message()));
    else if (tag === key(2, VARINT)) temporality = r.uint32();
    else if (tag === key(3, VARINT)) monotonic = r.bool();
    else r.skip(tag & 7);
  }
  return { points, temporality, monotonic };
}

type Base = { -readonly [K in keyof PointBase]: PointBase[K] };
const base = (): Base => ({ attrs: {}, startMs: 0, timeMs: 0, flags: 0 });

/** Fields every point kind has, at its own numbers: returns false when `tag` is none of them. */
function baseField(r: ProtoReader, tag: number, p: Base, attrsField: number, flagsField: number): boolean {
  if (tag === key(attrsField, LEN)) keyValue(r.message(), p.attrs);
  else if (tag === key(2, I64)) p.startMs = r.fixed64Millis();
  else if (tag === key(3, I64)) p.timeMs = r.fixed64Millis();
  else if (tag === key(flagsField, VARINT)) p.flags = r.uint32();
  else return false;
  return true;
}

function numberPoint(r: ProtoReader): NumberPoint {
  const p = base();
  let int: bigint | undefined;
  let value: number | undefined;
  while (r.more()) {
    const tag = r.tag();
    if (baseField(r, tag, p, 7, 8)) continue;
    if (tag === key(4, I64)) {
      value = r.double();
      int = undefined;
    } else if (tag === key(6, I64)) {
      int = r.sfixed64();
      value = Number(int);
    } else r.skip(tag & 7);
  }
  return { ...p, int, value };
}

function histogramPoint(r: ProtoReader): HistogramPoint {
  const p = base();
  let count = 0n;
  let sum: number | undefined;
  let min: number | undefined;
  let max: number | undefined;
  const bucketCounts: bigint[] = [];
  const bounds: number[] = [];
  while (r.more()) {
    const tag = r.tag();
    if (baseField(r, tag, p, 9, 10)) continue;
    const field = tag >>> 3;
    const wire = tag & 7;
    if (tag === key(4, I64)) count = r.fixed64();
    else if (tag === key(5, I64)) sum = r.double();
    else if (field === 6) r.repeated(wire, I64, (s) => bucketCounts.push(s.fixed64()));
    else if (field === 7) r.repeated(wire, I64, (s) => bounds.push(s.double()));
    else if (tag === key(11, I64)) min = r.double();
    else if (tag === key(12, I64)) max = r.double();
    else r.skip(wire);
  }
  return { ...p, count, sum, bucketCounts, bounds, min, max };
}

/** Count, sum, min and max of an exponential histogram; its buckets are not read (parse.ts). */
function expHistogramPoint(r: ProtoReader): HistogramPoint {
  const p = base();
  let count = 0n;
  let sum: number | undefined;
  let min: number | undefined;
  let max: number | undefined;
  while (r.more()) {
    const tag = r.tag();
    if (baseField(r, tag, p, 1, 10)) continue;
    if (tag === key(4, I64)) count = r.fixed64();
    else if (tag === key(5, I64)) sum = r.double();
    else if (tag === key(12, I64)) min = r.double();
    else if (tag === key(13, I64)) max = r.double();
    else r.skip(tag & 7);
  }
  return { ...p, count, sum, bucketCounts: [], bounds: [], min, max };
}

function summaryPoint(r: ProtoReader): SummaryPoint {
  const p = base();
  let count = 0n;
  let sum = 0;
  const quantiles: { quantile: number; value: number }[] = [];
  while (r.more()) {
    const tag = r.tag();
    if (baseField(r, tag, p, 7, 8)) continue;
    if (tag === key(4, I64)) count = r.fixed64();
    else if (tag === key(5, I64)) sum = r.double();
    else if (tag === key(6, LEN)) {
      const q = r.message();
      let quantile = 0;
      let value = 0;
      while (q.more()) {
        const t = q.tag();
        if (t === key(1, I64)) quantile = q.double();
        else if (t === key(2, I64)) value = q.double();
        else q.skip(t & 7);
      }
      quantiles.push({ quantile, value });
    } else r.skip(tag & 7);
  }
  return { ...p, count, sum, quantiles };
}
