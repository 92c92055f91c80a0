// Prometheus remote write 1.0 (https://prometheus.io/docs/specs/prw/remote_write_spec/): a
// snappy-compressed protobuf WriteRequest of time series, each a label set and samples.
import type { MetricRecord } from '../../../lib/record.ts';
import { ProtobufError, ProtoReader, WIRE } from '../../../lib/protobuf.ts';
import { ParseError, type ParseResult, type Rejection } from '../types.ts';
import { snappyUncompress } from './snappy.ts';

/** What {@link parsePrometheusRemoteWrite} needs besides the body. */
export interface RemoteWriteParseContext {
  /** Largest uncompressed WriteRequest accepted (ingest.bodyLimitBytes). */
  readonly maxBytes: number;
}

/** Codes of the rejections and errors of this parser. */
export const PROMETHEUS_CODES = {
  PARSE_ERR_SNAPPY: 'the body is not a valid snappy block',
  PARSE_ERR_TOO_LARGE: 'the snappy block declares more bytes than the body limit',
  PARSE_ERR_PROTOBUF: 'the WriteRequest is not valid protobuf',
  PARSE_ERR_NO_NAME: 'a series without a __name__ label',
  PARSE_ERR_HISTOGRAM: 'native histogram samples, not stored',
} as const;

const LEN = WIRE.LEN;
const F_TIMESERIES = (1 << 3) | LEN;
const F_LABELS = (1 << 3) | LEN;
const F_SAMPLES = (2 << 3) | LEN;
const F_HISTOGRAMS = (4 << 3) | LEN;
/** Prometheus' staleness marker, value.StaleNaN (model/value/value.go). */
const STALE_NAN_HI = 0x7ff00000;
const STALE_NAN_LO = 0x00000002;

/**
 * The host of a series: its `host` label when it has one, else its `instance` label without the port
 * (`web-1:9100` → `web-1`, `[::1]:9090` → `::1`), else ''.
 */
export function hostOf(labels: Readonly<Record<string, string>>, hostLabel: string | undefined): string {
  if (hostLabel !== undefined) return hostLabel;
  const inst = labels.instance;
  if (inst === undefined) return '';
  const v6 = /^\[([^\]]*)\](?::\d*)?$/.exec(inst);
  if (v6) return v6[1];
  const colon = inst.lastIndexOf(':');
  return colon > 0 && inst.indexOf(':') === colon && /^\d*$/.test(inst.slice(colon + 1)) ? inst.slice(0, colon) : inst;
}

/**
 * Parses a remote write 1.0 body (snappy block of a WriteRequest) into gauge records, one per sample:
 * metric = `__name__`, host per {@link hostOf}, labels = the other labels (`instance` and `job` kept,
 * `host` not repeated, empty values dropped). Stale markers are dropped. Series without a name and
 * native histograms are rejected with the number of samples lost; metadata and exemplars are ignored.
 * Throws ParseError when the body as a whole cannot be read.
 */
export function parsePrometheusRemoteWrite(body: Uint8Array, ctx: RemoteWriteParseContext): ParseResult {
  const buf = snappyUncompress(body, ctx.maxBytes);
  const records: MetricRecord[] = [];
  const rejected: Rejection[] = [];
  try {
    const r = new ProtoReader(buf);
    while (r.more()) {
      const tag = r.tag();
      if (tag === F_TIMESERIES) {
        const at = r.pos;
        readTimeSeries(r.message(), at, records, rejected);
      } else r.skip(tag & 7);
    }
  } catch (err) {
    if (err instanceof ProtobufError) {
      throw new ParseError('PARSE_ERR_PROTOBUF', `cannot read the remote write request: ${err.message} (of the uncompressed WriteRequest)`, err.offset, { cause: err });
    }
    throw err;
  }
  return { records, events: [], rejected };
}

interface Sample {
  readonly value: number;
  readonly ts: number;
}

function readTimeSeries(r: ProtoReader, at: number, records: MetricRecord[], rejected: Rejection[]): void {
  let name = '';
  let host: string | undefined;
  const labels: Record<string, string> = {};
  const samples: Sample[] = [];
  let histograms = 0;
  while (r.more()) {
    const tag = r.tag();
    if (tag === F_LABELS) {
      const [k, v] = readLabel(r.message());
      if (k === '__name__') name = v;
      else if (k === 'host') host = v;
      else if (v !== '' && k !== '') labels[k] = v;
    } else if (tag === F_SAMPLES) {
      const s = readSample(r.message());
      if (s) samples.push(s);
    } else if (tag === F_HISTOGRAMS) {
      r.skip(LEN);
      histograms++;
    } else r.skip(tag & 7);
  }
  if (histograms > 0) {
    rejected.push({
      code: 'PARSE_ERR_HISTOGRAM',
      message: `cannot store native histogram samples of series ${name || '(no name)'} at offset ${at}: native histograms are not supported; send classic histograms`,
      offset: at,
      values: histograms,
    });
  }
  if (samples.length === 0) return;
  if (name === '') {
    rejected.push({ code: 'PARSE_ERR_NO_NAME', message: `cannot store series at offset ${at}: it has no __name__ label`, offset: at, values: samples.length });
    return;
  }
  const h = hostOf(labels, host);
  for (const s of samples) records.push({ metric: name, host: h, labels, kind: 'gauge', ts: s.ts, value: s.value, interval: 0 });
}

function readLabel(r: ProtoReader): [string, string] {
  let k = '';
  let v = '';
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | LEN)) k = r.string();
    else if (tag === ((2 << 3) | LEN)) v = r.string();
    else r.skip(tag & 7);
  }
  return [k, v];
}

/** One Sample, or undefined for a stale marker (the series ended; nothing to store). */
function readSample(r: ProtoReader): Sample | undefined {
  let value = 0;
  let ts = 0;
  let stale = false;
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | WIRE.I64)) {
      const [lo, hi] = r.peekDoubleWords();
      stale = hi === STALE_NAN_HI && lo === STALE_NAN_LO;
      value = r.double();
    } else if (tag === ((2 << 3) | WIRE.VARINT)) ts = r.int64Number();
    else r.skip(tag & 7);
  }
  return stale ? undefined : { value, ts };
}
