import type { MetricRecord } from '../../../lib/record.ts';
import { ParseError, type ParseResult, type Rejection } from '../types.ts';
import type { OpenTsdbParseCode } from './codes.ts';

/** What {@link parseOpenTsdb} returns: the records, and the data points as sent (for `?details`). */
export interface OpenTsdbParseResult extends ParseResult {
  /**
   * The data points of the body in order, as JSON values (a single object becomes a one-element list);
   * a rejection's `index` points here. New for each call; the caller owns it.
   */
  readonly points: readonly unknown[];
}

/**
 * Largest number of tags per data point: OpenTSDB's default `tsd.storage.max_tags`.
 * http://opentsdb.net/docs/build/html/user_guide/configuration.html
 */
export const MAX_TAGS = 8;

/** Largest timestamp OpenTSDB takes, in milliseconds (`TSDB.addPoint`). */
const MAX_TIMESTAMP_MS = 9_999_999_999_999;
/** OpenTSDB reads a timestamp with any of the high 32 bits set as milliseconds, else as seconds. */
const MS_THRESHOLD = 2 ** 32;
/**
 * Characters OpenTSDB allows in metric names, tag names and tag values (`Tags.validateString`):
 * a-z, A-Z, 0-9, `-`, `_`, `.`, `/` and Unicode letters.
 */
const NAME = /^[a-zA-Z0-9\-_./\p{L}]+$/u;
/** A value as OpenTSDB parses it from text: a long, or a decimal float. */
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

class PointError extends Error {
  constructor(
    readonly code: OpenTsdbParseCode,
    message: string,
  ) {
    super(message);
  }
}

function shown(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}

function checkName(what: string, s: string): void {
  if (!NAME.test(s)) throw new PointError('PARSE_ERR_BAD_NAME', `cannot use ${what} ${shown(s)}: only a-z, A-Z, 0-9, -, _, ., / and letters are allowed`);
}

function readMetric(v: unknown): string {
  if (v === undefined || v === null || v === '') throw new PointError('PARSE_ERR_MISSING_KEY', 'cannot read data point: "metric" is missing or empty');
  if (typeof v !== 'string') throw new PointError('PARSE_ERR_BAD_FIELD', `cannot read data point: "metric" is ${shown(v)}, not a string`);
  checkName('metric name', v);
  return v;
}

/** Milliseconds of an OpenTSDB timestamp (seconds below 2^32, milliseconds above). */
function readTimestamp(v: unknown): number {
  if (v === undefined || v === null || v === '') throw new PointError('PARSE_ERR_MISSING_KEY', 'cannot read data point: "timestamp" is missing');
  let t: number;
  if (typeof v === 'number') t = v;
  else if (typeof v === 'string' && /^\d+$/.test(v)) t = Number(v);
  else throw new PointError('PARSE_ERR_BAD_FIELD', `cannot read timestamp ${shown(v)}: not an integer`);
  if (!Number.isInteger(t) || t <= 0) throw new PointError('PARSE_ERR_BAD_TIME', `cannot read timestamp ${shown(v)}: not a positive integer`);
  if (t < MS_THRESHOLD) return t * 1000;
  if (t > MAX_TIMESTAMP_MS) throw new PointError('PARSE_ERR_BAD_TIME', `cannot read timestamp ${shown(v)}: over ${MAX_TIMESTAMP_MS} ms`);
  return t;
}

function readValue(v: unknown): number {
  if (v === undefined || v === null || v === '') throw new PointError('PARSE_ERR_MISSING_KEY', 'cannot read data point: "value" is missing or empty');
  let x: number;
  if (typeof v === 'number') x = v;
  else if (typeof v === 'string' && NUMERIC.test(v)) x = Number(v);
  else throw new PointError('PARSE_ERR_BAD_VALUE', `cannot parse value ${shown(v)} to a number`);
  if (!Number.isFinite(x)) throw new PointError('PARSE_ERR_BAD_VALUE', `cannot store value ${shown(v)}: NaN or infinite`);
  return x;
}

function readTags(v: unknown): { host: string; labels: Record<string, string> } {
  if (v === undefined || v === null) throw new PointError('PARSE_ERR_MISSING_KEY', 'cannot read data point: "tags" is missing (at least one tag is required)');
  if (typeof v !== 'object' || Array.isArray(v)) throw new PointError('PARSE_ERR_BAD_FIELD', `cannot read tags ${shown(v)}: not an object`);
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) throw new PointError('PARSE_ERR_BAD_TAGS', 'cannot store data point: at least one tag is required');
  if (entries.length > MAX_TAGS) throw new PointError('PARSE_ERR_BAD_TAGS', `cannot store data point: ${entries.length} tags, at most ${MAX_TAGS} allowed`);
  let host = '';
  const labels: Record<string, string> = {};
  for (const [k, raw] of entries) {
    // Jackson reads a number or boolean where a string belongs as its text; OpenTSDB does the same.
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      throw new PointError('PARSE_ERR_BAD_FIELD', `cannot read tag ${shown(k)}: its value ${shown(raw)} is not a string`);
    }
    const value = String(raw);
    checkName('tag name', k);
    checkName(`value of tag ${shown(k)}`, value);
    if (k === 'host') host = value;
    else labels[k] = value;
  }
  return { host, labels };
}

function readPoint(p: unknown): MetricRecord {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new PointError('PARSE_ERR_NOT_OBJECT', `cannot read data point ${shown(p)}: not an object`);
  const o = p as Record<string, unknown>;
  const metric = readMetric(o.metric);
  const ts = readTimestamp(o.timestamp);
  const value = readValue(o.value);
  const { host, labels } = readTags(o.tags);
  return { metric, host, labels, kind: 'gauge', ts, value, interval: 0 };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const at = /position (\d+)/.exec((err as Error).message);
    throw new ParseError('PARSE_ERR_JSON_SYNTAX', `cannot parse JSON body: ${(err as Error).message}`, at ? Number(at[1]) : undefined, { cause: err });
  }
}

/**
 * Parses the body of an OpenTSDB `POST /api/put`: one data point object, or an array of them
 * (http://opentsdb.net/docs/build/html/api_http/put.html). Each point is
 * `{metric, timestamp, value, tags}`; it becomes one `gauge` record named `metric`, with the tag `host`
 * as host and the other tags as labels. The timestamp is in seconds when below 2^32, else in
 * milliseconds, as OpenTSDB decides; the value is a JSON number or a numeric string.
 *
 * Each point is checked as OpenTSDB checks it (names and tag values in its character set, 1 to 8
 * tags, a finite value, a positive timestamp); a point that fails is reported in `rejected` with its
 * array `index`, and the others are kept.
 *
 * Pure: no clock, no I/O.
 *
 * @throws ParseError `PARSE_ERR_JSON_SYNTAX`, `PARSE_ERR_JSON_NOT_ARRAY` or `PARSE_ERR_NO_POINTS` when
 *   the body as a whole is unusable.
 */
export function parseOpenTsdb(input: Buffer | string): OpenTsdbParseResult {
  const doc = parseJson(typeof input === 'string' ? input : input.toString('utf8'));
  if (typeof doc !== 'object' || doc === null) throw new ParseError('PARSE_ERR_JSON_NOT_ARRAY', 'cannot read the body: it is neither a data point object nor an array of them', 0);
  const points: unknown[] = Array.isArray(doc) ? doc : [doc];
  if (points.length === 0) throw new ParseError('PARSE_ERR_NO_POINTS', 'cannot read the body: no data points found in content', 0);
  const records: MetricRecord[] = [];
  const rejected: Rejection[] = [];
  points.forEach((p, index) => {
    try {
      records.push(readPoint(p));
    } catch (err) {
      if (!(err instanceof PointError)) throw err;
      rejected.push({ code: err.code, message: err.message, index, values: 1 });
    }
  });
  return { records, events: [], rejected, points };
}
