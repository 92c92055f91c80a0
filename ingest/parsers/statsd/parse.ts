import type { Rejection } from '../types.ts';

/**
 * StatsD metric types: counter, gauge, timer, histogram, distribution (read like a histogram) and set.
 * https://github.com/statsd/statsd/blob/master/docs/metric_types.md, and DogStatsD's `h` and `d`.
 */
export const STATSD_TYPES = ['c', 'g', 'ms', 'h', 'd', 's'] as const;
export type StatsdType = (typeof STATSD_TYPES)[number];

/**
 * One metric of a StatsD line, before aggregation. Built new per call; the caller owns it.
 */
export interface StatsdSample {
  /** Key name after StatsD's sanitising (whitespace → `_`, `/` → `-`, other characters dropped). */
  readonly name: string;
  readonly type: StatsdType;
  /** The number (every type but sets). */
  readonly value: number;
  /** The member of a set, as sent. */
  readonly member?: string;
  /** A gauge `+N`/`-N`: add to the last value instead of setting it. */
  readonly delta: boolean;
  /** `|@rate`, in (0, 1]; 1 when absent. */
  readonly sampleRate: number;
  /** DogStatsD `|#k:v,k2` tags, other than `host`; a tag without a value reads as `"true"`. */
  readonly labels: Readonly<Record<string, string>>;
  /** The `host` tag, when sent. */
  readonly host?: string;
}

/** What {@link parseStatsd} returns; the arrays are new for each call. */
export interface StatsdParseResult {
  readonly samples: StatsdSample[];
  /** Refused lines, with their 1-based `line` and the character `offset` of the line's start. */
  readonly rejected: Rejection[];
}

/** Every code {@link parseStatsd} reports, one rejected line each. */
export const STATSD_PARSE_CODES = {
  PARSE_ERR_STATSD_SYNTAX: 'the line is not `name:value|type…` (no `:` or no `|`)',
  PARSE_ERR_STATSD_NAME: 'the name is empty once sanitised',
  PARSE_ERR_STATSD_TYPE: 'the type is not c, g, ms, h, d or s',
  PARSE_ERR_STATSD_VALUE: 'the value is not a finite number (or is empty for a set)',
  PARSE_ERR_STATSD_SAMPLE_RATE: '`@rate` is not a number in (0, 1]',
  PARSE_ERR_STATSD_TAGS: 'a `#` tag has an empty name',
} as const;
export type StatsdParseCode = keyof typeof STATSD_PARSE_CODES;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TYPES: ReadonlySet<string> = new Set(STATSD_TYPES);

class LineError extends Error {
  constructor(
    readonly code: StatsdParseCode,
    message: string,
  ) {
    super(message);
  }
}

function shown(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/** StatsD's `sanitizeKeyName` (statsd/stats.js), without the `;=` of Graphite tags. */
export function sanitizeName(key: string): string {
  return key.replace(/\s+/g, '_').replace(/\//g, '-').replace(/[^a-zA-Z_\-0-9.]/g, '');
}

function readTags(text: string, into: Record<string, string>): string | undefined {
  let host: string | undefined;
  for (const tag of text.split(',')) {
    if (tag === '') continue;
    const colon = tag.indexOf(':');
    const k = colon < 0 ? tag : tag.slice(0, colon);
    // Telegraf's DogStatsD parser gives a tag without a value the value "true".
    const v = colon < 0 ? 'true' : tag.slice(colon + 1);
    if (k === '') throw new LineError('PARSE_ERR_STATSD_TAGS', `cannot read tag ${shown(tag)}: empty name`);
    if (v === '') continue;
    if (k === 'host') host = v;
    else into[k] = v;
  }
  return host;
}

function readLine(line: string): StatsdSample {
  const colon = line.indexOf(':');
  const pipe = line.indexOf('|', colon + 1);
  if (colon < 0 || pipe < 0) throw new LineError('PARSE_ERR_STATSD_SYNTAX', `cannot read StatsD line ${shown(line)}: expected name:value|type`);
  const name = sanitizeName(line.slice(0, colon));
  if (name === '') throw new LineError('PARSE_ERR_STATSD_NAME', `cannot read StatsD line ${shown(line)}: empty name`);
  const raw = line.slice(colon + 1, pipe);
  const fields = line.slice(pipe + 1).split('|');
  const type = fields[0];
  if (!TYPES.has(type)) throw new LineError('PARSE_ERR_STATSD_TYPE', `cannot read StatsD type ${shown(type)} of ${shown(name)}: expected c, g, ms, h, d or s`);
  let sampleRate = 1;
  const labels: Record<string, string> = {};
  let host: string | undefined;
  for (const f of fields.slice(1)) {
    if (f.startsWith('@')) {
      sampleRate = NUMBER.test(f.slice(1)) ? Number(f.slice(1)) : NaN;
      if (!(sampleRate > 0 && sampleRate <= 1)) throw new LineError('PARSE_ERR_STATSD_SAMPLE_RATE', `cannot read sample rate ${shown(f)} of ${shown(name)}: expected @ and a number in (0, 1]`);
    } else if (f.startsWith('#')) {
      host = readTags(f.slice(1), labels) ?? host;
    }
    // Other DogStatsD fields (|T<timestamp>, |c:<container>, |card:…) are ignored, as StatsD does.
  }
  if (type === 's') {
    if (raw === '') throw new LineError('PARSE_ERR_STATSD_VALUE', `cannot read set member of ${shown(name)}: empty`);
    return { name, type, value: 0, member: raw, delta: false, sampleRate, labels, ...(host !== undefined && { host }) };
  }
  const value = NUMBER.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(value)) throw new LineError('PARSE_ERR_STATSD_VALUE', `cannot read value ${shown(raw)} of ${shown(name)}: not a finite number`);
  // A gauge is a delta only with an explicit sign; "-5" is a delta, there is no way to set -5 directly
  // (StatsD docs: set 0 first, then send the delta).
  const delta = type === 'g' && (raw[0] === '+' || raw[0] === '-');
  return { name, type: type as StatsdType, value, delta, sampleRate, labels, ...(host !== undefined && { host }) };
}

/**
 * Parses one StatsD datagram: lines `name:value|type[|@rate][|#tag:value,…]` separated by `\n` (or
 * `\r\n`), as the etsy StatsD server and DogStatsD read them. Empty lines are skipped. A line that
 * does not parse is reported in `rejected` with its line number and offset; the other lines are kept.
 * Several `:value` groups on one line (StatsD's multi-metric form) are not read: the line is rejected.
 *
 * Pure: no clock, no I/O. Never throws for any input.
 */
export function parseStatsd(input: Buffer | string): StatsdParseResult {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const samples: StatsdSample[] = [];
  const rejected: Rejection[] = [];
  let offset = 0;
  let lineNo = 0;
  while (offset <= text.length) {
    let end = text.indexOf('\n', offset);
    if (end < 0) end = text.length;
    lineNo++;
    let line = text.slice(offset, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() !== '') {
      try {
        samples.push(readLine(line));
      } catch (err) {
        if (!(err instanceof LineError)) throw err;
        rejected.push({ code: err.code, message: err.message, line: lineNo, offset, values: 1 });
      }
    }
    offset = end + 1;
  }
  return { samples, rejected };
}
