// Encoder of remote write 1.0 WriteRequests (prompb/remote.proto, prompb/types.proto), for tests and the push benchmark.
import SnappyJS from 'snappyjs';
import { ProtoWriter, WIRE } from '../../../lib/protobuf.ts';

export interface SeriesSpec {
  readonly labels: Record<string, string>;
  /** `'stale'` is Prometheus' staleness marker. */
  readonly samples?: readonly (readonly [value: number | 'stale', tsMs: number])[];
  /** Number of (empty) native histogram messages to add. */
  readonly histograms?: number;
  /** Number of exemplars (ignored by the parser) to add. */
  readonly exemplars?: number;
}

/** Prometheus' staleness marker NaN, bit for bit (model/value/value.go StaleNaN). */
export const STALE_NAN_BYTES = Buffer.from('020000000000f07f', 'hex');

function sample(value: number | Buffer, ts: number): Buffer {
  const w = new ProtoWriter().tag(1, WIRE.I64);
  if (typeof value === 'number') w.double(value);
  else w.raw(value);
  return w.tag(2, WIRE.VARINT).varint(BigInt(ts)).finish();
}

/** A WriteRequest, uncompressed. */
export function writeRequest(series: readonly SeriesSpec[], opts: { metadata?: boolean } = {}): Buffer {
  const w = new ProtoWriter();
  for (const s of series) {
    const ts = new ProtoWriter();
    for (const [k, v] of Object.entries(s.labels)) ts.bytes(1, new ProtoWriter().bytes(1, k).bytes(2, v).finish());
    for (const [v, t] of s.samples ?? []) ts.bytes(2, sample(v === 'stale' ? STALE_NAN_BYTES : v, t));
    for (let i = 0; i < (s.exemplars ?? 0); i++) ts.bytes(3, new ProtoWriter().bytes(2, sample(1, 1)).finish());
    for (let i = 0; i < (s.histograms ?? 0); i++) ts.bytes(4, new ProtoWriter().tag(4, WIRE.I64).double(1).finish());
    w.bytes(1, ts.finish());
  }
  if (opts.metadata) w.bytes(3, new ProtoWriter().tag(1, WIRE.VARINT).varint(1).bytes(2, 'up').bytes(4, 'help').finish());
  return w.finish();
}

/** Snappy block compression, as Prometheus sends it. */
export function snappy(b: Uint8Array): Buffer {
  return Buffer.from(SnappyJS.compress(Buffer.from(b)));
}
