// Test-only: encodes an OTLP JSON request (the shape of decode-json.ts, camelCase) as protobuf, so the
// same cases run through both decoders.
import { ProtoWriter, WIRE } from '../../../lib/protobuf.ts';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const msg = (f: (w: ProtoWriter) => void): Buffer => {
  const w = new ProtoWriter();
  f(w);
  return w.finish();
};

function anyValue(v: J): Buffer {
  return msg((w) => {
    if (v.stringValue !== undefined) w.bytes(1, v.stringValue);
    if (v.boolValue !== undefined) w.tag(2, WIRE.VARINT).varint(v.boolValue ? 1 : 0);
    if (v.intValue !== undefined) w.tag(3, WIRE.VARINT).varint(BigInt(v.intValue));
    if (v.doubleValue !== undefined) w.tag(4, WIRE.I64).double(v.doubleValue);
  });
}

const attrs = (w: ProtoWriter, field: number, list: J[] | undefined): void => {
  for (const kv of list ?? []) w.bytes(field, msg((x) => x.bytes(1, kv.key).bytes(2, anyValue(kv.value))));
};

const times = (w: ProtoWriter, p: J): void => {
  if (p.startTimeUnixNano !== undefined) w.tag(2, WIRE.I64).fixed64(BigInt(p.startTimeUnixNano));
  if (p.timeUnixNano !== undefined) w.tag(3, WIRE.I64).fixed64(BigInt(p.timeUnixNano));
};

function numberPoint(p: J): Buffer {
  return msg((w) => {
    attrs(w, 7, p.attributes);
    times(w, p);
    if (p.asDouble !== undefined) w.tag(4, WIRE.I64).double(p.asDouble);
    if (p.asInt !== undefined) w.tag(6, WIRE.I64).fixed64(BigInt(p.asInt));
    if (p.flags) w.tag(8, WIRE.VARINT).varint(p.flags);
  });
}

function histogramPoint(p: J): Buffer {
  return msg((w) => {
    attrs(w, 9, p.attributes);
    times(w, p);
    w.tag(4, WIRE.I64).fixed64(BigInt(p.count ?? 0));
    if (p.sum !== undefined) w.tag(5, WIRE.I64).double(p.sum);
    if (p.bucketCounts?.length) w.bytes(6, msg((x) => p.bucketCounts.forEach((c: string) => x.fixed64(BigInt(c)))));
    if (p.explicitBounds?.length) w.bytes(7, msg((x) => p.explicitBounds.forEach((b: number) => x.double(b))));
    if (p.min !== undefined) w.tag(11, WIRE.I64).double(p.min);
    if (p.max !== undefined) w.tag(12, WIRE.I64).double(p.max);
  });
}

function summaryPoint(p: J): Buffer {
  return msg((w) => {
    attrs(w, 7, p.attributes);
    times(w, p);
    w.tag(4, WIRE.I64).fixed64(BigInt(p.count ?? 0));
    w.tag(5, WIRE.I64).double(p.sum ?? 0);
    for (const q of p.quantileValues ?? []) w.bytes(6, msg((x) => x.tag(1, WIRE.I64).double(q.quantile).tag(2, WIRE.I64).double(q.value)));
  });
}

function collection(c: J, point: (p: J) => Buffer): Buffer {
  return msg((w) => {
    for (const p of c.dataPoints ?? []) w.bytes(1, point(p));
    if (c.aggregationTemporality !== undefined) w.tag(2, WIRE.VARINT).varint(c.aggregationTemporality);
    if (c.isMonotonic) w.tag(3, WIRE.VARINT).varint(1);
  });
}

function metric(m: J): Buffer {
  return msg((w) => {
    if (m.name) w.bytes(1, m.name);
    if (m.unit) w.bytes(3, m.unit);
    if (m.gauge) w.bytes(5, collection(m.gauge, numberPoint));
    if (m.sum) w.bytes(7, collection(m.sum, numberPoint));
    if (m.histogram) w.bytes(9, collection(m.histogram, histogramPoint));
    if (m.summary) w.bytes(11, collection(m.summary, summaryPoint));
  });
}

/** The protobuf ExportMetricsServiceRequest of a JSON one. */
export function encodeRequest(req: J): Buffer {
  return msg((w) => {
    for (const rm of req.resourceMetrics ?? []) {
      w.bytes(
        1,
        msg((r) => {
          r.bytes(1, msg((x) => attrs(x, 1, rm.resource?.attributes)));
          for (const sm of rm.scopeMetrics ?? []) r.bytes(2, msg((s) => { s.bytes(1, msg((x) => x.bytes(1, 'scope'))); for (const m of sm.metrics ?? []) s.bytes(2, metric(m)); }));
        }),
      );
    }
  });
}
