// ExportMetricsServiceRequest from the OTLP JSON encoding
// (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): lowerCamelCase field names (the
// original snake_case names are accepted too, as the protobuf JSON mapping requires), 64-bit integers as
// decimal strings or numbers, enums as integers (names accepted), bytes in hex, unknown fields ignored.
import { ParseError } from '../types.ts';
import type { Attrs, HistogramPoint, MetricData, NumberPoint, OtlpMetric, OtlpResourceMetrics, PointBase, SummaryPoint } from './model.ts';
import { attrString } from './model.ts';

type Obj = Record<string, unknown>;

/** A malformed field: the path says where (`resourceMetrics[0].scopeMetrics[1].metrics[2]…`). */
function bad(path: string, why: string): never {
  throw new ParseError('PARSE_ERR_OTLP_JSON', `cannot read OTLP JSON ${path}: ${why}`);
}

function snake(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

/** Field `name` (lowerCamelCase, or its snake_case original) of `o`. */
function get(o: Obj, name: string): unknown {
  const v = o[name];
  return v !== undefined ? v : o[snake(name)];
}

function obj(v: unknown, path: string): Obj {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) bad(path, 'not an object');
  return v as Obj;
}

function arr(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) bad(path, 'not an array');
  return v;
}

function str(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') bad(path, 'not a string');
  return v;
}

/** A 64-bit integer sent as a decimal string or a number. */
function int64(v: unknown, path: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) {
    const n = BigInt(v);
    if (n >= -(1n << 63n) && n < 1n << 64n) return n;
  }
  return bad(path, `not a 64-bit integer: ${JSON.stringify(v)}`);
}

/** A double: a number, or "NaN", "Infinity", "-Infinity" or a numeric string. */
function double(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  if (v === 'NaN') return NaN;
  return bad(path, `not a number: ${JSON.stringify(v)}`);
}

function optDouble(v: unknown, path: string): number | undefined {
  return v === undefined || v === null ? undefined : double(v, path);
}

const TEMPORALITY_NAMES: Record<string, number> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};

function temporality(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && v in TEMPORALITY_NAMES) return TEMPORALITY_NAMES[v];
  return bad(path, `not an aggregation temporality: ${JSON.stringify(v)}`);
}

function anyValue(v: unknown, path: string): unknown {
  const o = obj(v, path);
  if ('stringValue' in o || 'string_value' in o) return str(get(o, 'stringValue'), path + '.stringValue');
  if ('boolValue' in o || 'bool_value' in o) return get(o, 'boolValue') === true;
  if ('intValue' in o || 'int_value' in o) return int64(get(o, 'intValue'), path + '.intValue');
  if ('doubleValue' in o || 'double_value' in o) return double(get(o, 'doubleValue'), path + '.doubleValue');
  if ('arrayValue' in o || 'array_value' in o) {
    const p = path + '.arrayValue.values';
    return arr(get(obj(get(o, 'arrayValue'), p), 'values'), p).map((x, i) => anyValue(x, `${p}[${i}]`));
  }
  if ('kvlistValue' in o || 'kvlist_value' in o) {
    const p = path + '.kvlistValue.values';
    return attributes(get(obj(get(o, 'kvlistValue'), p), 'values'), p);
  }
  if ('bytesValue' in o || 'bytes_value' in o) return str(get(o, 'bytesValue'), path + '.bytesValue');
  return '';
}

function attributes(v: unknown, path: string): Attrs {
  const out: Attrs = {};
  arr(v, path).forEach((kv, i) => {
    const p = `${path}[${i}]`;
    const o = obj(kv, p);
    const k = str(o.key, p + '.key');
    if (k !== '') out[k] = attrString(anyValue(o.value, p + '.value'));
  });
  return out;
}

/** Nanoseconds (decimal string or number) as whole milliseconds. */
function millis(v: unknown, path: string): number {
  return Number(int64(v, path) / 1_000_000n);
}

function pointBase(o: Obj, path: string): PointBase {
  return {
    attrs: attributes(o.attributes, path + '.attributes'),
    startMs: millis(get(o, 'startTimeUnixNano'), path + '.startTimeUnixNano'),
    timeMs: millis(get(o, 'timeUnixNano'), path + '.timeUnixNano'),
    flags: Number(int64(o.flags, path + '.flags') & 0xffffffffn),
  };
}

function numberPoint(o: Obj, path: string): NumberPoint {
  const b = pointBase(o, path);
  const asInt = get(o, 'asInt');
  if (asInt !== undefined && asInt !== null) {
    const int = int64(asInt, path + '.asInt');
    return { ...b, int, value: Number(int) };
  }
  return { ...b, int: undefined, value: optDouble(get(o, 'asDouble'), path + '.asDouble') };
}

function histogramPoint(o: Obj, path: string): HistogramPoint {
  return {
    ...pointBase(o, path),
    count: int64(o.count, path + '.count'),
    sum: optDouble(o.sum, path + '.sum'),
    bucketCounts: arr(get(o, 'bucketCounts'), path + '.bucketCounts').map((x, i) => int64(x, `${path}.bucketCounts[${i}]`)),
    bounds: arr(get(o, 'explicitBounds'), path + '.explicitBounds').map((x, i) => double(x, `${path}.explicitBounds[${i}]`)),
    min: optDouble(o.min, path + '.min'),
    max: optDouble(o.max, path + '.max'),
  };
}

function expHistogramPoint(o: Obj, path: string): HistogramPoint {
  return { ...histogramPoint({ ...o, bucketCounts: undefined, bucket_counts: undefined, explicitBounds: undefined, explicit_bounds: undefined }, path) };
}

function summaryPoint(o: Obj, path: string): SummaryPoint {
  const qp = path + '.quantileValues';
  return {
    ...pointBase(o, path),
    count: int64(o.count, path + '.count'),
    sum: optDouble(o.sum, path + '.sum') ?? 0,
    quantiles: arr(get(o, 'quantileValues'), qp).map((x, i) => {
      const q = obj(x, `${qp}[${i}]`);
      return { quantile: double(q.quantile ?? 0, `${qp}[${i}].quantile`), value: double(q.value ?? 0, `${qp}[${i}].value`) };
    }),
  };
}

function points<P>(o: Obj, path: string, point: (o: Obj, path: string) => P): P[] {
  const p = path + '.dataPoints';
  return arr(get(o, 'dataPoints'), p).map((x, i) => point(obj(x, `${p}[${i}]`), `${p}[${i}]`));
}

function metricData(m: Obj, path: string): MetricData | undefined {
  if (m.gauge != null) return { type: 'gauge', points: points(obj(m.gauge, path + '.gauge'), path + '.gauge', numberPoint) };
  const t = (o: Obj, p: string): number => temporality(get(o, 'aggregationTemporality'), p + '.aggregationTemporality');
  if (m.sum != null) {
    const p = path + '.sum';
    const o = obj(m.sum, p);
    return { type: 'sum', temporality: t(o, p), monotonic: get(o, 'isMonotonic') === true, points: points(o, p, numberPoint) };
  }
  if (m.histogram != null) {
    const p = path + '.histogram';
    const o = obj(m.histogram, p);
    return { type: 'histogram', temporality: t(o, p), points: points(o, p, histogramPoint) };
  }
  const eh = get(m, 'exponentialHistogram');
  if (eh != null) {
    const p = path + '.exponentialHistogram';
    const o = obj(eh, p);
    return { type: 'exponentialHistogram', temporality: t(o, p), points: points(o, p, expHistogramPoint) };
  }
  if (m.summary != null) return { type: 'summary', points: points(obj(m.summary, path + '.summary'), path + '.summary', summaryPoint) };
  return undefined;
}

/** Decodes a JSON request already parsed by JSON.parse; throws ParseError for a malformed shape. */
export function decodeJsonRequest(doc: unknown): OtlpResourceMetrics[] {
  let index = 0;
  const root = obj(doc, 'request');
  return arr(get(root, 'resourceMetrics'), 'resourceMetrics').map((rmv, i) => {
    const rp = `resourceMetrics[${i}]`;
    const rm = obj(rmv, rp);
    const attrs = attributes(obj(rm.resource, rp + '.resource').attributes, rp + '.resource.attributes');
    const metrics: OtlpMetric[] = [];
    arr(get(rm, 'scopeMetrics'), rp + '.scopeMetrics').forEach((smv, j) => {
      const sp = `${rp}.scopeMetrics[${j}]`;
      arr(obj(smv, sp).metrics, sp + '.metrics').forEach((mv, k) => {
        const mp = `${sp}.metrics[${k}]`;
        const m = obj(mv, mp);
        metrics.push({ name: str(m.name, mp + '.name'), unit: str(m.unit, mp + '.unit'), data: metricData(m, mp), at: index++ });
      });
    });
    return { attrs, metrics };
  });
}
