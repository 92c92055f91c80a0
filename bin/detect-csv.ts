// The CSV side of `fleetscope detect`: reading rows of `timestamp,value` and writing them back with a
// score, one row at a time, so memory stays bounded whatever the length of the input.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** A row of the input that cannot be used; `line` is 1-based and counts the header. */
export class CsvInputError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'CsvInputError';
  }
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const EPOCH = /^\d+(?:\.\d+)?$/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const MISSING = /^(?:nan|null)?$/i;

/**
 * Parses a timestamp: ISO 8601 (`2024-01-31T12:00:00Z`, `2024-01-31T12:00:00.250+02:00`, a date alone)
 * or `YYYY-MM-DD HH:MM:SS`, UTC unless an offset is given; or epoch seconds (below 1e11) or milliseconds.
 * Returns epoch milliseconds, or undefined when the text is none of those or names no real time.
 *
 * @example parseTimestamp('2014-04-10 00:02:00') === Date.UTC(2014, 3, 10, 0, 2)
 */
export function parseTimestamp(text: string): number | undefined {
  if (EPOCH.test(text)) {
    const n = Number(text);
    return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  }
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h = 0, mi = 0, s = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => (x === undefined ? undefined : Number(x)));
  const ms = Date.UTC(y as number, (mo as number) - 1, d as number, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== (mo as number) - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== s) {
    return undefined; // 2024-02-30, 25:00 and friends
  }
  const frac = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  return ms + frac - offsetMs(m[8]);
}

function offsetMs(zone: string | undefined): number {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

/** One input row: the text of its first two fields, and what they mean. */
export interface CsvRow {
  readonly timestampText: string;
  readonly valueText: string;
  readonly t: number;
  /** null: no value (an empty field, NaN or null). */
  readonly value: number | null;
}

function unquote(field: string): string {
  const f = field.trim();
  return f.length >= 2 && f.startsWith('"') && f.endsWith('"') ? f.slice(1, -1).replaceAll('""', '"') : f;
}

/** Checks the header: its first two fields must be `timestamp` and `value`; more fields are allowed. */
export function checkHeader(line: string): void {
  const fields = line.replace(/^\uFEFF/, '').split(',').map((f) => unquote(f).toLowerCase());
  if (fields[0] !== 'timestamp' || fields[1] !== 'value') {
    throw new CsvInputError(`expected the header "timestamp,value", got "${line.slice(0, 80)}"`, 1);
  }
}

/** Parses one data row (`lineNo` for the error); fields after the second are ignored. */
export function parseRow(line: string, lineNo: number): CsvRow {
  const fields = line.split(',');
  if (fields.length < 2) throw new CsvInputError(`expected 2 fields (timestamp,value), got ${fields.length}: "${line.slice(0, 80)}"`, lineNo);
  const timestampText = unquote(fields[0]);
  const valueText = unquote(fields[1]);
  const t = parseTimestamp(timestampText);
  if (t === undefined) {
    throw new CsvInputError(`bad timestamp "${timestampText.slice(0, 40)}": use ISO 8601 (2024-01-31T12:00:00Z) or YYYY-MM-DD HH:MM:SS (UTC)`, lineNo);
  }
  let value: number | null = null;
  if (!MISSING.test(valueText)) {
    if (!NUMBER.test(valueText)) throw new CsvInputError(`bad value "${valueText.slice(0, 40)}": a number, or empty or NaN for a missing value`, lineNo);
    value = Number(valueText);
    if (!Number.isFinite(value)) throw new CsvInputError(`bad value "${valueText.slice(0, 40)}": out of range`, lineNo);
  }
  return { timestampText: fields[0].trim(), valueText: fields[1].trim(), t, value };
}

/** What the scorer says of one row: the score, and with `details` the kind and band. */
export interface RowScore {
  readonly score: number;
  readonly kind?: string;
  readonly expected?: number;
  readonly low?: number;
  readonly high?: number;
}

const fmt = (x: number | undefined): string => (x === undefined ? '' : String(Number(x.toPrecision(8))));

/**
 * Reads CSV rows from `input`, scores each with `score` (called in input order) and writes
 * `timestamp,value,anomaly_score` rows to `output` as they come, waiting when `output` is full. The
 * timestamp and value are echoed as given. Rows already written stay written when a later row is bad:
 * the error (a {@link CsvInputError}) is thrown after them.
 */
export async function scoreCsv(input: Readable, output: Writable, score: (t: number, value: number | null) => RowScore, details: boolean): Promise<number> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  let header = false;
  let rows = 0;
  let buf = '';
  const flush = async (): Promise<void> => {
    if (buf === '') return;
    const ok = output.write(buf);
    buf = '';
    if (!ok) await once(output, 'drain');
  };
  try {
    for await (const raw of lines) {
      lineNo += 1;
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim() === '') continue;
      if (!header) {
        checkHeader(line);
        header = true;
        buf += details ? 'timestamp,value,anomaly_score,kind,expected,low,high\n' : 'timestamp,value,anomaly_score\n';
        continue;
      }
      const row = parseRow(line, lineNo);
      const s = score(row.t, row.value);
      buf += `${row.timestampText},${row.valueText},${Number(s.score.toFixed(6))}`;
      buf += details ? `,${s.kind ?? ''},${fmt(s.expected)},${fmt(s.low)},${fmt(s.high)}\n` : '\n';
      rows += 1;
      if (buf.length >= 65_536) await flush();
    }
  } catch (err) {
    await flush(); // the rows before the bad one are answered
    throw err;
  }
  await flush();
  if (!header) throw new CsvInputError('no header line: expected "timestamp,value" then one row per point', Math.max(1, lineNo));
  return rows;
}
