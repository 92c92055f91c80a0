import type { MetricRecord } from '../../../lib/record.ts';
import type { ParseResult, Rejection } from '../types.ts';
import { shown, type InfluxParseCode } from './codes.ts';

/** Timestamp units of line protocol: v2 says ns, us, ms, s; v1 also n, u, m, h. */
export type InfluxPrecision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';

/** What {@link parseInflux} needs besides the body. */
export interface InfluxContext {
  /** Time of lines without a timestamp, ms since the epoch (the receiver's clock). */
  readonly receivedAt: number;
  /** Unit of the timestamps in the body; default ns. */
  readonly precision?: InfluxPrecision;
}

const V1_PRECISIONS: Readonly<Record<string, InfluxPrecision>> = { n: 'ns', ns: 'ns', u: 'us', us: 'us', ms: 'ms', s: 's', m: 'm', h: 'h' };
const V2_PRECISIONS: Readonly<Record<string, InfluxPrecision>> = { ns: 'ns', us: 'us', ms: 'ms', s: 's' };

/**
 * The precision named by the `precision` query parameter of the v1 (`/write`: n, u, ms, s, m, h; ns
 * and us too) or v2 API (`/api/v2/write`: ns, us, ms, s); ns when absent, undefined when unknown.
 */
export function influxPrecision(text: string | undefined, api: 'v1' | 'v2'): InfluxPrecision | undefined {
  if (text === undefined || text === '') return 'ns';
  return (api === 'v1' ? V1_PRECISIONS : V2_PRECISIONS)[text];
}

/** Nanoseconds… hours per millisecond as a divisor (positive) or multiplier (negative exponent). */
const MS_DIVISOR: Readonly<Record<InfluxPrecision, bigint>> = { ns: 1_000_000n, us: 1000n, ms: 1n, s: 1n, m: 1n, h: 1n };
const MS_FACTOR: Readonly<Record<InfluxPrecision, bigint>> = { ns: 1n, us: 1n, ms: 1n, s: 1000n, m: 60_000n, h: 3_600_000n };
/** Latest valid JavaScript Date, in ms. */
const MAX_MS = 8_640_000_000_000_000n;

const MAX_I64 = 9223372036854775807n;
const MIN_I64 = -9223372036854775808n;
const MAX_U64 = 18446744073709551615n;
const FLOAT = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const BOOLEANS: ReadonlyMap<string, number> = new Map([
  ['t', 1], ['T', 1], ['true', 1], ['True', 1], ['TRUE', 1],
  ['f', 0], ['F', 0], ['false', 0], ['False', 0], ['FALSE', 0],
]);

/** A problem with one line, thrown inside the line scanner and turned into a {@link Rejection}. */
class LineProblem {
  constructor(
    readonly code: InfluxParseCode,
    readonly message: string,
    readonly offset: number,
  ) {}
}

/** The scanner's view of one line: `s[pos, end)`. */
interface Cursor {
  readonly s: string;
  pos: number;
  readonly end: number;
}

/**
 * Reads an escaped name up to an unescaped character of `stops` (measurement: comma and space;
 * tag keys and field keys: comma, equals sign and space; tag values: comma and space). A backslash
 * escapes one of `escapes` (default `stops`; for tag values also `=`) or another backslash; before
 * anything else it is a literal backslash, as InfluxDB reads it.
 */
function readName(c: Cursor, stops: string, escapes = stops): string {
  const { s, end } = c;
  let out = '';
  let from = c.pos;
  let p = c.pos;
  while (p < end) {
    const ch = s[p];
    if (ch === '\\' && p + 1 < end && (s[p + 1] === '\\' || escapes.includes(s[p + 1]))) {
      out += s.slice(from, p);
      from = p + 1;
      p += 2;
      continue;
    }
    if (stops.includes(ch)) break;
    p++;
  }
  c.pos = p;
  return out + s.slice(from, p);
}

/** Reads the tag set after the measurement (the cursor is on the comma); `tags` gets the pairs. */
function readTags(c: Cursor, tags: [string, string][]): void {
  while (c.pos < c.end && c.s[c.pos] === ',') {
    const at = ++c.pos;
    const key = readName(c, ',= ');
    if (c.s[c.pos] !== '=') throw new LineProblem('PARSE_ERR_INFLUX_TAG', `cannot read tag ${shown(key)}: no "=" after the key`, at);
    c.pos++;
    const value = readName(c, ', ', ',= ');
    if (key === '' || value === '') throw new LineProblem('PARSE_ERR_INFLUX_TAG', `cannot read tag ${shown(key)}: empty ${key === '' ? 'key' : 'value'}`, at);
    tags.push([key, value]);
  }
}

/** The value of a field, or a string field to refuse. */
type FieldValue = number | { readonly string: true };

/** Reads the quoted string at the cursor (on the opening quote) up to its closing quote. */
function skipString(c: Cursor): void {
  const at = c.pos;
  for (let p = c.pos + 1; p < c.end; p++) {
    const ch = c.s[p];
    if (ch === '\\') p++;
    else if (ch === '"') {
      c.pos = p + 1;
      return;
    }
  }
  throw new LineProblem('PARSE_ERR_INFLUX_FIELD_VALUE', 'cannot read string field value: no closing double quote', at);
}

/** Converts the text of a numeric or boolean field value. */
function fieldNumber(text: string, key: string, at: number): number {
  const last = text[text.length - 1];
  if (last === 'i' || last === 'u') {
    const digits = text.slice(0, -1);
    if (last === 'i' ? /^-?\d+$/.test(digits) : /^\d+$/.test(digits)) {
      const v = BigInt(digits);
      if (last === 'i' ? v >= MIN_I64 && v <= MAX_I64 : v <= MAX_U64) return Number(v);
      throw new LineProblem('PARSE_ERR_INFLUX_FIELD_VALUE', `cannot read field ${shown(key)}: ${shown(text)} is out of the 64-bit ${last === 'i' ? 'signed' : 'unsigned'} range`, at);
    }
  }
  const b = BOOLEANS.get(text);
  if (b !== undefined) return b;
  if (FLOAT.test(text)) {
    const v = Number(text);
    if (Number.isFinite(v)) return v;
    throw new LineProblem('PARSE_ERR_INFLUX_FIELD_VALUE', `cannot read field ${shown(key)}: ${shown(text)} is beyond the range of a float`, at);
  }
  throw new LineProblem('PARSE_ERR_INFLUX_FIELD_VALUE', `cannot read field ${shown(key)}: ${shown(text)} is not a float, integer (i), unsigned (u), boolean or string`, at);
}

/** Reads the field set (the cursor is on its first character). */
function readFields(c: Cursor, fields: [string, FieldValue, number][]): void {
  for (;;) {
    const at = c.pos;
    const key = readName(c, ',= ');
    if (c.s[c.pos] !== '=' || key === '') {
      throw new LineProblem('PARSE_ERR_INFLUX_FIELD', key === '' ? 'cannot read field: empty key' : `cannot read field ${shown(key)}: no "=" after the key`, at);
    }
    const valueAt = ++c.pos;
    if (c.s[c.pos] === '"') {
      skipString(c);
      fields.push([key, { string: true }, at]);
    } else {
      while (c.pos < c.end && c.s[c.pos] !== ',' && c.s[c.pos] !== ' ') c.pos++;
      const text = c.s.slice(valueAt, c.pos);
      if (text === '') throw new LineProblem('PARSE_ERR_INFLUX_FIELD_VALUE', `cannot read field ${shown(key)}: empty value`, valueAt);
      fields.push([key, fieldNumber(text, key, valueAt), at]);
    }
    if (c.pos >= c.end || c.s[c.pos] === ' ') return;
    if (c.s[c.pos] !== ',') throw new LineProblem('PARSE_ERR_INFLUX_FIELD_VALUE', `cannot read field ${shown(key)}: text after the closing quote`, c.pos);
    c.pos++;
  }
}

/** Reads the optional timestamp (the cursor is after the field set) as ms. */
function readTimestamp(c: Cursor, ctx: InfluxContext): number {
  while (c.pos < c.end && c.s[c.pos] === ' ') c.pos++;
  if (c.pos >= c.end) return ctx.receivedAt;
  const at = c.pos;
  let p = c.pos;
  while (p < c.end && c.s[p] !== ' ') p++;
  const text = c.s.slice(at, p);
  while (p < c.end && c.s[p] === ' ') p++;
  if (p < c.end) throw new LineProblem('PARSE_ERR_INFLUX_TIMESTAMP', `cannot read timestamp: unexpected text ${shown(c.s.slice(p, c.end))} after it`, p);
  if (!/^-?\d{1,19}$/.test(text)) throw new LineProblem('PARSE_ERR_INFLUX_TIMESTAMP', `cannot read timestamp ${shown(text)}: not an integer`, at);
  const precision = ctx.precision ?? 'ns';
  const t = BigInt(text);
  const div = MS_DIVISOR[precision];
  let ms = (t / div) * MS_FACTOR[precision];
  if (t < 0n && t % div !== 0n) ms -= 1n; // floor, so -1 ns is in the millisecond before 0
  if (ms > MAX_MS || ms < -MAX_MS) throw new LineProblem('PARSE_ERR_INFLUX_TIMESTAMP', `cannot read timestamp ${shown(text)}: out of range for precision ${precision}`, at);
  return Number(ms);
}

/** Parses the line `s[start, end)` into `records`, pushing string-field refusals to `rejected`. */
function parseLine(s: string, start: number, end: number, line: number, ctx: InfluxContext, records: MetricRecord[], rejected: Rejection[]): void {
  const c: Cursor = { s, pos: start, end };
  const measurement = readName(c, ', ');
  if (measurement === '') throw new LineProblem('PARSE_ERR_INFLUX_MEASUREMENT', 'cannot read line: empty measurement', start);
  const tags: [string, string][] = [];
  readTags(c, tags);
  if (c.pos >= end) throw new LineProblem('PARSE_ERR_INFLUX_FIELD', `cannot read line of ${shown(measurement)}: no field set`, c.pos);
  c.pos++; // the space
  const fields: [string, FieldValue, number][] = [];
  readFields(c, fields);
  const ts = readTimestamp(c, ctx);
  let host = '';
  const labels: Record<string, string> = {};
  for (const [k, v] of tags) {
    if (k === 'host') host = v;
    else labels[k] = v;
  }
  for (const [key, value, at] of fields) {
    if (typeof value !== 'number') {
      rejected.push({ code: 'PARSE_ERR_INFLUX_STRING_FIELD', message: `cannot store string field ${shown(key)} of ${shown(measurement)}: only numbers and booleans are metrics (line ${line})`, line, offset: at, values: 1 });
      continue;
    }
    const metric = key === 'value' ? measurement : `${measurement}.${key}`;
    records.push({ metric, host, labels, kind: 'gauge', ts, value, interval: 0 });
  }
}

/**
 * Parses an InfluxDB line protocol body (https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/).
 *
 * Each numeric or boolean field of a line becomes one gauge {@link MetricRecord}: metric
 * `<measurement>.<field>` (`<measurement>` alone for the field `value`), tag `host` as host (else
 * ''), the other tags as labels; integers, unsigned integers and floats as doubles, booleans as 1/0.
 * A line without a timestamp gets `ctx.receivedAt`. Comments (`#`) and blank lines are skipped;
 * `\r\n` line ends are accepted. A malformed line is refused whole as a {@link Rejection} with its
 * 1-based `line` and character `offset`; string fields are refused one by one
 * (`PARSE_ERR_INFLUX_STRING_FIELD`) while the line's other fields are kept.
 *
 * Pure: no clock, no I/O, never throws for any input.
 */
export function parseInflux(body: Buffer | string, ctx: InfluxContext): ParseResult {
  const s = typeof body === 'string' ? body : body.toString('utf8');
  const records: MetricRecord[] = [];
  const rejected: Rejection[] = [];
  let line = 0;
  for (let start = 0; start < s.length; ) {
    line++;
    let nl = s.indexOf('\n', start);
    if (nl < 0) nl = s.length;
    let end = nl;
    if (end > start && s.charCodeAt(end - 1) === 13) end--;
    let p = start;
    while (p < end && (s[p] === ' ' || s[p] === '\t')) p++;
    if (p < end && s[p] !== '#') {
      try {
        parseLine(s, p, end, line, ctx, records, rejected);
      } catch (err) {
        if (!(err instanceof LineProblem)) throw err;
        rejected.push({ code: err.code, message: `${err.message} (line ${line})`, line, offset: err.offset });
      }
    }
    start = nl + 1;
  }
  return { records, events: [], rejected };
}
