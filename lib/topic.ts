import { METRIC_KINDS, RECORD_VERSION, type EventRecord, type MetricKind, type MetricRecord } from './record.ts';

/**
 * The Kafka topic contract between ingest nodes and writers.
 *
 * One topic holds versioned records (`fleetscope.records.v1` by default; the version in the name and in
 * every message). A message carries many records of one input format, all of one partition:
 *
 * ```
 * {"v":1,"f":"collectd_json",
 *  "m":[[metric, host, {labels}, kind, ts_ms, value, raw, interval_ms], …],
 *  "e":[[ts_ms, host, severity, source, message, {attrs}], …]}
 * ```
 *
 * `value` is a JSON number, or the string `"nan"`, `"inf"` or `"-inf"`; `raw` is the exact integer of
 * counter kinds as a decimal string, or null for gauges. Records of one series always go to the same
 * partition ({@link partitionOfSeries}), so a writer sees each series in order.
 */

/** A decoded message. */
export interface RecordsMessage {
  readonly format: string;
  readonly records: MetricRecord[];
  readonly events: EventRecord[];
}

/** A message that does not follow the contract; the writer sets it aside. */
export class TopicDecodeError extends Error {
  override readonly name = 'TopicDecodeError';
}

const KINDS: ReadonlySet<string> = new Set(METRIC_KINDS);

function valueJson(v: number): number | string {
  if (v === v) return v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v;
  return 'nan';
}

/** Encodes records of one format as one message value. */
export function encodeRecords(format: string, records: readonly MetricRecord[], events: readonly EventRecord[]): Buffer {
  const m = new Array<unknown>(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    m[i] = [r.metric, r.host, r.labels, r.kind, r.ts, valueJson(r.value), r.raw === undefined ? null : r.raw.toString(), r.interval];
  }
  const body: { v: number; f: string; m: unknown[]; e?: unknown[] } = { v: RECORD_VERSION, f: format, m };
  if (events.length > 0) body.e = events.map((e) => [e.ts, e.host, e.severity, e.source, e.message, e.attrs]);
  return Buffer.from(JSON.stringify(body));
}

function isStringMap(x: unknown): x is Record<string, string> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  for (const k in x) if (typeof (x as Record<string, unknown>)[k] !== 'string') return false;
  return true;
}

function fail(what: string, i: number): never {
  throw new TopicDecodeError(`${what} (entry ${i})`);
}

function decodeValue(v: unknown, i: number): number {
  if (typeof v === 'number') return v;
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return fail('value is neither a number nor nan/inf/-inf', i);
}

/** Decodes one message value; throws {@link TopicDecodeError} when it breaks the contract. */
export function decodeRecords(value: Buffer | null): RecordsMessage {
  if (value === null || value.length === 0) throw new TopicDecodeError('empty message');
  let body: unknown;
  try {
    body = JSON.parse(value.toString('utf8'));
  } catch (err) {
    throw new TopicDecodeError(`not JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null) throw new TopicDecodeError('not a JSON object');
  const { v, f, m, e } = body as { v?: unknown; f?: unknown; m?: unknown; e?: unknown };
  if (v !== RECORD_VERSION) throw new TopicDecodeError(`record version ${JSON.stringify(v)}, expected ${RECORD_VERSION}`);
  if (typeof f !== 'string' || f === '') throw new TopicDecodeError('format "f" missing');
  if (!Array.isArray(m)) throw new TopicDecodeError('metric records "m" missing');
  if (e !== undefined && !Array.isArray(e)) throw new TopicDecodeError('events "e" is not an array');
  const records: MetricRecord[] = new Array(m.length);
  for (let i = 0; i < m.length; i++) {
    const a = m[i] as unknown[];
    if (!Array.isArray(a) || a.length !== 8) fail('metric record is not an array of 8', i);
    const [metric, host, labels, kind, ts, value, raw, interval] = a;
    if (typeof metric !== 'string' || metric === '') fail('metric name missing', i);
    if (typeof host !== 'string') fail('host is not a string', i);
    if (!isStringMap(labels)) fail('labels are not an object of strings', i);
    if (typeof kind !== 'string' || !KINDS.has(kind)) fail('kind is not gauge, counter, derive or absolute', i);
    if (typeof ts !== 'number' || !Number.isSafeInteger(ts)) fail('time is not an integer of milliseconds', i);
    if (typeof interval !== 'number' || !(interval >= 0)) fail('interval is not a non-negative number', i);
    const r: { -readonly [K in keyof MetricRecord]: MetricRecord[K] } = { metric, host, labels, kind: kind as MetricKind, ts, value: decodeValue(value, i), interval };
    if (raw !== null) {
      if (typeof raw !== 'string' || !/^-?\d{1,20}$/.test(raw)) fail('raw is not a decimal integer string', i);
      r.raw = BigInt(raw);
    }
    records[i] = r;
  }
  const events: EventRecord[] = [];
  if (e) {
    for (let i = 0; i < e.length; i++) {
      const a = e[i] as unknown[];
      if (!Array.isArray(a) || a.length !== 6) fail('event is not an array of 6', i);
      const [ts, host, severity, source, message, attrs] = a;
      if (typeof ts !== 'number' || !Number.isSafeInteger(ts)) fail('event time is not an integer of milliseconds', i);
      if (typeof host !== 'string' || typeof severity !== 'string' || typeof source !== 'string' || typeof message !== 'string') fail('event field is not a string', i);
      if (!isStringMap(attrs)) fail('event attributes are not an object of strings', i);
      events.push({ ts, host, severity, source, message, attrs });
    }
  }
  return { format: f, records, events };
}

/** The partition of a series: its 64-bit id modulo the partition count. */
export function partitionOfSeries(seriesId: string, partitions: number): number {
  return Number(BigInt(seriesId) % BigInt(partitions));
}

/** The partition of an event: a 32-bit FNV-1a hash of its host modulo the partition count. */
export function partitionOfHost(host: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < host.length; i++) {
    h ^= host.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

/** Deduplication token of a block: topic, partition and the inclusive offset range. */
export function blockToken(topic: string, partition: number, first: number, last: number): string {
  if (!/^[A-Za-z0-9._-]+$/.test(topic)) throw new Error(`topic name ${JSON.stringify(topic)} has characters Kafka does not allow`);
  return `${topic}:${partition}:${first}-${last}`;
}

/** Offset-commit metadata that records an insert in progress ("intent"), and its parser. */
export function pendingMetadata(last: number): string {
  return `pending:${last}`;
}

export function parsePendingMetadata(metadata: string | null | undefined): number | undefined {
  const m = metadata ? /^pending:(\d+)$/.exec(metadata) : null;
  return m ? Number(m[1]) : undefined;
}
