import type { MetricRecord } from '../../../lib/record.ts';
import type { ParseResult, Rejection } from '../types.ts';
import type { GraphiteParseCode } from './codes.ts';

/** What {@link parseGraphite} needs besides the body. */
export interface GraphiteContext {
  /** Time of lines without a timestamp (or with -1), ms since the epoch (the receiver's clock). */
  readonly receivedAt: number;
}

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const NAN = /^[-+]?nan$/i;
const MAX_MS = 8_640_000_000_000_000;

/** Input text for a message: JSON-quoted and cut at 60 characters. */
function shown(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

class LineProblem {
  constructor(
    readonly code: GraphiteParseCode,
    readonly message: string,
    readonly offset: number,
  ) {}
}

/** The whitespace-separated fields of `s[start, end)` with their offsets. */
function split(s: string, start: number, end: number): [string, number][] {
  const out: [string, number][] = [];
  let p = start;
  while (p < end) {
    while (p < end && (s[p] === ' ' || s[p] === '\t')) p++;
    if (p >= end) break;
    const from = p;
    while (p < end && s[p] !== ' ' && s[p] !== '\t') p++;
    out.push([s.slice(from, p), from]);
  }
  return out;
}

/**
 * Reads `path;tag=value;…` (https://graphite.readthedocs.io/en/latest/tags.html): tag names are
 * non-empty without `;!^=`, values non-empty, not starting with `~`.
 */
function readPath(text: string, at: number): { metric: string; host: string; labels: Record<string, string> } {
  const parts = text.split(';');
  const metric = parts[0];
  if (metric === '') throw new LineProblem('PARSE_ERR_GRAPHITE_PATH', `cannot read path ${shown(text)}: it is empty`, at);
  let host = '';
  const labels: Record<string, string> = {};
  let offset = at + metric.length + 1;
  for (const tag of parts.slice(1)) {
    const eq = tag.indexOf('=');
    const name = eq < 0 ? tag : tag.slice(0, eq);
    const value = eq < 0 ? '' : tag.slice(eq + 1);
    if (eq <= 0 || /[!^]/.test(name) || value === '' || value.startsWith('~')) {
      throw new LineProblem('PARSE_ERR_GRAPHITE_TAG', `cannot read tag ${shown(tag)} of ${shown(metric)}: not name=value with a valid name and a value not starting with ~`, offset);
    }
    if (name === 'host') host = value;
    else labels[name] = value;
    offset += tag.length + 1;
  }
  return { metric, host, labels };
}

function readValue(text: string, at: number): number {
  if (NAN.test(text)) return NaN;
  const v = NUMBER.test(text) ? Number(text) : NaN;
  if (Number.isFinite(v)) return v;
  throw new LineProblem('PARSE_ERR_GRAPHITE_VALUE', `cannot read value ${shown(text)}: not a finite number`, at);
}

function readTimestamp(text: string | undefined, at: number, receivedAt: number): number {
  if (text === undefined || text === '-1') return receivedAt;
  const seconds = NUMBER.test(text) ? Number(text) : NaN;
  const ms = Math.round(seconds * 1000);
  if (!(seconds >= 0) || ms > MAX_MS) throw new LineProblem('PARSE_ERR_GRAPHITE_TIMESTAMP', `cannot read timestamp ${shown(text)}: not seconds since the epoch or -1`, at);
  return ms;
}

function parseLine(s: string, start: number, end: number, ctx: GraphiteContext): MetricRecord {
  const fields = split(s, start, end);
  if (fields.length < 2 || fields.length > 3) {
    throw new LineProblem('PARSE_ERR_GRAPHITE_FIELDS', `cannot read line ${shown(s.slice(start, end))}: expected "path value [timestamp]", got ${fields.length} field${fields.length === 1 ? '' : 's'}`, start);
  }
  const { metric, host, labels } = readPath(fields[0][0], fields[0][1]);
  const value = readValue(fields[1][0], fields[1][1]);
  const ts = readTimestamp(fields[2]?.[0], fields[2]?.[1] ?? end, ctx.receivedAt);
  return { metric, host, labels, kind: 'gauge', ts, value, interval: 0 };
}

/**
 * Parses Graphite plaintext (https://graphite.readthedocs.io/en/latest/feeding-carbon.html):
 * lines `path value [timestamp]`, fields separated by spaces or tabs, timestamp in seconds (may be
 * fractional; missing or -1 means `ctx.receivedAt`). The path may carry Graphite tags
 * (`path;tag=value;…`): the metric name is the path without them, tag `host` is the host (else
 * ''), other tags are labels. Every value is a gauge; `nan` is an unknown value (NaN), as collectd's
 * write_graphite prints it. Blank lines are skipped, `\r\n` is accepted. A bad line is refused as a
 * {@link Rejection} with its 1-based `line` and character `offset`; the others are kept.
 *
 * Pure: no clock, no I/O, never throws for any input.
 */
export function parseGraphite(body: Buffer | string, ctx: GraphiteContext): ParseResult {
  const s = typeof body === 'string' ? body : body.toString('utf8');
  const records: MetricRecord[] = [];
  const rejected: Rejection[] = [];
  let line = 0;
  for (let start = 0; start < s.length; ) {
    line++;
    let nl = s.indexOf('\n', start);
    if (nl < 0) nl = s.length;
    const end = nl > start && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    if (/\S/.test(s.slice(start, end))) {
      try {
        records.push(parseLine(s, start, end, ctx));
      } catch (err) {
        if (!(err instanceof LineProblem)) throw err;
        rejected.push({ code: err.code, message: `${err.message} (line ${line})`, line, offset: err.offset });
      }
    }
    start = nl + 1;
  }
  return { records, events: [], rejected };
}
