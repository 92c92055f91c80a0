import type { EventRecord, MetricKind, MetricRecord } from '../../../lib/record.ts';
import type { Rejection } from '../types.ts';
import { cdtimeToMs, pushValueList, severityName } from '../collectd-common/value-list.ts';
import type { DataSource } from '../collectd-common/types-db.ts';
import type { CollectdBinaryCode } from './codes.ts';
import type { BinaryParseContext } from './parse.ts';

// The plain parts of collectd's network protocol (report §3.3–3.5): identity strings, times,
// VALUES and MESSAGE, turning the region state into records and events. The walk over parts, the
// security levels and the signed/encrypted regions are in parse.ts.

const PART_HOST = 0x0000;
const PART_TIME = 0x0001;
const PART_PLUGIN = 0x0002;
const PART_PLUGIN_INSTANCE = 0x0003;
const PART_TYPE = 0x0004;
const PART_TYPE_INSTANCE = 0x0005;
/** The part that emits a value list. */
export const PART_VALUES = 0x0006;
const PART_INTERVAL = 0x0007;
const PART_TIME_HR = 0x0008;
const PART_INTERVAL_HR = 0x0009;
const PART_MESSAGE = 0x0100;
const PART_SEVERITY = 0x0101;

/** Name fields hold 127 bytes plus NUL (DATA_MAX_NAME_LEN), the message 255 plus NUL. */
const MAX_NAME_PAYLOAD = 128;
const MAX_MESSAGE_PAYLOAD = 256;

/** Wire kind code → record kind (network.h: 0 COUNTER, 1 GAUGE, 2 DERIVE, 3 ABSOLUTE). */
const KIND_BY_CODE: readonly MetricKind[] = ['counter', 'gauge', 'derive', 'absolute'];

/**
 * Result of one `parseCollectdPacket` call under construction (its arrays become the result's), plus
 * the context. Owned by that call only.
 */
export interface Acc {
  readonly ctx: BinaryParseContext;
  records: MetricRecord[];
  events: EventRecord[];
  rejected: Rejection[];
  valueLists: number;
  notifications: number;
  signedRegions: number;
  encryptedRegions: number;
  uncheckedSignatures: number;
  ignoredParts: number;
  ignoredValueLists: number;
  unknownParts: number;
  kindMismatches: number;
}

/**
 * The "current" value list and notification of one region (report §3.5): fresh and empty at the
 * start of each datagram and of each signed or encrypted region, never carried further.
 */
export class RegionState {
  host = '';
  plugin = '';
  pluginInstance = '';
  type = '';
  typeInstance = '';
  /** Milliseconds; meaningful only when `hasTime`. */
  time = 0;
  /** False while no TIME part was seen or the last one was 0 (collectd drops data with time 0). */
  hasTime = false;
  interval = 0;
  severity = 0;
}

/** Appends a Rejection; `message` must follow "cannot <verb> <what> at offset N: <why>". */
export function reject(acc: Acc, code: CollectdBinaryCode, message: string, offset: number, values?: number): void {
  acc.rejected.push(values === undefined ? { code, message, offset } : { code, message, offset, values });
}

/** One plain part; returns false when the region must stop here. */
export function parsePart(acc: Acc, st: RegionState, buf: Buffer, pos: number, type: number, len: number, delta: number): boolean {
  switch (type) {
    case PART_VALUES:
      return parseValues(acc, st, buf, pos, len, delta);
    case PART_HOST:
    case PART_PLUGIN:
    case PART_PLUGIN_INSTANCE:
    case PART_TYPE:
    case PART_TYPE_INSTANCE:
    case PART_MESSAGE:
      return parseStringPart(acc, st, buf, pos, type, len, delta);
    case PART_TIME:
    case PART_TIME_HR:
    case PART_INTERVAL:
    case PART_INTERVAL_HR:
    case PART_SEVERITY:
      return parseNumberPart(acc, st, buf, pos, type, len, delta);
    default:
      // Unknown part types are skipped by their length (forward compatibility, report §3.3).
      acc.unknownParts++;
      return true;
  }
}

function parseStringPart(acc: Acc, st: RegionState, buf: Buffer, pos: number, type: number, len: number, delta: number): boolean {
  const max = type === PART_MESSAGE ? MAX_MESSAGE_PAYLOAD : MAX_NAME_PAYLOAD;
  const s = readString(acc, buf, pos, len, max, delta);
  if (s === undefined) return false;
  switch (type) {
    case PART_HOST:
      st.host = s;
      break;
    case PART_PLUGIN:
      st.plugin = s;
      break;
    case PART_PLUGIN_INSTANCE:
      st.pluginInstance = s;
      break;
    case PART_TYPE:
      st.type = s;
      break;
    case PART_TYPE_INSTANCE:
      st.typeInstance = s;
      break;
    default:
      emitNotification(acc, st, s, pos + delta);
  }
  return true;
}

/**
 * collectd's `parse_part_string`: payload = bytes + NUL, at most `max` bytes with the NUL. The text is
 * cut at the first NUL (C semantics) and decoded as UTF-8 (ASCII fast path).
 */
function readString(acc: Acc, buf: Buffer, pos: number, len: number, max: number, delta: number): string | undefined {
  let why: string | undefined;
  if (len <= 4) why = `length ${len} leaves no room for the terminating NUL`;
  else if (len - 4 > max) why = `${len - 4} bytes exceed the limit of ${max} (NUL included)`;
  else if (buf[pos + len - 1] !== 0) why = 'the last byte is not NUL';
  if (why !== undefined) {
    reject(acc, 'PARSE_ERR_BAD_STRING', `cannot parse string part 0x${hex4((buf[pos] << 8) | buf[pos + 1])} at offset ${pos + delta}: ${why}`, pos + delta);
    return undefined;
  }
  const start = pos + 4;
  let i = start;
  let high = 0;
  for (let b = buf[i]; b !== 0; b = buf[++i]) high |= b;
  return buf.toString(high < 0x80 ? 'latin1' : 'utf8', start, i);
}

function parseNumberPart(acc: Acc, st: RegionState, buf: Buffer, pos: number, type: number, len: number, delta: number): boolean {
  if (len !== 12) {
    const why = `length ${len} is not 12`;
    reject(acc, 'PARSE_ERR_BAD_NUMBER', `cannot parse numeric part 0x${hex4(type)} at offset ${pos + delta}: ${why}`, pos + delta);
    return false;
  }
  if (type === PART_SEVERITY) {
    st.severity = buf.readInt32BE(pos + 8); // collectd keeps the low 32 bits: `(int)tmp`
    return true;
  }
  const raw = buf.readBigUInt64BE(pos + 4);
  // TIME and INTERVAL (collectd 4.x) are whole seconds; the _HR forms are cdtime_t (2^-30 s).
  const cdtime = type === PART_TIME || type === PART_INTERVAL ? BigInt.asUintN(64, raw << 30n) : raw;
  if (type === PART_TIME || type === PART_TIME_HR) {
    st.time = cdtimeToMs(cdtime);
    st.hasTime = cdtime !== 0n;
  } else {
    st.interval = cdtimeToMs(cdtime);
  }
  return true;
}

/** collectd's `parse_part_values` plus `network_dispatch_values` and the types.db check of `plugin_dispatch_values`. */
function parseValues(acc: Acc, st: RegionState, buf: Buffer, pos: number, len: number, delta: number): boolean {
  const at = pos + delta;
  const n = len >= 6 ? (buf[pos + 4] << 8) | buf[pos + 5] : -1;
  if (n < 0 || len !== 6 + 9 * n) {
    const why = n < 0 ? `length ${len} < 6` : `length ${len} does not match ${n} values (expected ${6 + 9 * n})`;
    reject(acc, 'PARSE_ERR_BAD_VALUES', `cannot parse values part at offset ${at}: ${why}`, at);
    return false;
  }
  if (n === 0) {
    reject(acc, 'PARSE_ERR_BAD_VALUES', `cannot parse values part at offset ${at}: it holds no values`, at, 0);
    return true;
  }
  const codes = pos + 6;
  for (let i = 0; i < n; i++) {
    if (buf[codes + i] > 3) {
      const why = `value ${i} has unknown kind code ${buf[codes + i]}`;
      reject(acc, 'PARSE_ERR_BAD_KIND', `cannot parse values part at offset ${at}: ${why}`, at, n);
      return false;
    }
  }
  const sources = checkValueList(acc, st, n, at);
  if (sources !== undefined) emitValueList(acc, st, buf, codes, n, sources);
  return true;
}

/** The data sources of the current type, or undefined (and a Rejection) when the value list must be dropped. */
function checkValueList(acc: Acc, st: RegionState, n: number, at: number): readonly DataSource[] | undefined {
  if (!st.hasTime || st.host === '' || st.plugin === '' || st.type === '') {
    const missing = [!st.hasTime && 'time', st.host === '' && 'host', st.plugin === '' && 'plugin', st.type === '' && 'type'];
    const why = `no ${missing.filter(Boolean).join(', ')} before it`;
    reject(acc, 'PARSE_ERR_INCOMPLETE_VALUE_LIST', `cannot accept value list at offset ${at}: ${why}`, at, n);
    return undefined;
  }
  const sources = acc.ctx.typesDb.get(st.type);
  if (sources === undefined) {
    const why = `type ${quote(st.type)} is not in types.db`;
    reject(acc, 'PARSE_ERR_UNKNOWN_TYPE', `cannot accept value list at offset ${at}: ${why}`, at, n);
    return undefined;
  }
  if (sources.length !== n) {
    const why = `type ${quote(st.type)} has ${sources.length} data sources but ${n} values arrived`;
    reject(acc, 'PARSE_ERR_VALUE_COUNT', `cannot accept value list at offset ${at}: ${why}`, at, n);
    return undefined;
  }
  return sources;
}

function emitValueList(acc: Acc, st: RegionState, buf: Buffer, codes: number, n: number, sources: readonly DataSource[]): void {
  const kinds = new Array<MetricKind>(n);
  const values = new Array<number | bigint>(n);
  let at = codes + n;
  for (let i = 0; i < n; i++, at += 8) {
    const code = buf[codes + i];
    // Gauges are little-endian doubles (any NaN pattern reads as NaN); the others big-endian integers.
    if (code === 1) values[i] = buf.readDoubleLE(at);
    else if (code === 2) values[i] = buf.readBigInt64BE(at);
    else values[i] = buf.readBigUInt64BE(at);
    kinds[i] = KIND_BY_CODE[code];
    if (kinds[i] !== sources[i].kind) acc.kindMismatches++;
  }
  pushValueList(
    {
      host: st.host,
      plugin: st.plugin,
      pluginInstance: st.pluginInstance,
      type: st.type,
      typeInstance: st.typeInstance,
      time: st.time,
      interval: st.interval,
      dsNames: dsNamesOf(sources),
      kinds,
      values,
    },
    acc.records,
  );
  acc.valueLists++;
}

const dsNameCache = new WeakMap<readonly DataSource[], readonly string[]>();

function dsNamesOf(sources: readonly DataSource[]): readonly string[] {
  let names = dsNameCache.get(sources);
  if (names === undefined) {
    names = sources.map((ds) => ds.name);
    dsNameCache.set(sources, names);
  }
  return names;
}

function emitNotification(acc: Acc, st: RegionState, message: string, at: number): void {
  let why: string | undefined;
  if (st.severity !== 1 && st.severity !== 2 && st.severity !== 4) why = `severity ${st.severity} is not 1, 2 or 4`;
  else if (!st.hasTime) why = 'its time is 0 or missing';
  else if (message === '') why = 'its message is empty';
  if (why !== undefined) {
    reject(acc, 'PARSE_ERR_INCOMPLETE_NOTIFICATION', `cannot accept notification at offset ${at}: ${why}`, at);
    return;
  }
  const attrs: Record<string, string> = {};
  if (st.plugin !== '') attrs.plugin = st.plugin;
  if (st.pluginInstance !== '') attrs.plugin_instance = st.pluginInstance;
  if (st.type !== '') attrs.type = st.type;
  if (st.typeInstance !== '') attrs.type_instance = st.typeInstance;
  acc.events.push({ ts: st.time, host: st.host, severity: severityName(st.severity), message, source: 'collectd', attrs });
  acc.notifications++;
}

/** A part type as four hex digits, for messages. */
export function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** A name from the wire for a message: JSON-quoted (control characters escaped), at most 64 characters. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? text.slice(0, 64) + '…' : text);
}
